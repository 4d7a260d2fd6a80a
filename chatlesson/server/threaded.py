"""The threaded chat server: the tutorial's design, made robust.

Same shape as the lessons: a listening socket, an accept loop (``receive`` in
the tutorial) in its own thread, and a thread per client running the
``handle`` loop. It only moves bytes: every chat decision (what a line means,
who hears it, the handshake deadline, goodbyes, "too slow") is taken by
``ChatRules`` in ``chatlesson.core``, the same rules the event-loop server runs.
What changed from the tutorial, and why:

* The handshake runs in the client's thread, not in the accept loop, so a
  client that never answers ``Hii`` cannot stop others from joining.
* Bytes are split into lines (``LineBuffer``) before decoding, so messages
  survive TCP splitting and joining them, and multi-byte UTF-8 characters.
* A client's lines go to the rules in turns (``turns.py``), the lock let go
  between turns, and a flooder is not read again until the rules say
  (``resume_reading_at``): one client cannot hold the lock for long.
  Once its connection is closing, a reader reads no more.
* All chat state lives in ``ChatRules`` and is changed under one lock, and
  lines are queued to every recipient under that lock: everyone sees the
  same order, and a disconnect is announced exactly once.
* Each client has a writer thread and a queue (``Connection``), so a client
  that stops reading cannot stall ``broadcast`` for everyone else; a
  ``SlowReader`` per connection says when its queue has waited too long.
* The accept loop also keeps the time: its selector wakes at the rules'
  next handshake deadline and when a slow reader's grace runs out.
* Accepted sockets get TCP keepalive (``keepalive.py``), so a laptop that
  vanished loses its nickname within ``limits.dead_peer_seconds``.
* The accept loop waits in a selector on the listening socket and on a
  wake-up socket pair; ``stop()`` writes to the pair. That wakes it on every
  system (``shutdown()`` of a listener wakes ``accept()`` on Linux only, and
  ``close()`` on Windows only). Reader threads blocked in ``recv()`` are woken
  by ``shutdown()`` of their connected socket on Linux and macOS, and by closing it
  on Windows (``wakeups.py``). Then
  ``stop()`` joins every thread and closes every socket, so a notebook can
  start and stop servers as often as it likes.
"""

from __future__ import annotations

import itertools
import logging
import selectors
import socket
import threading
import time
from collections import deque
from collections.abc import Callable

from ..core.flood import DEFAULT_FLOOD_LIMIT, FloodLimit
from ..core.framing import LineBuffer, LineTooLong
from ..core.limits import DEFAULT_LIMITS, Limits, SlowReader
from ..core.outbox import Outbox
from ..core.protocol import CONNECTION_LOST, DEFAULT_HOST, encode_line
from ..core.rules import ChatRules
from .connection import FLUSH_TIMEOUT, Connection
from .keepalive import enable_keepalive
from .listening import listening_socket
from .turns import Line, next_turn

RECV_SIZE = 64 * 1024
ACCEPT_RETRY_DELAY = 0.1  # seconds to wait after accept() failed for a reason other than stop()
#: How much longer than its flush ``stop()`` gives a reader before it drops the connection.
STOP_GRACE = 1.0

log = logging.getLogger("chatlesson.server")


