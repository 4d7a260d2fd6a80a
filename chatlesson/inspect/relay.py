"""The relay: a TCP middleman that passes every byte on unchanged and reports each chunk.

``Relay(("127.0.0.1", 11826))`` listens (on 127.0.0.1, a free port by default); every client
that connects to ``relay.address`` gets its own connection to the server, and the relay copies
bytes both ways. Each ``recv()`` it makes becomes a ``Chunk`` (``chunks.py``) handed to
``on_chunk``, and each change of a connection an ``Event`` handed to ``on_event``; both run
in the relay's thread, so they must be quick and must not print in a notebook.

Why it is built so:

* **One thread, a selector.** Every socket is non-blocking and watched by one
  ``selectors.DefaultSelector``. ``stop()`` wakes the loop through a socket pair (a byte
  written to one end makes the other readable), which works on every system: nothing relies on
  ``shutdown()`` or ``close()`` waking a blocked ``accept()``, which only Linux and Windows do.
* **Bytes unchanged.** What comes in is sent on as it is, in order; the relay never decodes.
* **Bounded memory, back-pressure.** Each direction of a connection holds at most
  ``buffer_limit`` bytes that the other side has not taken yet. When that is full, the relay
  stops reading from the sender until the receiver takes some: a receiver that stops reading
  stalls its sender, as it would without the relay, instead of filling the relay's memory.
  Connections are limited to ``max_connections``; the chunks kept for ``chunks`` to
  ``history``, each with at most ``keep_bytes`` of its bytes.
* **Half-close passed on.** When one side finishes sending (``shutdown(SHUT_WR)``, or
  ``close()``), the relay passes that end of file on once the bytes before it are delivered,
  and keeps the other direction open until it finishes too. A connection that breaks (a reset)
  closes both sides.
"""

from __future__ import annotations

import errno
import itertools
import logging
import os
import selectors
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ..server.listening import listening_socket
from .chunks import TO_CLIENT, TO_SERVER, Chunk, make_chunk

#: Bytes one direction of a connection may hold before the relay stops reading its sender.
BUFFER_LIMIT = 64 * 1024

#: The most one recv() asks for.
RECV_SIZE = 64 * 1024

#: Chunks kept for ``Relay.chunks`` (older ones are dropped), and bytes kept of each.
HISTORY = 1000
KEEP_BYTES = 4096

MAX_CONNECTIONS = 64

#: What a non-blocking connect() answers while it is still under way (Windows: WSAEWOULDBLOCK).
_CONNECTING = {0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN, 10035}

log = logging.getLogger("chatlesson.inspect")


@dataclass(frozen=True)
class Event:
    """Something that happened to a connection: ``kind`` is one of ``opened``, ``connected``,
    ``refused``, ``eof``, ``closed``, ``broken``."""

    connection: int
    kind: str
    time: float  # seconds since the client connected
    text: str


class _Pipe:
    """One direction of one connection: bytes from ``source`` waiting to go to ``dest``."""

    def __init__(self, source: socket.socket, dest: socket.socket, direction: str):
        self.source, self.dest, self.direction = source, dest, direction
        self.buffer = bytearray()
        self.eof = False       # the sender finished sending
        self.shut = False      # ... and we passed that on
        self.carried = b""     # a UTF-8 character the last chunk left unfinished

    @property
    def sender(self) -> str:
        return "client" if self.direction == TO_SERVER else "server"


class _Connection:
    def __init__(self, number: int, client: socket.socket, server: socket.socket, peer):
        self.number = number
        self.client, self.server, self.peer = client, server, peer
        self.started = time.monotonic()
        self.connected = False
        self.closed = False
        self.up = _Pipe(client, server, TO_SERVER)
        self.down = _Pipe(server, client, TO_CLIENT)
        self.masks = {client: 0, server: 0}

    def since(self) -> float:
        return time.monotonic() - self.started


