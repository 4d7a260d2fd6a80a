"""Turning a TCP byte stream back into lines.

TCP delivers bytes, not messages: one ``recv`` may hold half a line, or three
lines and the start of a fourth, and a multi-byte UTF-8 character may be cut
in two. The tutorial decodes whatever one ``recv`` returns, which works on a
quiet loopback and breaks everywhere else. ``LineBuffer`` keeps the bytes
until a whole line has arrived, and refuses to grow without bound.
"""

from __future__ import annotations

from .protocol import MAX_LINE_BYTES


class LineTooLong:
    """Marker yielded in place of a line that exceeded the limit (and was dropped)."""

    def __repr__(self) -> str:
        return "LINE_TOO_LONG"


LINE_TOO_LONG = LineTooLong()


class LineBuffer:
    """Collects bytes and hands back complete lines, without their line ending.

    ``feed(data)`` returns a list whose items are ``bytes`` (a complete line,
    with ``\\n`` or ``\\r\\n`` removed) or ``LINE_TOO_LONG`` (a line longer than
    ``max_line_bytes`` was discarded up to its end). Memory use stays below
    ``max_line_bytes`` plus one ``recv``, however much a peer sends.
    """

    def __init__(self, max_line_bytes: int = MAX_LINE_BYTES):
        self.max_line_bytes = max_line_bytes
        self._pending = bytearray()
        self._discarding = False  # inside an over-long line, skipping to its end

    def feed(self, data: bytes) -> list[bytes | LineTooLong]:
        lines: list[bytes | LineTooLong] = []
        self._pending += data
        while True:
            end = self._pending.find(b"\n")
            if end < 0:
                break
            line = bytes(self._pending[:end])
            del self._pending[: end + 1]
            if self._discarding:
                self._discarding = False
                continue
            if line.endswith(b"\r"):
                line = line[:-1]
            lines.append(LINE_TOO_LONG if len(line) > self.max_line_bytes else line)
        # A partial line may carry a trailing "\r" that belongs to its "\r\n".
        if not self._discarding and len(self._pending) > self.max_line_bytes + 1:
            lines.append(LINE_TOO_LONG)
            self._discarding = True
        if self._discarding:
            self._pending.clear()
        return lines

    @property
    def pending(self) -> bytes:
        """Bytes received after the last complete line (an unfinished line)."""
        return bytes(self._pending)
