"""Reading and driving chat panels in a JupyterLab page, for browser tests and benchmarks.

Parts are found by the CSS classes that ``chatlesson/ui/panel.py`` documents
(``chatlesson-log``, ``chatlesson-input``, ...) or by their ``data-part``
attribute, so the same selectors work for instructors' stylesheets and here.
Everything measured is measured inside the browser (``panel_probe.js``,
installed as ``window.__chatlesson``): bounding boxes, clipped parts, cut
words, placeholders that do not fit, the focused part, lines in a log.
"""

from __future__ import annotations

import re
from pathlib import Path

WAIT_MS = 60_000  # for anything that involves the kernel; a passing run never waits this long

#: Every part a test looks at: its documented class, or its data-part name.
PARTS = {
    "panel": ".chatlesson-panel",
    "nick": ".chatlesson-nick, [data-part='nick']",
    "connect": ".chatlesson-connect, [data-part='connect']",
    "disconnect": ".chatlesson-disconnect, [data-part='disconnect']",
    "status": ".chatlesson-status, [data-part='status']",
    "log": ".chatlesson-log, [data-part='log']",
    "line": ".chatlesson-line, [data-part='line']",
    "time": ".chatlesson-time, [data-part='time']",
    "sender": ".chatlesson-sender, [data-part='sender']",
    "new-messages": ".chatlesson-new-messages, [data-part='new-messages']",
    "side": ".chatlesson-side, [data-part='side']",
    "room": ".chatlesson-room, [data-part='room']",
    "members": ".chatlesson-members, [data-part='members']",
    "room box": ".chatlesson-room-input, [data-part='room-input'], [data-part='room-box']",
    "join": ".chatlesson-join, [data-part='join']",
    "input": ".chatlesson-input, [data-part='input']",
    "send": ".chatlesson-send, [data-part='send']",
}
#: Parts a person types into: the class may sit on the field or on a box around it.
TEXT_FIELDS = ("nick", "room box", "input")

PANEL_JS = (Path(__file__).with_name("panel_probe.js")).read_text(encoding="utf-8")


def install(page) -> None:
    """Define ``window.__chatlesson`` in the page (once per page load)."""
    page.evaluate(PANEL_JS, PARTS)


def panel_js(page, expression: str, arg=None):
    """Evaluate ``expression`` (using ``P`` for ``window.__chatlesson``) in the page."""
    install(page)
    return page.evaluate(f"(arg) => {{ const P = window.__chatlesson; return {expression}; }}", arg)


def part(panel, name: str):
    """The locator of a part of a panel; for text fields, the field itself."""
    selector = PARTS[name]
    if name in TEXT_FIELDS:
        return panel.locator(", ".join(
            f"{s}:is(input, textarea), {s} :is(input, textarea)" for s in selector.split(", ")))
    return panel.locator(selector)


def wait_in_log(page, panel_index: int, text: str, timeout: int = WAIT_MS) -> None:
    install(page)
    page.wait_for_function("([i, text]) => window.__chatlesson.logText(i).includes(text)",
                           arg=[panel_index, text], timeout=timeout)


def run_menu(page, menu: str, *items: str) -> None:
    """Click a menu of the menu bar, then the items in it (the last is clicked, the others opened)."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
    for item in items[:-1]:
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).hover()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(items[-1])}$")).click()


def wait_idle(page) -> None:
    page.wait_for_function(
        "() => (document.querySelector('#jp-main-statusbar')?.textContent || '').includes('| Idle')",
        timeout=WAIT_MS)


def set_theme(page, theme: str) -> None:
    """Switch JupyterLab's theme ("JupyterLab Light", "JupyterLab Dark") through the Settings menu."""
    if page.evaluate("() => document.body.dataset.jpThemeName") == theme:
        return
    run_menu(page, "Settings", "Theme", theme)
    page.wait_for_function("(theme) => document.body.dataset.jpThemeName === theme", arg=theme,
                           timeout=WAIT_MS)
    # The theme's stylesheet loads after the attribute changes: wait for its colours to apply.
    page.wait_for_function(
        """(dark) => {
            const rgb = (getComputedStyle(document.body).backgroundColor.match(/[\\d.]+/g) || []).map(Number);
            if (rgb.length < 3) return false;
            const light = (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) > 128;
            return light !== dark;
        }""", arg="Dark" in theme, timeout=WAIT_MS)
    next_frame(page)


def next_frame(page) -> None:
    """Return once the browser has painted a frame after everything done so far."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def open_file_browser(page) -> None:
    """Show the file browser in the left side bar, as students usually have it."""
    browser = page.locator("#filebrowser")
    if not browser.is_visible():
        page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id='filebrowser']").click()
        browser.wait_for(state="visible", timeout=WAIT_MS)


#: Records, for each line that shows in panel ``i``'s log and matches ``pattern``
#: (a RegExp source whose first group names the line), the wall-clock time in
#: ms when it showed: ``window.__chatlessonSeen[name]``. A MutationObserver
#: (no polling) sees each line as it is added.
WATCH_JS = r"""
([i, pattern]) => {
  const P = window.__chatlesson;
  const log = P.part(P.panels()[i], 'log');
  const regex = new RegExp(pattern, 'g');
  window.__chatlessonSeen = {};
  if (window.__chatlessonWatch) window.__chatlessonWatch.disconnect();
  const note = node => {
    const now = performance.timeOrigin + performance.now();
    for (const match of (node.textContent || '').matchAll(regex)) {
      if (!(match[1] in window.__chatlessonSeen)) window.__chatlessonSeen[match[1]] = now;
    }
  };
  window.__chatlessonWatch = new MutationObserver(records => {
    for (const record of records) {
      for (const node of record.addedNodes) note(node);
      if (record.type === 'characterData') note(record.target);
    }
  });
  window.__chatlessonWatch.observe(log, {childList: true, subtree: true, characterData: true});
}
"""


def watch_lines(page, panel_index: int, pattern: str) -> None:
    """Start recording when lines matching ``pattern`` show in a panel (see ``WATCH_JS``)."""
    install(page)
    page.evaluate(WATCH_JS, [panel_index, pattern])


def seen_lines(page) -> dict[str, float]:
    """What ``watch_lines`` recorded: line name -> wall-clock ms when it showed."""
    return page.evaluate("() => window.__chatlessonSeen || {}")


#: Scrolls panel ``i``'s log upwards by ``step`` px a frame for ``frames``
#: frames (back to the bottom when it reaches the top) and resolves with the
#: time between frames, in ms.
SCROLL_JS = r"""
([i, frames, step]) => new Promise(resolve => {
  const P = window.__chatlesson;
  const log = P.part(P.panels()[i], 'log');
  log.scrollTop = log.scrollHeight;
  const gaps = [];
  let last = 0, n = 0;
  const tick = now => {
    if (last) gaps.push(now - last);
    last = now;
    log.scrollTop = log.scrollTop > 0 ? log.scrollTop - step : log.scrollHeight;
    void log.scrollTop;  // make the browser lay out and scroll in this frame
    if (++n <= frames) requestAnimationFrame(tick);
    else resolve({gaps, scrollHeight: log.scrollHeight, clientHeight: log.clientHeight});
  };
  requestAnimationFrame(tick);
})
"""


def scroll_frames(page, panel_index: int, frames: int = 240, step: int = 300) -> dict:
    install(page)
    return page.evaluate(SCROLL_JS, [panel_index, frames, step])
