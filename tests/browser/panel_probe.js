(parts) => {
  // window.__chatlesson: what the browser tests read from chat panels (see panelpage.py).
  // Called with PARTS (part name -> CSS selector); defines the object once per page load.
  if (window.__chatlesson) return;
  const TEXT_FIELDS = ['nick', 'room box', 'input'];
  const fmt = r => `[${Math.round(r.left)}..${Math.round(r.right)} x ${Math.round(r.top)}..${Math.round(r.bottom)}]`;
  const visible = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const panels = () => Array.from(document.querySelectorAll(parts.panel));
  const part = (panel, name) => {
    const el = panel.querySelector(parts[name]);
    if (el && TEXT_FIELDS.includes(name) && !el.matches('input, textarea')) {
      return el.querySelector('input, textarea') || el;
    }
    return el;
  };
  const partOf = el => {
    for (let node = el; node && !node.matches(parts.panel); node = node.parentElement) {
      for (const [name, selector] of Object.entries(parts)) {
        if (name !== 'panel' && node.matches(selector)) return name;
      }
    }
    return el && el.closest(parts.panel) ? 'panel' : null;
  };
  const lines = panel => {
    const log = part(panel, 'log');
    const found = Array.from(log.querySelectorAll(parts.line));
    return found.length ? found : [log];
  };
  // The parts that must be whole: every named part and control, but not the
  // lines inside a scrolling log or the entries of a scrolling member list.
  const checked = panel => Array.from(panel.querySelectorAll(
      Object.values(parts).join(', ') + ', button, input, select, textarea, label'))
    .filter(el => visible(el))
    .filter(el => !(el.parentElement.closest(parts.log) || el.parentElement.closest(parts.members)))
    .filter(el => !el.matches(parts.line + ', ' + parts.time + ', ' + parts.sender))
    .filter(el => !el.closest('option'));
  const inside = (r, box) => r.left >= box.left - 1 && r.right <= box.right + 1 &&
                             r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  window.__chatlesson = {
    panels, part, partOf, lines,
    logText: i => part(panels()[i], 'log').textContent,
    lineCount: i => part(panels()[i], 'log').querySelectorAll(parts.line).length,
    focused: () => partOf(document.activeElement),
    // Whether the focused element shows it has the focus (an outline or a shadow ring).
    focusRing: () => {
      const style = getComputedStyle(document.activeElement);
      return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) ||
             style.boxShadow !== 'none';
    },
    focusedPanel: () => panels().indexOf(document.activeElement && document.activeElement.closest(parts.panel)),
    rect: (i, name) => {
      const el = name === 'panel' ? panels()[i] : part(panels()[i], name);
      if (!el) return null;
      const r = el.getBoundingClientRect();
      return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height};
    },
    // What is cut off: a part outside its panel, or outside an ancestor that
    // clips (overflow other than visible), a panel outside the notebook's
    // visible width, a button whose label does not fit.
    clipped: () => {
      const problems = [];
      const page = document.documentElement.clientWidth;
      const notebook = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
      const area = notebook.getBoundingClientRect();
      panels().forEach((panel, i) => {
        const box = panel.getBoundingClientRect();
        const left = Math.max(0, area.left), right = Math.min(page, area.right);
        if (box.left < left - 1 || box.right > right + 1) {
          problems.push(`panel ${i} ${fmt(box)} sticks out of the notebook's visible width ${Math.round(left)}..${Math.round(right)}`);
        }
        for (const el of checked(panel)) {
          const r = el.getBoundingClientRect();
          const name = partOf(el) + (el.matches(Object.values(parts).join(', ')) ? '' : ` (${el.tagName.toLowerCase()})`);
          if (!inside(r, box)) problems.push(`panel ${i}: ${name} ${fmt(r)} is outside the panel ${fmt(box)}`);
          for (let a = el.parentElement; a && a !== panel.parentElement; a = a.parentElement) {
            const style = getComputedStyle(a);
            if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
            const ar = a.getBoundingClientRect();
            if (!inside(r, ar)) {
              problems.push(`panel ${i}: ${name} ${fmt(r)} is cut off by ${partOf(a)} <${a.tagName.toLowerCase()} class="${a.className}"> ${fmt(ar)}`);
              break;
            }
          }
          if (el.matches('button') && el.scrollWidth > el.clientWidth + 1) {
            problems.push(`panel ${i}: the label of ${name} needs ${el.scrollWidth} px, it has ${el.clientWidth}`);
          }
        }
      });
      return problems;
    },
    // Boxes narrower than their placeholder text.
    shortBoxes: () => {
      const problems = [];
      const canvas = document.createElement('canvas').getContext('2d');
      panels().forEach((panel, i) => {
        for (const box of panel.querySelectorAll('input[placeholder], textarea[placeholder]')) {
          if (!visible(box) || !box.placeholder) continue;
          const style = getComputedStyle(box);
          canvas.font = style.font || `${style.fontSize} ${style.fontFamily}`;
          const needed = canvas.measureText(box.placeholder).width;
          const room = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
          if (needed > room + 1) {
            problems.push(`panel ${i}: ${partOf(box)} is ${Math.round(room)} px wide inside, "${box.placeholder}" needs ${Math.ceil(needed)}`);
          }
        }
      });
      return problems;
    },
    // Words (at most maxLength characters) that the layout breaks across lines.
    cutWords: (maxLength) => {
      const cut = [];
      for (const panel of panels()) {
        const walker = document.createTreeWalker(panel, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const parent = node.parentElement;
          if (!parent || parent.closest('select, option, style, script') || !visible(parent)) continue;
          // Whole words only: a token longer than the line may break anywhere,
          // and a hyphen or a slash is a place to break.
          for (const match of node.data.matchAll(/\S+/gu)) {
            if (match[0].length > maxLength || /[-/\u2010-\u2014]/.test(match[0])) continue;
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const tops = new Set(Array.from(range.getClientRects())
              .filter(r => r.width > 0).map(r => Math.round(r.top)));
            if (tops.size > 1) cut.push(match[0]);
          }
        }
      }
      return cut;
    },
    // The names of the tags inside a log: markup from the network would add some.
    logTags: i => Array.from(new Set(Array.from(part(panels()[i], 'log').querySelectorAll('*'))
      .map(el => el.tagName.toLowerCase()))).sort(),
    // Lines as wide as the log at most, and no sideways scrolling in it.
    overflowingLines: i => {
      const log = part(panels()[i], 'log');
      const box = log.getBoundingClientRect();
      const problems = lines(panels()[i])
        .filter(line => line !== log && line.getBoundingClientRect().right > box.right + 1)
        .map(line => `a line ${Math.round(line.getBoundingClientRect().width)} px wide in a log of ${Math.round(box.width)} px`);
      if (log.scrollWidth > log.clientWidth + 1) {
        problems.push(`the log scrolls sideways: ${log.scrollWidth} px of content in ${log.clientWidth}`);
      }
      return problems;
    },
  };
}
