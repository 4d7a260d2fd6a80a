"""The threaded chat server: the tutorial's design, made robust.

Same shape as the lessons: a listening socket, an accept loop (``receive`` in
the tutorial) in its own thread, and a thread per client running the
``handle`` loop. What changed, and why:

* The handshake runs in the client's thread, not in the accept loop, so a
  client that never answers ``Hii`` cannot stop others from joining.
* Bytes are split into lines (``LineBuffer``) before decoding, so messages
  survive TCP splitting and joining them, and multi-byte UTF-8 characters.
* All chat state lives in ``ChatRules`` and is changed under one lock, and
  lines are queued to every recipient under that lock: everyone sees the
  same order, and a disconnect is announced exactly once.
* Each client has a writer thread and a bounded queue (``Connection``), so a
  client that stops reading cannot stall ``broadcast`` for everyone else.
* The accept loop waits in a selector on the listening socket and on a
  wake-up socket pair; ``stop()`` writes to the pair. That wakes it on every
  system (``shutdown()`` of a listener wakes ``accept()`` on Linux only, and
  ``close()`` on Windows only). Reader threads blocked in ``recv()`` are woken
  by ``shutdown()`` of their connected socket, which works everywhere. Then
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

from ..core.framing import LineBuffer
from ..core.outbox import Outbox
from ..core.protocol import DEFAULT_HOST, encode_line, error, notice
from ..core.rules import ChatRules
from .connection import MAX_PENDING_BYTES, Connection
from .listening import listening_socket

RECV_SIZE = 4096
ACCEPT_RETRY_DELAY = 0.1  # seconds to wait after accept() failed for a reason other than stop()

#: Seconds a new connection has to choose a nickname. Without a limit, clients that
#: connect and say nothing would each hold two threads for ever.
HANDSHAKE_TIMEOUT = 60.0

log = logging.getLogger("chatlesson.server")


class ChatServer:
    """A multi-user chat server that runs in background threads.

    >>> with ChatServer(port=0) as server:      # port 0: any free port
    ...     print(server.port > 0)
    True
    """

    def __init__(self, host: str = DEFAULT_HOST, port: int = 0, *,
                 max_pending_bytes: int = MAX_PENDING_BYTES,
                 handshake_timeout: float | None = HANDSHAKE_TIMEOUT,
                 rules: ChatRules | None = None, admin_password: str | None = None):
        if rules is not None and admin_password is not None:
            raise ValueError("give the admin password to your ChatRules, not to both")
        self.host = host
        self.requested_port = port
        self.max_pending_bytes = max_pending_bytes
        self.handshake_timeout = handshake_timeout
        self.rules = rules if rules is not None else ChatRules(admin_password=admin_password)
        self._lock = threading.Lock()  # guards self.rules and self._connections
        self._connections: set[Connection] = set()
        self._readers: set[threading.Thread] = set()
        self._listener: socket.socket | None = None
        self._wakeup: socket.socket | None = None  # stop() writes here to wake the accept loop
        self._accept_thread: threading.Thread | None = None
        self._numbers = itertools.count(1)
        self._stopping = threading.Event()  # set by stop(): the accept loop must end
        self._stopped = threading.Event()

    # --- Life cycle --------------------------------------------------------

    def start(self) -> "ChatServer":
        """Bind, listen and start accepting in a background thread; returns at once."""
        if self._listener is not None:
            raise RuntimeError("this server is already started")
        listener = listening_socket(self.host, self.requested_port)
        listener.setblocking(False)  # accept() only after the selector says a client is waiting
        try:
            wake_reader, self._wakeup = socket.socketpair()
        except OSError:
            listener.close()
            raise
        self._listener = listener
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
        wakeup, self._wakeup = self._wakeup, None
        try:
            wakeup.send(b"x")  # wakes the accept loop's selector on every system
        except OSError:
            pass  # the loop has already ended
        self._accept_thread.join()
        wakeup.close()
        listener.close()
        with self._lock:
            connections = list(self._connections)
            for conn in connections:
                conn.enqueue(encode_line(notice("The server is shutting down. Bye!")))
                conn.close_after_flush("server stopped")
            readers = list(self._readers)
        for reader in readers:
            reader.join()
        self._stopped.set()
        log.info("stopped")

    def serve_forever(self) -> None:
        """Start if needed and block until ``stop()`` (for the command line)."""
        if self._listener is None:
            self.start()
        self._stopped.wait()

    def __enter__(self) -> "ChatServer":
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
        where = "%s:%d" % self.address if self.running else "stopped"
        return f"<ChatServer {where}>"

    # --- Threads -----------------------------------------------------------

    def _accept_loop(self, listener: socket.socket, wake_reader: socket.socket) -> None:
        """The tutorial's ``receive``: accept clients until ``stop()`` writes to the wake-up pair."""
        with wake_reader, selectors.DefaultSelector() as selector:
            selector.register(listener, selectors.EVENT_READ)
            selector.register(wake_reader, selectors.EVENT_READ)
            while True:
                selector.select()  # a waiting client, or stop()'s byte on the wake-up pair
                if self._stopping.is_set():
                    return
                try:
                    sock, address = listener.accept()
                except BlockingIOError:
                    continue  # the client gave up before we accepted it
                except OSError as exc:
                    # Out of file descriptors, say: the server is not over. Try again in a
                    # moment (stop() cuts the wait short).
                    log.warning("cannot accept a connection: %s", exc)
                    self._stopping.wait(ACCEPT_RETRY_DELAY)
                    continue
                sock.setblocking(True)  # whether it inherits the listener's mode depends on the OS
                try:
                    self._admit(sock, address)
                except Exception:
                    log.exception("could not serve %s:%d", *address[:2])
                    sock.close()

    def _admit(self, sock: socket.socket, address) -> None:
        """Give a new connection its writer and reader threads, and greet it."""
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = Connection(sock, address, next(self._numbers), self.max_pending_bytes)
        reader = threading.Thread(target=self._handle, args=(conn,), daemon=True,
                                  name=f"chatlesson-client-{conn.number}")
        with self._lock:
            self._connections.add(conn)
            self._readers.add(reader)
        try:
            reader.start()
        except BaseException:
            with self._lock:
                self._connections.discard(conn)
                self._readers.discard(reader)
            conn.abort()
            conn.finish()
            raise

    def _handle(self, conn: Connection) -> None:
        """The tutorial's ``handle``: read lines until the client goes away."""
        lines = LineBuffer()
        deadline = None if self.handshake_timeout is None else time.monotonic() + self.handshake_timeout
        try:
            self._apply(conn, self.rules.connect, conn, conn.address)
            while True:
                if deadline is not None:
                    deadline = self._handshake_wait(conn, deadline)
                data = conn.sock.recv(RECV_SIZE)
                if not data:
                    break  # an empty read means the other side closed
                for line in lines.feed(data):
                    self._apply(conn, self.rules.line, conn, line)
        except TimeoutError:
            conn.enqueue(encode_line(error(
                f"no nickname within {self.handshake_timeout:g} seconds; goodbye")))
            conn.close_reason = "no nickname in time"
        except OSError:
            if conn.close_reason is None:
                conn.close_reason = "connection lost"
        finally:
            self._apply(conn, self.rules.disconnect, conn, conn.close_reason)
            with self._lock:
                self._connections.discard(conn)
            conn.finish()
            with self._lock:
                self._readers.discard(threading.current_thread())

    def _handshake_wait(self, conn: Connection, deadline: float) -> float | None:
        """Bound the next recv() by what is left of the handshake; None once joined."""
        with self._lock:
            joined = self.rules.nick_of(conn) is not None
        if joined:
            conn.sock.settimeout(None)
            return None
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("handshake deadline passed")
        conn.sock.settimeout(left)  # for the whole handshake, not per read: trickling bytes do not help
        return deadline

    def _apply(self, conn: Connection, event, *args) -> None:
        """Run one event through the rules and carry out the result, under the lock.

        A bug in the rules costs the line that triggered it, never the server:
        the sender gets an error and everyone goes on.
        """
        with self._lock:
            try:
                out = event(*args)
            except Exception:
                log.exception("the chat rules failed on an event from %r", conn)
                out = Outbox()
                out.send(conn, error("the server failed on that line; it was dropped"))
            self._deliver(out)

    def _deliver(self, out: Outbox) -> None:
        """Carry out what the rules decided. Called with ``self._lock`` held."""
        for conn, line in out.sends:
            conn.enqueue(encode_line(line))
        for conn in out.closes:
            conn.close_after_flush()
        for entry in out.log:
            log.info("%s", entry)