class ChatServer:
    """A multi-user chat server that runs in background threads.

    ``rules``: the ``ChatRules`` to run (a lesson passes its own); otherwise new rules are
    made from ``admin_password``, ``flood_limit`` (None: off) and ``limits``.

    >>> with ChatServer(port=0) as server:      # port 0: any free port
    ...     print(server.port > 0)
    True
    """

    def __init__(self, host: str = DEFAULT_HOST, port: int = 0, *,
                 rules: ChatRules | None = None, admin_password: str | None = None,
                 flood_limit: FloodLimit | None = DEFAULT_FLOOD_LIMIT,
                 limits: Limits | None = None):
        if rules is not None and (admin_password is not None or limits is not None
                                  or flood_limit is not DEFAULT_FLOOD_LIMIT):
            raise ValueError("give the admin password, flood limit and limits to your ChatRules, "
                             "not to the server as well")
        self.host = host
        self.requested_port = port
        if rules is None:
            rules = ChatRules(admin_password=admin_password, flood_limit=flood_limit,
                              limits=limits or DEFAULT_LIMITS)
        self.rules = rules
        self.limits: Limits = rules.limits
        self._lock = threading.Lock()  # guards self.rules, self._connections and self._watched
        self._connections: set[Connection] = set()
        self._watched: set[Connection] = set()  # over the soft limit: the accept loop keeps time
        self._readers: dict[threading.Thread, Connection] = {}
        self._listener: socket.socket | None = None
        self._wakeup: socket.socket | None = None  # a byte here wakes the accept loop
        self._accept_thread: threading.Thread | None = None
        self._numbers = itertools.count(1)
        self._stopping = threading.Event()  # set by stop(): the accept loop must end
        self._stopped = threading.Event()
        self._stopped_once = False

    # --- Life cycle --------------------------------------------------------

    def start(self) -> ChatServer:
        """Bind, listen and start accepting in a background thread; returns at once."""
        if self._listener is not None:
            raise RuntimeError("this server is already started")
        listener = listening_socket(self.host, self.requested_port)
        listener.setblocking(False)  # accept() only after the selector says a client is waiting
        try:
            wake_reader, wakeup = socket.socketpair()
        except OSError:
            listener.close()
            raise
        wakeup.setblocking(False)  # a full pair means the loop is already due to wake
        if self._stopped_once:
            self._reopen_rules()
        self._listener, self._wakeup = listener, wakeup
        self._stopping.clear()
        self._stopped.clear()
        self._accept_thread = threading.Thread(target=self._accept_loop,
                                               args=(listener, wake_reader), daemon=True,
                                               name="chatlesson-accept")
        self._accept_thread.start()
        log.info("listening on %s:%d", *self.address)
        return self

    def stop(self) -> None:
        """Say goodbye to everyone, end every thread and close every socket."""
        listener, self._listener = self._listener, None
        if listener is None:
            return
        self._stopping.set()
        with self._lock:
            self._wake()
        if self._accept_thread is not None:
            self._accept_thread.join()
        listener.close()
        with self._lock:
            self._deliver(self._ask(self.rules.shutdown))
            for conn in self._connections:  # any the rules had already let go of
                conn.close_after_flush()
            readers = list(self._readers.items())
            if self._wakeup is not None:
                self._wakeup.close()
                self._wakeup = None
        until = time.monotonic() + FLUSH_TIMEOUT + STOP_GRACE
        for reader, conn in readers:
            reader.join(max(0.0, until - time.monotonic()))  # it flushes the goodbye, then ends
            if reader.is_alive():  # its writer is stuck on a client that does not read
                conn.abort()
                reader.join()
        self._stopped_once = True
        self._stopped.set()
        log.info("stopped")

    def _reopen_rules(self) -> None:
        """Rules that saw ``shutdown()`` refuse newcomers: let them in again on a restart."""
        self.rules.reopen()

    def serve_forever(self) -> None:
        """Start if needed and block until ``stop()`` (for the command line)."""
        if self._listener is None:
            self.start()
        while not self._stopped.wait(0.25):
            pass  # wake up now and then: a Ctrl-C the OS gave to another thread is seen here

    def __enter__(self) -> ChatServer:
        return self.start() if self._listener is None else self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._listener is not None

    @property
    def address(self) -> tuple[str, int]:
        if self._listener is None:
            raise RuntimeError("the server is not running")
        return self._listener.getsockname()[:2]

    @property
    def port(self) -> int:
        return self.address[1]

    def nicks(self) -> list[str]:
        """Who has joined, in joining order."""
        with self._lock:
            return self.rules.nicks()

    def __repr__(self) -> str:
        where = "{}:{}".format(*self.address) if self.running else "stopped"
        return f"<ChatServer {where}>"

    # --- The accept loop, which also keeps the time -------------------------

    def _accept_loop(self, listener: socket.socket, wake_reader: socket.socket) -> None:
        """The tutorial's ``receive``: accept clients until ``stop()`` writes to the wake-up pair.

        Between clients it wakes at the next handshake deadline and when a slow reader's
        grace runs out, and lets the rules and the slow readers decide.
        """
        with wake_reader, selectors.DefaultSelector() as selector:
            selector.register(listener, selectors.EVENT_READ)
            selector.register(wake_reader, selectors.EVENT_READ)
            while True:
                ready = selector.select(self._time_to_wait())
                if self._stopping.is_set():
                    return
                for key, _ in ready:
                    if key.fileobj is listener:
                        self._accept(listener)
                    else:
                        _drain(wake_reader)
                self._keep_time()

    def _accept(self, listener: socket.socket) -> None:
        try:
            sock, address = listener.accept()
        except BlockingIOError:
            return  # the client gave up before we accepted it
        except OSError as exc:
            # Out of file descriptors, say: the server is not over. Try again in a
            # moment (stop() cuts the wait short).
            log.warning("cannot accept a connection: %s", exc)
            self._stopping.wait(ACCEPT_RETRY_DELAY)
            return
        try:
            self._admit(sock, address)
        except Exception:
            log.exception("could not serve %s:%d", *address[:2])
            sock.close()

    def _time_to_wait(self) -> float | None:
        """Seconds until the rules' next deadline or a slow reader's recheck (None: no timer)."""
        with self._lock:
            waits = []
            deadline = self.rules.next_deadline()
            if deadline is not None:
                waits.append(deadline - self.rules.clock())
            now = self.rules.clock()
            for conn in self._watched:
                recheck = conn.recheck_at()
                if recheck is not None:
                    waits.append(recheck - now)
        return max(0.0, min(waits)) if waits else None

    def _keep_time(self) -> None:
        """Let handshakes past their deadline go, and cut off readers whose grace ran out."""
        with self._lock:
            self._deliver(self._ask(self.rules.expire))
            for conn in list(self._watched):
                if conn.too_slow_now():
                    self._cut_off(conn)
                elif conn.recheck_at() is None:
                    self._watched.discard(conn)

    def _wake(self) -> None:
        """Wake the accept loop so it looks at the time again. Called with the lock held."""
        if self._wakeup is None:
            return  # stop() has closed it: the loop is over
        try:
            self._wakeup.send(b"x")
        except OSError:
            pass  # full: the loop is due to wake anyway

    # --- One thread per client ---------------------------------------------

    def _admit(self, sock: socket.socket, address) -> None:
        """Give a new connection its writer and reader threads, and tell the rules."""
        sock.setblocking(True)  # whether it inherits the listener's mode depends on the OS
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            enable_keepalive(sock, self.limits.dead_peer_seconds)
        except OSError as exc:  # a system without these options: serve anyway
            log.warning("cannot enable keepalive for %s:%d: %s", *address[:2], exc)
        conn = Connection(sock, address, next(self._numbers), SlowReader(self.limits, self.rules.clock),
                          self._too_slow_while_draining)
        reader = threading.Thread(target=self._handle, args=(conn,), daemon=True,
                                  name=f"chatlesson-client-{conn.number}")
        with self._lock:
            self._connections.add(conn)
            self._readers[reader] = conn
            self._deliver(self._ask(self.rules.connect, conn, address))
        try:
            reader.start()
        except BaseException:
            with self._lock:
                self._connections.discard(conn)
                self._readers.pop(reader, None)
                self._ask(self.rules.disconnect, conn, CONNECTION_LOST)
            conn.abort()
            conn.finish()
            raise

    def _handle(self, conn: Connection) -> None:
        """The tutorial's ``handle``: read lines until the client goes away or is let go."""
        lines = LineBuffer()
        waiting: deque[Line] = deque()  # lines read, not yet handed to the rules
        reason = None
        try:
            while not conn.closing:  # closing: stop(), /quit, a kick; what follows is not read
                data = conn.sock.recv(RECV_SIZE)
                if not data:
                    break  # an empty read means the other side closed (or we shut it)
                waiting.extend(lines.feed(data))
                while waiting and not conn.closing:
                    self._take_turn(conn, waiting)
        except OSError:  # reset, keepalive found the peer gone, or (Windows) we closed it
            reason = None if conn.closing else CONNECTION_LOST
        finally:
            with self._lock:
                self._deliver(self._ask(self.rules.disconnect, conn, reason))
                self._connections.discard(conn)
                self._watched.discard(conn)
            conn.finish()
            with self._lock:
                self._readers.pop(threading.current_thread(), None)

    def _take_turn(self, conn: Connection, waiting: deque[Line]) -> None:
        """Hand the rules one turn of ``conn``'s lines; if it floods, wait until they say."""
        with self._lock:
            for line in next_turn(waiting):
                self._deliver(self._line(conn, line))
                if conn.closing:
                    return
            resume_at = self._ask_time(self.rules.resume_reading_at, conn)
            wait = None if resume_at is None else resume_at - self.rules.clock()
        if wait is not None and wait > 0:
            conn.wait_closing(wait)  # its lines wait in its socket; stop() or a kick wakes us

    # --- Asking the rules and carrying out their answer (lock held) ---------

    def _line(self, conn: Connection, line: bytes | LineTooLong) -> Outbox:
        """A bug in the rules costs the line that triggered it, never the server."""
        try:
            return self.rules.line(conn, line)
        except Exception:
            log.exception("the chat rules failed on a line from %r", conn)
            return self._ask(self.rules.failed, conn)

    def _ask(self, event: Callable[..., Outbox], *args) -> Outbox:
        try:
            return event(*args)
        except Exception:
            log.exception("the chat rules failed on %s%r", event.__name__, args)
            return Outbox()

    def _ask_time(self, question: Callable[..., float | None], *args) -> float | None:
        try:
            return question(*args)
        except Exception:
            log.exception("the chat rules failed on %s%r", question.__name__, args)
            return None

    def _deliver(self, out: Outbox) -> None:
        """Carry out what the rules decided. Called with ``self._lock`` held."""
        encoded: dict[str, bytes] = {}  # a broadcast line is encoded once
        too_slow = []
        for conn, line in out.sends:
            data = encoded.get(line)
            if data is None:
                data = encoded[line] = encode_line(line)
            if conn.enqueue(data):
                if conn not in too_slow:
                    too_slow.append(conn)
            elif conn.over_soft and conn not in self._watched:
                self._watched.add(conn)  # over the soft limit: the accept loop keeps its time
                self._wake()
        for conn in out.closes:
            conn.close_after_flush()
        for entry in out.log:
            log.info("%s", entry)
        for conn in too_slow:
            self._cut_off(conn)

    def _cut_off(self, conn: Connection) -> None:
        """``conn`` stopped reading: drop its queue and let the rules tell its room."""
        conn.abort()
        self._watched.discard(conn)
        self._deliver(self._ask(self.rules.too_slow, conn))

    def _too_slow_while_draining(self, conn: Connection) -> None:
        with self._lock:
            self._cut_off(conn)


def _drain(sock: socket.socket) -> None:
    """Empty the wake-up pair (its bytes only mean "look again")."""
    try:
        sock.recv(4096)
    except BlockingIOError:
        pass
