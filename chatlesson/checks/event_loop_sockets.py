"""Lesson 09's tools: sockets and selectors that tell the checker what an event loop did.

An event loop's mistakes hide on a fast machine: loopback takes every ``send`` whole, and a
loop that spins uses CPU without saying so. These make them show, the same on every system:

- ``LoopSocket`` is a ``TappedSocket`` that can act full (``send`` raises
  ``BlockingIOError`` after a given number of calls, as a real non-blocking socket does when
  its buffer is full) or broken (``send`` raises ``ConnectionResetError``), and that counts
  ``sendall`` calls (which an event loop must never make: on a slow reader they block, or on
  a non-blocking socket raise halfway through).
- ``LoopListener`` hands out ``LoopSocket`` objects with a small send buffer, so a client
  that stops reading fills it after a few kilobytes instead of megabytes.
- ``watch_selectors`` swaps ``selectors.DefaultSelector`` for a subclass that counts each
  thread's ``select()`` calls: a loop with ``timeout=0`` makes thousands a second while
  nothing happens, a right one makes none.
"""

from __future__ import annotations

import contextlib
import errno
import selectors
import socket
import threading

from .sockets import TappedListener, TappedSocket

#: The send buffer of the server's end of each connection in the serve check (bytes asked
#: for; the system may round it up): small, so a reader that stops fills it quickly.
SMALL_BUFFER = 4096


class LoopSocket(TappedSocket):
    """A TappedSocket that can pretend to be full or broken, and counts ``sendall`` calls."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sendall_calls = 0
        self.send_calls = 0
        #: ``send`` calls that may still succeed before the socket acts full (None: never full).
        self.room_for: int | None = None
        #: When True, ``send`` raises ConnectionResetError, as after the peer's reset.
        self.broken = False
        #: Bytes that ``send`` handed to the kernel so far.
        self.sent_total = 0

    def send(self, data, flags=0):
        self.send_calls += 1
        if self.broken:
            raise ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")
        if self.room_for is not None:
            if self.room_for <= 0:
                raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
            self.room_for -= 1
        sent = super().send(data, flags)
        self.sent_total += sent
        return sent

    def sendall(self, data, flags=0):
        self.sendall_calls += 1
        if self.broken:
            raise ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")
        return super().sendall(data, flags)


class LoopListener(TappedListener):
    """A listening socket whose ``accept`` gives LoopSockets with a small send buffer."""

    def accept(self):
        fd, address = self._accept_or_stop()
        sock = LoopSocket(self.family, self.type, self.proto, fileno=fd)
        sock.setblocking(True)  # what accept() gives on every system; the loop must change it
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_BUFFER)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._on_accept(sock)
        self.accepted.append(sock)
        return sock, address


class SelectLog:
    """Every ``select()`` call made through ``watch_selectors``, per thread."""

    def __init__(self):
        self._lock = threading.Lock()
        self.calls: dict[int, int] = {}
        self.empty: dict[int, int] = {}  # calls that returned no event
        self.selectors: list[selectors.BaseSelector] = []
        self.closed: set[int] = set()  # id() of each selector that was closed

    def note(self, result) -> None:
        ident = threading.get_ident()
        with self._lock:
            self.calls[ident] = self.calls.get(ident, 0) + 1
            if not result:
                self.empty[ident] = self.empty.get(ident, 0) + 1

    def count(self, thread: threading.Thread) -> tuple[int, int]:
        """(calls, calls that returned nothing) made by ``thread`` so far."""
        with self._lock:
            ident = thread.ident or 0  # a thread not started has made no calls
            return self.calls.get(ident, 0), self.empty.get(ident, 0)


@contextlib.contextmanager
def watch_selectors(log: SelectLog):
    """While inside, ``selectors.DefaultSelector()`` makes selectors that report to ``log``."""
    original = selectors.DefaultSelector

    class Watched(original):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            log.selectors.append(self)

        def select(self, timeout=None):
            result = super().select(timeout)
            log.note(result)
            return result

        def close(self):
            log.closed.add(id(self))
            super().close()

    Watched.__name__ = Watched.__qualname__ = original.__name__
    selectors.DefaultSelector = Watched  # type: ignore[misc]  # swapped back below
    try:
        yield log
    finally:
        selectors.DefaultSelector = original  # type: ignore[misc]
