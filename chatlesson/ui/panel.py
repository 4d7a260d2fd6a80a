"""A chat window for JupyterLab, built from ipywidgets.

``ChatPanel(server, nick="ada")`` shows a panel connected to a ``ChatServer``
that runs in this kernel; ``ChatPanel("10.0.0.5", 11826, nick="ada")``
connects to any server, for example the instructor's. Each panel is one user,
so ``HBox([ada, bob])`` shows two people chatting side by side.

Why it is safe inside a notebook:

* The receiving thread (the ``ChatClient``'s) only *sets widget values*: the
  log's ``outputs``, the member list's ``options``, the status line's
  ``value``. ipywidgets turns each into a message to the browser. The thread
  never prints and never uses ``with output:``, so nothing lands in a cell.
* Text from the network is shown as text, never as markup. The log is an
  ``Output`` widget fed plain stream text, which the browser escapes; members
  are ``Select`` options, which are text. The room and status lines are small
  ``HTML`` widgets, and every piece of text in them goes through
  ``html.escape``. Control characters are replaced, so nobody can recolour or
  rewrite your log with terminal escape sequences.
* The log is *bounded*, not virtualised: it keeps the last ``max_lines`` lines
  (500 by default), at most ``MAX_LOG_CHARS`` characters of them, and says how
  many older ones it dropped, so a long chat costs no more to redraw than a
  short one.
* ``disconnect()`` and ``close()`` end the receiving thread and wait for it.
  A server that stops or goes away ends it too; the panel then shows
  "disconnected", and Connect (or ``connect()``) joins again.

CSS classes on its parts, for tests and for instructors' stylesheets:

======================== ==============================================
``chatlesson-panel``     the whole panel
``chatlesson-header``    the top: nickname, buttons, and the status below
``chatlesson-nick``      nickname box (editable while disconnected)
``chatlesson-connect``   Connect button
``chatlesson-disconnect`` Disconnect button
``chatlesson-status``    connection status; it also carries one of
                         ``chatlesson-connected``, ``chatlesson-connecting``,
                         ``chatlesson-disconnected``
``chatlesson-log``       the message log
``chatlesson-side``      the column beside the log: room and members
``chatlesson-room``      the current room's name
``chatlesson-room-input`` box for the name of a room to go to (Enter joins)
``chatlesson-join``      Join button: sends ``/join <room>``
``chatlesson-members``   who is in the room (admins shown as ``@nick``)
``chatlesson-footer``    the bottom row: input and Send
``chatlesson-input``     the message box (Enter sends)
``chatlesson-send``      Send button
``chatlesson-style``     a hidden part holding the panel's one CSS rule
======================== ==============================================

In the log, chat lines are plain with the speaker in bold (yours in blue),
actions green, private messages magenta, notices cyan, errors bold red, and
the panel's own remarks (``-- connected ...``) grey.
"""

from __future__ import annotations

import html
import threading
from collections import deque
from functools import partial

import ipywidgets as widgets

from ..client.chat_client import ChatClient, NicknameRejected
from ..core.protocol import DEFAULT_HOST, DEFAULT_PORT, Message, outgoing_problem
from ..core.safetext import printable
from ..server.threaded import ChatServer
from .panel_state import RoomState

#: Lines the log keeps; older ones are dropped (and counted).
MAX_LOG_LINES = 500

#: Characters of text the log keeps, whatever the number of lines. Every new
#: line resends the whole log to the browser, so this bounds what one line costs
#: (500 lines of 2 KB each would make every update a megabyte).
MAX_LOG_CHARS = 32_000

#: Seconds to wait for a server while connecting.
CONNECT_TIMEOUT = 5.0

#: ANSI colour codes per kind of line. JupyterLab turns them into styled spans
#: after escaping the text, so colours never need HTML from us.
_COLOURS = {
    "action": "32",
    "private": "35",
    "notice": "36",
    "request": "36",
    "error": "1;31",
    "panel": "38;5;244",  # grey on light and dark themes alike
    "panel-error": "1;31",
}
_OWN_NICK = "1;34"
_OTHER_NICK = "1"

#: The one rule layouts cannot express: the log's content must not shrink to
#: the box, so that ``column-reverse`` keeps the newest line in view.
_CSS = ".chatlesson-log > .jp-OutputArea { flex: 0 0 auto; }"


def _button_layout() -> widgets.Layout:
    return widgets.Layout(width="auto", flex="0 0 auto")

