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
    width = min(max((len(row.text) for row in rows), default=0), 40)
    for row in rows:
        groups = row.hex.split(" ") if hex and row.hex else []
        first = " ".join(groups[:HEX_PER_ROW])
        line = f"    {row.text:<{width}}"
        if first:
            line += f"  {first}"
        if row.note:
            line += f"  ({row.note})"
        out.append(line.rstrip())
        for start in range(HEX_PER_ROW, len(groups), HEX_PER_ROW):
            out.append(f"    {'':<{width}}  " + " ".join(groups[start:start + HEX_PER_ROW]))
    return "\n".join(out)


def format_event(event: Event, *, times: bool = True) -> str:
    stamp = f"  {when(event.time)}" if times else ""
    return f"-- connection {event.connection}{stamp}: {event.text}"
