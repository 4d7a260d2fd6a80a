"""A chat window for JupyterLab: a custom widget with a Python half and a browser half.

``ChatPanel(server, nick="ada")`` shows a panel connected to a ``ChatServer``
that runs in this kernel; ``ChatPanel("10.0.0.5", 11826, nick="ada")``
connects to any server, for example the instructor's. Each panel is one user,
so ``HBox([ada, bob])`` shows two people chatting side by side.

The panel is an `anywidget <https://anywidget.dev>`_: this module is the
Python half (the connection, the rules for what to show), ``panel.js`` the
browser half (the page elements), ``panel.css`` its looks. Why it is built so:

* **The browser keeps the log.** Each received line goes to the browser once,
  in a custom message (``{"type": "lines", "lines": [record, ...]}``, see
  ``panel_lines.line_record``), and the browser appends it. Nothing resends
  the whole log, and lines that arrive in a burst share a message
  (``panel_sender.LineSender``, one thread per panel, named
  ``chatlesson-panel-<nick>``, ended by ``stop()`` or ``close()``). A page
  that opens later asks for the lines kept so far (``{"type": "history"}``),
  and so does a page that sees a gap in the lines' numbers (JupyterLab drops
  kernel messages above its rate limit).
* **What you type travels with the click.** Send and Enter send
  ``{"type": "send", "text": ...}`` carrying the text itself, so the line sent
  is exactly what was in the box: there is no "value" to synchronise first.
  If the panel refuses it (not connected, too long), the text comes back into
  the box.
* **Threads only send messages and set traits.** The receiving thread (the
  ``ChatClient``'s) never prints and never uses ``with output:``, so nothing
  lands in a cell.
* **Text, never markup.** The browser half sets every piece of text with
  ``textContent``, never ``innerHTML``; control characters are replaced
  before they leave Python, so nobody can recolour or reorder your log.
* **Bounded.** Python and the browser each keep the last ``max_lines`` lines
  (2000 by default); the browser says how many older lines it dropped.
* ``stop()`` hangs up and leaves the panel in place, disabled, with its log;
  ``close()`` removes it. A server that stops or goes away leaves the panel
  "disconnected", and Connect (or ``connect()``) joins again.

CSS classes, and ``data-part`` names, on its parts, for tests and for
instructors' stylesheets (the ``chatlesson-`` classes are the ones the
earlier ipywidgets panel had):

============================= ================== ============================================
class                         ``data-part``      what
============================= ================== ============================================
``chatlesson-panel``                             the whole panel
``chatlesson-header``         ``header``         the top: nickname, buttons, status
``chatlesson-nick``           ``nick``           nickname box (editable while disconnected)
``chatlesson-connect``        ``connect``        Connect button
``chatlesson-disconnect``     ``disconnect``     Disconnect button
``chatlesson-status``         ``status``         connection status; it also carries one of
                                                 ``chatlesson-connected``,
                                                 ``chatlesson-connecting``,
                                                 ``chatlesson-disconnected``
``chatlesson-log``            ``log``            the message log (``role="log"``)
``chatlesson-line``           ``line``           one line of the log; ``data-kind`` is its
                                                 kind, ``chatlesson-kind-<kind>`` too;
                                                 ``chatlesson-mention`` if it names you;
                                                 ``chatlesson-folded`` for folded joins/leaves
``chatlesson-time``           ``time``           the ``<time>`` at the start of a line
``chatlesson-sender``         ``sender``         who wrote a chat line, with its colour class
                                                 ``chatlesson-c0`` ... ``chatlesson-c7``
``chatlesson-text``           ``text``           the rest of the line
``chatlesson-dropped``        ``dropped``        "N older lines not shown", at the top
``chatlesson-new-messages``   ``new-messages``   the "new messages" marker (a button)
``chatlesson-side``           ``side``           the column beside the log
``chatlesson-room``           ``room``           the current room's name and head count
``chatlesson-members``        ``members``        who is in the room (``@nick`` for admins);
                                                 each name is an ``li`` with ``member``
``chatlesson-room-input``     ``room-input``     box for a room to go to (Enter joins)
``chatlesson-join``           ``join``           Join button: sends ``/join <room>``
``chatlesson-footer``         ``footer``         the bottom row: input and Send
``chatlesson-input``          ``input``          the message box (Enter sends)
``chatlesson-send``           ``send``           Send button
``chatlesson-stopped``                           on the panel after ``stop()``
============================= ================== ============================================
"""

from __future__ import annotations

import ssl
import threading
import uuid
from collections import deque
from functools import partial
from pathlib import Path

import anywidget
import traitlets

from ..client.chat_client import ChatClient, NicknameRejected
from ..core.protocol import DEFAULT_HOST, DEFAULT_PORT, Message, outgoing_problem
from ..core.safetext import printable
from ..server.threaded import ChatServer
from .panel_lines import line_record
from .panel_sender import LineSender
from .panel_state import RoomState

