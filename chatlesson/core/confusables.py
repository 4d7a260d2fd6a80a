"""When two nicknames look the same: Unicode's confusable skeletons (UTS #39).

``teаcher`` written with a Cyrillic ``а`` is a different string from
``teacher`` but looks identical on screen. Unicode's security report UTS #39
lists, for each character that can be mistaken for another, a *prototype*
it looks like (Cyrillic ``а`` -> ``a``, ``1`` -> ``l``, ``m`` -> ``rn``). The
*skeleton* of a string replaces every character by its prototype; two
strings that look alike have the same skeleton.

The table comes from the ``confusable-homoglyphs`` package, which ships
Unicode's ``confusables.txt`` as JSON with every pair stored both ways. The
pairs form small groups around one prototype, so each character is mapped to
its group's representative: the group's many-character prototype if it has
one (``rn``), else the character every other one maps to, else the group's
first ASCII or lowest character. Only "same group or not" matters for a
comparison. Without the package, a short built-in table covers the Cyrillic
and Greek letters that look like Latin ones.

The table is read once, on the first call (about a tenth of a second), not on import.
"""

from __future__ import annotations

import json
import unicodedata
from functools import cache
from importlib import resources

#: Used when ``confusable-homoglyphs`` is not installed: (look-alike, prototype) pairs, two
#: characters at a time (Cyrillic and Greek letters that look Latin, digits that look like
#: letters), and ``m``, which looks like ``rn``.
_FALLBACK = ("аaвBеeһhіiјjкKмMнHоoрpсcтTуyхxѕsԁdԛqԝwӏlАAВBЕEЅSІlЈJКKМMНHОOРPСCТTХX"
             "ΑAΒBΕEΖZΗHΙlΚKΜMΝNΟOΡPΤTΥYΧXοoνvαaɑaℓl0O1lIl|l")
_FALLBACK_LONGER = [("m", "rn")]

_INVISIBLE = "\u200e\u200f"  # the package wraps right-to-left characters in direction marks


def _load_pairs() -> list[tuple[str, str]]:
    try:
        text = resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return [(_FALLBACK[i], _FALLBACK[i + 1]) for i in range(0, len(_FALLBACK), 2)] + _FALLBACK_LONGER
    data: dict[str, list[dict[str, str]]] = json.loads(text)
    return [(key.strip(_INVISIBLE), entry["c"].strip(_INVISIBLE))
            for key, entries in data.items() for entry in entries]


def _representative(group: set[str], neighbours: dict[str, set[str]]) -> str:
    longer = sorted(s for s in group if len(s) > 1)
    if longer:
        return longer[0]
    hubs = [s for s in group if len(neighbours[s]) == len(group) - 1]
    if len(hubs) == 1:
        return hubs[0]
    return min(group, key=lambda s: (not s.isascii(), s))


@cache
def _table() -> dict[str, str]:
    """Each confusable character -> the representative of its group (before the final pass)."""
    neighbours: dict[str, set[str]] = {}
    for a, b in _load_pairs():
        if a and b and a != b:
            neighbours.setdefault(a, set()).add(b)
            neighbours.setdefault(b, set()).add(a)
    table: dict[str, str] = {}
    seen: set[str] = set()
    for start in neighbours:
        if start in seen:
            continue
        group, todo = {start}, [start]
        while todo:
            for other in neighbours[todo.pop()]:
                if other not in group:
                    group.add(other)
                    todo.append(other)
        seen |= group
        rep = _representative(group, neighbours)
        table.update((s, rep) for s in group if len(s) == 1 and s != rep)
    return table


def _map(text: str) -> str:
    table = _table()
    return "".join(table.get(ch, ch) for ch in text)


def skeleton(text: str) -> str:
    """UTS #39's skeleton: decompose, map each character to its prototype, decompose again.

    Applied twice, so that a many-character prototype (``m`` -> ``rn``) is itself mapped.
    """
    text = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFD", _map(_map(text)))


def confusable_key(nick: str) -> str:
    """The form in which two nicknames that *look* the same are equal.

    ``teacher``, ``teаcher`` (Cyrillic а), ``TEACHER``, ``Τeacher`` (Greek Τ) and ``ｔeacher``
    (fullwidth) share it: the compatibility form (NFKC, as ``nicknames.nick_key``), its
    skeleton, case-folded, and the skeleton again (folding can make new look-alikes).
    """
    return skeleton(skeleton(unicodedata.normalize("NFKC", nick)).casefold())
