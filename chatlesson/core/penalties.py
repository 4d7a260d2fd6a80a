"""Penalties that outlast a connection: a mute or a kick's cool-down, for a set time.

A mute that ended when the student reconnected, or a kick followed by an
instant rejoin, would not hold in a class. So ``/mute`` and ``/kick`` also
record a ``Penalty``: the nickname (compared by its confusable key, so
``bob`` cannot come back as the look-alike ``b0b``) and the host it came
from, until a clock time. A newcomer who picks that nickname
from that host while the penalty runs is muted again, or refused until the
cool-down ends, and told how long is left.

Keyed by nickname *and* host: a class behind one router shares an address,
so the host alone would punish classmates; the nickname alone would follow
a name to another machine. Penalties live in memory and end when the
server stops. Durations are the caller's (``Moderation`` in rules.py holds
the defaults: 10 minutes for a mute, 2 for a kick's cool-down).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .confusables import confusable_key


@dataclass(frozen=True)
class Penalty:
    what: str      # "muted" or "kicked"
    nick: str      # as it was spelled
    host: object   # None: any host (the address was unknown)
    until: float   # clock time at which it ends
    by: str


def duration_text(seconds: float) -> str:
    """``95`` -> ``"1 min 35 s"``, ``600`` -> ``"10 min"``, ``7`` -> ``"7 s"``: for people."""
    whole = max(1, round(seconds))
    minutes, secs = divmod(whole, 60)
    if not minutes:
        return f"{secs} s"
    return f"{minutes} min" + (f" {secs} s" if secs else "")


def parse_duration(text: str) -> float:
    """``"90"`` or ``"90s"`` -> 90, ``"10m"`` -> 600, ``"1h"`` -> 3600; ValueError otherwise."""
    units = {"s": 1, "m": 60, "h": 3600}
    text = text.strip().lower()
    scale = units.get(text[-1:], 0)
    number = text[:-1] if scale else text
    if not number.isdigit() or not number.isascii():
        raise ValueError(f"{text!r} is not a duration (like 90, 90s, 10m or 1h)")
    return float(int(number) * (scale or 1))


class Penalties:
    """The penalties in force, found by (confusable key of the nickname, host)."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str, object], Penalty] = {}

    def add(self, penalty: Penalty) -> None:
        self._items[penalty.what, confusable_key(penalty.nick), penalty.host] = penalty

    def remove(self, what: str, nick: str, host: object) -> Penalty | None:
        return self._items.pop((what, confusable_key(nick), host), None)

    def find(self, what: str, nick: str, host: object, now: float) -> Penalty | None:
        """The running penalty of that kind for that nickname from that host, or None."""
        key = confusable_key(nick)
        for candidate in (host, None):
            penalty = self._items.get((what, key, candidate))
            if penalty is not None:
                if penalty.until > now:
                    return penalty
                del self._items[what, key, candidate]  # over: forget it
        return None

    def __iter__(self) -> Iterator[Penalty]:
        return iter(list(self._items.values()))
