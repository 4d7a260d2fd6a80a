// The wire inspector's browser half (an anywidget module, no build step).
//
// Python (widget.py) sends each chunk once, as a record with its text already escaped; this
// module keeps the last max_chunks records and draws them. Every piece of text goes into the
// page with textContent: bytes that look like HTML are shown, never parsed.

const DEFAULT_MAX = 200;
const stores = new Map();  // by the view's id: every view of one inspector shares its records

function storeOf(model) {
  const key = model.get("_view_id");
  if (!stores.has(key)) stores.set(key, { records: [], views: new Set(), lastN: 0 });
  return stores.get(key);
}

function maxOf(model) {
  const max = model.get("_max_chunks");
  return Number.isInteger(max) && max > 0 ? max : DEFAULT_MAX;
}

function isRecord(r) {
  return r && Number.isInteger(r.n) && (r.type === "chunk" || r.type === "event");
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function itemOf(record) {
  const item = element("li", "chatlesson-wire-item");
  item.dataset.n = String(record.n);
  if (record.type === "event") {
    item.classList.add("chatlesson-wire-event");
    item.textContent = `connection ${record.connection}: ${record.text}`;
    return item;
  }
  const toServer = record.direction === "to-server";
  item.dataset.direction = toServer ? "to-server" : "to-client";
  item.classList.add(toServer ? "chatlesson-wire-to-server" : "chatlesson-wire-to-client");
  const head = element("div", "chatlesson-wire-head");
  head.append(
    element("span", "chatlesson-wire-number", `#${record.chunk}`),
    element("span", "chatlesson-wire-connection", `connection ${record.connection}`),
    element("span", "chatlesson-wire-time", `+${record.ms} ms`),
    element("span", "chatlesson-wire-direction", String(record.label || "")),
    element("span", "chatlesson-wire-summary", String(record.summary || "")));
  item.append(head);
  for (const row of Array.isArray(record.rows) ? record.rows : []) {
    const line = element("div", "chatlesson-wire-row");
    line.append(element("code", "chatlesson-wire-text", row.text),
                element("code", "chatlesson-wire-hex", row.hex));
    if (row.end) {
      line.classList.add("chatlesson-wire-line-end");
      const mark = element("span", "chatlesson-wire-end-mark", "↵ line end");
      line.append(mark);
    }
    if (row.note) {
      if (/UTF-8|character/.test(row.note)) line.classList.add("chatlesson-wire-cut");
      line.append(element("span", "chatlesson-wire-note", row.note));
    }
    item.append(line);
  }
  return item;
}

function initialize({ model }) {
  const store = storeOf(model);
  const onMessage = (msg) => {
    if (!msg || typeof msg !== "object" || !Array.isArray(msg.records)) return;
    if (msg.type === "records") {
      const fresh = msg.records.filter((r) => isRecord(r) && r.n > store.lastN);
      if (!fresh.length) return;
      store.records.push(...fresh);
      store.lastN = fresh[fresh.length - 1].n;
      const extra = store.records.length - maxOf(model);
      if (extra > 0) store.records.splice(0, extra);
      for (const view of store.views) view.append(fresh);
    } else if (msg.type === "history") {
      const records = msg.records.filter(isRecord);
      const last = records.length ? records[records.length - 1].n : 0;
      store.records = records.concat(store.records.filter((r) => r.n > last));
      store.lastN = Math.max(store.lastN, last);
      for (const view of store.views) view.redraw();
    }
  };
  model.on("msg:custom", onMessage);
  try {
    model.send({ type: "history" });
  } catch (error) {
    // No kernel (a saved notebook opened without one): nothing to ask.
  }
  return () => {
    model.off("msg:custom", onMessage);
    stores.delete(model.get("_view_id"));
  };
}

function render({ model, el }) {
  const store = storeOf(model);
  el.classList.add("chatlesson-wire");
  const status = element("div", "chatlesson-wire-status");
  status.setAttribute("role", "status");
  const dropped = element("div", "chatlesson-wire-dropped");
  dropped.hidden = true;
  const list = element("ol", "chatlesson-wire-list");
  list.setAttribute("aria-label", "Chunks of bytes, oldest first");
  list.tabIndex = 0;  // scrollable from the keyboard
  el.replaceChildren(status, dropped, list);

  function showDropped() {
    const first = list.firstElementChild;
    const older = first ? Number(first.dataset.n) - 1 : 0;
    dropped.hidden = older <= 0;
    dropped.textContent = older > 0 ? `${older} older item${older === 1 ? "" : "s"} not shown` : "";
  }

  function add(records) {
    const follow = list.scrollHeight - list.scrollTop - list.clientHeight < 24;
    for (const record of records) list.append(itemOf(record));
    while (list.childElementCount > maxOf(model)) list.firstElementChild.remove();
    showDropped();
    if (follow) list.scrollTop = list.scrollHeight;
  }

  const view = {
    append: add,
    redraw() {
      list.replaceChildren();
      add(store.records);
    },
  };

  function update() {
    const running = model.get("_status") === "running";
    status.textContent = `wire inspector ${model.get("_where") || ""} · ${running ? "relaying" : "stopped"}`;
    el.classList.toggle("chatlesson-wire-stopped", !running);
  }
  model.on("change:_status", update);
  model.on("change:_where", update);
  update();
  view.redraw();
  store.views.add(view);
  return () => {
    store.views.delete(view);
    model.off("change:_status", update);
    model.off("change:_where", update);
  };
}

export default { initialize, render };
