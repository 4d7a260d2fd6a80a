"""Chunks and events as text for a terminal (and for printing in a notebook).

::

    #2  connection 1  +0.4 ms  client -> server  13 bytes, 2 line ends
        "first\\n"   66 69 72 73 74 0a
        "second\\n"  73 65 63 6f 6e 64 0a

Each row ends at a line end, so where the lines end inside a chunk is where the rows end. A
row without ``\\n`` is a line still unfinished when the chunk ended; a note says so, and says
when the chunk ends inside a UTF-8 character.
"""

from __future__ import annotations

from .chunks import Chunk, pieces, summary
from .relay import Event

#: Bytes of each chunk shown (the size is always the real one).
SHOW_BYTES = 256

#: Hex bytes per row; longer rows continue below.
HEX_PER_ROW = 16

#: Text longer than this gets its hex on the rows below it.
TEXT_WIDTH = 40


def when(seconds: float) -> str:
    """``+0.4 ms``, ``+12.5 ms``, ``+3.210 s``: time since the connection opened."""
    if seconds < 1:
        return f"+{seconds * 1000:.1f} ms"
    return f"+{seconds:.3f} s"


def format_chunk(chunk: Chunk, *, show: int | None = SHOW_BYTES, times: bool = True,
                 hex: bool = True) -> str:
    """One chunk as lines of text: a heading, then one row per line piece."""
    head = [f"#{chunk.number}", f"connection {chunk.connection}"]
    if times:
        head.append(when(chunk.time))
    head += [chunk.direction, summary(chunk)]
    out = ["  ".join(head)]
    rows, _ = pieces(chunk, show)
    width = max((len(row.text) for row in rows if len(row.text) <= TEXT_WIDTH), default=0)
    for row in rows:
        groups = row.hex.split(" ") if hex and row.hex else []
        note = f"  ({row.note})" if row.note else ""
        if len(row.text) <= width:  # text, hex and note side by side; more hex below the hex
            first = " ".join(groups[:HEX_PER_ROW])
            out.append(f"    {row.text:<{width}}  {first}{note}".rstrip())
            indent, rest = " " * (4 + width + 2), groups[HEX_PER_ROW:]
        else:                       # a long line: its hex on the rows below it
            out.append(f"    {row.text}{note}")
            indent, rest = " " * 6, groups
        for start in range(0, len(rest), HEX_PER_ROW):
            out.append(indent + " ".join(rest[start:start + HEX_PER_ROW]))
    return "\n".join(out)


def format_event(event: Event, *, times: bool = True) -> str:
    stamp = f"  {when(event.time)}" if times else ""
    return f"-- connection {event.connection}{stamp}: {event.text}"
