"""One client of the event-loop server: an ``asyncio.Protocol`` that only moves bytes.

asyncio calls these methods from its one thread: ``connection_made`` when a client is
accepted, ``data_received`` with whatever one read returned, ``pause_writing`` /
``resume_writing`` when the bytes waiting for this client cross the soft limit, and
``connection_lost`` at the end. Each one hands its event to the ``Switchboard``, which asks
the rules what to do. Nothing here decides anything a user could see.

Output is queued, not written at once: the switchboard appends each line to ``out`` and calls
``flush`` once per pass of the loop, so a client gets every line of that pass in one write.

Input is handled in turns (``turns.py``): a read with more lines than one turn holds is
kept in ``waiting``, reading stops, and the next turn comes in the next pass of the loop,
after every other client's; a flooder's next turn waits until the rules say (its lines
wait in its own socket meanwhile).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections import deque
from typing import TYPE_CHECKING, cast

from ..core.framing import LineBuffer
from ..core.limits import SlowReader
from .keepalive import enable_keepalive
from .turns import BYTES_PER_TURN, LINES_PER_TURN, Line, next_turn

if TYPE_CHECKING:
    from .eventloop_switchboard import Switchboard


log = logging.getLogger("chatlesson.server")


class Connection(asyncio.Protocol):
    """One client's transport, its unfinished line, its queued output and its slow-reader watch."""

    __slots__ = ("_next", "_watch", "address", "board", "closing", "lines", "number", "out",
                 "over_soft", "slow", "transport", "waiting")
    transport: asyncio.Transport

    def __init__(self, board: Switchboard, number: int) -> None:
        self.board = board
        self.number = number
        self.address: object = None  # (host, port) once connected; self.transport is set then
        self.lines = LineBuffer()
        self.out: list[bytes] = []   # encoded lines queued during this pass of the loop
        self.closing = False         # no more lines are queued; closed once flushed
        self.slow = SlowReader(board.limits, board.rules.clock)
        self.over_soft = False       # more than the soft limit waits in the transport
        self._watch: asyncio.TimerHandle | None = None
        self.waiting: deque[Line] = deque()  # lines read, not yet handed to the rules
        self._next: asyncio.Handle | None = None  # the next turn, while reading is paused

    def __repr__(self) -> str:
        return f"<Connection {self.number} {self.address}>"

    # --- Events from asyncio ------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.address = transport.get_extra_info("peername")
        soft = self.board.limits.soft_pending_bytes
        self.transport.set_write_buffer_limits(high=soft, low=soft)  # pause_writing once over soft
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Lines go out at once, not held back by Nagle's algorithm (asyncio sets this only
            # for some sockets), and keepalive notices a peer that vanished without a word.
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError as exc:
                log.warning("no TCP_NODELAY for %r: %s", self, exc)
            try:
                enable_keepalive(sock, self.board.limits.dead_peer_seconds)
            except (OSError, AttributeError) as exc:  # AttributeError: a transport's socket
                log.warning("no keepalive for %r: %s", self, exc)  # may lack ioctl (Windows)
        self.board.connected(self)

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return  # /quit, a refusal or a kick: what follows is not read
        lines = self.lines.feed(data)
        if self._next is not None:  # (a read that was under way as reading paused)
            self.waiting.extend(lines)
            return
        if len(lines) > LINES_PER_TURN or len(data) > BYTES_PER_TURN:
            self.waiting.extend(lines)  # more than one turn: the rest waits for the next
            self._take_turn(paused=False)
            return
        board = self.board
        for line in lines:
            board.line(self, line)
            if self.closing:
                return
        self._after_turn(paused=False)

    def eof_received(self) -> bool:
        return False  # the peer closed its side: close ours (connection_lost follows)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self.out.clear()
        self._stop_watch()
        self._drop_waiting()
        self.board.lost(self, exc)

    def pause_writing(self) -> None:
        """More than the soft limit waits for this client: ask the SlowReader, and keep asking."""
        self.over_soft = True
        self.board.loop.call_soon(self.check_slow)  # not from inside transport.write()

    def resume_writing(self) -> None:
        self.over_soft = False
        self.check_slow()  # back under the soft limit: the SlowReader forgets the episode

    # --- Input, in turns ---------------------------------------------------------

    def _take_turn(self, paused: bool = True) -> None:
        """Hand the rules one turn's worth of the lines waiting."""
        self._next = None
        if self.closing:
            return
        board = self.board
        for line in next_turn(self.waiting):
            board.line(self, line)
            if self.closing:
                self._drop_waiting()
                return
        self._after_turn(paused)

    def _after_turn(self, paused: bool) -> None:
        """Read on, or pause reading until the next turn: soon, or when the rules say.

        ``paused``: reading was paused for this turn (it came from the ``waiting`` lines).
        """
        board = self.board
        at = board.resume_reading_at(self)
        if at is not None:  # flooding: nothing more from it until its bucket has a token
            delay = max(0.0, at - board.rules.clock())
            self._next = board.loop.call_later(delay, self._take_turn)
        elif self.waiting:  # its next turn, after everyone else's in this pass
            self._next = board.loop.call_soon(self._take_turn)
        else:
            if paused and not self.transport.is_closing():
                self.transport.resume_reading()
            return
        if not paused:
            self.transport.pause_reading()

    def _drop_waiting(self) -> None:
        self.waiting.clear()
        if self._next is not None:
            self._next.cancel()
            self._next = None

    # --- Output, driven by the switchboard -----------------------------------

    def flush(self) -> None:
        """Write everything queued this pass in one call; close if a close was asked for."""
        out = self.out
        if out:
            self.transport.write(out[0] if len(out) == 1 else b"".join(out))
            out.clear()
            if self.over_soft:
                self.check_slow()
        if self.closing and not self.transport.is_closing():
            self.transport.close()  # asyncio sends what it still holds, then closes

    def close_after_flush(self) -> None:
        if self.closing:
            return
        self.closing = True
        self._drop_waiting()
        if not self.out:
            self.transport.close()

    def abort(self) -> None:
        """End at once, dropping whatever waits (a slow reader, or a stop that timed out)."""
        self.closing = True
        self.out.clear()
        self._stop_watch()
        self._drop_waiting()
        self.transport.abort()

    # --- The slow-reader watch ------------------------------------------------

    def check_slow(self) -> None:
        """Tell the SlowReader how much waits; cut off if it says so, else recheck when it asks."""
        self._stop_watch()
        if self.closing or self.transport.is_closing():
            return
        if self.slow.too_slow(self.transport.get_write_buffer_size()):
            self.board.too_slow(self)
            return
        at = self.slow.recheck_at()
        if at is not None:  # over the soft limit: the answer may change with no new bytes
            delay = max(0.0, at - self.board.rules.clock())
            self._watch = self.board.loop.call_later(delay, self.check_slow)

    def _stop_watch(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