class Relay:
    """Relays connections to ``target`` (host, port) and reports what crosses; see the module."""

    def __init__(self, target: tuple[str, int], listen: tuple[str, int] = ("127.0.0.1", 0), *,
                 on_chunk: Callable[[Chunk], None] | None = None,
                 on_event: Callable[[Event], None] | None = None,
                 buffer_limit: int = BUFFER_LIMIT, history: int = HISTORY,
                 keep_bytes: int = KEEP_BYTES, max_connections: int = MAX_CONNECTIONS):
        if buffer_limit < 1 or history < 1 or keep_bytes < 0 or max_connections < 1:
            raise ValueError("buffer_limit, history and max_connections must be at least 1")
        self.target = (str(target[0]), int(target[1]))
        self.listen = (str(listen[0]), int(listen[1]))
        self.on_chunk, self.on_event = on_chunk, on_event
        self.buffer_limit, self.keep_bytes = buffer_limit, keep_bytes
        self.max_connections = max_connections
        self._changed = threading.Condition()
        self._chunks: deque[Chunk] = deque(maxlen=history)
        self._events: deque[Event] = deque(maxlen=history)
        self._count = 0          # chunks ever
        self._taken = 0          # chunks next_chunks() has returned
        self._held = 0           # bytes received and not passed on yet, over all connections
        self.peak_held = 0       # the most one direction of a connection ever held
        self._numbers = itertools.count(1)
        self._connections: dict[int, _Connection] = {}
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._address: tuple[str, int] | None = None

    # --- Starting and stopping -----------------------------------------------

    def start(self) -> Relay:
        """Listen and start relaying (in a thread named ``chatlesson-inspect``)."""
        if self._thread is not None:
            raise RuntimeError("the relay is running already")
        # IPv4 first: "localhost" often means ::1 first, where a chat server on 127.0.0.1 is not.
        found = socket.getaddrinfo(*self.target, type=socket.SOCK_STREAM)
        found.sort(key=lambda info: info[0] != socket.AF_INET)
        family, _, _, _, target = found[0]
        self._family, self._target_address = family, target
        listener = listening_socket(*self.listen)
        try:
            listener.setblocking(False)
            self._wake_in, self._wake_out = socket.socketpair()
            self._wake_in.setblocking(False)
            self._wake_out.setblocking(False)
        except OSError:
            listener.close()
            raise
        self._listener = listener
        self._address = listener.getsockname()[:2]
        self._selector = selectors.DefaultSelector()
        self._selector.register(listener, selectors.EVENT_READ, "listener")
        self._selector.register(self._wake_in, selectors.EVENT_READ, "wake")
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="chatlesson-inspect", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close every connection and the listener, and end the thread. Safe to call twice."""
        thread = self._thread
        if thread is None:
            return
        self._stopping = True
        try:
            self._wake_out.send(b"x")
        except OSError:
            pass  # full or closed: the loop is waking or gone already
        if thread is not threading.current_thread():
            thread.join()
            self._thread = None

    def __enter__(self) -> Relay:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def address(self) -> tuple[str, int]:
        """Where clients connect: (host, port) the relay listens on."""
        if self._address is None:
            raise RuntimeError("the relay has not started yet")
        return self._address

    # --- What it saw, for code --------------------------------------------------

    @property
    def chunks(self) -> list[Chunk]:
        """The chunks kept so far (the last ``history``), oldest first."""
        with self._changed:
            return list(self._chunks)

    @property
    def events(self) -> list[Event]:
        with self._changed:
            return list(self._events)

    @property
    def count(self) -> int:
        """How many chunks have crossed since the relay was made."""
        return self._count

    @property
    def held(self) -> int:
        """Bytes received and not yet passed on, over all connections."""
        return self._held

    def wait_until(self, predicate: Callable[[Relay], bool], timeout: float = 5.0,
                   what: str = "the condition") -> None:
        """Block until ``predicate(relay)`` is true; TimeoutError after ``timeout`` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self), timeout):
                raise TimeoutError(f"the relay waited {timeout} s for {what}")

    def next_chunks(self, count: int = 1, timeout: float = 5.0) -> list[Chunk]:
        """The next ``count`` chunks not returned before, once they have crossed completely.

        "Crossed" means received, and every byte received so far passed on to the other side.
        Chunks older than the last ``history`` are gone: then fewer come back.
        """
        def crossed(relay: Relay) -> bool:
            return relay._count >= relay._taken + count and relay._held == 0
        self.wait_until(crossed, timeout, what=f"{count} more chunk(s) to cross")
        with self._changed:
            first = self._taken + 1
            self._taken += count
            return [chunk for chunk in self._chunks if first <= chunk.number <= self._taken]

    def skip_chunks(self) -> None:
        """Forget the chunks so far for ``next_chunks``: it returns only newer ones."""
        with self._changed:
            self._taken = self._count

    # --- The loop -------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stopping:
                for key, events in self._selector.select():
                    if key.data == "wake":
                        self._drain_wake()
                    elif key.data == "listener":
                        self._accept()
                    elif not key.data.closed:
                        self._service(key.data, key.fileobj, events)
        except Exception:
            log.exception("the relay failed")
        finally:
            for connection in list(self._connections.values()):
                self._close(connection, "closed", "the relay stopped")
            for sock in (self._listener, self._wake_in, self._wake_out):
                sock.close()
            self._selector.close()
            with self._changed:
                self._changed.notify_all()

    def _drain_wake(self) -> None:
        try:
            while self._wake_in.recv(512):
                pass
        except OSError:
            pass

    def _accept(self) -> None:
        while True:
            try:
                client, peer = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # a connection that died in the backlog, or out of files
                log.warning("accept failed: %s", exc)
                return
            number = next(self._numbers)
            if len(self._connections) >= self.max_connections:
                client.close()
                self._report(Event(number, "refused", 0.0,
                                   f"refused {peer[0]}:{peer[1]}: the relay passes on at most "
                                   f"{self.max_connections} at a time"))
                continue
            self._open(number, client, peer)

    def _open(self, number: int, client: socket.socket, peer) -> None:
        client.setblocking(False)
        try:
            server = socket.socket(self._family, socket.SOCK_STREAM)
        except OSError as exc:
            client.close()
            self._report(Event(number, "refused", 0.0, f"no socket for the server: {exc}"))
            return
        server.setblocking(False)
        for sock in (client, server):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # pass bytes on at once
            except OSError:
                pass
        connection = _Connection(number, client, server, peer)
        self._connections[number] = connection
        self._report(Event(number, "opened", 0.0,
                           f"client {peer[0]}:{peer[1]} connected; connecting to "
                           f"{self.target[0]}:{self.target[1]}"))
        code = server.connect_ex(self._target_address)
        if code not in _CONNECTING:
            self._close(connection, "broken", f"could not connect to the server: {_strerror(code)}")
            return
        self._update(connection)

    def _service(self, connection: _Connection, sock, events: int) -> None:
        if sock is connection.server and not connection.connected:
            code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                self._close(connection, "broken",
                            f"could not connect to the server: {_strerror(code)}")
                return
            connection.connected = True
            self._report(Event(connection.number, "connected", connection.since(),
                               "connected to the server"))
            self._write(connection, connection.up)
            if not connection.closed:
                self._pass_eof(connection, connection.up)
        else:
            if events & selectors.EVENT_READ:
                self._read(connection, connection.up if sock is connection.client else connection.down)
            if events & selectors.EVENT_WRITE and not connection.closed:
                self._write(connection, connection.down if sock is connection.client else connection.up)
        if not connection.closed:
            self._update(connection)

    def _read(self, connection: _Connection, pipe: _Pipe) -> None:
        room = self.buffer_limit - len(pipe.buffer)
        if room <= 0 or pipe.eof:
            return
        try:
            data = pipe.source.recv(min(RECV_SIZE, room))
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._close(connection, "broken", f"the {pipe.sender}'s connection broke: {_reason(exc)}")
            return
        if not data:
            pipe.eof = True
            self._report(Event(connection.number, "eof", connection.since(),
                               f"the {pipe.sender} finished sending (end of file)"))
            self._pass_eof(connection, pipe)
            return
        with self._changed:
            self._count += 1
            chunk, pipe.carried = make_chunk(self._count, connection.number, pipe.direction,
                                             connection.since(), data, self.keep_bytes,
                                             pipe.carried)
            self._chunks.append(chunk)
            pipe.buffer += data
            self._held += len(data)
            self.peak_held = max(self.peak_held, len(pipe.buffer))
            self._changed.notify_all()
        self._tell(self.on_chunk, chunk)
        self._write(connection, pipe)  # at once: the usual case costs no extra loop turn

    def _write(self, connection: _Connection, pipe: _Pipe) -> None:
        if not pipe.buffer or (pipe is connection.up and not connection.connected):
            return
        try:
            sent = pipe.dest.send(pipe.buffer)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            receiver = "server" if pipe.sender == "client" else "client"
            self._close(connection, "broken", f"the {receiver}'s connection broke: {_reason(exc)}")
            return
        del pipe.buffer[:sent]
        with self._changed:
            self._held -= sent
            self._changed.notify_all()
        self._pass_eof(connection, pipe)

    def _pass_eof(self, connection: _Connection, pipe: _Pipe) -> None:
        """Pass an end of file on once every byte before it is delivered; close when both are."""
        if not pipe.eof or pipe.buffer or pipe.shut or not connection.connected:
            return
        try:
            pipe.dest.shutdown(socket.SHUT_WR)
        except OSError as exc:
            self._close(connection, "broken", f"could not pass the end of file on: {_reason(exc)}")
            return
        pipe.shut = True
        if connection.up.shut and connection.down.shut:
            self._close(connection, "closed", "both sides finished; connection closed")

    def _update(self, connection: _Connection) -> None:
        """Watch each socket for what its connection can do next (nothing: not watched)."""
        for sock, incoming, outgoing in ((connection.client, connection.up, connection.down),
                                         (connection.server, connection.down, connection.up)):
            mask = 0
            can_read = sock is connection.client or connection.connected
            if can_read and not incoming.eof and len(incoming.buffer) < self.buffer_limit:
                mask |= selectors.EVENT_READ
            if sock is connection.server and not connection.connected:
                mask |= selectors.EVENT_WRITE  # writable = the connect finished
            elif outgoing.buffer:
                mask |= selectors.EVENT_WRITE
            old = connection.masks[sock]
            if mask == old:
                continue
            if not old:
                self._selector.register(sock, mask, connection)
            elif not mask:
                self._selector.unregister(sock)
            else:
                self._selector.modify(sock, mask, connection)
            connection.masks[sock] = mask

    def _close(self, connection: _Connection, kind: str, why: str) -> None:
        if connection.closed:
            return
        connection.closed = True
        for sock, mask in connection.masks.items():
            if mask:
                self._selector.unregister(sock)
            sock.close()
        self._connections.pop(connection.number, None)
        with self._changed:
            self._held -= len(connection.up.buffer) + len(connection.down.buffer)
            self._changed.notify_all()
        self._report(Event(connection.number, kind, connection.since(), why))

    def _report(self, event: Event) -> None:
        with self._changed:
            self._events.append(event)
            self._changed.notify_all()
        self._tell(self.on_event, event)

    @staticmethod
    def _tell(callback, item) -> None:
        if callback is None:
            return
        try:
            callback(item)
        except Exception:  # a broken observer must not stop the bytes
            log.exception("the relay's observer failed on %r", item)


def _strerror(code: int) -> str:
    try:
        return os.strerror(code)
    except ValueError:
        return f"error {code}"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__
