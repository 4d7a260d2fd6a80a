"""The class's chat server, and the instructor's seat in it.

``ClassroomServer`` is the package's ``EventLoopServer`` with two additions: it can speak TLS
(``ssl=`` a server context) and it counts the chat lines members send, for the dashboard's
messages per minute.

The instructor does not connect over the network at all. ``InstructorSeat`` is a member of
the chat that lives inside the server's process: it joins through the same ``ChatRules`` as
everyone (so the rules know its nickname and room), is made admin by a direct call (no
password crosses the network, so no guess from a student can lock the instructor out), and
the lines the rules send it are kept for the dashboard instead of being written to a socket.
Its commands (``/kick``, ``/mute``, ``/ban`` ...) are the same commands any admin types.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from ..core.framing import LineTooLong
from ..core.protocol import NICK_REQUEST
from ..core.rules import ChatRules
from ..server.eventloop import BACKLOG, EventLoopServer
from ..server.eventloop_switchboard import Switchboard

#: How long the dashboard's rate looks back, in seconds.
RATE_WINDOW = 60.0


class CountingSwitchboard(Switchboard):
    """A switchboard that notes when each chat line (not a command) from a member arrived."""

    def __init__(self, loop: asyncio.AbstractEventLoop, rules: ChatRules) -> None:
        super().__init__(loop, rules)
        self.chat_times: deque[float] = deque(maxlen=100_000)

    def line(self, conn: Any, line: bytes | LineTooLong) -> None:
        member = self.rules.members.get(conn)
        if member is not None and member.joined and isinstance(line, bytes) \
                and line.strip() and not line.startswith(b"/"):
            self.chat_times.append(time.monotonic())
        super().line(conn, line)

    def per_minute(self, now: float | None = None) -> int:
        """Chat lines in the last ``RATE_WINDOW`` seconds (call it in the loop's thread)."""
        now = time.monotonic() if now is None else now
        times = self.chat_times
        while times and times[0] < now - RATE_WINDOW:
            times.popleft()
        return len(times)


class ClassroomServer(EventLoopServer):
    """``EventLoopServer`` + TLS + a ``CountingSwitchboard`` the classroom can reach."""

    def __init__(self, host: str, port: int = 0, *, tls: ssl.SSLContext | None = None,
                 **options: Any) -> None:
        super().__init__(host, port, **options)
        self.tls = tls
        self.switchboard: CountingSwitchboard | None = None

    async def _main(self, listener: socket.socket, started: Any) -> None:
        self._stop = stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        board = self.switchboard = CountingSwitchboard(loop, self.rules)
        listener.setblocking(False)
        try:
            server = await loop.create_server(board.new_connection, sock=listener,
                                              backlog=BACKLOG, ssl=self.tls)
        except BaseException:
            listener.close()
            raise
        try:
            started.set_result(None)
            await stop.wait()
        finally:
            server.close()
            await asyncio.shield(board.shutdown())


class InstructorSeat:
    """The instructor's member of the chat: no socket, lines kept in memory.

    The switchboard treats it like a connection: it appends encoded lines to ``out`` and
    calls ``flush()`` once per pass of the loop. ``closing`` is never true: nobody can close
    the instructor's seat but the classroom.
    """

    closing = False

    def __init__(self, keep: int = 500, on_line: Callable[[str], None] | None = None) -> None:
        self.out: list[bytes] = []
        self.lines: deque[str] = deque(maxlen=keep)
        self.on_line = on_line
        self.address = ("instructor", 0)

    def flush(self) -> None:
        pending, self.out = self.out, []
        for data in pending:
            text = data.decode("utf-8", "replace").rstrip("\n")
            if text == NICK_REQUEST:
                continue  # the seat's handshake, answered in-process
            self.lines.append(text)
            if self.on_line is not None:
                try:
                    self.on_line(text)
                except Exception:  # the dashboard's trouble must not stop the chat
                    pass

    def close_after_flush(self) -> None:  # the shutdown's goodbye: nothing to close
        pass

    def abort(self) -> None:
        pass

    def __repr__(self) -> str:
        return "<InstructorSeat>"
