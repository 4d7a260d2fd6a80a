"""Wrong msg(rules, who, args, out) answers (exercise 08, /msg)."""

from chatlesson import protocol
from chatlesson.commands import CommandError, UsageError


def _parts(args):
    nick, _, text = args.partition(" ")
    if not nick or not text:
        raise UsageError("give a nickname and a message")
    return nick, text


def to_the_room(rules, who, args, out):
    """Sends the "private" message to the sender's whole room."""
    nick, text = _parts(args)
    if rules.find(nick) is None:
        raise CommandError(f"no one called {nick} is online")
    member = rules.members[who]
    out.send_all(rules.room_members(member.room), protocol.private_from(member.nick, text))


def swapped(rules, who, args, out):
    """[to ...] and [from ...] the wrong way round."""
    nick, text = _parts(args)
    target = rules.find(nick)
    if target is None:
        raise CommandError(f"no one called {nick} is online")
    out.send(who, protocol.private_from(rules.members[target].nick, text))
    out.send(target, protocol.private_to(rules.members[who].nick, text))


def first_word_only(rules, who, args, out):
    """Sends only the first word of the text."""
    words = args.split()
    if len(words) < 2:
        raise UsageError("give a nickname and a message")
    nick, text = words[0], words[1]
    target = rules.find(nick)
    if target is None:
        raise CommandError(f"no one called {nick} is online")
    out.send(who, protocol.private_to(rules.members[target].nick, text))
    out.send(target, protocol.private_from(rules.members[who].nick, text))


def exact_case(rules, who, args, out):
    """Looks nicknames up with ==, so "ADA" does not find ada."""
    nick, text = _parts(args)
    target = next((w for w, m in rules.members.items() if m.nick == nick), None)
    if target is None:
        raise CommandError(f"no one called {nick} is online")
    out.send(who, protocol.private_to(rules.members[target].nick, text))
    out.send(target, protocol.private_from(rules.members[who].nick, text))


def typed_spelling(rules, who, args, out):
    """Shows the nickname as typed ("[to ADA]"), not as its owner spells it."""
    nick, text = _parts(args)
    target = rules.find(nick)
    if target is None:
        raise CommandError(f"no one called {nick} is online")
    out.send(who, protocol.private_to(nick, text))
    out.send(target, protocol.private_from(rules.members[who].nick, text))


def crashes_when_no_one(rules, who, args, out):
    """Never checks whether the nickname was found."""
    nick, text = _parts(args)
    target = rules.find(nick)
    out.send(who, protocol.private_to(rules.members[target].nick, text))
    out.send(target, protocol.private_from(rules.members[who].nick, text))


def silent_when_no_one(rules, who, args, out):
    """Quietly does nothing when the nickname is not online."""
    nick, text = _parts(args)
    target = rules.find(nick)
    if target is None:
        return
    out.send(who, protocol.private_to(rules.members[target].nick, text))
    out.send(target, protocol.private_from(rules.members[who].nick, text))


def no_copy(rules, who, args, out):
    """Sends to the recipient only: the sender never sees where it went."""
    nick, text = _parts(args)
    target = rules.find(nick)
    if target is None:
        raise CommandError(f"no one called {nick} is online")
    out.send(target, protocol.private_from(rules.members[who].nick, text))


def no_text_check(rules, who, args, out):
    """Sends an empty private message when the text is missing."""
    nick, _, text = args.partition(" ")
    if not nick:
        raise UsageError("give a nickname and a message")
    target = rules.find(nick)
    if target is None:
        raise CommandError(f"no one called {nick} is online")
    out.send(who, protocol.private_to(rules.members[target].nick, text))
    out.send(target, protocol.private_from(rules.members[who].nick, text))


CAUGHT = {
    "to_the_room": ("failed", "cy received nothing", "rules.find(nick)"),
    "swapped": ("failed", "ada received the wrong line", "[from <sender>]"),
    "first_word_only": ("failed", "ada received the wrong line", "everything after the nickname"),
    "exact_case": ("failed", "raised CommandError", "rules.find(nick)"),
    "typed_spelling": ("failed", "bob received the wrong line", "as their owners spell them"),
    "crashes_when_no_one": ("error", "raised an exception", "raise CommandError"),
    "silent_when_no_one": ("failed", "should raise CommandError", "raise CommandError"),
    "no_copy": ("failed", "ada received nothing", "The sender gets a copy"),
    "no_text_check": ("failed", "should raise UsageError", "raise UsageError"),
}


def as_bytes(rules, who, args, out):
    """Puts bytes in the outbox (this used to make the checker fail inside itself)."""
    nick, text = _parts(args)
    target = rules.find(nick)
    if target is None:
        raise CommandError(f"no one called {nick} is online")
    me, them = rules.members[who].nick, rules.members[target].nick
    out.send(who, protocol.private_to(them, text).encode("utf-8"))
    out.send(target, protocol.private_from(me, text).encode("utf-8"))


def to_a_nickname(rules, who, args, out):
    """Sends to the nickname that was typed instead of the connection rules.find gives."""
    nick, text = _parts(args)
    target = rules.find(nick)
    if target is None:
        raise CommandError(f"no one called {nick} is online")
    me = rules.members[who].nick
    out.send(who, protocol.private_to(nick, text))
    out.send(nick, protocol.private_from(me, text))


def a_tuple_line(rules, who, args, out):
    """Puts (nick, text) in the outbox instead of a formatted line."""
    nick, text = _parts(args)
    target = rules.find(nick)
    if target is None:
        raise CommandError(f"no one called {nick} is online")
    out.send(who, (nick, text))
    out.send(target, (rules.members[who].nick, text))


CAUGHT.update({
    "as_bytes": ("failed", "put bytes in the outbox", "Do not encode"),
    "to_a_nickname": ("failed", "a nickname: the outbox takes connections", "Send to connections"),
    "a_tuple_line": ("failed", "put a tuple in the outbox", "one str"),
})


def right_split(rules, who, args, out):
    """Right, written differently: split(" ", 1) and the lines built with the protocol module."""
    parts = args.split(" ", 1)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise UsageError("give a nickname and a message")
    target = rules.find(parts[0])
    if target is None:
        raise CommandError(f"no one called {parts[0]} is online")
    sender, recipient = rules.members[who], rules.members[target]
    out.send(who, protocol.private_to(recipient.nick, parts[1]))
    out.send(target, protocol.private_from(sender.nick, parts[1]))


RIGHT = ["right_split"]
