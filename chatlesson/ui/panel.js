// The chat panel's browser half: an anywidget front-end module (no build step).
//
// The Python half (panel.py) sends each new log line once, as a custom message
// {type: "lines", lines: [record]}; this module keeps the lines and draws them.
// Every piece of text goes into the page with textContent or as a text node,
// never as HTML: a line like "<img src=x onerror=...>" shows as those characters.
//
// What the user does goes to Python as a custom message that carries the text
// itself ({type: "send", text}), so what is sent is exactly what was typed.

const DEFAULT_MAX_LINES = 2000;
const FOLD_LIMIT = 30;       // joins and leaves folded into one line, at most
const BOTTOM_SLACK_PX = 24;  // "at the bottom" if this close to it
const ASK_AGAIN_MS = 2000;   // ask for the history again if no answer came in this time
const KINDS = new Set(["chat", "action", "private", "notice", "request", "error",
                       "panel", "panel-error"]);

let nextId = 0;

// ---- The lines, kept once per panel (all views of a panel share them) ------
// anywidget hands initialize() and render() different wrappers of the same model,
// so the store is found by the panel's own id, not by the model object.

const stores = new Map();

function storeOf(model) {
  const key = model.get("_panel_id");
  let store = stores.get(key);
  if (!store) {
    store = { records: [], lastN: 0, views: new Set(), askedAt: 0 };
    stores.set(key, store);
  }
  return store;
}

function maxLines(model) {
  const max = model.get("_max_lines");
  return Number.isInteger(max) && max > 0 ? max : DEFAULT_MAX_LINES;
}

function trim(store, max) {
  if (store.records.length > max) store.records.splice(0, store.records.length - max);
}

function isRecord(record) {
  return record && Number.isInteger(record.n) && typeof record.text === "string";
}

function askForHistory(model, store) {
  const now = Date.now();
  if (now - store.askedAt < ASK_AGAIN_MS) return;  // an answer is probably on its way
  store.askedAt = now;
  try {
    model.send({ type: "history" });
  } catch (error) {
    // No kernel (a saved notebook opened without one): the log stays as it is.
  }
}

function initialize({ model }) {
  const store = storeOf(model);
  const onMessage = (msg) => {
    if (!msg || typeof msg !== "object") return;
    if (msg.type === "lines" && Array.isArray(msg.lines)) {
      const fresh = msg.lines.filter((r) => isRecord(r) && r.n > store.lastN);
      if (!fresh.length) return;
      // Lines are numbered: a gap means messages were lost on the way (JupyterLab drops
      // kernel messages above its rate limit). Python still has them.
      if (store.lastN > 0 && fresh[0].n > store.lastN + 1) askForHistory(model, store);
      store.records.push(...fresh);
      store.lastN = fresh[fresh.length - 1].n;
      trim(store, maxLines(model));
      for (const view of store.views) view.append(fresh);
    } else if (msg.type === "history" && Array.isArray(msg.lines)) {
      // Everything Python kept, plus what arrived here after it was taken.
      store.askedAt = 0;
      const lines = msg.lines.filter(isRecord);
      const last = lines.length ? lines[lines.length - 1].n : 0;
      store.records = lines.concat(store.records.filter((r) => r.n > last));
      store.lastN = Math.max(store.lastN, last);
      trim(store, maxLines(model));
      for (const view of store.views) view.redraw();
    } else if (msg.type === "refused") {
      for (const view of store.views) view.refused(msg);
    }
  };
  model.on("msg:custom", onMessage);
  askForHistory(model, store);  // lines sent before this module was loaded
  return () => {
    model.off("msg:custom", onMessage);
    stores.delete(model.get("_panel_id"));
  };
}

// ---- Small builders ---------------------------------------------------------

function element(tag, className, part, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (part) node.dataset.part = part;
  if (text !== undefined) node.textContent = text;
  return node;
}

function labelled(input, text, id) {
  input.id = id;
  const label = element("label", "chatlesson-sr-only", null, text);
  label.htmlFor = id;
  return [label, input];
}

function textBox(className, part, placeholder, size) {
  const input = element("input", className, part);
  input.type = "text";
  input.placeholder = placeholder;
  input.autocomplete = "off";
  input.spellcheck = false;
  input.size = size;  // wide enough for its placeholder
  return input;
}

function button(className, part, text) {
  const node = element("button", "chatlesson-button " + className, part, text);
  node.type = "button";
  return node;
}