_STATUS_COLOURS = {"connected": "#2e7d32", "connecting": "#b26a00", "disconnected": "#c62828"}




def _styled(kind: str, text: str, speaker: str | None, me: str | None) -> str:
    """One log line with ANSI colours; ``text`` is already printable."""
    if kind == "chat" and speaker and text.startswith(speaker + ":"):
        colour = _OWN_NICK if speaker == me else _OTHER_NICK
        return f"\x1b[{colour}m{speaker}\x1b[0m{text[len(speaker):]}"
    colour = _COLOURS.get(kind)
    return f"\x1b[{colour}m{text}\x1b[0m" if colour else text


def _on_enter(box: widgets.Text, action) -> None:
    """Run ``action()`` when Enter is pressed in ``box`` (it sends the kernel a "submit" event)."""
    box.on_msg(lambda _widget, content, _buffers:
               action() if content.get("event") == "submit" else None)


def _part(widget: widgets.DOMWidget, css_class: str) -> widgets.DOMWidget:
    widget.add_class(css_class)
    return widget


class ChatPanel(widgets.VBox):
    """A chat window: one user of a chat server.

    ``ChatPanel(server, nick="ada")`` for a ``ChatServer`` in this kernel,
    ``ChatPanel(host, port, nick="ada")`` or ``ChatPanel((host, port), nick=...)``
    for any server. Without a nickname (or with ``connect=False``) the panel
    waits for you to type one and press Connect.

    From code: ``say(text)`` sends as if typed, ``connect()``/``disconnect()``
    work like the buttons, ``wait_for(text)`` blocks until a line arrives, and
    ``nick``, ``status``, ``room``, ``members``, ``admins``, ``lines`` and
    ``log_text`` tell what the panel shows.
    """

    def __init__(self, server: ChatServer | str | tuple | None = None, port: int | None = None,
                 nick: str | None = None, *, connect: bool = True,
                 max_lines: int = MAX_LOG_LINES, timeout: float = CONNECT_TIMEOUT):
        self._closed = True  # until it is built: close() has nothing to do
        self._server, self._address = _where(server, port)
        if nick is not None and not isinstance(nick, str):
            raise TypeError(f"nick must be a string, not {type(nick).__name__}")
        if max_lines < 1:
            raise ValueError("max_lines must be at least 1")
        self.timeout = timeout
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._client: ChatClient | None = None
        self._ending: list[ChatClient] = []  # connections the server ended, threads finishing
        self._generation = 0  # callbacks from an older connection carry an older number
        self._state = RoomState()
        self._status = "disconnected"
        self._lines: deque[tuple[str, str]] = deque(maxlen=max_lines)
        self._styled: deque[str] = deque(maxlen=max_lines)  # the same lines, with colours
        self._dropped = 0
        self._styled_chars = 0  # len("".join(self._styled)), kept up to date

        self.nick_box = _part(widgets.Text(value=nick or "", placeholder="nickname",
                                           layout=widgets.Layout(flex="1 1 auto", width="auto",
                                                                 max_width="16em")),
                              "chatlesson-nick")
        self.connect_button = _part(widgets.Button(description="Connect", button_style="success",
                                                   layout=_button_layout()), "chatlesson-connect")
        self.disconnect_button = _part(widgets.Button(description="Disconnect",
                                                      layout=_button_layout()),
                                       "chatlesson-disconnect")
        self.status_view = _part(widgets.HTML(), "chatlesson-status")
        self.log_view = _part(widgets.Output(layout=widgets.Layout(
            flex="1 1 auto", height="260px", overflow="auto", display="flex",
            # column-reverse keeps the view scrolled to the newest line
            flex_flow="column-reverse", border="1px solid #c0c0c0", padding="2px 6px")),
            "chatlesson-log")
        self.room_view = _part(widgets.HTML(), "chatlesson-room")
        self.members_view = _part(widgets.Select(options=[], rows=10,
                                                 layout=widgets.Layout(width="auto")),
                                  "chatlesson-members")
        self.room_box = _part(widgets.Text(placeholder="room",
                                           layout=widgets.Layout(flex="1 1 0%", width="auto",
                                                                 min_width="0")),
                              "chatlesson-room-input")
        self.join_button = _part(widgets.Button(description="Join", tooltip="go to this room",
                                                layout=_button_layout()), "chatlesson-join")
        self.input_box = _part(widgets.Text(placeholder="Type a message, press Enter to send",
                                            continuous_update=True,
                                            layout=widgets.Layout(flex="1 1 auto")),
                               "chatlesson-input")
        self.send_button = _part(widgets.Button(description="Send", button_style="primary",
                                                layout=_button_layout()), "chatlesson-send")
        style = _part(widgets.HTML(f"<style>{_CSS}</style>", layout=widgets.Layout(display="none")),
                      "chatlesson-style")
        controls = widgets.HBox([self.nick_box, self.connect_button, self.disconnect_button])
        header = _part(widgets.VBox([controls, self.status_view]), "chatlesson-header")
        switch_room = widgets.HBox([self.room_box, self.join_button])
        side = _part(widgets.VBox([self.room_view, self.members_view, switch_room],
                                  layout=widgets.Layout(width="170px", margin="0 0 0 6px")),
                     "chatlesson-side")
        body = widgets.HBox([self.log_view, side])
        footer = _part(widgets.HBox([self.input_box, self.send_button]), "chatlesson-footer")
        self._parts = [self.nick_box, self.connect_button, self.disconnect_button,
                       self.status_view, self.log_view, self.room_view, self.members_view,
                       self.input_box, self.send_button, self.room_box, self.join_button,
                       style, controls, header, switch_room, side, body, footer]
        super().__init__([style, header, body, footer], layout=widgets.Layout(
            flex="1 1 0", min_width="360px", border="1px solid #c0c0c0",
            padding="6px", margin="2px"))
        self.add_class("chatlesson-panel")
        self._closed = False

        self.connect_button.on_click(lambda _: self.connect())
        self.disconnect_button.on_click(lambda _: self.disconnect())
        self.send_button.on_click(lambda _: self._send_typed())
        _on_enter(self.input_box, self._send_typed)
        self.join_button.on_click(lambda _: self._join_typed())
        _on_enter(self.room_box, self._join_typed)

        with self._lock:
            self._show_status("disconnected")
            self._show_room()
        if connect and nick:
            self.connect()
        elif not nick:
            self._add_line("panel", "-- type a nickname and press Connect")

    # --- What the panel shows, for code ----------------------------------

    @property
    def nick(self) -> str | None:
        """The nickname the server knows us by (None before joining)."""
        return self._state.nick

    @property
    def status(self) -> str:
        """``"connected"``, ``"connecting"`` or ``"disconnected"``."""
        return self._status

    @property
    def connected(self) -> bool:
        return self._status == "connected"

    @property
    def address(self) -> tuple[str, int] | None:
        return self._address

    @property
    def room(self) -> str | None:
        return self._state.room

    @property
    def members(self) -> list[str]:
        with self._lock:
            return list(self._state.members)

    @property
    def admins(self) -> set[str]:
        with self._lock:
            return set(self._state.admins)

    @property
    def lines(self) -> list[tuple[str, str]]:
        """The log as ``(kind, text)`` pairs, oldest first (only the lines still kept)."""
        with self._lock:
            return list(self._lines)

    @property
    def log_text(self) -> str:
        """The log as plain text, one line per line."""
        with self._lock:
            return "\n".join(text for _, text in self._lines)

    def __repr__(self) -> str:
        where = "%s:%d" % self._address if self._address else "no server"
        who = self.nick or self.nick_box.value or "(no nickname)"
        return f"<ChatPanel {who} {self._status} {where}>"

    # --- Waiting, for notebooks and tests ---------------------------------

    def wait_until(self, predicate, timeout: float = 5.0, what: str = "the condition") -> None:
        """Block until ``predicate(panel)`` is true; raise TimeoutError after ``timeout`` s."""
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self), timeout):
                raise TimeoutError(f"{self!r}: waited {timeout} s for {what}")

    def wait_for(self, text: str, timeout: float = 5.0) -> str:
        """Block until a log line containing ``text`` is there; return that line."""
        def found(panel):
            return any(text in line for _, line in panel._lines)
        try:
            self.wait_until(found, timeout, what=repr(text))
        except TimeoutError as exc:
            tail = "\n".join(line for _, line in self.lines[-5:])
            raise TimeoutError(f"{exc}; the log ends with:\n{tail}") from None
        return next(line for _, line in self.lines if text in line)

    # --- Connecting ------------------------------------------------------

    def connect(self, nick: str | None = None) -> bool:
        """Connect and join as ``nick`` (default: the nickname box); True if it worked."""
        if self._closed:
            raise RuntimeError("this panel is closed; make a new one")
        nick = (self.nick_box.value if nick is None else nick).strip()
        with self._lock:
            if self._client is not None:
                self._add_line("panel-error", f"-- already connected as {self.nick}")
                return True
            if not nick:
                self._add_line("panel-error", "-- type a nickname first, then press Connect")
                return False
            address = self._current_address()
            if address is None:
                self._add_line("panel-error",
                               "-- the server is not running: start it, then press Connect")
                return False
            self.nick_box.value = nick
            self._show_status("connecting")
            self._add_line("panel", f"-- connecting to {address[0]}:{address[1]} as {nick}")
            self._generation += 1
            generation = self._generation
            try:
                client = ChatClient(address, None, timeout=self.timeout,
                                    on_message=partial(self._receive, generation),
                                    on_close=partial(self._lost, generation))
            except OSError as exc:
                return self._failed(f"cannot connect to {address[0]}:{address[1]}: {_reason(exc)}")
            try:
                welcome = client.join(nick)
            except NicknameRejected as exc:
                client.close()
                return self._failed(f"{exc.reason}; change the nickname and press Connect")
            except OSError as exc:
                client.close()
                return self._failed(f"the handshake failed: {_reason(exc)}")
            # The receiving thread already runs, but it waits for this lock:
            # the welcome is shown before anything that came after it.
            self._client = client
            self._address = address
            self._show_message(welcome)
            self._show_status("connected")
            return True

    def disconnect(self) -> None:
        """Hang up. Every receiving thread of this panel has ended when this returns."""
        with self._lock:
            client, self._client = self._client, None
            self._generation += 1
            if client is not None:
                self._state.clear()
                self._show_room()
                self._show_status("disconnected")
                self._add_line("panel", "-- disconnected")
            ending, self._ending = self._ending, []
        # Outside the lock: a receiving thread may be waiting for it. close()
        # joins the thread, so none is left behind.
        for old in ([client] if client is not None else []) + ending:
            old.close()

    def close(self) -> None:
        """Disconnect and remove the panel and all its widgets."""
        if self._closed:
            return
        self.disconnect()
        self._closed = True
        for part in self._parts:
            for extra in (getattr(part, "style", None), part.layout):
                if isinstance(extra, widgets.Widget):
                    extra.close()
            part.close()
        layout = self.layout
        super().close()
        layout.close()

    def _current_address(self) -> tuple[str, int] | None:
        if self._server is not None and self._server.running:
            self._address = self._server.address
        return self._address

    def _failed(self, reason: str) -> bool:
        self._generation += 1
        self._show_status("disconnected")
        self._add_line("panel-error", f"-- {reason}")
        return False

    # --- Sending ---------------------------------------------------------

    def say(self, text: str) -> bool:
        """Send one line as this user, as if typed and sent; True if it went out.

        Chat, ``/me waves``, ``/join games``: the server decides what a line
        means. Our own chat line shows up when the server sends it back.
        """
        if not text.strip():
            return False
        problem = outgoing_problem(text)
        if problem:
            self._add_line("panel-error", f"-- {problem}")
            return False
        with self._lock:
            client = self._client
        if client is None:
            self._add_line("panel-error", "-- not connected: press Connect first")
            return False
        try:
            client.send(text)
        except OSError as exc:
            self._add_line("panel-error", f"-- could not send: {_reason(exc)}")
            return False
        return True

    def _send_typed(self) -> None:
        if self.say(self.input_box.value):
            self.input_box.value = ""


    def join_room(self, room: str) -> bool:
        """Go to ``room`` (the server creates it if new); True if the request went out."""
        room = room.strip().removeprefix("#")
        if not room:
            with self._lock:
                self._add_line("panel-error", "-- type the name of a room first, then press Join")
            return False
        return self.say(f"/join {room}")

    def _join_typed(self) -> None:
        if self.join_room(self.room_box.value):
            self.room_box.value = ""


    # --- Receiving (these run in the ChatClient's receiving thread) --------

    def _receive(self, generation: int, message: Message) -> None:
        try:
            with self._lock:
                if generation == self._generation:
                    self._show_message(message)
        except Exception as exc:  # a traceback from this thread would land in some cell
            _quietly(self._add_line, "panel-error", f"-- could not show a line: {exc!r}")

    def _lost(self, generation: int) -> None:
        try:
            self._end(generation)
        except Exception as exc:  # same reason as in _receive
            _quietly(self._add_line, "panel-error", f"-- could not show the disconnect: {exc!r}")

    def _end(self, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return  # we hung up ourselves; disconnect() said so already
            client, self._client = self._client, None
            self._generation += 1
            self._state.clear()
            self._show_room()
            self._show_status("disconnected")
            self._add_line("panel", "-- disconnected: the server closed the connection")
            if client is not None:
                self._ending.append(client)  # disconnect() or close() will join its thread
        if client is not None:
            client.close()  # from its own thread this closes the socket without joining

    # --- Drawing (called with the lock held) -----------------------------

    def _show_message(self, message: Message) -> None:
        nick_before = self._state.nick
        if self._state.apply(message):
            self._show_room()
            if self._state.nick != nick_before and self._state.nick:
                self.nick_box.value = self._state.nick
        self._add_line(message.kind, printable(message.raw), speaker=message.nick)

    def _add_line(self, kind: str, text: str, speaker: str | None = None) -> None:
        with self._lock:
            if len(self._lines) == self._lines.maxlen:
                self._drop_oldest()
            self._lines.append((kind, text))
            self._styled.append(_styled(kind, text, speaker, self._state.nick) + "\n")
            self._styled_chars += len(self._styled[-1])
            while self._styled_chars > MAX_LOG_CHARS and len(self._styled) > 1:
                self._drop_oldest()
            dropped = (_styled("panel", f"-- {self._dropped} older lines not shown", None, None)
                       + "\n" if self._dropped else "")
            # One stream output holding the whole log: the browser shows it as text.
            self.log_view.outputs = ({"output_type": "stream", "name": "stdout",
                                      "text": dropped + "".join(self._styled)},)
            self._changed.notify_all()

    def _drop_oldest(self) -> None:
        self._lines.popleft()
        self._styled_chars -= len(self._styled.popleft())
        self._dropped += 1

    def _show_status(self, status: str) -> None:
        self._status = status
        colour = _STATUS_COLOURS[status]
        if status == "connected":
            where = "%s:%d" % self._address
            detail = f" as <b>{html.escape(self.nick or '')}</b> to {html.escape(where)}"
        elif self._address is not None:
            detail = " (%s)" % html.escape("%s:%d" % self._address)
        else:
            detail = ""
        self.status_view.value = (f'<span style="color:{colour}">&#9679;</span> '
                                  f"{html.escape(status)}{detail}")
        for other in _STATUS_COLOURS:
            self.status_view.remove_class(f"chatlesson-{other}")
        self.status_view.add_class(f"chatlesson-{status}")
        self.send_button.disabled = status != "connected"
        self.join_button.disabled = status != "connected"
        self.connect_button.disabled = status != "disconnected"
        self.disconnect_button.disabled = status != "connected"
        self.nick_box.disabled = status != "disconnected"
        self._changed.notify_all()

    def _show_room(self) -> None:
        state = self._state
        if state.room is None:
            self.room_view.value = "<i>no room</i>"
        else:
            count = len(state.members)
            self.room_view.value = (f"<b>#{html.escape(state.room)}</b> "
                                    f"&middot; {count} online")
        self.members_view.options = state.labels()
        self._changed.notify_all()


def _where(server, port) -> tuple[ChatServer | None, tuple[str, int] | None]:
    """Sort out the ways to say which server: a ChatServer, (host, port), or host and port."""
    if isinstance(server, ChatServer):
        if port is not None:
            raise TypeError("give either a ChatServer or a host and port, not both "
                            "(pass the nickname as nick=...)")
        return server, (server.address if server.running else None)
    if isinstance(server, tuple):
        if port is not None or len(server) != 2:
            raise TypeError("an address is a (host, port) pair; pass the nickname as nick=...")
        server, port = server
    host = DEFAULT_HOST if server is None else server
    port = DEFAULT_PORT if port is None else port
    if not isinstance(host, str) or not host:
        raise TypeError(f"the host must be a name or an IP address as a string, not {host!r}")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError(f"the port must be a whole number from 1 to 65535, not {port!r} "
                         "(pass the nickname as nick=...)")
    return None, (host, port)


def _quietly(function, *args) -> None:
    """Call ``function``, swallowing errors: for last-resort reports from a background thread."""
    try:
        function(*args)
    except Exception:
        pass


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__
