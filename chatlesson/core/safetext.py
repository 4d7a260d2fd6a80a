"""Which characters may travel in a chat line, and how to show the others.

A chat line ends up on other people's screens. Some characters would let a
sender draw on those screens instead of writing on them: control characters
(terminal escape sequences, carriage returns), line and paragraph separators
(U+2028, U+2029, which many programs break lines at, so one line could show as
two and the second could look like someone else's), and the bidirectional
overrides (U+202A-U+202E, U+2066-U+2069), which reorder what follows them.
Tabs and the joiners that build emoji (U+200D) are fine.
"""

from __future__ import annotations

import re
import unicodedata

#: Explicit direction embeddings, overrides and isolates.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def is_unsafe(ch: str) -> bool:
    code = ord(ch)
    if ch == "\t":
        return False
    if code < 32 or 127 <= code < 160:
        return True
    return ch in BIDI_CONTROLS or unicodedata.category(ch) in ("Zl", "Zp")


#: ``is_unsafe`` as one pattern, so a whole chat line is checked at C speed (every line is).
#: Zl and Zp hold one character each, U+2028 and U+2029; a test checks every code point.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def has_unsafe(text: str) -> bool:
    """True if ``text`` holds a character that must not reach other people's screens."""
    return _UNSAFE.search(text) is not None


def printable(text: str) -> str:
    """``text`` with every unsafe character replaced by U+FFFD, for showing received text."""
    return "".join("\ufffd" if is_unsafe(ch) else ch for ch in text)
