"""Moderation: the admin commands, and the list of bans they keep.

Each holds when the student reconnects (tried as a student would, in tests/test_moderation.py):

* ``/kick NICK [REASON]`` closes a member's connection, and that nickname
  from that address may not join again for ``rules.kick_seconds`` (2 min by
  default); the student is told how long is left.
* ``/mute NICK [DURATION]`` stops a member's chat lines, actions, private
  messages and nickname changes from reaching anyone, for ``DURATION``
  (``90s``, ``10m``, ``1h``; ``rules.mute_seconds``, 10 min, by default),
  reconnecting or not: that nickname from that address joins muted again.
* ``/ban NICK [REASON]`` closes the connection and refuses that nickname,
  and every nickname that looks the same, from any address, until
  ``/unban``. Nobody else is refused: a class behind one router shares an
  address. ``/ban -host NICK [REASON]`` also refuses every newcomer from that
  address, and says it affects everyone there.
* ``/pin TEXT``, ``/unpin``: an announcement everyone sees now and every
  newcomer on joining; ``/slow SECONDS`` (``/slow off``): slow mode, one line
  per SECONDS for members, admins exempt.

Every action is announced to the target's room with ``protocol.moderated``;
a member who is thrown out hears that notice as its last line and is not
announced again as having left.

Only admins can run these: the dispatcher checks ``Command.admin`` before
any handler here is called (see ``roles.refusal``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass

from . import protocol as p
from .commands import Command, CommandError, Out, Rules, UsageError, one_word, word_and_rest
from .confusables import confusable_key
from .penalties import duration_text, parse_duration


@dataclass(frozen=True)
class Ban:
    nick: str
    host: object  # the address refused to everyone (``/ban -host``), else None
    by: str
    reason: str


class Bans:
    """Banned nicknames (found by their look, ``confusables.py``), some with an address."""

    def __init__(self) -> None:
        self._by_nick: dict[str, Ban] = {}

    def add(self, ban: Ban) -> None:
        self._by_nick[confusable_key(ban.nick)] = ban

    def remove(self, nick: str) -> Ban | None:
        return self._by_nick.pop(confusable_key(nick), None)

    def nick_banned(self, nick: str) -> bool:
        return confusable_key(nick) in self._by_nick

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
    if rules.members[target].instructor:
        raise CommandError(f"you cannot {verb} the instructor")
    return target, reason


def _announce(rules: Rules, who: Hashable, target: Hashable, line: str, out: Out) -> None:
    """To the target's room, and to the admin if the admin is somewhere else."""
    recipients = rules.room_members(rules.members[target].room)
    if who not in recipients:
        recipients.append(who)
    out.send_all(recipients, line)


def _throw_out(rules: Rules, who: Hashable, target: Hashable, what: str, reason: str, out: Out) -> None:
    admin, nick = rules.joined_nick(who), rules.joined_nick(target)
    line = p.moderated(nick, what, admin, reason or None)
    _announce(rules, who, target, line, out)
    rules.history.noted(rules.members[target].room, line)
    out.close(target)
    rules.remove(target)  # gone now, so its disconnect announces nothing more
    out.log.append(f"{nick} was {what} by {admin}" + (f" ({reason})" if reason else ""))


