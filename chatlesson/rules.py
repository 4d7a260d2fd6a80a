"""The rules of the chat, with no sockets in sight.

``ChatRules`` knows who is connected, who has joined under which nickname,
what each incoming line means, and who must receive what. It is fed events
(``connect``, ``line``, ``disconnect``) and answers with an ``Outbox``. The
network layer calls it under one lock, which is what gives every member the
same conversation in the same order.

Connections are identified by any hashable value the caller chooses: the
threaded server passes its connection objects, tests pass plain strings.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from . import protocol as p
from .framing import LineTooLong
from .nicknames import nick_key, nick_problem
from .outbox import Outbox

DEFAULT_ROOM = "lobby"


@dataclass
class Member:
    """One connection: before the handshake ``nick`` is None."""

    address: object = None
    nick: str | None = None
    room: str = DEFAULT_ROOM

    @property
    def joined(self) -> bool:
        return self.nick is not None


def _control_characters(text: str) -> bool:
    return any((ord(ch) < 32 and ch != "\t") or 127 <= ord(ch) < 160 for ch in text)


def _address(address: object) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return str(address)


class ChatRules:
    def __init__(self) -> None:
        self.members: dict[Hashable, Member] = {}  # in order of connection
        self._by_nick: dict[str, Hashable] = {}

    # --- Questions ---------------------------------------------------------

    def nick_of(self, who: Hashable) -> str | None:
        member = self.members.get(who)
        return member.nick if member else None

    def nicks(self, room: str | None = None) -> list[str]:
        """Nicknames of joined members (of one room, if given), in joining order."""
        return [m.nick for m in self.members.values()
                if m.joined and (room is None or m.room == room)]

    def _room_members(self, room: str) -> list[Hashable]:
        return [who for who, m in self.members.items() if m.joined and m.room == room]

    # --- Events ------------------------------------------------------------

    def connect(self, who: Hashable, address: object = None) -> Outbox:
        """A new connection: ask it for a nickname."""
        out = Outbox()
        self.members[who] = Member(address=address)
        out.send(who, p.NICK_REQUEST)
        return out

    def line(self, who: Hashable, data: bytes | LineTooLong) -> Outbox:
        """One complete line from ``who`` (raw bytes, line ending removed)."""
        out = Outbox()
        member = self.members.get(who)
        if member is None:
            return out
        if isinstance(data, LineTooLong):
            out.send(who, p.error(f"line too long (the limit is {p.MAX_LINE_BYTES} bytes); it was dropped"))
            return self._ask_again(who, member, out)
        try:
            text = data.decode(p.ENCODING)
        except UnicodeDecodeError:
            out.send(who, p.error("that line was not valid UTF-8; it was dropped"))
            return self._ask_again(who, member, out)
        if not member.joined:
            return self._choose_nick(who, member, text.strip(), out)
        if _control_characters(text):
            out.send(who, p.error("control characters are not allowed in chat; the line was dropped"))
            return out
        if not text.strip():
            return out
        if text.startswith(p.COMMAND_PREFIX):
            return self._command(who, member, text, out)
        out.send_all(self._room_members(member.room), p.chat_line(member.nick, text))
        return out

    def disconnect(self, who: Hashable, reason: str | None = None) -> Outbox:
        """``who`` is gone. Safe to call more than once: only the first call announces."""
        out = Outbox()
        member = self.members.pop(who, None)
        if member is None or not member.joined:
            return out
        del self._by_nick[nick_key(member.nick)]
        out.send_all(self._room_members(member.room), p.left(member.nick, member.room, reason))
        out.log.append(f"{member.nick} left" + (f" ({reason})" if reason else ""))
        return out

    # --- The handshake -----------------------------------------------------

    def _ask_again(self, who: Hashable, member: Member, out: Outbox) -> Outbox:
        if not member.joined:
            out.send(who, p.NICK_REQUEST)
        return out

    def _choose_nick(self, who: Hashable, member: Member, nick: str, out: Outbox) -> Outbox:
        problem = nick_problem(nick)
        if problem is None and nick_key(nick) in self._by_nick:
            problem = f"the nickname {nick} is taken"
        if problem:
            out.send(who, p.error(problem))
            out.send(who, p.NICK_REQUEST)
            return out
        member.nick = nick
        self._by_nick[nick_key(nick)] = who
        others = [w for w in self._room_members(member.room) if w != who]
        out.send(who, p.welcome(nick, member.room, self.nicks(member.room)))
        out.send_all(others, p.joined(nick, member.room))
        out.log.append(f"{nick} joined from {_address(member.address)}")
        return out

    # --- Commands ----------------------------------------------------------

    def _command(self, who: Hashable, member: Member, text: str, out: Outbox) -> Outbox:
        name, _, args = text[1:].partition(" ")
        handler = getattr(self, f"_cmd_{name.lower()}", None) if name.isalpha() else None
        if handler is None:
            out.send(who, p.error(f"unknown command /{name}; type /help for the list"))
            return out
        handler(who, member, args.strip(), out)
        return out

    def _cmd_help(self, who, member, args, out):
        """/help: list the commands."""
        out.send(who, p.notice("Commands: /help, /who, /quit [reason]"))

    def _cmd_who(self, who, member, args, out):
        """/who: who is in your room."""
        out.send(who, p.members_of(member.room, self.nicks(member.room)))

    def _cmd_quit(self, who, member, args, out):
        """/quit [reason]: leave the chat."""
        out.send(who, p.notice("Bye!"))
        out.extend(self.disconnect(who, args or "quit"))
        out.close(who)
