"""The list of checks, in the order they run, grouped in levels.

A check is a function that takes a ``Run``, drives the server through it and
raises ``CheckFailed`` at the first thing that is not as PROTOCOL.md says.
``needs`` names checks that must pass first: when the handshake fails, the
checks built on it are skipped instead of each failing the same way (which
also keeps a run against a broken server short).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

#: The levels, from what the tutorial's chat does to the package's commands.
LEVELS = ("tutorial", "robust", "commands")


@dataclass(frozen=True)
class Check:
    level: str
    name: str
    title: str
    run: Callable
    needs: tuple[str, ...] = ()


CHECKS: list[Check] = []


def check(level: str, name: str, title: str, needs: tuple[str, ...] = ("join",)):
    """Register the decorated function as a check of ``level``."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")

    def register(function: Callable) -> Callable:
        CHECKS.append(Check(level, name, title, function, needs))
        return function

    return register


def checks_of(levels) -> list[Check]:
    """Every check of the given levels, in running order (the modules register on import)."""
    from . import commands, robust, tutorial  # noqa: F401  (importing registers the checks)

    chosen = [c for c in CHECKS if c.level in levels]
    return sorted(chosen, key=lambda c: LEVELS.index(c.level))  # stable: file order within a level
