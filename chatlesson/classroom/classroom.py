"""``Classroom``: the class's chat server, the instructor's seat, the progress board.

>>> with Classroom("127.0.0.1", 0, instructor="teacher") as room:
...     print(room.online()[0]["nick"])
teacher

The instructor is admin because they own the server's process: their seat joins through an
in-process call (``server.InstructorSeat``) and is made the instructor by ``ChatRules.instructor``
directly, so no password exists to guess or to lock; the rules then reserve the nickname (and
its look-alikes) and mark every line the instructor sends (``@teacher: ...``). Moderation
(``kick``, ``mute``, ``ban``, ``pin``, ``slow`` ...) runs the chat's own admin commands from that
seat, so students see exactly what an admin's command would show them.
Every call here runs in the server's loop thread (``EventLoopServer.call``), where the rules
live, and its lines are sent like any others.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..core import protocol as p
from ..core.commands import Command, CommandError, UsageError
from ..core.flood import DEFAULT_FLOOD_LIMIT
from ..core.history import History
from ..core.limits import DEFAULT_LIMITS
from ..core.nicknames import nick_problem
from ..core.outbox import Outbox
from ..core.rules import ChatRules, host_of
from .board import ProgressBoard
from .joincard import JoinCard, card_for, is_loopback, reach_warning
from .server import ClassroomServer, InstructorSeat
from .tls import certificate_fingerprint, server_context

log = logging.getLogger("chatlesson.classroom")


class ClassroomError(Exception):
    """The chat refused an instructor's action; the message says why (e.g. no such student)."""


#: How many of a room's last lines someone who joins late is shown.
HISTORY_LINES = 20


