"""One log line as the chat panel sends it to the browser: a small dict of plain text.

The browser half of the panel (``panel.js``) draws each line from such a
record with ``textContent``, so nothing in it is ever read as markup. Every
decision that can be made without a browser is made here, where a test can
check it: who spoke, which colour they get, whether the line mentions you,
and whether it is a join or leave that the browser may fold into the line
before it.
"""

from __future__ import annotations

import re
import time
import zlib

#: How many sender colours the stylesheet defines (``--chatlesson-c0`` ...).
PALETTE_SIZE = 8

#: Notices the browser folds together when several come in a row.
FOLDED_EVENTS = ("joined", "left")


def sender_colour(nick: str) -> int:
    """The colour number of a nickname: the same in every panel and every session.

    ``hash()`` changes from one Python process to the next; a CRC does not.
    """
    return zlib.crc32(nick.casefold().encode("utf-8")) % PALETTE_SIZE


def mentions(text: str, nick: str | None) -> bool:
    """True if ``text`` names ``nick`` as a whole word (``ada`` in "hi ada!", not in "adam")."""
    if not nick:
        return False
    return re.search(rf"(?<!\w){re.escape(nick)}(?!\w)", text, re.IGNORECASE) is not None


def line_record(number: int, kind: str, text: str, *, sender: str | None = None,
                me: str | None = None, event: str | None = None,
                when: float | None = None) -> dict:
    """The record for log line number ``number`` (counted from 1 for this panel).

    ``text`` is the whole line as shown (already made printable); ``sender``
    is the nickname that wrote it, for chat and action lines. The time is the
    kernel's clock in milliseconds since the epoch: the browser shows it in
    the reader's own time zone.
    """
    kind = str(kind)  # plain text: the protocol's Kind enum is a str, but records go to JSON
    spoke = sender if kind in ("chat", "action") and sender else None
    said = text[len(spoke) + 1:] if spoke and kind == "chat" else text
    return {
        "n": number,
        "kind": kind,
        "text": text,
        "sender": spoke,
        "colour": sender_colour(spoke) if spoke else None,
        "time": round((time.time() if when is None else when) * 1000),
        "mention": bool(spoke) and spoke != me and mentions(said, me),
        "fold": kind == "notice" and str(event) in FOLDED_EVENTS,
    }
