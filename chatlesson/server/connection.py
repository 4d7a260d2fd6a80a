"""One client's socket on the threaded server, with its own writer thread.

The tutorial calls ``client.send`` straight from ``broadcast``. Then one client that stops
reading fills its socket buffer, ``send`` blocks, and the whole chat stops with it. Here every
connection has an outgoing queue drained by its own writer thread, so ``enqueue`` never blocks.

What waits in the queue (plus what the writer has taken but not yet sent) is the connection's
*pending* output. Whether it has waited too much is not decided here: after every change the
connection asks its ``SlowReader`` (``chatlesson.core.limits``), and reports a "too slow"
verdict to the server, which asks the rules what everyone should see.
"""

from __future__ import annotations

import socket
import threading
from collections import deque
from collections.abc import Callable

from ..core.limits import SlowReader
from . import wakeups

#: How long a closing connection may take to flush its last lines, in seconds.
FLUSH_TIMEOUT = 2.0

#: Bytes the writer takes from the queue at a time: many lines joined into one ``send()``,
#: yet few enough that the pending count follows the client's reading closely (a blocking
#: ``send`` of megabytes returns only once all is sent) and joining copies little.
SEND_SIZE = 64 * 1024


class Connection:
    """A client's socket, its outgoing queue and the writer thread that drains it.

    ``on_too_slow(conn)`` is called (from the writer thread, with no lock held) when the
    slow reader rule says so while bytes drain; ``enqueue`` returns the same verdict to its
    caller instead.
    """

    def __init__(self, sock: socket.socket, address, number: int, slow_reader: SlowReader,
                 on_too_slow: Callable[[Connection], None]):
        self.sock = sock
        self.address = address
        self.number = number
        self._slow_reader = slow_reader
        self._on_too_slow = on_too_slow
        self._chunks: deque[bytes] = deque()
        self._pending = 0
        self._closing = False  # no more lines will be queued (nor read)
        self._closing_event = threading.Event()  # set with _closing: wakes a reader that waits
        #: Over the soft limit after the last ``enqueue``: the server must keep time for it.
        self.over_soft = False
        self._ready = threading.Condition()  # guards the four fields above and the slow reader
        self._writer = threading.Thread(target=self._write_loop, daemon=True,
                                        name=f"chatlesson-writer-{number}")
        self._writer.start()

    def __repr__(self) -> str:
        return f"<Connection {self.number} {self.address}>"

    @property
    def closing(self) -> bool:
        """True once the connection is ending (stop(), /quit, a kick): its reader stops reading."""
        return self._closing

    def wait_closing(self, timeout: float) -> bool:
        """Wait ``timeout`` seconds, or less if the connection starts closing; True if it has."""
        return self._closing_event.wait(timeout)

    @property
    def pending(self) -> int:
        """Bytes queued for this client and not yet handed to the kernel."""
        with self._ready:
            return self._pending

    def enqueue(self, data: bytes) -> bool:
        """Queue bytes for this client; never blocks. True: the client is now too slow."""
        with self._ready:
            if self._closing:
                return False
            self._chunks.append(data)
            self._pending += len(data)
            self._ready.notify()
            too_slow = self._slow_reader.too_slow(self._pending)
            self.over_soft = self._slow_reader.recheck_at() is not None
            return too_slow

    def too_slow_now(self) -> bool:
        """Ask the slow reader again with no new bytes (it answers by the clock)."""
        with self._ready:
            return not self._closing and self._slow_reader.too_slow(self._pending)

    def recheck_at(self) -> float | None:
        """When ``too_slow_now`` may next change its answer (None: only when bytes move)."""
        with self._ready:
            return None if self._closing else self._slow_reader.recheck_at()

    def close_after_flush(self) -> None:
        """Send what is queued, then end the connection (its reader wakes up)."""
        with self._ready:
            self._close_queue()
        if not wakeups.CLOSE_WAKES_RECV:
            wakeups.shut(self.sock, socket.SHUT_RD)  # the reader wakes; finish() waits to flush
        # On Windows the writer wakes the reader once the queue is flushed (_write_loop).

    def abort(self) -> None:
        """End the connection now, dropping whatever is queued."""
        with self._ready:
            self._close_queue()
            self._chunks.clear()
        wakeups.hang_up(self.sock)  # wakes the reader, and a writer blocked in send()

    def finish(self) -> None:
        """Called once by the reader thread at the very end: flush, join the writer, close."""
        with self._ready:
            self._close_queue()
        self._writer.join(FLUSH_TIMEOUT)
        if self._writer.is_alive():
            self.abort()
            self._writer.join()
        self.sock.close()

    def _close_queue(self) -> None:
        """No more lines in or out (lock held): the writer flushes and ends, the reader stops."""
        self._closing = True
        self._closing_event.set()
        self._ready.notify()

    def _write_loop(self) -> None:
        while True:
            with self._ready:
                while not self._chunks and not self._closing:
                    self._ready.wait()
                if not self._chunks:
                    break
                data = memoryview(self._take())
            if not self._send(data):
                return
        if wakeups.CLOSE_WAKES_RECV:
            wakeups.hang_up(self.sock)  # all is flushed: now closing may wake the reader

    def _send(self, data: memoryview) -> bool:
        """Send ``data`` whole; False if the connection ended on the way."""
        while data:
            try:
                sent = self.sock.send(data)
            except OSError:
                self.abort()
                return False
            data = data[sent:]
            with self._ready:
                self._pending -= sent
                too_slow = not self._closing and self._slow_reader.too_slow(self._pending)
            if too_slow:
                self._on_too_slow(self)
                return False
        return True

    def _take(self) -> bytes:
        """Up to about ``SEND_SIZE`` bytes from the front of the queue (lock held)."""
        taken, size = [], 0
        while self._chunks and size < SEND_SIZE:
            chunk = self._chunks.popleft()
            taken.append(chunk)
            size += len(chunk)
        return b"".join(taken)