function clockTime(date) {
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function lineElement(record) {
  const kind = KINDS.has(record.kind) ? record.kind : "chat";
  const line = element("div", `chatlesson-line chatlesson-kind-${kind}`, "line");
  line.dataset.kind = kind;
  line.dataset.n = String(record.n);
  if (record.mention) line.classList.add("chatlesson-mention");
  const when = new Date(Number.isFinite(record.time) ? record.time : Date.now());
  const time = element("time", "chatlesson-time", "time", clockTime(when));
  time.dateTime = when.toISOString();
  time.title = when.toLocaleString();
  const text = element("span", "chatlesson-text", "text");
  const sender = typeof record.sender === "string" ? record.sender : "";
  if (kind === "chat" && sender && record.text.startsWith(sender + ":")) {
    const who = element("span", "chatlesson-sender", "sender", sender);
    if (Number.isInteger(record.colour)) who.classList.add(`chatlesson-c${record.colour % 8}`);
    text.append(who, document.createTextNode(record.text.slice(sender.length)));
  } else {
    text.textContent = record.text;
  }
  line.append(time, document.createTextNode(" "), text);
  if (record.fold) {
    line.classList.add("chatlesson-foldable");
    line.dataset.folded = "1";
  }
  return line;
}

// Adds a join or leave to the folded line before it: "*** bob joined #lobby · cleo left #lobby".
function foldInto(line, record) {
  const count = Number(line.dataset.folded);
  if (!record.fold || !line.classList.contains("chatlesson-foldable") || count >= FOLD_LIMIT) {
    return false;
  }
  const text = line.querySelector(".chatlesson-text");
  const more = element("span", "chatlesson-fold-item", null,
                       " · " + record.text.replace(/^\*\*\* /, ""));
  text.append(more);
  line.dataset.folded = String(count + 1);
  line.classList.add("chatlesson-folded");
  return true;
}

// ---- One view: the panel on the page ----------------------------------------

function render({ model, el }) {
  const store = storeOf(model);
  const id = `chatlesson-${Date.now().toString(36)}-${nextId++}`;
  el.classList.add("chatlesson-panel");
  el.setAttribute("role", "group");  // named after its user, so two panels are told apart

  // Header: nickname, Connect, Disconnect, status.
  const nick = textBox("chatlesson-nick", "nick", "nickname", 12);
  const connect = button("chatlesson-connect chatlesson-primary", "connect", "Connect");
  const disconnect = button("chatlesson-disconnect", "disconnect", "Disconnect");
  const controls = element("div", "chatlesson-controls");
  controls.append(...labelled(nick, "Nickname", `${id}-nick`), connect, disconnect);
  const status = element("div", "chatlesson-status", "status");
  status.setAttribute("role", "status");
  const dot = element("span", "chatlesson-dot");
  dot.setAttribute("aria-hidden", "true");
  const statusText = element("span", "chatlesson-status-text");
  status.append(dot, statusText);
  const header = element("div", "chatlesson-header", "header");
  header.append(controls, status);

  // Body: the log (with its "new messages" marker) and the side column.
  const log = element("div", "chatlesson-log", "log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", "Messages");
  log.tabIndex = 0;  // scrollable from the keyboard
  const dropped = element("div", "chatlesson-dropped", "dropped");
  dropped.hidden = true;
  dropped.setAttribute("aria-hidden", "true");  // its count changes with every line: not news
  log.append(dropped);
  const marker = button("chatlesson-new-messages", "new-messages", "New messages ↓");
  marker.hidden = true;
  const logBox = element("div", "chatlesson-log-box");
  logBox.append(log, marker);

  const room = element("div", "chatlesson-room", "room");
  const members = element("ul", "chatlesson-members", "members");
  members.setAttribute("aria-label", "Members of this room");
  members.tabIndex = 0;
  const roomBox = textBox("chatlesson-room-input", "room-input", "room", 8);
  const join = button("chatlesson-join", "join", "Join");
  join.title = "go to this room";
  const switchRoom = element("div", "chatlesson-switch-room");
  switchRoom.append(...labelled(roomBox, "Room to join", `${id}-room`), join);
  const side = element("div", "chatlesson-side", "side");
  side.append(room, members, switchRoom);
  const body = element("div", "chatlesson-body");
  body.append(logBox, side);

  // Footer: the message box and Send.
  const input = textBox("chatlesson-input", "input", "Type a message, press Enter to send", 30);
  const send = button("chatlesson-send chatlesson-primary", "send", "Send");
  const footer = element("div", "chatlesson-footer", "footer");
  footer.append(...labelled(input, "Message", `${id}-input`), send);

  el.replaceChildren(header, body, footer);

  // ---- Drawing the log ----
  let following = true;  // at the bottom: new lines scroll into view

  const atBottom = () => log.scrollHeight - log.scrollTop - log.clientHeight <= BOTTOM_SLACK_PX;
  const lastLine = () => (log.lastElementChild === dropped ? null : log.lastElementChild);
  const lineCount = () => log.childElementCount - 1;  // minus the "dropped" note

  function showDropped() {
    const first = dropped.nextElementSibling;
    const older = first ? Number(first.dataset.n) - 1 : 0;
    dropped.hidden = older <= 0;
    const text = older > 0 ? `-- ${older} older line${older === 1 ? "" : "s"} not shown` : "";
    if (dropped.textContent !== text) dropped.textContent = text;
  }

  function addLines(records) {
    for (const record of records) {
      const last = lastLine();
      if (!(last && foldInto(last, record))) log.append(lineElement(record));
    }
    const max = maxLines(model);
    const height = log.scrollHeight;
    while (lineCount() > max) dropped.nextElementSibling.remove();
    if (!following) log.scrollTop -= height - log.scrollHeight;  // keep what you read in place
    showDropped();
  }

  const view = {
    // Python sends the lines of a burst together, so each message is drawn at once.
    append(records) {
      following = following && atBottom();
      addLines(records);
      if (following) log.scrollTop = log.scrollHeight;
      else marker.hidden = false;
    },
    redraw() {
      log.setAttribute("aria-busy", "true");
      log.replaceChildren(dropped);
      addLines(store.records);
      log.removeAttribute("aria-busy");
      if (following) log.scrollTop = log.scrollHeight;
    },
    refused(msg) {
      if (msg.view !== id || typeof msg.text !== "string") return;
      const box = msg.box === "room" ? roomBox : input;
      if (box.value === "") box.value = msg.text;  // give back what was typed
    },
  };

  log.addEventListener("scroll", () => {
    if (atBottom()) {
      following = true;
      marker.hidden = true;
    } else {
      following = false;
    }
  });
  marker.addEventListener("click", () => {
    following = true;
    marker.hidden = true;
    log.scrollTop = log.scrollHeight;
    log.focus();
  });

  // ---- Everything else follows the model's traits ----
  function update() {
    const state = model.get("_status") || "disconnected";
    const stopped = Boolean(model.get("_stopped"));
    const where = model.get("_where") || "";
    const who = model.get("_nick_text") || "";
    for (const other of ["connected", "connecting", "disconnected"]) {
      status.classList.toggle(`chatlesson-${other}`, other === state);
    }
    let text = state;
    if (state === "connected") text = `connected as ${who}${where ? " to " + where : ""}`;
    else if (where) text = `${state} (${where})`;
    if (stopped) text += " · chat stopped";
    statusText.textContent = text;
    el.setAttribute("aria-label", who ? `Chat panel of ${who}` : "Chat panel");
    if (document.activeElement !== nick || nick.disabled) nick.value = who;

    const live = state === "connected" && !stopped;
    nick.disabled = state !== "disconnected" || stopped;
    connect.disabled = state !== "disconnected" || stopped;
    disconnect.disabled = !live;
    for (const control of [input, send, roomBox, join]) control.disabled = !live;
    el.classList.toggle("chatlesson-stopped", stopped);

    const name = model.get("_room") || "";
    const names = model.get("_members") || [];
    room.textContent = name ? `#${name} · ${names.length} online` : "no room";
    room.classList.toggle("chatlesson-no-room", !name);
    members.setAttribute("aria-label", name ? `Members of #${name}` : "Members");
    members.replaceChildren(...names.map((label) => element("li", "chatlesson-member", "member", label)));
  }

  const traits = ["_status", "_stopped", "_where", "_nick_text", "_room", "_members"];
  const onChange = () => update();
  for (const trait of traits) model.on(`change:${trait}`, onChange);

  // ---- What the user does ----
  function sendTyped() {
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";  // it comes back if the panel refuses it
    model.send({ type: "send", text, view: id });
  }
  function joinTyped() {
    const name = roomBox.value;
    roomBox.value = "";
    model.send({ type: "join", room: name, view: id });
  }
  const connectTyped = () => model.send({ type: "connect", nick: nick.value, view: id });

  function onEnter(box, action) {
    box.addEventListener("keydown", (event) => {
      // Typing here is not a notebook shortcut; Escape still takes you back to the notebook.
      if (event.key !== "Escape") event.stopPropagation();
      if (event.key === "Enter" && !event.isComposing && !event.shiftKey) {
        event.preventDefault();
        action();
      }
    });
  }
  onEnter(input, sendTyped);
  onEnter(roomBox, joinTyped);
  onEnter(nick, connectTyped);
  send.addEventListener("click", sendTyped);
  join.addEventListener("click", joinTyped);
  connect.addEventListener("click", connectTyped);
  disconnect.addEventListener("click", () => model.send({ type: "disconnect", view: id }));

  update();
  view.redraw();
  store.views.add(view);
  return () => {
    store.views.delete(view);
    for (const trait of traits) model.off(`change:${trait}`, onChange);
  };
}

export default { initialize, render };
