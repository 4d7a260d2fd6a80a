"""Real sockets for the checkers: ones that remember what student code read.

A checker hands student code ordinary TCP sockets on 127.0.0.1. They are
``TappedSocket`` objects, a subclass of ``socket.socket`` that also notes
every read. That lets a checker wait until the student's code has taken the
first piece of a message before it sends the next piece (so the pieces
really arrive apart), and notice a loop that keeps calling ``recv`` after
the other side has gone (it keeps getting ``b''``).

``Peer`` is the checker's end of a connection: it reads whole lines with a
deadline and keeps whatever arrived, so a verdict can show it.
"""

from __future__ import annotations

import errno
import select
import socket
import struct
import threading
import time
from typing import Any

HOST = "127.0.0.1"


class Tap:
    """What student code has read from one socket so far."""

    def __init__(self):
        self._changed = threading.Condition()
        self.bytes_read = 0
        self.empty_reads = 0  # recv calls that returned b'' (the peer had gone)
        self.reading = 0  # recv calls under way: a thread waiting here has finished its work

    def entering(self) -> None:
        with self._changed:
            self.reading += 1
            self._changed.notify_all()

    def leaving(self) -> None:
        with self._changed:
            self.reading -= 1

    def note(self, data: bytes) -> None:
        with self._changed:
            if data:
                self.bytes_read += len(data)
            else:
                self.empty_reads += 1
            self._changed.notify_all()

    def wait_bytes(self, count: int, timeout: float) -> bool:
        """Wait until student code has read ``count`` bytes in all; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: self.bytes_read >= count, timeout)

    def wait_reading(self, timeout: float) -> bool:
        """Wait until a thread is inside ``recv`` on this socket; False on timeout.

        A handle thread that is back in ``recv`` has finished passing on the last line, so
        a client that joins now cannot be handed that line by a loop still running.
        """
        with self._changed:
            return self._changed.wait_for(lambda: self.reading > 0, timeout)


class TappedSocket(socket.socket):
    """A real TCP socket that counts what is read from it (see ``Tap``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tap = Tap()
        #: When set, ``send`` takes at most this many bytes, as a busy kernel may: code that
        #: ignores what ``send`` returns then loses the rest (``sendall`` never does).
        self.send_limit: int | None = None

    def send(self, data, flags=0):
        if self.send_limit is not None:
            data = memoryview(data).cast("B")[:self.send_limit]
        return super().send(data, flags)

    def recv(self, bufsize, flags=0):
        self.tap.entering()
        try:
            data = super().recv(bufsize, flags)
        finally:
            self.tap.leaving()
        self.tap.note(data)
        return data

    def recv_into(self, buffer, nbytes=0, flags=0):
        self.tap.entering()
        try:
            count = super().recv_into(buffer, nbytes, flags)
        finally:
            self.tap.leaving()
        self.tap.note(bytes(memoryview(buffer)[:count]))
        return count

    def __repr__(self) -> str:
        # Deterministic: no file descriptor, no port (verdicts must not change run to run).
        return "<socket>" if self.fileno() != -1 else "<socket (closed)>"


class TappedListener(socket.socket):
    """A listening socket whose ``accept`` hands out ``TappedSocket`` objects."""

    def __init__(self, on_accept):
        super().__init__(socket.AF_INET, socket.SOCK_STREAM)
        self._on_accept = on_accept
        self.accepted: list[TappedSocket] = []  # in the order connections were accepted
        self.stopped = False

    def shut_down(self) -> None:
        """Make a waiting ``accept()`` raise OSError, on every system.

        Shutting down or closing a listening socket wakes a thread blocked in ``accept()``
        on Linux and Windows only (on macOS and the BSDs it sleeps on), so the listener
        connects to itself, and ``accept`` then raises as if the socket had been shut down.
        """
        if self.stopped or self.fileno() == -1:
            return
        self.stopped = True
        try:
            socket.create_connection(self.getsockname(), timeout=1.0).close()
        except OSError:
            pass  # nothing is listening any more: nobody can be waiting

    def _accept_or_stop(self):
        if self.stopped:
            raise OSError(errno.EINVAL, "the server socket was shut down")
        fd, address = self._accept()
        if self.stopped:
            socket.socket(fileno=fd).close()  # the connection that woke us
            raise OSError(errno.EINVAL, "the server socket was shut down")
        return fd, address

    def accept(self) -> tuple[TappedSocket, Any]:
        fd, address = self._accept_or_stop()
        sock = TappedSocket(self.family, self.type, self.proto, fileno=fd)
        sock.setblocking(True)
        self._on_accept(sock)
        self.accepted.append(sock)
        return sock, address

    def __repr__(self) -> str:
        return "<listening socket>" if self.fileno() != -1 else "<listening socket (closed)>"


class LineTimeout(Exception):
    """No complete line arrived in time."""


class PeerClosed(Exception):
    """The other side closed the connection before a complete line arrived."""


class Peer:
    """The checker's end of a TCP connection, reading whole lines with a deadline."""

    def __init__(self, sock: socket.socket, name: str):
        self.sock = sock
        self.name = name
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""  # received bytes not yet returned as a line
        self.closed_by_other_side = False

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self, until: float, stop) -> bool:
        """Receive once if data comes before ``until``; False if it did not."""
        while True:
            left = until - time.monotonic()
            ready, _, _ = select.select([self.sock], [], [], max(0.0, min(left, 0.05)))
            if ready:
                break
            # Checked only when nothing is waiting: what a finished call sent is read first.
            if left <= 0 or (stop is not None and stop()):
                return False
        try:
            data = self.sock.recv(65536)
        except ConnectionError:
            data = b""
        if not data:
            self.closed_by_other_side = True
            return False
        self.buffer += data
        return True

    def read_line(self, timeout: float, stop=None) -> bytes:
        """The next line with its ``\\n``. ``stop()`` returning True ends the wait early."""
        until = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            if self.closed_by_other_side:
                raise PeerClosed()
            if not self._fill(until, stop):
                if self.closed_by_other_side:
                    raise PeerClosed()
                raise LineTimeout()
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line + b"\n"

    def read_bytes(self, count: int, timeout: float, quiet: float = 0.02) -> bytes:
        """Up to ``count`` bytes (fewer if they do not come in time), plus any that follow."""
        until = time.monotonic() + timeout
        while len(self.buffer) < count and self._fill(until, None):
            pass
        return self.read_available(quiet)

    def read_available(self, wait: float = 0.05) -> bytes:
        """Whatever arrives within ``wait`` seconds of quiet, plus what was buffered."""
        while self._fill(time.monotonic() + wait, None):
            pass
        data, self.buffer = self.buffer, b""
        return data

    def wait_closed(self, timeout: float) -> bool:
        """True once the other side has closed (data that arrives meanwhile is kept)."""
        until = time.monotonic() + timeout
        while not self.closed_by_other_side:
            if not self._fill(until, None) and not self.closed_by_other_side:
                return False
        return True

    def reset(self) -> None:
        """Drop the connection abruptly (an RST), like a laptop losing its network."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


def shut(sock: socket.socket) -> None:
    """Wake any thread blocked on ``sock``, then close it (close alone does not wake it).

    ``shutdown()`` wakes a thread in ``recv()`` on a connected socket on every system; a
    thread in ``accept()`` on one of our listeners is woken by a connection (``shut_down``).
    """
    if isinstance(sock, TappedListener):
        sock.shut_down()
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
