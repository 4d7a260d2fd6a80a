"""Between the rules and the connections, inside one event loop.

The ``Switchboard`` feeds each connection's events to ``ChatRules`` and carries out the
``Outbox`` that comes back, exactly as the threaded server does, but with no lock: everything
runs in the loop's one thread, one callback at a time.

Batching: lines for a client are queued during a pass of the loop, and the first line queued
schedules one ``flush`` with ``loop.call_soon``. asyncio runs it after every read that was
ready in this pass, so each client gets one write per pass however many lines it received.
With 100 members and 64 lines in flight that is one system call for dozens of lines.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Hashable
from typing import Any

from ..core.framing import LineTooLong
from ..core.outbox import Outbox
from ..core.protocol import CONNECTION_LOST, encode_line
from ..core.rules import ChatRules
from .eventloop_connection import Connection

#: Seconds ``shutdown`` lets clients read their goodbye before the rest are cut off.
FLUSH_TIMEOUT = 2.0

log = logging.getLogger("chatlesson.server")


class Switchboard:
    """Runs the rules for every connection of one event loop and writes what they decide."""

    def __init__(self, loop: asyncio.AbstractEventLoop, rules: ChatRules) -> None:
        self.loop = loop
        self.rules = rules
        self.limits = rules.limits
        self.connections: set[Connection] = set()
        self._numbers = itertools.count(1)
        self._dirty: list[Connection] = []  # connections with output queued in this pass
        self._expiry: asyncio.TimerHandle | None = None
        self._expiry_at: float | None = None
        self._all_gone: asyncio.Event | None = None  # set by shutdown(), waited on there

    def new_connection(self) -> Connection:
        """The protocol factory for ``loop.create_server``."""
        return Connection(self, next(self._numbers))

    # --- Events, from the connections ---------------------------------------

    def connected(self, conn: Connection) -> None:
        self.connections.add(conn)
        try:
            out = self.rules.connect(conn, conn.address)
        except Exception:
            log.exception("the chat rules failed on a new connection from %s", conn.address)
            conn.abort()  # the rules do not know it: it cannot chat
            return
        self.carry_out(out)
        self._arm_expiry()

    def line(self, conn: Connection, line: bytes | LineTooLong) -> None:
        try:
            out = self.rules.line(conn, line)
        except Exception:
            log.exception("the chat rules failed on a line from %r", conn)
            out = self._ask(self.rules.failed, conn)
        self.carry_out(out)

    def resume_reading_at(self, conn: Connection) -> float | None:
        """When to hand the rules ``conn``'s next lines (None: now); see ``turns.py``."""
        try:
            return self.rules.resume_reading_at(conn)
        except Exception:
            log.exception("the chat rules failed on resume_reading_at(%r)", conn)
            return None

    def lost(self, conn: Connection, exc: Exception | None) -> None:
        self.connections.discard(conn)
        if self._all_gone is not None and not self.connections:
            self._all_gone.set()
        self.carry_out(self._ask(self.rules.disconnect, conn,
                                 None if exc is None else CONNECTION_LOST))

    def too_slow(self, conn: Connection) -> None:
        conn.abort()
        self.carry_out(self._ask(self.rules.too_slow, conn))

    def _ask(self, event: Callable[..., Outbox], *args: Any) -> Outbox:
        """A bug in the rules is logged and costs that event's lines, never the server."""
        try:
            return event(*args)
        except Exception:
            log.exception("the chat rules failed on %s%r", event.__name__, args)
            return Outbox()

    # --- Carrying out the rules' decisions ---------------------------------

    def carry_out(self, out: Outbox) -> None:
        """Queue every line for its connection (encoded once per distinct line), then closes."""
        dirty = self._dirty
        first = not dirty
        text = data = None
        for conn, line in out.sends:
            if line is not text:  # a broadcast is one str sent to many: encode it once
                text, data = line, encode_line(line)
            pending = conn.out
            if not pending:
                if conn.closing:
                    continue
                dirty.append(conn)
            pending.append(data)
        for who in out.closes:
            self._close(who)
        for entry in out.log:
            log.info("%s", entry)
        if first and dirty:
            self.loop.call_soon(self.flush)

    def flush(self) -> None:
        """One write per connection for everything queued since the last flush."""
        dirty, self._dirty = self._dirty, []
        for conn in dirty:
            conn.flush()

    def _close(self, who: Hashable) -> None:
        if isinstance(who, Connection):
            who.close_after_flush()

    # --- The handshake deadline ------------------------------------------------

    def _arm_expiry(self) -> None:
        """Have ``expire()`` called at the rules' next deadline (one timer for everyone)."""
        deadline = self.rules.next_deadline()
        if deadline == self._expiry_at:
            return
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        self._expiry_at = deadline
        if deadline is not None:
            delay = max(0.0, deadline - self.rules.clock())
            self._expiry = self.loop.call_later(delay, self._expire)

    def _expire(self) -> None:
        self._expiry = self._expiry_at = None
        try:
            self.carry_out(self._ask(self.rules.expire))
        finally:
            self._arm_expiry()  # even after a bug: the deadline must not be off for good

    # --- Stopping ---------------------------------------------------------------

    async def shutdown(self, flush_timeout: float | None = None) -> None:
        """Say goodbye through the rules, give clients a moment to read it, close everything."""
        if flush_timeout is None:
            flush_timeout = FLUSH_TIMEOUT
        if self._expiry is not None:
            self._expiry.cancel()
        self._all_gone = asyncio.Event()
        self.carry_out(self._ask(self.rules.shutdown))
        for conn in list(self.connections):
            conn.close_after_flush()  # also those the rules had already forgotten
        self.flush()
        if not await self._gone(self._all_gone, flush_timeout):
            for conn in list(self.connections):
                conn.abort()  # not reading its goodbye: drop it
            await self._gone(self._all_gone, flush_timeout)  # an abort's connection_lost comes within a pass

    async def _gone(self, all_gone: asyncio.Event, timeout: float) -> bool:
        """Wait until every connection is lost, or ``timeout`` seconds; True if all are."""
        if self.connections:
            try:
                await asyncio.wait_for(all_gone.wait(), timeout)
            except asyncio.TimeoutError:
                pass
        return not self.connections