#: Lines the panel keeps, in Python and in the browser; older ones are dropped.
MAX_LOG_LINES = 2000

#: Seconds to wait for a server while connecting.
CONNECT_TIMEOUT = 5.0

_HERE = Path(__file__).parent


class ChatPanel(anywidget.AnyWidget):
    """A chat window: one user of a chat server.

    ``ChatPanel(server, nick="ada")`` for a ``ChatServer`` in this kernel,
    ``ChatPanel(host, port, nick="ada")`` or ``ChatPanel((host, port), nick=...)``
    for any server. Without a nickname (or with ``connect=False``) the panel
    waits for you to type one and press Connect.

    TLS: ``tls=True`` (or an ``ssl.SSLContext``) connects with TLS;
    ``fingerprint="AB:CD:..."`` accepts only the certificate the instructor's
    join card names (a class's self-signed one).

    From code: ``say(text)`` sends as if typed, ``connect()``/``disconnect()``
    work like the buttons, ``stop()`` ends the panel and keeps its log,
    ``wait_for(text)`` blocks until a line arrives, and ``nick``, ``status``,
    ``room``, ``members``, ``admins``, ``log``, ``lines`` and ``log_text``
    tell what the panel shows.
    """

    _closed = True  # until __init__ has built it: close() has nothing to do
    _esm = _HERE / "panel.js"
    _css = _HERE / "panel.css"

    # What the browser shows besides the log. Each is small and changes
    # rarely, so plain synchronised traits are enough.
    _status = traitlets.Unicode("disconnected").tag(sync=True)
    _nick_text = traitlets.Unicode("").tag(sync=True)  # what the nickname box shows
    _where = traitlets.Unicode("").tag(sync=True)      # "host:port", or "" if unknown
    _room = traitlets.Unicode("").tag(sync=True)
    _members = traitlets.List(traitlets.Unicode()).tag(sync=True)  # as shown: "@cleo", "ada (you)"
    _stopped = traitlets.Bool(False).tag(sync=True)
    _panel_id = traitlets.Unicode("").tag(sync=True)  # the browser keeps each panel's lines by it
    _max_lines = traitlets.Int(MAX_LOG_LINES).tag(sync=True)

    def __init__(self, server: ChatServer | str | tuple | None = None, port: int | None = None,
                 nick: str | None = None, *, connect: bool = True,
                 max_lines: int = MAX_LOG_LINES, timeout: float = CONNECT_TIMEOUT,
                 tls: bool | ssl.SSLContext = False, fingerprint: str | None = None):
        where_server, address = _where(server, port)
        if nick is not None and not isinstance(nick, str):
            raise TypeError(f"nick must be a string, not {type(nick).__name__}")
        if max_lines < 1:
            raise ValueError("max_lines must be at least 1")
        super().__init__(_max_lines=max_lines, _nick_text=nick or "", _panel_id=uuid.uuid4().hex)
        self.add_class("chatlesson-panel")
        self._server, self._address = where_server, address
        self.timeout = timeout
        self._tls, self._fingerprint = tls, fingerprint  # see ChatClient
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._client: ChatClient | None = None
        self._ending: list[ChatClient] = []  # connections the server ended, threads finishing
        self._generation = 0  # callbacks from an older connection carry an older number
        self._state = RoomState()
        self._records: deque[dict] = deque(maxlen=max_lines)
        self._sender = LineSender(
            lambda batch: self.send({"type": "lines", "lines": batch}), self._lock)
        self._count = 0  # lines ever added: the number of the next one, minus one
        self._closed = False
        self.on_msg(lambda _widget, content, _buffers: self.handle_browser_message(content))

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
    def stopped(self) -> bool:
        """True after ``stop()``: the panel shows its log and does nothing more."""
        return self._stopped

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
    def member_labels(self) -> list[str]:
        """The member list as the panel shows it: ``@`` for admins, ``(you)`` for you."""
        return list(self._members)

    @property
    def admins(self) -> set[str]:
        with self._lock:
            return set(self._state.admins)

    @property
    def lines(self) -> list[tuple[str, str]]:
        """The log as ``(kind, text)`` pairs, oldest first (only the lines still kept)."""
        with self._lock:
            return [(record["kind"], record["text"]) for record in self._records]

    @property
    def log(self) -> list[str]:
        """The log's lines as text, oldest first."""
        with self._lock:
            return [record["text"] for record in self._records]

    @property
    def log_text(self) -> str:
        """The log as plain text, one line per line."""
        return "\n".join(self.log)

    @property
    def records(self) -> list[dict]:
        """The log as the browser gets it (see ``panel_lines.line_record``)."""
        with self._lock:
            return [dict(record) for record in self._records]

    def __repr__(self) -> str:
        where = "{}:{}".format(*self._address) if self._address else "no server"
        who = self.nick or self._nick_text or "(no nickname)"
        state = "stopped" if self._stopped else self._status
        return f"<ChatPanel {who} {state} {where}>"

    # --- Waiting, for notebooks and tests ---------------------------------

    def wait_until(self, predicate, timeout: float = 5.0, what: str = "the condition") -> None:
        """Block until ``predicate(panel)`` is true; raise TimeoutError after ``timeout`` s."""
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self), timeout):
                raise TimeoutError(f"{self!r}: waited {timeout} s for {what}")

    def wait_for(self, text: str, timeout: float = 5.0) -> str:
        """Block until a log line containing ``text`` is there; return that line."""
        def found(panel):
            return any(text in record["text"] for record in panel._records)
        try:
            self.wait_until(found, timeout, what=repr(text))
        except TimeoutError as exc:
            tail = "\n".join(self.log[-5:])
            raise TimeoutError(f"{exc}; the log ends with:\n{tail}") from None
        return next(line for line in self.log if text in line)

    # --- What the browser asks for -----------------------------------------

    def handle_browser_message(self, content: dict) -> None:
        """Act on a message from the browser half, as if the user clicked or pressed Enter.

        ``{"type": "send", "text": ...}`` (Send or Enter), ``{"type": "connect",
        "nick": ...}``, ``{"type": "disconnect"}``, ``{"type": "join", "room": ...}``
        and ``{"type": "history"}`` (a page that opens asks for the log so far).
        Anything else is ignored: the browser is not trusted to send only these.
        """
        if not isinstance(content, dict):
            return
        kind, view = content.get("type"), content.get("view")
        try:
            if kind == "history":
                with self._lock:
                    self._sender.flush()
                    self.send({"type": "history", "lines": list(self._records)})
            elif self._stopped:
                return
            elif kind == "send" and isinstance(content.get("text"), str):
                text = content["text"]
                if not self.say(text):
                    self.send({"type": "refused", "view": view, "box": "input", "text": text})
            elif kind == "connect" and isinstance(content.get("nick"), str):
                self.connect(content["nick"])
            elif kind == "disconnect":
                self.disconnect()
            elif kind == "join" and isinstance(content.get("room"), str):
                room = content["room"]
                if not self.join_room(room):
                    self.send({"type": "refused", "view": view, "box": "room", "text": room})
        except Exception as exc:  # a traceback here would be lost in the kernel's log
            self._add_line("panel-error", f"-- could not do that: {exc!r}")

    # --- Connecting ------------------------------------------------------

    def connect(self, nick: str | None = None) -> bool:
        """Connect and join as ``nick`` (default: the nickname box); True if it worked."""
        if self._closed or self._stopped:
            raise RuntimeError("this panel is stopped; make a new one")
        nick = (self._nick_text if nick is None else nick).strip()
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
            self._nick_text = nick
            self._address = address
            self._show_status("connecting")
            self._add_line("panel", f"-- connecting to {address[0]}:{address[1]} as {nick}")
            self._generation += 1
            generation = self._generation
            try:
                client = ChatClient(address, None, timeout=self.timeout,
                                    tls=self._tls, fingerprint=self._fingerprint,
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
            self._sender.start(f"chatlesson-panel-{nick}")
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

    def stop(self) -> None:
        """Hang up for good: the panel stays on the page with its log, every control disabled."""
        if self._stopped or self._closed:
            return
        self.disconnect()
        with self._lock:
            self._add_line("panel", "-- the chat is stopped")
            self._stopped = True
            self.add_class("chatlesson-stopped")
            self._changed.notify_all()
        self._sender.stop()

    def close(self) -> None:
        """Disconnect and remove the panel from the page (its log goes with it)."""
        if self._closed:
            return
        self.disconnect()
        self._sender.stop()
        with self._lock:
            self._closed = True
        super().close()

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

    def join_room(self, room: str) -> bool:
        """Go to ``room`` (the server creates it if new); True if the request went out."""
        room = room.strip().removeprefix("#")
        if not room:
            self._add_line("panel-error", "-- type the name of a room first, then press Join")
            return False
        return self.say(f"/join {room}")

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

    # --- Showing (with the lock held) --------------------------------------

    def _show_message(self, message: Message) -> None:
        nick_before = self._state.nick
        if self._state.apply(message):
            self._show_room()
            if self._state.nick != nick_before and self._state.nick:
                self._nick_text = self._state.nick
        self._add_line(message.kind, printable(message.raw), speaker=message.nick,
                       event=message.event)

    def _add_line(self, kind: str, text: str, speaker: str | None = None,
                  event: str | None = None) -> None:
        with self._lock:
            if self._closed:
                return
            self._count += 1
            record = line_record(self._count, kind, text, sender=speaker,
                                 me=self._state.nick, event=event)
            self._records.append(record)
            self._sender.add(record)  # to the browser, in order, batched when they come fast
            self._changed.notify_all()

    def _show_status(self, status: str) -> None:
        self._status = status
        self._where = "{}:{}".format(*self._address) if self._address else ""
        self._changed.notify_all()

    def _show_room(self) -> None:
        self._room = self._state.room or ""
        self._members = self._state.labels()
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
