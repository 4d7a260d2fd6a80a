"""The chat's wire format: what a line looks like and how to tell lines apart.

Everything here is pure: constants, formatting and parsing. The server, the
client, the chat panel and the checkers all import it, so the format is
written down exactly once (PROTOCOL.md explains it for people).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum

#: The nickname request the server sends on connect (the tutorial's token).
NICK_REQUEST = "Hii"

#: Longest line a client may send, in bytes, not counting the line ending.
MAX_LINE_BYTES = 2048

#: Longest nickname, in characters.
MAX_NICK_LENGTH = 24

#: Prefix of a server notice (welcome, joined, left, replies to commands).
NOTICE_PREFIX = "*** "

#: Prefix of an error the server sends to one client.
ERROR_PREFIX = "!!! "

#: Prefix of an action line (``/me waves`` shows as ``* alice waves``).
ACTION_PREFIX = "* "

#: Prefixes of private messages, as the recipient and the sender see them.
PRIVATE_FROM_PREFIX = "[from "
PRIVATE_TO_PREFIX = "[to "

#: Lines a client sends that start with this are commands, never chat.
COMMAND_PREFIX = "/"

ENCODING = "utf-8"

#: Reasons a "left" notice may give, besides a member's own /quit reason. A server passes
#: CONNECTION_LOST to ``ChatRules.disconnect`` when recv or send failed (None: a clean close).
CONNECTION_LOST = "connection lost"
TOO_SLOW = "too slow: stopped reading"

#: The notice every connection gets when the server stops.
SHUTDOWN_NOTICE = "The server is shutting down. Bye!"

#: Where servers listen and clients connect unless told otherwise.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 11826


def encode_line(text: str) -> bytes:
    """Turn one line of text into the bytes that go on the wire."""
    return (text + "\n").encode(ENCODING)


def outgoing_problem(text: str) -> str | None:
    """Why a client should not send ``text`` as one line, or None if it can."""
    if "\n" in text or "\r" in text:
        return "a message is one line: remove the line breaks"
    size = len(text.encode(ENCODING))
    if size > MAX_LINE_BYTES:
        return (f"message too long ({size} bytes; the limit is {MAX_LINE_BYTES}): "
                "shorten it and send again")
    return None


# --- Formatting: what the server says -------------------------------------


def chat_line(nick: str, text: str) -> str:
    return f"{nick}: {text}"


def action_line(nick: str, text: str) -> str:
    return f"{ACTION_PREFIX}{nick} {text}"


def private_from(nick: str, text: str) -> str:
    return f"{PRIVATE_FROM_PREFIX}{nick}] {text}"


def private_to(nick: str, text: str) -> str:
    return f"{PRIVATE_TO_PREFIX}{nick}] {text}"


def notice(text: str) -> str:
    return NOTICE_PREFIX + text


def error(text: str) -> str:
    return ERROR_PREFIX + text


#: In member lists, an admin's nickname is shown after this mark (``@ada``). The
#: instructor's nickname carries it in every line they send too (``@teacher: hi``,
#: ``* @teacher waves``, ``[from @teacher] hi``); no nickname can start with it.
ADMIN_MARK = "@"


def welcome(nick: str, room: str, members: list[str]) -> str:
    return notice(f"Welcome, {nick}! You are in #{room}. Online: {', '.join(members)}")


def moved(room: str, members: list[str]) -> str:
    """To a member who switched rooms with /join."""
    return notice(f"You are now in #{room}. Online: {', '.join(members)}")


def rooms_list(rooms: list[tuple[str, int]]) -> str:
    return notice("Rooms: " + ", ".join(f"#{name} ({count})" for name, count in rooms))


def became_admin(nick: str) -> str:
    return notice(f"{nick} is now an admin")


def became_instructor(nick: str) -> str:
    return notice(f"{nick} is the instructor; their lines are marked {ADMIN_MARK}{nick}")


def pinned(text: str, by: str) -> str:
    """The pinned announcement, as everyone sees it (and newcomers, after their welcome)."""
    return notice(f"pinned by {by}: {text}")


def moderated(nick: str, what: str, by: str, reason: str | None = None) -> str:
    """``what`` is kicked, banned, unbanned, muted or unmuted."""
    suffix = f" ({reason})" if reason else ""
    return notice(f"{nick} was {what} by {by}{suffix}")


def joined(nick: str, room: str) -> str:
    return notice(f"{nick} joined #{room}")


def left(nick: str, room: str, reason: str | None = None) -> str:
    suffix = f" ({reason})" if reason else ""
    return notice(f"{nick} left #{room}{suffix}")


def renamed(old: str, new: str) -> str:
    return notice(f"{old} is now known as {new}")


def members_of(room: str, members: list[str]) -> str:
    return notice(f"Online in #{room}: {', '.join(members)}")


# --- Parsing: what a client receives --------------------------------------

_WELCOME = re.compile(r"Welcome, (?P<nick>\S+)! You are in #(?P<room>\S+)\. Online: (?P<members>.*)")
_MOVED = re.compile(r"You are now in #(?P<room>\S+)\. Online: (?P<members>.*)")
_ROOMS = re.compile(r"Rooms: (?P<rooms>.*)")
_ADMIN = re.compile(r"(?P<nick>\S+) is now an admin")
_MODERATED = re.compile(r"(?P<nick>\S+) was (?P<what>kicked|banned|unbanned|muted|unmuted) "
                        r"by (?P<by>\S+)(?: \((?P<reason>.*)\))?")
_JOINED = re.compile(r"(?P<nick>\S+) joined #(?P<room>\S+)")
_LEFT = re.compile(r"(?P<nick>\S+) left #(?P<room>\S+)(?: \((?P<reason>.*)\))?")
_RENAMED = re.compile(r"(?P<old>\S+) is now known as (?P<nick>\S+)")
_MEMBERS = re.compile(r"Online in #(?P<room>\S+): (?P<members>.*)")
_CHAT = re.compile(r"(?P<nick>[^\s:]+): (?P<text>.*)")
_PRIVATE = re.compile(r"\[(?:from|to) (?P<nick>[^\s\]]+)\] (?P<text>.*)")
_ACTION = re.compile(r"\* (?P<nick>\S+) (?P<text>.*)")


class _Name(str, Enum):
    """An enum whose members are their text: ``Kind.CHAT == "chat"``, in dicts, f-strings and JSON."""

    __hash__ = str.__hash__

    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, spec: str) -> str:
        return str.__format__(str(self), spec)


class Kind(_Name):
    """What a line from the server is."""

    REQUEST = "request"  # the nickname request
    CHAT = "chat"
    ACTION = "action"
    PRIVATE = "private"  # ``Message.outgoing`` tells which side you are
    NOTICE = "notice"
    ERROR = "error"


class Event(_Name):
    """Which notice it is, for notices a program may want to react to."""

    WELCOME = "welcome"
    MOVED = "moved"      # you switched rooms
    MEMBERS = "members"  # a /who reply
    JOINED = "joined"
    LEFT = "left"
    RENAMED = "renamed"
    ADMIN = "admin"
    ROOMS = "rooms"
    KICKED = "kicked"
    BANNED = "banned"
    UNBANNED = "unbanned"
    MUTED = "muted"
    UNMUTED = "unmuted"


@dataclass(frozen=True)
class Message:
    """One line from the server, classified.

    ``kind`` is a ``Kind`` and ``event`` an ``Event`` or None; both compare
    equal to their text, so ``message.kind == "chat"`` works as well as
    ``message.kind is Kind.CHAT``. For welcome, moved and members,
    ``members`` lists the room's nicknames (without the admin mark) and
    ``admins`` those of them who are admins; moderation events carry ``by``
    and ``reason``, "left" carries ``reason`` too. ``instructor`` is true for a chat line,
    action or private message the instructor sent (``@teacher: hi``; ``nick`` is
    ``teacher``, ``raw`` keeps the mark).
    """

    kind: Kind
    text: str
    raw: str
    nick: str | None = None
    event: Event | None = None
    room: str | None = None
    members: tuple[str, ...] = ()
    outgoing: bool = False
    old_nick: str | None = None
    admins: tuple[str, ...] = ()
    by: str | None = None
    reason: str | None = None
    instructor: bool = False


def _split_members(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    names = [name for name in text.split(", ") if name]
    members = tuple(name.removeprefix(ADMIN_MARK) for name in names)
    admins = tuple(name[1:] for name in names if name.startswith(ADMIN_MARK))
    return members, admins


def member_list(nicks: list[str], admins: Collection[str] = frozenset()) -> list[str]:
    """Nicknames as shown in member lists: admins marked with ``ADMIN_MARK``."""
    return [ADMIN_MARK + nick if nick in admins else nick for nick in nicks]


def parse_line(line: str) -> Message:
    """Classify a line received from the server."""
    if line == NICK_REQUEST:
        return Message(Kind.REQUEST, line, line)
    if line.startswith(ERROR_PREFIX):
        return Message(Kind.ERROR, line[len(ERROR_PREFIX):], line)
    if line.startswith(NOTICE_PREFIX):
        return _parse_notice(line)
    if line.startswith(ACTION_PREFIX) and (m := _ACTION.fullmatch(line)):
        return Message(Kind.ACTION, m["text"], line, nick=_unmarked(m["nick"]),
                       instructor=m["nick"].startswith(ADMIN_MARK))
    if line.startswith((PRIVATE_FROM_PREFIX, PRIVATE_TO_PREFIX)) and (m := _PRIVATE.fullmatch(line)):
        return Message(Kind.PRIVATE, m["text"], line, nick=_unmarked(m["nick"]),
                       outgoing=line.startswith(PRIVATE_TO_PREFIX),
                       instructor=m["nick"].startswith(ADMIN_MARK))
    if m := _CHAT.fullmatch(line):
        return Message(Kind.CHAT, m["text"], line, nick=_unmarked(m["nick"]),
                       instructor=m["nick"].startswith(ADMIN_MARK))
    return Message(Kind.NOTICE, line, line)


def _unmarked(nick: str) -> str:
    return nick.removeprefix(ADMIN_MARK)


def _parse_notice(line: str) -> Message:
    text = line[len(NOTICE_PREFIX):]
    if m := _WELCOME.fullmatch(text):
        members, admins = _split_members(m["members"])
        return Message(Kind.NOTICE, text, line, nick=m["nick"], event=Event.WELCOME,
                       room=m["room"], members=members, admins=admins)
    for event, pattern in ((Event.MOVED, _MOVED), (Event.MEMBERS, _MEMBERS)):
        if m := pattern.fullmatch(text):
            members, admins = _split_members(m["members"])
            return Message(Kind.NOTICE, text, line, event=event, room=m["room"],
                           members=members, admins=admins)
    if m := _ROOMS.fullmatch(text):
        return Message(Kind.NOTICE, text, line, event=Event.ROOMS)
    if m := _ADMIN.fullmatch(text):
        return Message(Kind.NOTICE, text, line, nick=m["nick"], event=Event.ADMIN)
    if m := _MODERATED.fullmatch(text):
        return Message(Kind.NOTICE, text, line, nick=m["nick"], event=Event(m["what"]),
                       by=m["by"], reason=m["reason"])
    if m := _JOINED.fullmatch(text):
        return Message(Kind.NOTICE, text, line, nick=m["nick"], event=Event.JOINED, room=m["room"])
    if m := _LEFT.fullmatch(text):
        return Message(Kind.NOTICE, text, line, nick=m["nick"], event=Event.LEFT, room=m["room"],
                       reason=m["reason"])
    if m := _RENAMED.fullmatch(text):
        return Message(Kind.NOTICE, text, line, nick=m["nick"], event=Event.RENAMED, old_nick=m["old"])
    return Message(Kind.NOTICE, text, line)
