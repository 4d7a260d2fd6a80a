"""Moderation: the admin commands, and the list of bans they keep.

``/kick`` closes a member's connection. ``/ban`` does the same and also
refuses that nickname and that address (host) from then on, until the
server stops or an admin runs ``/unban``. ``/mute`` stops a member's chat
lines, actions, private messages and nickname changes from reaching anyone,
for as long as its connection lasts. Every action is announced to the
target's room with ``protocol.moderated``; a member who is thrown out hears
that notice as its last line and is not announced again as having left.

Only admins can run these: the dispatcher checks ``Command.admin`` before
any handler here is called (see ``roles.refusal``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass

from . import protocol as p
from .commands import Command, CommandError, Out, Rules, UsageError, one_word, word_and_rest
from .nicknames import nick_key


@dataclass(frozen=True)
class Ban:
    nick: str
    host: object  # None when the connection's address was unknown
    by: str
    reason: str


class Bans:
    """Banned nicknames, each with the address it was banned from."""

    def __init__(self) -> None:
        self._by_nick: dict[str, Ban] = {}

    def add(self, ban: Ban) -> None:
        self._by_nick[nick_key(ban.nick)] = ban

    def remove(self, nick: str) -> Ban | None:
        return self._by_nick.pop(nick_key(nick), None)

    def nick_banned(self, nick: str) -> bool:
        return nick_key(nick) in self._by_nick

    def host_banned(self, host: object) -> bool:
        return host is not None and any(ban.host == host for ban in self._by_nick.values())

    def __iter__(self) -> Iterator[Ban]:
        return iter(list(self._by_nick.values()))

    def __len__(self) -> int:
        return len(self._by_nick)


def _target(rules: Rules, who: Hashable, args: str, verb: str) -> tuple[Hashable, str]:
    """The connection named by the first word of ``args``, and the rest as a reason."""
    name, reason = word_and_rest(args, "nickname")
    target = rules.find(name)
    if target is None:
        raise CommandError(f"no one called {name} is online")
    if target == who:
        raise CommandError(f"you cannot {verb} yourself")
    return target, reason


def _announce(rules: Rules, who: Hashable, target: Hashable, line: str, out: Out) -> None:
    """To the target's room, and to the admin if the admin is somewhere else."""
    recipients = rules.room_members(rules.members[target].room)
    if who not in recipients:
        recipients.append(who)
    out.send_all(recipients, line)


def _throw_out(rules: Rules, who: Hashable, target: Hashable, what: str, reason: str, out: Out) -> None:
    admin, nick = rules.joined_nick(who), rules.joined_nick(target)
    _announce(rules, who, target, p.moderated(nick, what, admin, reason or None), out)
    out.close(target)
    rules.remove(target)  # gone now, so its disconnect announces nothing more
    out.log.append(f"{nick} was {what} by {admin}" + (f" ({reason})" if reason else ""))


def kick(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    target, reason = _target(rules, who, args, "kick")
    _throw_out(rules, who, target, "kicked", reason, out)


def ban(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    target, reason = _target(rules, who, args, "ban")
    ban = rules.ban(target, rules.joined_nick(who), reason)
    if ban.host is not None:
        out.send(who, p.notice(f"everyone connecting from {ban.host} is refused until /unban {ban.nick}"))
    _throw_out(rules, who, target, "banned", reason, out)


def unban(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    name = one_word(args, "nickname")
    lifted = rules.unban(name)
    if lifted is None:
        raise CommandError(f"{name} is not banned")
    admin = rules.joined_nick(who)
    out.send_all(rules.room_members(rules.members[who].room), p.moderated(lifted.nick, "unbanned", admin))
    out.log.append(f"{lifted.nick} was unbanned by {admin}")


def _set_muted(rules: Rules, who: Hashable, args: str, out: Out, muted: bool) -> None:
    verb = "mute" if muted else "unmute"
    target, rest = _target(rules, who, args, verb)
    if rest:
        raise UsageError("give one nickname")
    nick, admin = rules.joined_nick(target), rules.joined_nick(who)
    if rules.members[target].muted == muted:
        raise CommandError(f"{nick} is {'already' if muted else 'not'} muted")
    rules.set_muted(target, muted)
    what = verb + "d"
    _announce(rules, who, target, p.moderated(nick, what, admin), out)
    out.log.append(f"{nick} was {what} by {admin}")


def mute(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    _set_muted(rules, who, args, out, True)


def unmute(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    _set_muted(rules, who, args, out, False)


MODERATION_COMMANDS = {command.name: command for command in [
    Command("kick", "/kick NICK [REASON]", "disconnect a member", kick, admin=True),
    Command("ban", "/ban NICK [REASON]", "disconnect a member and refuse its nickname and address",
            ban, admin=True),
    Command("unban", "/unban NICK", "lift a ban", unban, admin=True),
    Command("mute", "/mute NICK", "stop a member's lines from reaching anyone", mute, admin=True),
    Command("unmute", "/unmute NICK", "let a muted member talk again", unmute, admin=True),
]}
