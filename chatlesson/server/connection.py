"""One client's socket on the server, with its own writer thread.

The tutorial calls ``client.send`` straight from ``broadcast``. Then one
client that stops reading fills its socket buffer, ``send`` blocks, and the
whole chat stops with it. Here every connection has an outgoing queue drained
by its own writer thread: ``enqueue`` never blocks, and a client whose queue
grows past ``max_pending_bytes`` is cut off instead of holding everyone up.
"""

from __future__ import annotations

import socket
import threading

#: How many bytes may wait for a client that is not reading before it is dropped.
MAX_PENDING_BYTES = 256 * 1024

#: How long a closing connection may take to flush its last lines, in seconds.
FLUSH_TIMEOUT = 2.0

SLOW_REASON = "too slow: stopped reading"


class Connection:
    def __init__(self, sock: socket.socket, address, number: int,
                 max_pending_bytes: int = MAX_PENDING_BYTES):
        self.sock = sock
        self.address = address
        self.number = number
        self.max_pending_bytes = max_pending_bytes
        self.close_reason: str | None = None
        self._chunks: list[bytes] = []
        self._pending = 0
        self._closing = False  # no more lines will be queued
        self._ready = threading.Condition()
        self._writer = threading.Thread(target=self._write_loop, daemon=True,
                                        name=f"chatlesson-writer-{number}")
        self._writer.start()

    def __repr__(self) -> str:
        return f"<Connection {self.number} {self.address}>"

    def enqueue(self, data: bytes) -> None:
        """Queue bytes for this client; never blocks."""
        with self._ready:
            if self._closing:
                return
            if self._pending + len(data) > self.max_pending_bytes:
                self._closing = True
                self.close_reason = SLOW_REASON
                self._ready.notify()
                overflow = True
            else:
                self._chunks.append(data)
                self._pending += len(data)
                self._ready.notify()
                overflow = False
        if overflow:
            self.abort()

    def close_after_flush(self, reason: str | None = None) -> None:
        """Send what is queued, then end the connection (its reader wakes up)."""
        with self._ready:
            if not self._closing:
                self._closing = True
                if reason and self.close_reason is None:
                    self.close_reason = reason
            self._ready.notify()
        self._shutdown(socket.SHUT_RD)

    def abort(self) -> None:
        """End the connection now, dropping whatever is queued."""
        with self._ready:
            self._closing = True
            self._chunks.clear()
            self._ready.notify()
        self._shutdown(socket.SHUT_RDWR)

    def finish(self) -> None:
        """Called once by the reader thread at the very end: flush, join the writer, close."""
        with self._ready:
            self._closing = True
            self._ready.notify()
        self._writer.join(FLUSH_TIMEOUT)
        if self._writer.is_alive():
            self.abort()
            self._writer.join()
        self.sock.close()

    def _shutdown(self, how: int) -> None:
        try:
            self.sock.shutdown(how)
        except OSError:
            pass  # already closed by the peer or by us

    def _write_loop(self) -> None:
        while True:
            with self._ready:
                while not self._chunks and not self._closing:
                    self._ready.wait()
                if not self._chunks:
                    return
                data = b"".join(self._chunks)
                self._chunks.clear()
            try:
                self.sock.sendall(data)
            except OSError:
                self.abort()
                return
            with self._ready:
                self._pending -= len(data)
