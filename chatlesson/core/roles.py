"""Roles: who may do what, decided in one place.

There are two roles. Everyone who joins is a *member*. A member who gives
the server's admin password with ``/admin`` becomes an *admin* for as long
as that connection lasts. Admin commands check the role in ``refusal``,
called by the dispatcher before any command runs, never in the commands.

The password is chosen by whoever starts the server; there is no default.
Guessing is slowed down by a lockout: after ``MAX_ADMIN_FAILURES`` wrong
passwords from one connection, or from one address (host) across all its
connections, ``/admin`` refuses that connection or address until the server
restarts. Counting by address means reconnecting does not reset the count.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # both import this module
    from .commands import Command
    from .rules import Member

#: Wrong /admin passwords allowed per connection and per address.
MAX_ADMIN_FAILURES = 3


def refusal(member: Member, command: Command) -> str | None:
    """Why ``member`` may not run ``command`` right now, or None if it may."""
    if command.admin and not member.admin:
        return f"/{command.name} is for admins only"
    if command.speaks and member.muted:
        return f"you are muted: /{command.name} is not allowed until an admin unmutes you"
    return None


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class AdminGate:
    """Checks ``/admin`` passwords and counts failures."""

    def __init__(self, password: str | None) -> None:
        if password is not None and (not password or password != password.strip()):
            raise ValueError("the admin password must not be empty or start or end with a space")
        # Only a digest is kept: every comparison is then 32 bytes against 32 bytes, so the
        # time it takes reveals neither the content nor the length of the password.
        self._password = _digest(password) if password is not None else None
        self._failures_by_host: dict[object, int] = {}

    @property
    def enabled(self) -> bool:
        return self._password is not None

    def locked_out(self, member: Member, host: object) -> str | None:
        """``"this connection"`` or ``"your address"`` if locked out, else None."""
        if member.admin_failures >= MAX_ADMIN_FAILURES:
            return "this connection"
        if host is not None and self._failures_by_host.get(host, 0) >= MAX_ADMIN_FAILURES:
            return "your address"
        return None

    def check(self, member: Member, host: object, attempt: str) -> bool:
        """Compare SHA-256 digests with ``compare_digest``: fixed length, no early exit."""
        if self._password is None:
            return False
        if hmac.compare_digest(_digest(attempt), self._password):
            member.admin_failures = 0
            self._failures_by_host.pop(host, None)
            return True
        member.admin_failures += 1
        if host is not None:
            self._failures_by_host[host] = self._failures_by_host.get(host, 0) + 1
        return False

    def tries_left(self, member: Member, host: object) -> int:
        used = max(member.admin_failures, self._failures_by_host.get(host, 0) if host is not None else 0)
        return max(0, MAX_ADMIN_FAILURES - used)