class Classroom:
    """A chat for a class, started from the instructor's notebook.

    ``host``: the interface to listen on (127.0.0.1: this machine only; an interface's
    address or 0.0.0.0 for a room of laptops; the join card says who can reach it).
    ``certfile``/``keyfile``: serve over TLS. ``public_host``: the address students type, if
    it is not the bound one (a NAT, a DNS name). ``board``: a ``ProgressBoard`` to use.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, instructor: str = "teacher",
                 certfile: str | Path | None = None, keyfile: str | Path | None = None,
                 public_host: str | None = None, board: ProgressBoard | None = None,
                 rules: ChatRules | None = None, **server_options: Any) -> None:
        problem = nick_problem(instructor)
        if problem:
            raise ValueError(problem)
        tls = server_context(certfile, keyfile) if certfile is not None else None
        self.fingerprint = certificate_fingerprint(certfile) if certfile is not None else None
        if rules is None:  # a class's rules: late joiners see the room's last lines
            rules = ChatRules(
                history=History(room_lines=HISTORY_LINES),
                admin_password=server_options.pop("admin_password", None),
                flood_limit=server_options.pop("flood_limit", DEFAULT_FLOOD_LIMIT),
                limits=server_options.pop("limits", None) or DEFAULT_LIMITS)
        self.server = ClassroomServer(host, port, tls=tls, rules=rules, **server_options)
        self.rules: ChatRules = self.server.rules
        self.instructor = instructor
        self.public_host = public_host
        self.board = board if board is not None else ProgressBoard()
        self.seat = InstructorSeat()
        self.rules.commands["submit"] = Command(
            "submit", "/submit PORT",
            "ask the instructor's progress board to check your own server on PORT", self._submit)

    # --- Life cycle ------------------------------------------------------------------

    def start(self) -> Classroom:
        """Listen, and seat the instructor (reserving their nickname for the whole class)."""
        self.server.start()
        try:
            self.server.call(self._seat_instructor)
        except BaseException:
            self.server.stop()
            raise
        host, port = self.address
        if not is_loopback(host):  # the card says it too; a log line reaches a terminal as well
            log.warning("%s", reach_warning(host, port))
        return self

    def stop(self) -> None:
        """Say goodbye to everyone, close every socket, end the board's checks and threads."""
        self.server.stop()
        self.board.stop()

    def __enter__(self) -> Classroom:
        return self.start() if not self.server.running else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self.server.running

    @property
    def address(self) -> tuple[str, int]:
        return self.server.address

    @property
    def port(self) -> int:
        return self.server.port

    def join_card(self) -> JoinCard:
        """What students type to join, how to check the certificate, who can reach us."""
        host, port = self.address
        return card_for(host, port, self.fingerprint, self.public_host)

    def __repr__(self) -> str:
        where = "{}:{}".format(*self.address) if self.running else "stopped"
        return f"<Classroom {self.instructor} {where}>"

    # --- What the dashboard shows -----------------------------------------------------

    def online(self) -> list[dict]:
        """Everyone who has joined, in joining order: nick, room, host, admin, muted."""
        def look() -> list[dict]:
            return [{"nick": m.nick, "room": m.room, "host": str(host_of(m.address)),
                     "admin": m.admin, "muted": m.muted, "instructor": m.instructor}
                    for who, m in self.rules.members.items() if m.nick is not None]
        return self.server.call(look)

    def messages_per_minute(self) -> int:
        """Chat lines members sent in the last minute."""
        board = self.server.switchboard
        return 0 if board is None else self.server.call(board.per_minute)

    def seen(self, last: int = 50) -> list[str]:
        """The last lines the instructor's seat received (its room's chat, replies, notices)."""
        return self.server.call(lambda: list(self.seat.lines)[-last:])

    # --- What the instructor does -------------------------------------------------------

    def say(self, text: str) -> list[str]:
        """Send a line from the instructor's seat (chat or any command); the replies to it."""
        if "\n" in text or "\r" in text:
            raise ValueError("one line at a time")
        return self.server.call(lambda: self._line(text))

    def command(self, text: str) -> list[str]:
        """Run an admin command; raise ``ClassroomError`` with the chat's error if refused."""
        replies = self.say(text)
        errors = [r[len(p.ERROR_PREFIX):] for r in replies if r.startswith(p.ERROR_PREFIX)]
        if errors:
            raise ClassroomError(errors[0])
        return replies

    def kick(self, nick: str, reason: str = "") -> list[str]:
        return self.command(f"/kick {nick} {reason}".rstrip())

    def ban(self, nick: str, reason: str = "", *, whole_host: bool = False) -> list[str]:
        """Refuse this nickname (and look-alikes); ``whole_host`` also refuses its address,
        which on a hub or behind one router is the whole class."""
        flag = "-host " if whole_host else ""
        return self.command(f"/ban {flag}{nick} {reason}".rstrip())

    def unban(self, nick: str) -> list[str]:
        return self.command(f"/unban {nick}")

    def mute(self, nick: str, duration: str = "") -> list[str]:
        """Mute, for the chat's default time or ``duration`` ("90", "5m"); holds across a
        reconnect."""
        return self.command(f"/mute {nick} {duration}".rstrip())

    def unmute(self, nick: str) -> list[str]:
        return self.command(f"/unmute {nick}")

    def announce(self, text: str) -> int:
        """Pin an announcement: every member in every room sees it now, and each newcomer
        right after their welcome. Returns how many students it reached."""
        text = text.strip()
        if not text or "\n" in text or "\r" in text:
            raise ValueError("an announcement is one line of text")
        self.command(f"/pin {text}")
        return sum(1 for person in self.online() if not person["instructor"])

    def unpin(self) -> list[str]:
        return self.command("/unpin")

    def slow(self, seconds: float) -> list[str]:
        """Slow mode: one line per ``seconds`` for students (0 ends it; admins are exempt)."""
        if seconds < 0:
            raise ValueError("seconds must be 0 (off) or more")
        return self.command(f"/slow {seconds:g}" if seconds else "/slow off")

    def slow_seconds(self) -> float:
        return self.server.call(lambda: self.rules.slow_seconds)

    def transcript(self) -> str:
        """The chat so far, every room, as text (private messages are never in it)."""
        return self.server.call(self.rules.transcript)

    def save_transcript(self, path: str | Path) -> Path:
        """Write the transcript to ``path`` (UTF-8) and return the path."""
        path = Path(path)
        path.write_text(self.transcript(), encoding="utf-8")
        return path

    # --- In the loop's thread ------------------------------------------------------------

    def _carry_out(self, out: Outbox[Any]) -> None:
        board = self.server.switchboard
        if board is None:
            raise RuntimeError("the classroom's server is not running")
        board.carry_out(out)

    def _line(self, text: str) -> list[str]:
        out = self.rules.line(self.seat, text.encode("utf-8"))
        replies = [line for who, line in out.sends if who is self.seat]
        self._carry_out(out)
        return replies

    def _seat_instructor(self) -> None:
        self._carry_out(self.rules.connect(self.seat, self.seat.address))
        if self.seat not in self.rules.members:
            raise RuntimeError("the chat refused the instructor's seat")
        self._carry_out(self.rules.instructor(self.seat))  # before joining: reserved on join
        out = self.rules.line(self.seat, self.instructor.encode("utf-8"))
        self._carry_out(out)
        if self.rules.nick_of(self.seat) is None:
            refused = [line for _, line in out.sends if line.startswith(p.ERROR_PREFIX)]
            raise ValueError(f"the nickname {self.instructor!r} was refused: {refused}")

    def _submit(self, rules: Any, who: Any, args: str, out: Outbox[Any]) -> None:
        """``/submit PORT``: check the server at the sender's own address and that port."""
        if who is self.seat:
            raise CommandError("/submit is for students")
        try:
            port = int(args.strip())
        except ValueError:
            raise UsageError("give the port your server listens on") from None
        if port == self.port:
            raise CommandError(f"{port} is the class chat's own port: give the port of your server")
        host = rules.host_of(who)
        if not isinstance(host, str):
            raise CommandError("your address is unknown, so the board cannot check your server")
        out.send(who, p.notice(self.board.submit(rules.joined_nick(who), host, port)))


__all__ = ["Classroom", "ClassroomError"]
