"""The rules of the chat, with no sockets in sight.

``ChatRules`` knows who is connected, who has joined under which nickname
and in which room, who is an admin or muted, and what each incoming line
means. It is fed events (``connect``, ``line``, ``disconnect``) and answers
with an ``Outbox``. The network layer calls it under one lock, which is
what gives every member of a room the same conversation in the same order.

Connections are identified by any hashable value the caller chooses: the
threaded server passes its connection objects, tests pass plain strings.

The pieces it is made of each live in their own module: commands are
parsed and dispatched in ``commands.py`` (the table of commands is
``member_commands.py`` plus ``moderation.py``), permissions are decided in
``roles.py``, room names in ``rooms.py``, flood control in ``flood.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from . import protocol as p
from .commands import dispatch
from .flood import DEFAULT_FLOOD_LIMIT, FloodLimit, TokenBucket
from .framing import LineTooLong
from .member_commands import MEMBER_COMMANDS
from .moderation import MODERATION_COMMANDS, Bans
from .nicknames import nick_key, nick_problem
from .outbox import Outbox
from .roles import AdminGate, refusal
from .rooms import DEFAULT_ROOM, room_key
from .safetext import has_unsafe


@dataclass
class Member:
    """One connection: before the handshake ``nick`` is None."""

    address: object = None
    nick: str | None = None
    room: str = DEFAULT_ROOM
    admin: bool = False
    muted: bool = False
    admin_failures: int = 0           # wrong /admin passwords on this connection
    bucket: TokenBucket | None = None  # None: no flood control
    throttled: bool = False           # told "too fast" and still dropping lines

    @property
    def joined(self) -> bool:
        return self.nick is not None




def host_of(address: object) -> object:
    """The part of an address a ban applies to: the host of a (host, port) pair."""
    if isinstance(address, tuple) and address:
        return address[0]
    return address


def _address(address: object) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return str(address)


class ChatRules:
    """The whole chat's state and rules.

    ``admin_password``: the password for ``/admin``; None turns admin off.
    ``clock``: where time comes from, for flood control (tests pass a fake).
    ``flood_limit``: how fast a member may send; None turns flood control off.
    """

    def __init__(self, *, admin_password: str | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 flood_limit: FloodLimit | None = DEFAULT_FLOOD_LIMIT) -> None:
        self.members: dict[Hashable, Member] = {}  # joined ones in order of joining
        self._by_nick: dict[str, Hashable] = {}
        self.clock = clock
        self.flood_limit = flood_limit
        self.admin_gate = AdminGate(admin_password)
        self.bans = Bans()
        #: Name -> Command. A copy per instance, so a lesson can swap in its own handler.
        self.commands = {**MEMBER_COMMANDS, **MODERATION_COMMANDS}
        #: The permission check every command goes through (a lesson can swap it too).
        self.refusal = refusal

    # --- Questions ---------------------------------------------------------

    def nick_of(self, who: Hashable) -> str | None:
        member = self.members.get(who)
        return member.nick if member else None

    def nicks(self, room: str | None = None) -> list[str]:
        """Nicknames of joined members (of one room, if given), in joining order."""
        return [m.nick for m in self.members.values()
                if m.joined and (room is None or m.room == room)]

    def room_members(self, room: str) -> list[Hashable]:
        """The joined connections in ``room``, in joining order."""
        return [who for who, m in self.members.items() if m.joined and m.room == room]

    def listed(self, room: str) -> list[str]:
        """The room's nicknames as member lists show them, admins marked."""
        admins = {m.nick for m in self.members.values() if m.joined and m.admin}
        return p.member_list(self.nicks(room), admins)

    def rooms(self) -> list[tuple[str, int]]:
        """Every room with its head count: the lobby first, then by name."""
        counts = {DEFAULT_ROOM: 0}
        for m in self.members.values():
            if m.joined:
                counts[m.room] = counts.get(m.room, 0) + 1
        others = sorted((name for name in counts if name != DEFAULT_ROOM), key=room_key)
        return [(name, counts[name]) for name in [DEFAULT_ROOM, *others]]

    def find_room(self, name: str) -> str | None:
        """The existing room called ``name`` (in any case), as it is spelled."""
        key = room_key(name)
        for room, _ in self.rooms():
            if room_key(room) == key:
                return room
        return None

    def find(self, nick: str) -> Hashable | None:
        """The connection of the joined member called ``nick`` (in any case)."""
        return self._by_nick.get(nick_key(nick))

    def is_admin(self, who: Hashable) -> bool:
        member = self.members.get(who)
        return bool(member and member.admin)

    def host_of(self, who: Hashable) -> object:
        member = self.members.get(who)
        return host_of(member.address) if member else None

    def nick_refusal(self, nick: str, who: Hashable | None = None) -> str | None:
        """Why ``who`` may not take ``nick``, or None."""
        problem = nick_problem(nick)
        if problem:
            return problem
        owner = self._by_nick.get(nick_key(nick))
        if owner is not None and owner != who:
            return f"the nickname {nick} is taken"
        if self.bans.nick_banned(nick):
            return f"the nickname {nick} is banned on this server"
        return None

    # --- Changes, used by the commands -------------------------------------

    def rename(self, who: Hashable, new: str) -> None:
        member = self.members[who]
        del self._by_nick[nick_key(member.nick)]
        member.nick = new
        self._by_nick[nick_key(new)] = who

    def move(self, who: Hashable, room: str) -> None:
        self.members[who].room = room

    def remove(self, who: Hashable) -> Member | None:
        """Forget ``who`` without announcing anything."""
        member = self.members.pop(who, None)
        if member is not None and member.joined:
            del self._by_nick[nick_key(member.nick)]
        return member

    # --- Events ------------------------------------------------------------

    def connect(self, who: Hashable, address: object = None) -> Outbox:
        """A new connection: ask it for a nickname, unless its address is banned."""
        out = Outbox()
        if self.bans.host_banned(host_of(address)):
            out.send(who, p.error("your address is banned from this server"))
            out.close(who)
            out.log.append(f"refused {_address(address)}: banned address")
            return out
        bucket = TokenBucket(self.flood_limit, self.clock) if self.flood_limit else None
        self.members[who] = Member(address=address, bucket=bucket)
        out.send(who, p.NICK_REQUEST)
        return out

    def line(self, who: Hashable, data: bytes | LineTooLong) -> Outbox:
        """One complete line from ``who`` (raw bytes, line ending removed)."""
        out = Outbox()
        member = self.members.get(who)
        if member is None:
            return out
        if member.bucket is not None and not member.bucket.take():
            return self._throttle(who, member, out)
        member.throttled = False
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
        if has_unsafe(text):
            out.send(who, p.error("control characters, line separators and direction overrides "
                                  "are not allowed in chat; the line was dropped"))
            return out
        if not text.strip():
            return out
        if text.startswith(p.COMMAND_PREFIX * 2):
            text = text[1:]  # "//like this" is chat that starts with a slash
        elif text.startswith(p.COMMAND_PREFIX):
            dispatch(self, who, text, out)
            return out
        if member.muted:
            out.send(who, p.error("you are muted: your line was not delivered"))
            return out
        out.send_all(self.room_members(member.room), p.chat_line(member.nick, text))
        return out

    def disconnect(self, who: Hashable, reason: str | None = None) -> Outbox:
        """``who`` is gone. Safe to call more than once: only the first call announces."""
        out = Outbox()
        member = self.remove(who)
        if member is None or not member.joined:
            return out
        out.send_all(self.room_members(member.room), p.left(member.nick, member.room, reason))
        out.log.append(f"{member.nick} left" + (f" ({reason})" if reason else ""))
        return out

    # --- The handshake and flood control -------------------------------------

    def _ask_again(self, who: Hashable, member: Member, out: Outbox) -> Outbox:
        if not member.joined:
            out.send(who, p.NICK_REQUEST)
        return out

    def _throttle(self, who: Hashable, member: Member, out: Outbox) -> Outbox:
        """Drop a line sent too fast. A member is told once per burst of dropped lines."""
        if not member.throttled or not member.joined:
            limit = member.bucket.limit
            out.send(who, p.error(
                f"you are sending too fast (at most {limit.burst} lines at once, then "
                f"{limit.per_second:g} a second); lines are dropped until you slow down"))
        member.throttled = True
        return self._ask_again(who, member, out)

    def _choose_nick(self, who: Hashable, member: Member, nick: str, out: Outbox) -> Outbox:
        problem = self.nick_refusal(nick)
        if problem:
            out.send(who, p.error(problem))
            out.send(who, p.NICK_REQUEST)
            return out
        member.nick = nick
        self._by_nick[nick_key(nick)] = who
        self.members[who] = self.members.pop(who)  # member lists go in joining order
        if member.bucket is not None:  # the handshake's lines do not eat into the first burst
            member.bucket = TokenBucket(self.flood_limit, self.clock)
        others = [w for w in self.room_members(member.room) if w != who]
        out.send(who, p.welcome(nick, member.room, self.listed(member.room)))
        out.send_all(others, p.joined(nick, member.room))
        out.log.append(f"{nick} joined from {_address(member.address)}")
        return out
