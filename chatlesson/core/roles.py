"""Roles: who may do what, decided in one place.

There are three roles. Everyone who joins is a *member*. A member who gives
the server's admin password with ``/admin`` becomes an *admin* for as long
as that connection lasts. The *instructor* is an admin made so by the
program that owns the server (``ChatRules.instructor``), never by a
password on the network: their nickname is reserved for them and every line
they send is marked (``@teacher: ...``). Admin commands check the role in
``refusal``, called by the dispatcher before any command runs, never in the
commands.

The password is chosen by whoever starts the server; there is no default.
Guessing is slowed down per connection, never per address (a class behind
one router shares an address, and one student's guesses must not lock
anybody else out): a first wrong password (a typo) may be followed at once by
the right one, but after the second the connection must wait
``ADMIN_RETRY_SECONDS`` before its next try is even checked, and after
``MAX_ADMIN_FAILURES`` wrong ones ``/admin`` is locked on that connection.
Reconnecting costs a new handshake, and the connection limits apply to it.
Nothing a student does can lock the instructor out: the instructor needs no
``/admin`` at all.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # both import this module
    from .commands import Command
    from .rules import Member

#: Wrong /admin passwords allowed per connection.
MAX_ADMIN_FAILURES = 3

#: After a wrong password, how long a connection waits before its next try is checked.
ADMIN_RETRY_SECONDS = 1.0


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
    """Checks ``/admin`` passwords; failures are counted on each connection's ``Member``."""

    def __init__(self, password: str | None) -> None:
        if password is not None and (not password or password != password.strip()):
            raise ValueError("the admin password must not be empty or start or end with a space")
        # Only a digest is kept: every comparison is then 32 bytes against 32 bytes, so the
        # time it takes reveals neither the content nor the length of the password.
        self._password = _digest(password) if password is not None else None

    @property
    def enabled(self) -> bool:
        return self._password is not None

    def locked_out(self, member: Member) -> bool:
        """True once this connection has used up its wrong passwords."""
        return member.admin_failures >= MAX_ADMIN_FAILURES

    def wait(self, member: Member, now: float) -> float:
        """Seconds this connection must still wait before its next try (0: it may try now)."""
        return max(0.0, member.admin_retry_at - now)

    def check(self, member: Member, attempt: str, now: float) -> bool:
        """Compare SHA-256 digests with ``compare_digest``: fixed length, no early exit."""
        if self._password is None:
            return False
        if hmac.compare_digest(_digest(attempt), self._password):
            member.admin_failures = 0
            return True
        member.admin_failures += 1
        if member.admin_failures > 1:
            member.admin_retry_at = now + ADMIN_RETRY_SECONDS
        return False

    def tries_left(self, member: Member) -> int:
        return max(0, MAX_ADMIN_FAILURES - member.admin_failures)
