"""What one chunk of bytes looks like, without any socket: the part of the inspector you can test alone.

A *chunk* is what one ``recv()`` of the relay returned. TCP keeps no message boundaries, so a
chunk may hold two lines, part of a line, or half of a UTF-8 character; showing that is the
point of the inspector. ``Chunk`` records the facts when the bytes arrive (its line ends, and
whether a character was cut at its end, or finished at its start), and ``pieces`` splits it at
its line ends into rows a person can read: each with the bytes as escaped text, as hex, and a
note for what is special about it.

Escaped text shows printable characters as they are (``é``, ``👋``) and everything else as an
escape (``\\n``, ``\\x1b``, ``\\u202e``): a terminal escape sequence or a direction override in
the bytes is shown, never obeyed. A byte that is not part of a whole UTF-8 character shows as
``\\xNN``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

#: The two directions a chunk can cross the relay in.
TO_SERVER = "client -> server"
TO_CLIENT = "server -> client"

def utf8_length(first: int) -> int | None:
    """How many bytes a UTF-8 character starting with byte ``first`` has (None if it cannot start one)."""
    if first < 0x80:
        return 1
    if 0xC2 <= first <= 0xDF:
        return 2
    if 0xE0 <= first <= 0xEF:
        return 3
    if 0xF0 <= first <= 0xF4:
        return 4
    return None


def is_continuation(byte: int) -> bool:
    return 0x80 <= byte <= 0xBF


def cut_at_end(data: bytes) -> tuple[int, int] | None:
    """``(have, need)`` when ``data`` ends inside a UTF-8 character, else None.

    Only the last three bytes can be the start of an unfinished character.
    """
    for back in range(1, min(3, len(data)) + 1):
        byte = data[-back]
        if is_continuation(byte):
            continue
        need = utf8_length(byte)
        if need is not None and need > back:
            return back, need
        return None
    return None


@dataclass(frozen=True)
class Chunk:
    """One ``recv()`` of the relay: where it went, when, and what it held.

    ``data`` is at most the first ``keep`` bytes the relay was told to keep (all of a small
    chunk); ``size`` is the real size. The other facts are about the whole chunk.
    """

    number: int             # 1, 2, 3 ... over the relay's life, in the order chunks arrived
    connection: int         # which connection (1, 2 ...), in the order clients connected
    direction: str          # TO_SERVER or TO_CLIENT
    time: float             # seconds since the client connected
    size: int
    data: bytes
    line_ends: int          # how many b"\n" it holds
    cut: tuple[int, int] | None = None  # ends inside a character: (bytes here, bytes it needs)
    finishes: int = 0       # its first bytes continue a character cut in an earlier chunk
    finished: str = ""      # ... that character, if they finish it

    @property
    def complete(self) -> bool:
        """True when ``data`` holds the whole chunk."""
        return len(self.data) == self.size


def make_chunk(number: int, connection: int, direction: str, time: float, data: bytes,
               keep: int, carried: bytes = b"") -> tuple[Chunk, bytes]:
    """A ``Chunk`` for bytes just received, and the bytes of a character it leaves unfinished.

    ``carried`` is what the last chunk in the same direction left unfinished: the start of a
    UTF-8 character whose other bytes come now (or later still).
    """
    finishes, finished, cut = 0, "", None
    if carried:
        need = utf8_length(carried[0]) or 0
        missing = need - len(carried)
        while finishes < min(missing, len(data)) and is_continuation(data[finishes]):
            finishes += 1
        if finishes == missing:
            finished = (carried + data[:finishes]).decode("utf-8", "replace")
        elif finishes == len(data):  # the whole chunk is more of it, still not all
            cut = (len(carried) + finishes, need)
            carried = carried + data
        else:                        # something else came instead: it was never finished
            finishes = 0
    if cut is None:
        cut = cut_at_end(data)
        carried = bytes(data[-cut[0]:]) if cut else b""
    chunk = Chunk(number, connection, direction, time, len(data), bytes(data[:keep]),
                  data.count(b"\n"), cut, finishes, finished)
    return chunk, carried


# --- Showing a chunk -----------------------------------------------------------

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\", '"': '\\"'}


def escape(data: bytes) -> str:
    """``data`` as text anyone can read: printable characters as they are, the rest escaped."""
    out = []
    for char in data.decode("utf-8", "surrogateescape"):
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that is not part of a whole character
            out.append(f"\\x{code - 0xDC00:02x}")
        elif char != " " and unicodedata.category(char)[0] in "CZ":
            out.append(f"\\x{code:02x}" if code < 0x100 else
                       f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(char)
    return "".join(out)


def hex_bytes(data: bytes) -> str:
    return " ".join(f"{byte:02x}" for byte in data)


@dataclass(frozen=True)
class Piece:
    """One row of a chunk as shown: up to and including a line end, or the chunk's last bytes."""

    text: str       # escaped, in double quotes
    hex: str
    line_end: bool  # it ends with b"\n"
    note: str       # what is special about it, or ""


def pieces(chunk: Chunk, show: int | None = None) -> tuple[list[Piece], int]:
    """``chunk`` cut at its line ends into ``Piece`` rows, and how many bytes were left out.

    At most ``show`` bytes are shown (all that ``chunk.data`` holds if None).
    """
    data = chunk.data if show is None else chunk.data[:show]
    hidden = chunk.size - len(data)
    rows: list[Piece] = []
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end + 1
        part = data[start:end]
        notes = []
        if start == 0 and chunk.finishes and chunk.finished:
            many = "byte" if chunk.finishes == 1 else f"{chunk.finishes} bytes"
            notes.append(f"starts with the last {many} of {chunk.finished!r}, "
                         "a character cut at the end of the last chunk")
        elif start == 0 and chunk.finishes:
            notes.append("continues a character cut at the end of the last chunk")
        last = end == len(data)
        if last and hidden:
            notes.append(f"... {hidden} more bytes not shown")
        elif last and not part.endswith(b"\n"):
            notes.append("no line end: the line goes on in a later chunk")
        if last and chunk.cut:
            have, need = chunk.cut
            notes.append(f"the chunk ends inside a UTF-8 character: {have} of its {need} bytes")
        rows.append(Piece(f'"{escape(part)}"', hex_bytes(part), part.endswith(b"\n"),
                          "; ".join(notes)))
        start = end
    return rows, hidden


def summary(chunk: Chunk) -> str:
    """``13 bytes, 2 line ends`` and the like."""
    size = "1 byte" if chunk.size == 1 else f"{chunk.size} bytes"
    ends = {0: "no line end", 1: "1 line end"}.get(chunk.line_ends, f"{chunk.line_ends} line ends")
    return f"{size}, {ends}"
