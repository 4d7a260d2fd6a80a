"""The rules of the chat, with no sockets in sight.

``ChatRules`` knows who is connected, who has joined under which nickname
and in which room, who is an admin or muted, and what each incoming line
means. It is fed events (``connect``, ``line``, ``disconnect``, and
``expire``, ``too_slow``, ``failed``, ``shutdown`` for the things that go
wrong) and answers with an ``Outbox``. The network layer calls it under one
lock, or from its one event loop, which is what gives every member of a room
the same conversation in the same order. Everything a user can see is
decided here, so a second server does not copy a single chat decision.

Time comes from the injected ``clock``: the handshake deadline is a clock
time the server asks for (``next_deadline``) and reports back on
(``expire``), never a socket timeout.

A server's whole life with the rules, whatever its engine::

    out = rules.connect(conn, address)        # greet it, or refuse it (full, banned...)
    out = rules.line(conn, line)              # each line from LineBuffer; if it raises:
    out = rules.failed(conn)                  #   tell the sender, log the traceback
    out = rules.disconnect(conn)              # end of stream (CONNECTION_LOST on an error)
    out = rules.too_slow(conn)                # when its SlowReader says so; abort it
    out = rules.expire()                      # at rules.next_deadline()
    out = rules.shutdown()                    # on stop; flush briefly, close everything

and after each call it sends ``out.sends`` in order, closes ``out.closes``
once their lines are sent, and logs ``out.log``.

Connections are identified by any hashable value the caller chooses: the
threaded server passes its connection objects, tests pass plain strings.
``ChatRules[Connection]`` says which, for a type checker.

The pieces it is made of each live in their own module: commands are
parsed and dispatched in ``commands.py`` (the table of commands is
``member_commands.py`` plus ``moderation.py``), permissions are decided in
``roles.py``, room names in ``rooms.py``, flood control in ``flood.py``,
the connection limits in ``limits.py``, look-alike nicknames in
``confusables.py``, penalties that outlast a connection in ``penalties.py``,
room history and the transcript in ``history.py``. Commands change the state
only through the methods under "Changes" below, never by assigning fields.

For the program that owns the server (the instructor's notebook), beyond the events::

    rules = ChatRules(mute_seconds=600, kick_seconds=120,      # the defaults
                      history=History(room_lines=20))          # late joiners see 20 lines
    out = rules.instructor(who)  # make a connection, or a member with no socket, the instructor
    rules.reserve("teacher")     # only the instructor may take that nickname (or a look-alike)
    out = rules.pin(text, by)    # the announcement everyone sees now, and newcomers on join
    rules.unpin()
    rules.slow_seconds = 10      # slow mode: one line per 10 s for members (admins exempt)
    rules.transcript()           # the chat so far, as text, for the caller to save
    rules.reopen()               # after shutdown(), accept newcomers again (a restart)

Each ``Member`` says ``instructor``, ``admin``, ``muted`` and ``muted_until`` (a clock time)
for a dashboard to show.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic

from . import protocol as p
from .commands import Command, dispatch, parse_command
from .confusables import confusable_key
from .flood import DEFAULT_FLOOD_LIMIT, FloodLimit, TokenBucket
from .framing import LineTooLong
from .history import History
from .limits import DEFAULT_LIMITS, Limits
from .member_commands import MEMBER_COMMANDS
from .moderation import MODERATION_COMMANDS, Ban, Bans
from .nicknames import nick_key, nick_problem
from .outbox import Conn, Outbox
from .penalties import Penalties, Penalty, duration_text
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
    instructor: bool = False          # made so by the server's owner: marked, reserved nickname
    muted_until: float | None = None  # clock time a mute ends (None: when unmuted)
    admin_failures: int = 0           # wrong /admin passwords on this connection
    admin_retry_at: float = 0.0       # clock time of its next allowed /admin try
    spoke_at: float | None = None     # clock time of its last line, for slow mode
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


class ChatRules(Generic[Conn]):
    """The whole chat's state and rules.

    ``admin_password``: the password for ``/admin``; None turns admin off.
    ``clock``: where time comes from, for flood control and the handshake deadline
    (tests pass a fake).
    ``flood_limit``: how fast a member may send; None turns flood control off.
    ``limits``: connections in all and per host, the handshake deadline (``limits.py``).
    ``mute_seconds``, ``kick_seconds``: how long a ``/mute`` lasts and how long a kicked
    nickname waits before it may join again, reconnecting or not (``penalties.py``).
    ``history``: the room history and transcript (``history.py``; room history is off
    unless ``History(room_lines=N)``).
    """

    def __init__(self, *, admin_password: str | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 flood_limit: FloodLimit | None = DEFAULT_FLOOD_LIMIT,
                 limits: Limits = DEFAULT_LIMITS,
                 mute_seconds: float = 600.0, kick_seconds: float = 120.0,
                 history: History | None = None) -> None:
        #: Every connection, joined ones in order of joining. Read it freely; change it only
        #: through the methods below, which keep the rooms' member lists up to date.
        self.members: dict[Conn, Member] = {}
        self._rooms: dict[str, list[Conn]] = {}  # room -> its joined connections, cached
        self._by_nick: dict[str, Conn] = {}
        self._by_look: dict[str, Conn] = {}  # confusable key -> connection
        self._reserved: dict[str, str] = {}  # confusable key -> the reserved nickname
        self._handshakes: dict[Conn, float] = {}  # not joined yet -> deadline, oldest first
        self._per_host: dict[object, int] = {}  # connections from each host
        self._shut_down = False
        self.clock = clock
        self.flood_limit = flood_limit
        self.limits = limits
        self.admin_gate = AdminGate(admin_password)
        self.bans = Bans()
        self.penalties = Penalties()
        self.mute_seconds = mute_seconds
        self.kick_seconds = kick_seconds
        #: Slow mode: members may send one line per this many seconds (0: off; admins exempt).
        self.slow_seconds = 0.0
        #: The pinned announcement (shown on join), or None.
        self.pinned: str | None = None
        self.history = history if history is not None else History()
        confusable_key("")  # read the look-alike table now (~60 ms once), not on a first join
        #: Name -> Command. A copy per instance, so a lesson can swap in its own handler.
        self.commands: dict[str, Command] = {**MEMBER_COMMANDS, **MODERATION_COMMANDS}
        #: The permission check every command goes through (a lesson can swap it too).
        self.refusal: Callable[[Member, Command], str | None] = refusal

    # --- Questions ---------------------------------------------------------

    def nick_of(self, who: Conn) -> str | None:
        member = self.members.get(who)
        return member.nick if member else None

    def joined_nick(self, who: Conn) -> str:
        """The nickname of ``who``, which must have joined (a command's sender always has)."""
        nick = self.members[who].nick
        if nick is None:
            raise KeyError(f"{who!r} has not chosen a nickname")
        return nick

    def nicks(self, room: str | None = None) -> list[str]:
        """Nicknames of joined members (of one room, if given), in joining order."""
        if room is None:
            return [m.nick for m in self.members.values() if m.nick is not None]
        members = self.members
        return [nick for who in self._in_room(room) if (nick := members[who].nick) is not None]

    def room_members(self, room: str) -> list[Conn]:
        """The joined connections in ``room``, in joining order."""
        return list(self._in_room(room))

    def _in_room(self, room: str) -> list[Conn]:
        """``room_members`` without the copy (do not change it): every chat line needs it,
        so it is kept, and rebuilt from ``members`` after a change it does not follow."""
        members = self._rooms.get(room)
        if members is None:
            members = [who for who, m in self.members.items() if m.nick is not None and m.room == room]
            self._rooms[room] = members
        return members

    def listed(self, room: str) -> list[str]:
        """The room's nicknames as member lists show them, admins marked."""
        nicks: list[str] = []
        admins: set[str] = set()
        for who in self._in_room(room):
            member = self.members[who]
            if member.nick is not None:  # always, for a member of a room
                nicks.append(member.nick)
                if member.admin:
                    admins.add(member.nick)
        return p.member_list(nicks, admins)

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

    def find(self, nick: str) -> Conn | None:
        """The connection of the joined member called ``nick`` (in any case)."""
        return self._by_nick.get(nick_key(nick))

    def is_admin(self, who: Conn) -> bool:
        member = self.members.get(who)
        return bool(member and member.admin)

    def host_of(self, who: Conn) -> object:
        member = self.members.get(who)
        return host_of(member.address) if member else None

    def nick_refusal(self, nick: str, who: Conn | None = None) -> str | None:
        """Why ``who`` may not take ``nick``, or None."""
        problem = nick_problem(nick)
        if problem:
            return problem
        owner = self._by_nick.get(nick_key(nick))
        if owner is not None and owner != who:
            return f"the nickname {nick} is taken"
        look = confusable_key(nick)
        owner = self._by_look.get(look)
        if owner is not None and owner != who:
            return (f"the nickname {nick} looks the same as {self.joined_nick(owner)}, "
                    "who is online; choose another")
        reserved = self._reserved.get(look)
        if reserved is not None and not (who is not None and self.members[who].instructor):
            return f"the nickname {nick} is reserved for the instructor ({reserved})"
        if self.bans.nick_banned(nick):
            return f"the nickname {nick} is banned on this server"
        return None

    def shown_nick(self, who: Conn) -> str:
        """The name chat lines show for ``who``: the instructor's is marked (``@teacher``).

        No nickname can start with the mark, so nobody else can produce it.
        """
        member = self.members[who]
        nick = self.joined_nick(who)
        return p.ADMIN_MARK + nick if member.instructor else nick

    def transcript(self) -> str:
        """The chat so far as text (``history.py``): the caller saves it where it likes."""
        return self.history.text()

    # --- Changes, used by the commands -------------------------------------

    def rename(self, who: Conn, new: str) -> None:
        old = self.joined_nick(who)
        self._forget_nick(old)
        self._index_nick(who, new)
        if self.members[who].instructor:
            self.reserve(new)

    def _index_nick(self, who: Conn, nick: str) -> None:
        self.members[who].nick = nick
        self._by_nick[nick_key(nick)] = who
        self._by_look[confusable_key(nick)] = who

    def _forget_nick(self, nick: str) -> None:
        del self._by_nick[nick_key(nick)]
        self._by_look.pop(confusable_key(nick), None)

    def move(self, who: Conn, room: str) -> None:
        old = self.members[who].room
        self.members[who].room = room
        self._rooms.clear()
        self._forget_if_empty(old)

    def _forget_if_empty(self, room: str) -> None:
        if room != DEFAULT_ROOM and not self._in_room(room):
            self.history.forget_room(room)

    def make_admin(self, who: Conn) -> None:
        self.members[who].admin = True

    def instructor(self, who: Conn) -> Outbox[Conn]:
        """Make ``who`` the instructor: an admin without a password, exempt from flood
        control and slow mode, with its nickname reserved and marked in every line it sends.

        Only the program that owns the server calls this, so no password crosses the
        network. ``who`` is any connection ``connect`` accepted, joined or not, socket or
        none (a notebook's own seat is ``connect(seat)`` then this, then its nickname line).
        The room is told when ``who`` has already joined.
        """
        out: Outbox[Conn] = Outbox()
        member = self.members[who]
        member.instructor = member.admin = True
        member.bucket = None
        member.muted, member.muted_until = False, None
        if member.nick is not None:
            self.reserve(member.nick)
            out.send_all(self._in_room(member.room), p.became_instructor(member.nick))
            out.log.append(f"{member.nick} is the instructor")
        return out

    def reserve(self, nick: str) -> None:
        """Only an instructor may take ``nick``, or any nickname that looks the same.

        The instructor's own nickname is reserved when it joins, and stays so after it leaves.
        """
        self._reserved[confusable_key(nick)] = nick

    def release(self, nick: str) -> None:
        self._reserved.pop(confusable_key(nick), None)

    def set_muted(self, who: Conn, muted: bool, until: float | None = None) -> None:
        """Mute (until a clock time, or until unmuted) or unmute ``who``."""
        member = self.members[who]
        member.muted, member.muted_until = muted, until if muted else None

    def ban(self, who: Conn, by: str, reason: str, *, whole_host: bool = False) -> Ban:
        """Refuse ``who``'s nickname (and look-alikes) from now on, from any address;
        with ``whole_host``, every newcomer from its address too (``who`` stays until removed).
        """
        host = self.host_of(who) if whole_host else None
        ban = Ban(self.joined_nick(who), host, by, reason)
        self.bans.add(ban)
        return ban

    def penalize(self, who: Conn, what: str, seconds: float, by: str) -> Penalty:
        """Record that ``who``'s nickname from its host is muted or kicked for ``seconds``."""
        penalty = Penalty(what, self.joined_nick(who), self.host_of(who), self.clock() + seconds, by)
        self.penalties.add(penalty)
        return penalty

    def pin(self, text: str, by: str) -> Outbox[Conn]:
        """Pin an announcement: everyone sees it now, and each newcomer after its welcome."""
        self.pinned = p.pinned(text, by)
        out: Outbox[Conn] = Outbox()
        out.send_all([w for w, m in self.members.items() if m.joined], self.pinned)
        self.history.noted("", self.pinned)
        out.log.append(f"pinned by {by}: {text}")
        return out

    def unpin(self) -> str | None:
        """Take the pinned announcement down; the one it was, or None."""
        was, self.pinned = self.pinned, None
        return was

    def reopen(self) -> None:
        """Accept newcomers again after ``shutdown()`` (a server that restarts)."""
        self._shut_down = False

    def unban(self, nick: str) -> Ban | None:
        """Lift the ban on ``nick``; the ban that was lifted, or None if there was none."""
        return self.bans.remove(nick)

    def remove(self, who: Conn) -> Member | None:
        """Forget ``who`` without announcing anything."""
        member = self.members.pop(who, None)
        if member is None:
            return None
        if member.nick is not None:
            self._forget_nick(member.nick)
            if member.room in self._rooms:
                self._rooms[member.room].remove(who)
            self._forget_if_empty(member.room)
        self._handshakes.pop(who, None)
        host = host_of(member.address)
        if host is not None:
            left = self._per_host[host] - 1
            if left:
                self._per_host[host] = left
            else:
                del self._per_host[host]
        return member

    # --- Events ------------------------------------------------------------

    def connect(self, who: Conn, address: object = None) -> Outbox[Conn]:
        """A new connection: ask it for a nickname, or refuse it with an error and close it.

        Refused: a banned address, a full server, a host with too many connections,
        and anyone once ``shutdown`` has run.
        """
        out: Outbox[Conn] = Outbox()
        host = host_of(address)
        problem = self._connection_refusal(host)
        if problem:
            line, why = problem
            out.send(who, line)
            out.close(who)
            out.log.append(f"refused {_address(address)}: {why}")
            return out
        bucket = TokenBucket(self.flood_limit, self.clock) if self.flood_limit else None
        self.members[who] = Member(address=address, bucket=bucket)
        if host is not None:
            self._per_host[host] = self._per_host.get(host, 0) + 1
        if self.limits.handshake_seconds is not None:
            self._handshakes[who] = self.clock() + self.limits.handshake_seconds
        out.send(who, p.NICK_REQUEST)
        return out

    def _connection_refusal(self, host: object) -> tuple[str, str] | None:
        """The line for a refused newcomer and the reason for the log, or None to let it in."""
        limits = self.limits
        if self._shut_down:
            return p.notice(p.SHUTDOWN_NOTICE), "the server is shutting down"
        if self.bans.host_banned(host):
            return p.error("your address is banned from this server"), "banned address"
        if limits.max_connections is not None and len(self.members) >= limits.max_connections:
            return (p.error(f"the server is full ({limits.max_connections} connections); "
                            "try again later"), "server full")
        if (limits.max_per_host is not None and host is not None
                and self._per_host.get(host, 0) >= limits.max_per_host):
            return (p.error(f"too many connections from your address (at most {limits.max_per_host}); "
                            "close one and try again"), "too many connections from that host")
        return None

    def line(self, who: Conn, data: bytes | LineTooLong) -> Outbox[Conn]:
        """One complete line from ``who`` (raw bytes, line ending removed)."""
        out: Outbox[Conn] = Outbox()
        member = self.members.get(who)
        if member is None:
            return out
        if member.bucket is not None and not member.bucket.take():
            return self._throttle(who, member, member.bucket.limit, out)
        member.throttled = False
        if isinstance(data, LineTooLong):
            out.send(who, p.error(f"line too long (the limit is {p.MAX_LINE_BYTES} bytes); it was dropped"))
            return self._ask_again(who, member, out)
        try:
            text = data.decode(p.ENCODING)
        except UnicodeDecodeError:
            out.send(who, p.error("that line was not valid UTF-8; it was dropped"))
            return self._ask_again(who, member, out)
        if member.nick is None:
            return self._choose_nick(who, member, text.strip(), out)
        if has_unsafe(text):
            out.send(who, p.error("control characters, line separators and direction overrides "
                                  "are not allowed in chat; the line was dropped"))
            return out
        if not text.strip():
            return out
        if member.muted_until is not None and member.muted_until <= self.clock():
            self.set_muted(who, False)  # the mute ran out
            out.send(who, p.notice("your mute is over: you can talk again"))
        command = None
        if text.startswith(p.COMMAND_PREFIX * 2):
            text = text[1:]  # "//like this" is chat that starts with a slash
        elif text.startswith(p.COMMAND_PREFIX):
            command = self.commands.get(parse_command(text)[0])
            if command is None or not command.speaks or member.muted:
                dispatch(self, who, text, out)
                return out
        if member.muted:
            out.send(who, p.error(f"you are muted{self._mute_left(member)}: your line was not delivered"))
            return out
        if self._slowed(who, member, out):
            return out
        if command is not None:
            dispatch(self, who, text, out)
            return out
        line = p.chat_line(self.shown_nick(who), text)
        out.send_all(self._in_room(member.room), line)
        self.history.said(member.room, line)
        return out

    def _mute_left(self, member: Member) -> str:
        if member.muted_until is None:
            return ""
        return f" for {duration_text(member.muted_until - self.clock())} more"

    def _slowed(self, who: Conn, member: Member, out: Outbox[Conn]) -> bool:
        """Slow mode: True (and ``who`` told how long to wait) if the line must be dropped."""
        if not self.slow_seconds or member.admin:
            return False
        now = self.clock()
        if member.spoke_at is not None and now < member.spoke_at + self.slow_seconds:
            wait = duration_text(member.spoke_at + self.slow_seconds - now)
            out.send(who, p.error(f"slow mode is on (one line per {duration_text(self.slow_seconds)}): "
                                  f"wait {wait}; your line was not delivered"))
            return True
        member.spoke_at = now
        return False

    def disconnect(self, who: Conn, reason: str | None = None) -> Outbox[Conn]:
        """``who`` is gone. Safe to call more than once: only the first call announces.

        ``reason``: None when the peer closed cleanly, ``protocol.CONNECTION_LOST``
        when receiving or sending failed.
        """
        out: Outbox[Conn] = Outbox()
        member = self.remove(who)
        if member is None or member.nick is None:
            return out
        line = p.left(member.nick, member.room, reason)
        out.send_all(self._in_room(member.room), line)
        self.history.noted(member.room, line)
        out.log.append(f"{member.nick} left" + (f" ({reason})" if reason else ""))
        return out

    def too_slow(self, who: Conn) -> Outbox[Conn]:
        """``who`` stopped reading its lines (see ``limits.SlowReader``): close it at once.

        Its room hears why it left; a later ``disconnect(who)`` announces nothing more.
        """
        out = self.disconnect(who, p.TOO_SLOW)
        out.close(who)
        return out

    def failed(self, who: Conn) -> Outbox[Conn]:
        """The rules raised on a line from ``who``: it is dropped, and ``who`` is told.

        The server logs the traceback; a bug costs one line, never the connection.
        """
        out: Outbox[Conn] = Outbox()
        out.send(who, p.error("the server failed on that line; it was dropped"))
        return out

    def expire(self) -> Outbox[Conn]:
        """Close every connection whose handshake deadline has passed, by the clock.

        Each gets an error and is forgotten without any announcement (nobody knew it).
        A server calls this at ``next_deadline()``; calling it early or often is harmless.
        """
        out: Outbox[Conn] = Outbox()
        now = self.clock()
        while self._handshakes:
            who, deadline = next(iter(self._handshakes.items()))
            if deadline > now:
                break
            member = self.remove(who)
            out.send(who, p.error(f"no nickname within {self.limits.handshake_seconds:g} seconds; goodbye"))
            out.close(who)
            out.log.append(f"closed {_address(member.address if member else None)}: no nickname in time")
        return out

    def next_deadline(self) -> float | None:
        """The clock time at which ``expire()`` next has work to do, or None if it has none."""
        return next(iter(self._handshakes.values()), None)

    def resume_reading_at(self, who: Conn) -> float | None:
        """When to read ``who``'s next line: None means now; a time means "pause until then".

        A member over its flood limit has every further line dropped, yet reading and
        dropping them still costs the server (and, in an event loop, everyone) time. A server
        asks this after each read and stops reading that connection until the time given.
        """
        member = self.members.get(who)
        if member is None or member.bucket is None or not member.throttled:
            return None
        return member.bucket.next_token_at()

    def shutdown(self) -> Outbox[Conn]:
        """The server is stopping: say goodbye to every connection, joined or not, and close it.

        Everyone is forgotten without "left" lines; later connections are refused.
        """
        out: Outbox[Conn] = Outbox()
        goodbye = p.notice(p.SHUTDOWN_NOTICE)
        out.send_all(self.members, goodbye)
        out.closes.extend(self.members)  # each once: the keys of a dict
        self.members.clear()
        self._rooms.clear()
        self._by_nick.clear()
        self._by_look.clear()
        self._handshakes.clear()
        self._per_host.clear()
        self._shut_down = True
        out.log.append("shutting down")
        return out

    # --- The handshake and flood control -------------------------------------

    def _ask_again(self, who: Conn, member: Member, out: Outbox[Conn]) -> Outbox[Conn]:
        if not member.joined:
            out.send(who, p.NICK_REQUEST)
        return out

    def _throttle(self, who: Conn, member: Member, limit: FloodLimit, out: Outbox[Conn]) -> Outbox[Conn]:
        """Drop a line sent too fast. A member is told once per burst of dropped lines."""
        if not member.throttled or not member.joined:
            out.send(who, p.error(
                f"you are sending too fast (at most {limit.burst} lines at once, then "
                f"{limit.per_second:g} a second); lines are dropped until you slow down"))
        member.throttled = True
        return self._ask_again(who, member, out)

    def _choose_nick(self, who: Conn, member: Member, nick: str, out: Outbox[Conn]) -> Outbox[Conn]:
        problem = self.nick_refusal(nick, who)
        host, now = host_of(member.address), self.clock()
        kicked = None if problem or member.instructor else self.penalties.find("kicked", nick, host, now)
        if kicked is not None:
            problem = (f"{kicked.nick} was kicked by {kicked.by}; that nickname can join again "
                       f"in {duration_text(kicked.until - now)}")
        if problem:
            owner, host = self.find(nick), host_of(member.address)
            if owner is not None and host is not None and self.host_of(owner) == host:
                # Most likely its owner, back after a laptop slept or left the Wi-Fi: the
                # server notices the dead connection within dead_peer_seconds (keepalive).
                problem += (f" (if it was yours on a connection that dropped, it comes free "
                            f"within {self.limits.dead_peer_seconds:g} seconds)")
            out.send(who, p.error(problem))
            out.send(who, p.NICK_REQUEST)
            return out
        others = self.room_members(member.room)  # before ``who`` is in it
        self._index_nick(who, nick)
        if member.instructor:
            self.reserve(nick)
        self._handshakes.pop(who, None)
        self.members[who] = self.members.pop(who)  # member lists go in joining order
        self._in_room(member.room).append(who)  # the newest member comes last
        if member.bucket is not None:  # the handshake's lines do not eat into the first burst
            member.bucket = TokenBucket(member.bucket.limit, self.clock)
        out.send(who, p.welcome(nick, member.room, self.listed(member.room)))
        for line in self.history.recent(member.room):
            out.send(who, line)
        if self.pinned is not None:
            out.send(who, self.pinned)
        muted = None if member.instructor else self.penalties.find("muted", nick, host, now)
        if muted is not None:
            self.set_muted(who, True, muted.until)
            out.send(who, p.error(f"{muted.nick} was muted by {muted.by}; you are muted for "
                                  f"{duration_text(muted.until - now)} more"))
        joined = p.joined(nick, member.room)
        out.send_all(others, joined)
        self.history.noted(member.room, joined)
        out.log.append(f"{nick} joined from {_address(member.address)}"
                       + (" (still muted)" if muted else ""))
        return out
