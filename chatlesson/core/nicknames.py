"""What makes a good nickname, and when two nicknames are the same.

A nickname starts every chat line (``alice: hi``), so it must not contain the
separator, spaces, or characters that would make a chat line look like a
server notice (``*** ``), an error (``!!! ``) or an action (``* ``).
"""

from __future__ import annotations

import unicodedata

from .protocol import MAX_NICK_LENGTH

#: Punctuation allowed inside a nickname, besides letters and digits.
NICK_PUNCTUATION = "_-."


def nick_problem(nick: str) -> str | None:
    """Say what is wrong with ``nick``, or return None when it is fine."""
    if not nick:
        return "a nickname cannot be empty"
    if len(nick) > MAX_NICK_LENGTH:
        return f"a nickname can have at most {MAX_NICK_LENGTH} characters"
    if any(ch.isspace() for ch in nick):
        return "a nickname cannot contain spaces"
    if any(unicodedata.category(ch).startswith("C") for ch in nick):
        return "a nickname cannot contain control characters"
    if not (nick[0].isalnum() or nick[0] == "_"):
        return "a nickname must start with a letter, a digit or _"
    bad = sorted({ch for ch in nick if not (ch.isalnum() or ch in NICK_PUNCTUATION)})
    if bad:
        shown = " ".join(bad)
        return f"a nickname can only use letters, digits and {NICK_PUNCTUATION} (not {shown})"
    return None


def nick_key(nick: str) -> str:
    """The form two nicknames are compared in: ``Alice`` and ``ALICE`` are taken by each other."""
    return unicodedata.normalize("NFKC", nick).casefold()
