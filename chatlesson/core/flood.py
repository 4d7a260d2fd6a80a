"""Flood control: a token bucket for each connection.

Without a limit, one member pasting a thousand lines drowns the room, and
every line costs the server work under its one lock. A token bucket allows
short bursts (typing fast, pasting a few lines) but caps the steady rate.
Each connection has its own bucket, so a flooder only ever slows itself.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FloodLimit:
    """How fast a member may send: ``burst`` lines at once, then ``per_second``."""

    burst: int = 10
    per_second: float = 5.0

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError("a flood limit needs a rate above 0 and a burst of at least 1 line")

    @classmethod
    def parse(cls, text: str) -> FloodLimit | None:
        """``"5/10"`` -> 5 lines a second with bursts of 10; ``"off"`` -> None (no limit).

        The error messages are meant for a person typing ``--flood-limit``.
        """
        cleaned = text.strip().lower()
        if cleaned == "off":
            return None
        rate, slash, burst = cleaned.partition("/")
        try:
            per_second, lines = float(rate), int(burst)
        except ValueError:
            per_second, lines = 0.0, 0
        if not slash or not math.isfinite(per_second) or per_second <= 0 or lines < 1:
            raise ValueError(f"flood limit {text!r}: give RATE/BURST, like 5/10 (5 lines a second, "
                             "bursts of up to 10 lines), or off")
        return cls(burst=lines, per_second=per_second)

    def __str__(self) -> str:
        return f"{self.per_second:g}/{self.burst}"


#: The limit every server uses unless told otherwise (see PROTOCOL.md).
DEFAULT_FLOOD_LIMIT = FloodLimit()


class TokenBucket:
    """Holds up to ``limit.burst`` tokens and gains ``limit.per_second`` a second.

    Each line costs one token; with no token left the line is refused. The
    clock is a parameter so tests can move time by hand instead of sleeping.
    """

    def __init__(self, limit: FloodLimit = DEFAULT_FLOOD_LIMIT,
                 clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.clock = clock
        self.tokens = float(limit.burst)
        self.updated = clock()

    def take(self) -> bool:
        """Spend one token if there is one; False means: too fast, drop the line."""
        now = self.clock()
        elapsed = max(0.0, now - self.updated)  # a clock that steps back refills nothing
        self.tokens = min(float(self.limit.burst), self.tokens + elapsed * self.limit.per_second)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def next_token_at(self) -> float | None:
        """The clock time at which the next line would be let through; None if one is now.

        Read after ``take()``: a server stops reading a flooder until then, so the flood
        waits in the flooder's own socket buffers (TCP pushes back) instead of costing the
        server a dropped line at a time.
        """
        now = self.clock()
        tokens = self.tokens + max(0.0, now - self.updated) * self.limit.per_second
        if tokens >= 1.0:  # refilled since the last take(): the next line passes
            return None
        return now + (1.0 - tokens) / self.limit.per_second
