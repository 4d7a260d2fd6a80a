"""Turns: how much of one client's input a server handles before it lets the others in.

One ``recv`` may hold thousands of lines. Handing them all to the rules at once lets one
client that sends without pause take over the server: the event loop serves no one else
until the rules have seen every line, and the threaded server holds its one lock as long.
So both engines hand a client's lines to the rules in turns of at most ``LINES_PER_TURN``
lines (or about ``BYTES_PER_TURN`` bytes); the rest waits in a ``deque`` (and the socket is
not read meanwhile, so TCP makes the sender wait too). After every turn the server asks
``ChatRules.resume_reading_at(who)``: a flooder's next turn waits until its bucket has a
token again, so its flood costs the server almost nothing.
"""

from __future__ import annotations

from collections import deque

from ..core.framing import LineTooLong

#: At most this many lines from one client per turn ...
LINES_PER_TURN = 64
#: ... and no more lines once this many bytes of them were handled.
BYTES_PER_TURN = 64 * 1024

Line = bytes | LineTooLong


def next_turn(waiting: deque[Line]) -> list[Line]:
    """Take one turn's lines from the front of ``waiting``."""
    turn: list[Line] = []
    size = 0
    while waiting and len(turn) < LINES_PER_TURN and size < BYTES_PER_TURN:
        line = waiting.popleft()
        turn.append(line)
        if isinstance(line, bytes):
            size += len(line)
    return turn
