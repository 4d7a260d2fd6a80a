// The instructor's dashboard: the browser half of dashboard.py (an anywidget module).
//
// Python keeps the state in synchronised traits (who is online, the rate, the board's
// grid, the last lines); this module draws them. Every text goes in with textContent,
// never as HTML: a student's nickname cannot inject markup. Buttons send a custom
// message ({type: "kick", nick}) that Python carries out with the instructor's rights.

function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, className, onClick, name) {
  const node = make("button", `chatlesson-dash-button ${className}`, label);
  node.type = "button";
  if (name) node.setAttribute("aria-label", name);  // "Kick ada", not one of many "Kick"
  node.addEventListener("click", onClick);
  return node;
}

function render({ model, el }) {
  const root = make("div", "chatlesson-dashboard");
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", "Classroom dashboard");

  const header = make("div", "chatlesson-dash-header");
  const where = make("span", "chatlesson-dash-where");
  const rate = make("span", "chatlesson-dash-rate");
  const refresh = button("Refresh", "chatlesson-dash-refresh",
                         () => model.send({ type: "refresh" }));
  const slow = make("select", "chatlesson-dash-slow");
  slow.setAttribute("aria-label", "Slow mode");
  for (const [seconds, label] of [[0, "Slow mode off"], [5, "Slow: 1 line / 5 s"],
                                  [15, "Slow: 1 line / 15 s"], [60, "Slow: 1 line / min"]]) {
    const option = make("option", "", label);
    option.value = String(seconds);
    slow.append(option);
  }
  slow.addEventListener("change", () => model.send({ type: "slow", seconds: Number(slow.value) }));
  const save = button("Save transcript", "chatlesson-dash-transcript",
                      () => model.send({ type: "transcript" }));
  header.append(where, rate, refresh, slow, save);

  const notice = make("div", "chatlesson-dash-notice");
  notice.setAttribute("role", "status");

  const online = make("table", "chatlesson-dash-online");
  const board = make("table", "chatlesson-dash-board");

  const announceRow = make("div", "chatlesson-dash-announce-row");
  const announce = make("input", "chatlesson-dash-announce");
  announce.placeholder = "Announcement to pin for every room";
  announce.setAttribute("aria-label", "Announcement to pin for every room");
  const sendAnnouncement = () => {
    const text = announce.value;
    if (!text.trim()) return;
    model.send({ type: "announce", text });
    announce.value = "";
  };
  announce.addEventListener("keydown", (event) => {
    if (event.key === "Enter") sendAnnouncement();
  });
  announceRow.append(announce, button("Pin", "chatlesson-dash-announce-send", sendAnnouncement));

  const log = make("pre", "chatlesson-dash-log");
  log.setAttribute("aria-label", "What the instructor's seat sees");

  root.append(header, notice, make("h4", "", "Online"), online, announceRow,
              make("h4", "", "Progress board"), board, make("h4", "", "Chat (instructor's room)"), log);
  el.append(root);

  function drawOnline() {
    online.replaceChildren();
    const head = online.insertRow();
    for (const title of ["nick", "room", "address", "status", "actions"]) head.append(make("th", "", title));
    for (const person of model.get("_online")) {
      const row = online.insertRow();
      row.className = "chatlesson-dash-member";
      row.dataset.nick = person.nick;
      row.insertCell().textContent = person.nick;
      row.insertCell().textContent = "#" + person.room;
      row.insertCell().textContent = person.host;
      row.insertCell().textContent = person.instructor ? "instructor"
        : person.muted ? "muted" : person.admin ? "admin" : "";
      const actions = row.insertCell();
      if (!person.instructor) {
        const act = (type) => () => model.send({ type, nick: person.nick });
        const mute = person.muted ? "Unmute" : "Mute";
        actions.append(
          button(mute, `chatlesson-dash-${mute.toLowerCase()}`, act(mute.toLowerCase()),
                 `${mute} ${person.nick}`),
          button("Kick", "chatlesson-dash-kick", act("kick"), `Kick ${person.nick}`),
          button("Ban", "chatlesson-dash-ban", act("ban"), `Ban ${person.nick}`));
      }
    }
  }

  function drawBoard() {
    board.replaceChildren();
    const levels = model.get("_levels");
    const head = board.insertRow();
    for (const title of ["student", "address", "state", ...levels, "reached"]) head.append(make("th", "", title));
    for (const entry of model.get("_grid")) {
      const row = board.insertRow();
      row.dataset.nick = entry.nick;
      row.insertCell().textContent = entry.nick;
      row.insertCell().textContent = entry.address;
      row.insertCell().textContent = entry.state;
      for (const level of levels) {
        const cell = row.insertCell();
        const status = entry[level] || "";
        cell.textContent = { passed: "\u2714", failed: "\u2718", skipped: "-" }[status] || "";
        cell.className = status ? `chatlesson-dash-${status}` : "";
        cell.title = status;
      }
      row.insertCell().textContent = entry.reached || "-";
    }
  }

  function drawRest() {
    where.textContent = model.get("_where");
    const count = model.get("_rate");
    rate.textContent = `${count} chat line${count === 1 ? "" : "s"} in the last minute`;
    notice.textContent = model.get("_notice");
    const seconds = String(model.get("_slow"));
    if (![...slow.options].some((o) => o.value === seconds)) {
      const option = make("option", "", `Slow: 1 line / ${seconds} s`);  // set from code
      option.value = seconds;
      slow.append(option);
    }
    if (document.activeElement !== slow) slow.value = seconds;
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 24;
    log.textContent = model.get("_log").join("\n");
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  drawOnline(); drawBoard(); drawRest();
  model.on("change:_online", drawOnline);
  model.on("change:_grid", drawBoard);
  model.on("change:_levels", drawBoard);
  for (const trait of ["_where", "_rate", "_notice", "_log", "_slow"]) model.on(`change:${trait}`, drawRest);
  return () => root.remove();
}

export default { render };
