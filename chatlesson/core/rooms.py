"""Room names: what a good one looks like, and when two are the same room.

A room exists while someone is in it, except ``lobby``, where everyone
starts, which always exists. Names are compared like nicknames, so
``/join Games`` takes you into ``#games`` if it is already there.
"""

from __future__ import annotations

from .nicknames import nick_key

DEFAULT_ROOM = "lobby"

#: Longest room name, in characters (without the ``#``).
MAX_ROOM_LENGTH = 24

#: Punctuation allowed inside a room name, besides letters and digits.
ROOM_PUNCTUATION = "_-."


def room_problem(name: str) -> str | None:
    """Say what is wrong with a room name (given without ``#``), or None."""
    if not name:
        return "a room name cannot be empty"
    if len(name) > MAX_ROOM_LENGTH:
        return f"a room name can have at most {MAX_ROOM_LENGTH} characters"
    if not all(ch.isalnum() or ch in ROOM_PUNCTUATION for ch in name):
        return f"a room name can only use letters, digits and {ROOM_PUNCTUATION}"
    return None


def room_key(name: str) -> str:
    """The form two room names are compared in."""
    return nick_key(name)
