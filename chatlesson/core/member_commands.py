"""The commands every member can run: talking, rooms, nicknames, becoming admin.

Each handler has the signature ``handler(rules, who, args, out)`` (see
``commands.py``): ``rules`` is the ``ChatRules`` being run, ``who`` the
connection that typed the command, ``args`` the text after its name, and
``out`` the ``Outbox`` to add replies to. Problems are raised as
``UsageError`` or ``CommandError``, which the dispatcher turns into errors.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from . import protocol as p
from .commands import (
    Command,
    CommandError,
    Out,
    Rules,
    UsageError,
    no_arguments,
    one_word,
    word_and_rest,
)
from .rooms import room_problem


def help_(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    if args:
        name = args.split()[0].removeprefix(p.COMMAND_PREFIX).lower()
        command = rules.commands.get(name)
        if command is None:
            raise CommandError(f"there is no command /{name}; type /help for the list")
        shown: Iterable[Command] = [command]
    else:
        out.send(who, p.notice("Commands (a line that starts with // is sent as chat):"))
        shown = rules.commands.values()
    for command in shown:
        extra = " (admins only)" if command.admin else ""
        out.send(who, p.notice(f"{command.usage} - {command.summary}{extra}"))


def nick(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    new = one_word(args, "new nickname")
    old = rules.joined_nick(who)
    if new == old:
        out.send(who, p.notice(f"you are already called {new}"))
        return
    problem = rules.nick_refusal(new, who)
    if problem:
        raise CommandError(problem)
    rules.rename(who, new)
    room = rules.members[who].room
    out.send_all(rules.room_members(room), p.renamed(old, new))
    rules.history.noted(room, p.renamed(old, new))
    out.log.append(f"{old} is now known as {new}")


def me(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    if not args:
        raise UsageError("say what you do")
    room = rules.members[who].room
    line = p.action_line(rules.shown_nick(who), args)
    out.send_all(rules.room_members(room), line)
    rules.history.said(room, line)


def who_(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    no_arguments(args)
    room = rules.members[who].room
    out.send(who, p.members_of(room, rules.listed(room)))


def rooms(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    no_arguments(args)
    out.send(who, p.rooms_list(rules.rooms()))


def join(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    wanted = one_word(args, "room name").removeprefix("#")
    problem = room_problem(wanted)
    if problem:
        raise CommandError(problem)
    room = rules.find_room(wanted) or wanted
    old = rules.members[who].room
    if room == old:
        out.send(who, p.notice(f"you are already in #{room}"))
        return
    nick = rules.joined_nick(who)
    rules.move(who, room)
    left, joined = p.left(nick, old), p.joined(nick, room)
    out.send_all(rules.room_members(old), left)
    out.send_all([w for w in rules.room_members(room) if w != who], joined)
    rules.history.noted(old, left)
    rules.history.noted(room, joined)
    out.send(who, p.moved(room, rules.listed(room)))
    for line in rules.history.recent(room):  # what was said there before you came in
        out.send(who, line)


def msg(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    target_nick, text = word_and_rest(args, "nickname and a message")
    if not text:
        raise UsageError("the message is missing")
    target = rules.find(target_nick)
    if target is None:
        raise CommandError(f"no one called {target_nick} is online")
    if target == who:
        raise CommandError("that is you; a private message needs someone else")
    out.send(who, p.private_to(rules.shown_nick(target), text))
    out.send(target, p.private_from(rules.shown_nick(who), text))


def quit_(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    muted = rules.members[who].muted  # a muted member's reason would still reach the room
    out.send(who, p.notice("Bye!"))
    out.extend(rules.disconnect(who, "quit" if muted or not args else args))
    out.close(who)


def admin(rules: Rules, who: Hashable, args: str, out: Out) -> None:
    gate = rules.admin_gate
    if not gate.enabled:
        raise CommandError("admin is disabled on this server (it was started without an admin password)")
    if not args:
        raise UsageError("give the admin password")
    member = rules.members[who]
    if member.admin:
        out.send(who, p.notice("you are already an admin"))
        return
    if gate.locked_out(member):
        raise CommandError("too many wrong passwords on this connection; /admin is locked "
                           "until you reconnect")
    now = rules.clock()
    wait = gate.wait(member, now)
    if wait:
        raise CommandError(f"wait {wait:.1f} s before trying /admin again")
    if not gate.check(member, args, now):
        out.log.append(f"wrong admin password from {member.nick} at {rules.host_of(who)}")
        left = gate.tries_left(member)
        if left:
            raise CommandError(f"wrong password ({left} {'try' if left == 1 else 'tries'} left "
                               "on this connection)")
        raise CommandError("wrong password; /admin is now locked on this connection")
    rules.make_admin(who)
    nick = rules.joined_nick(who)
    out.send_all(rules.room_members(member.room), p.became_admin(nick))
    out.log.append(f"{nick} is now an admin")


MEMBER_COMMANDS = {command.name: command for command in [
    Command("help", "/help [COMMAND]", "list the commands, or explain one", help_),
    Command("who", "/who", "who is in your room", who_),
    Command("rooms", "/rooms", "list the rooms and how many are in each", rooms),
    Command("join", "/join ROOM", "go to a room (it is created if it does not exist)", join),
    Command("nick", "/nick NEW", "change your nickname", nick, speaks=True),
    Command("me", "/me ACTION", "describe what you do: /me waves shows * you waves", me, speaks=True),
    Command("msg", "/msg NICK TEXT", "a private message only NICK and you see", msg, speaks=True),
    Command("admin", "/admin PASSWORD", "become an admin with the server's admin password", admin),
    Command("quit", "/quit [REASON]", "leave the chat", quit_),
]}