def kick(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    target, reason = _target(rules, who, args, "kick")
    if rules.kick_seconds > 0:  # the student hears how long is left if they come back sooner
        rules.penalize(target, "kicked", rules.kick_seconds, rules.joined_nick(who))
    _throw_out(rules, who, target, "kicked", reason, out)


def ban(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    whole_host = args.startswith("-host") and args[5:6] in ("", " ")
    if whole_host:
        args = args[5:].strip()
    target, reason = _target(rules, who, args, "ban")
    ban = rules.ban(target, rules.joined_nick(who), reason, whole_host=whole_host)
    if ban.host is not None:
        others = sum(1 for w in rules.members if w != target and rules.host_of(w) == ban.host)
        out.send(who, p.notice(
            f"every newcomer from {ban.host} is refused until /unban {ban.nick}: that is everyone "
            f"on that address (a class behind one router shares it); {others} other "
            f"{'connection' if others == 1 else 'connections'} from it stay until they leave"))
    else:
        out.send(who, p.notice(f"the nickname {ban.nick} and look-alikes are refused until "
                               f"/unban {ban.nick}; others from its address are not (/ban -host "
                               "refuses the whole address)"))
    _throw_out(rules, who, target, "banned", reason, out)


def unban(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    name = one_word(args, "nickname")
    lifted = rules.unban(name)
    if lifted is None:
        raise CommandError(f"{name} is not banned")
    admin = rules.joined_nick(who)
    out.send_all(rules.room_members(rules.members[who].room), p.moderated(lifted.nick, "unbanned", admin))
    out.log.append(f"{lifted.nick} was unbanned by {admin}")


def mute(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    target, rest = _target(rules, who, args, "mute")
    try:
        seconds = parse_duration(rest) if rest else rules.mute_seconds
    except ValueError:
        raise UsageError("the duration is like 90s, 10m or 1h") from None
    if seconds <= 0:
        raise UsageError("the duration must be more than 0")
    nick, admin = rules.joined_nick(target), rules.joined_nick(who)
    if rules.members[target].muted:
        raise CommandError(f"{nick} is already muted")
    penalty = rules.penalize(target, "muted", seconds, admin)
    rules.set_muted(target, True, penalty.until)
    line = p.moderated(nick, "muted", admin, f"for {duration_text(seconds)}")
    _announce(rules, who, target, line, out)
    rules.history.noted(rules.members[target].room, line)
    out.log.append(f"{nick} was muted by {admin} for {duration_text(seconds)}")


def unmute(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    target, rest = _target(rules, who, args, "unmute")
    if rest:
        raise UsageError("give one nickname")
    nick, admin = rules.joined_nick(target), rules.joined_nick(who)
    if not rules.members[target].muted:
        raise CommandError(f"{nick} is not muted")
    rules.set_muted(target, False)
    rules.penalties.remove("muted", nick, rules.host_of(target))
    line = p.moderated(nick, "unmuted", admin)
    _announce(rules, who, target, line, out)
    rules.history.noted(rules.members[target].room, line)
    out.log.append(f"{nick} was unmuted by {admin}")


def pin(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    if not args:
        raise UsageError("give the text to pin")
    out.extend(rules.pin(args, rules.joined_nick(who)))


def unpin(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    if args:
        raise UsageError("it takes no arguments")
    if rules.unpin() is None:
        raise CommandError("nothing is pinned")
    everyone = [w for w, m in rules.members.items() if m.joined]
    out.send_all(everyone, p.notice(f"{rules.joined_nick(who)} took the pinned announcement down"))


def slow(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    word = one_word(args, "number of seconds, or off")
    try:
        seconds = 0.0 if word.lower() == "off" else parse_duration(word)
    except ValueError:
        raise UsageError("give a number of seconds (0 or off ends slow mode)") from None
    rules.slow_seconds = seconds
    text = (f"slow mode: one line per {duration_text(seconds)} for members (set by "
            f"{rules.joined_nick(who)})" if seconds else
            f"slow mode is off (set by {rules.joined_nick(who)})")
    out.send_all([w for w, m in rules.members.items() if m.joined], p.notice(text))
    out.log.append(text)


MODERATION_COMMANDS = {command.name: command for command in [
    Command("kick", "/kick NICK [REASON]",
            "disconnect a member; that nickname may rejoin after a cool-down", kick, admin=True),
    Command("ban", "/ban [-host] NICK [REASON]",
            "disconnect a member and refuse its nickname (-host: everyone on its address)",
            ban, admin=True),
    Command("unban", "/unban NICK", "lift a ban", unban, admin=True),
    Command("mute", "/mute NICK [DURATION]",
            "stop a member's lines from reaching anyone, for DURATION (like 90s, 10m)", mute, admin=True),
    Command("unmute", "/unmute NICK", "let a muted member talk again", unmute, admin=True),
    Command("pin", "/pin TEXT", "pin an announcement everyone sees, newcomers too", pin, admin=True),
    Command("unpin", "/unpin", "take the pinned announcement down", unpin, admin=True),
    Command("slow", "/slow SECONDS", "slow mode: one line per SECONDS for members (off: end it)",
            slow, admin=True),
]}
