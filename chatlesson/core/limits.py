"""The limits a server on a real network needs, and the slow-reader rule.

A chat on a classroom network meets clients that never finish the handshake,
one machine opening hundreds of connections, laptops that vanish without
closing, and clients that stop reading while others keep talking. Each of
these would cost the server memory for ever. ``Limits`` holds the numbers
(defaults that suit a classroom; PROTOCOL.md lists them), ``ChatRules``
applies the ones about connections, and ``SlowReader`` decides when a client
that is not reading its lines has to go.

Nothing here reads a clock by itself or touches a socket: the server tells
``SlowReader`` how many bytes wait for its client, and time comes from the
clock it was given, so tests move time by hand.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """How much one server and each client may take. None means: no limit."""

    max_connections: int | None = 256      # whole server
    max_per_host: int | None = 64          # a class behind one NAT must still fit
    handshake_seconds: float | None = 60.0  # time a new connection has to choose a nickname
    dead_peer_seconds: float = 45.0        # keepalive must notice a vanished peer within this
    soft_pending_bytes: int = 256 * 1024   # output waiting for one client may exceed this ...
    soft_seconds: float = 10.0             # ... for at most this long,
    hard_pending_bytes: int = 8 * 1024 * 1024  # and never this (cut off at once)

    def __post_init__(self) -> None:
        for name in ("max_connections", "max_per_host"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1 (or None for no limit), not {value}")
        if self.handshake_seconds is not None and self.handshake_seconds <= 0:
            raise ValueError("handshake_seconds must be positive (or None for no limit)")
        if self.dead_peer_seconds <= 0 or self.soft_seconds < 0:
            raise ValueError("dead_peer_seconds must be positive and soft_seconds not negative")
        if not 0 < self.soft_pending_bytes <= self.hard_pending_bytes:
            raise ValueError("need 0 < soft_pending_bytes <= hard_pending_bytes")


#: The limits every server uses unless told otherwise.
DEFAULT_LIMITS = Limits()


class SlowReader:
    """Decides when one client reads its lines too slowly to keep, as Redis does.

    Output waiting for a client may grow past ``soft_pending_bytes`` for a
    moment (a burst of chat, a slow network), but not for ``soft_seconds`` or
    longer, and never past ``hard_pending_bytes``. A client that reads as fast
    as the network allows drains every burst and is never cut off; one that
    stopped reading is cut off within ``soft_seconds``, so the memory its
    output takes stays bounded.
    """

    def __init__(self, limits: Limits = DEFAULT_LIMITS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._over_since: float | None = None  # when the pending bytes went over the soft limit

    def too_slow(self, pending_bytes: int) -> bool:
        """Call whenever the pending byte count changes, and at ``recheck_at()``.

        True once over the hard limit, or over the soft limit for
        ``soft_seconds`` or longer without dropping back below it.
        """
        if pending_bytes > self.limits.hard_pending_bytes:
            return True
        if pending_bytes <= self.limits.soft_pending_bytes:
            self._over_since = None
            return False
        now = self.clock()
        if self._over_since is None:
            self._over_since = now
        return now - self._over_since >= self.limits.soft_seconds

    def recheck_at(self) -> float | None:
        """Clock time at which ``too_slow`` may change its answer with no new bytes (None: never)."""
        if self._over_since is None:
            return None
        return self._over_since + self.limits.soft_seconds
