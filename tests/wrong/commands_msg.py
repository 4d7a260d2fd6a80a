"""Wrong msg(rules, who, args, out) answers (exercise 08, /msg)."""

from chatlesson.core import protocol
from chatlesson.core.commands import CommandError, UsageError


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


def _target(rules, nick):
    target = rules.find(nick)
    if target is None:
        raise CommandError(f"no one called {nick} is online")
    return target


def joins_words(rules, who, args, out):
    """Splits everything into words and joins the text again, losing double spaces."""
    words = args.split()
    if len(words) < 2:
        raise UsageError("give a nickname and a message")
    target = _target(rules, words[0])
    text = " ".join(words[1:])
    out.send(who, protocol.private_to(rules.members[target].nick, text))
    out.send(target, protocol.private_from(rules.members[who].nick, text))


def recipient_name_twice(rules, who, args, out):
    """The recipient reads its own name: [from cy] instead of [from ada]."""
    nick, text = _parts(args)
    target = _target(rules, nick)
    them = rules.members[target].nick
    out.send(who, protocol.private_to(them, text))
    out.send(target, protocol.private_from(them, text))


def sender_name_twice(rules, who, args, out):
    """The sender's copy names the sender: [to ada] instead of [to cy]."""
    nick, text = _parts(args)
    target = _target(rules, nick)
    me = rules.members[who].nick
    out.send(who, protocol.private_to(me, text))
    out.send(target, protocol.private_from(me, text))


def text_with_nick(rules, who, args, out):
    """Sends the whole of args, nickname included, as the text."""
    nick, text = _parts(args)
    target = _target(rules, nick)
    out.send(who, protocol.private_to(rules.members[target].nick, args))
    out.send(target, protocol.private_from(rules.members[who].nick, args))


def unpacks_split(rules, who, args, out):
    """nick, text = args.split(" ", 1) crashes when there is no text."""
    nick, text = args.split(" ", 1)
    target = _target(rules, nick)
    out.send(who, protocol.private_to(rules.members[target].nick, text))
    out.send(target, protocol.private_from(rules.members[who].nick, text))


def usage_for_no_one(rules, who, args, out):
    """Raises UsageError, not CommandError, when no one has that name."""
    nick, text = _parts(args)
    target = rules.find(nick)
    if target is None:
        raise UsageError(f"no one called {nick} is online")
    out.send(who, protocol.private_to(rules.members[target].nick, text))
    out.send(target, protocol.private_from(rules.members[who].nick, text))


def command_error_for_usage(rules, who, args, out):
    """Raises CommandError, not UsageError, when the text is missing."""
    nick, _, text = args.partition(" ")
    if not nick or not text:
        raise CommandError("give a nickname and a message")
    target = _target(rules, nick)
    out.send(who, protocol.private_to(rules.members[target].nick, text))
    out.send(target, protocol.private_from(rules.members[who].nick, text))


def own_room_only(rules, who, args, out):
    """Looks for the nickname in the sender's room only."""
    nick, text = _parts(args)
    room = rules.room_members(rules.members[who].room)
    target = next((w for w in room if rules.members[w].nick.lower() == nick.lower()), None)
    if target is None:
        raise CommandError(f"no one called {nick} is online")
    out.send(who, protocol.private_to(rules.members[target].nick, text))
    out.send(target, protocol.private_from(rules.members[who].nick, text))


def sends_to_found_nick(rules, who, args, out):
    """Sends to the Member instead of its connection."""
    nick, text = _parts(args)
    target = _target(rules, nick)
    member = rules.members[target]
    out.send(who, protocol.private_to(member.nick, text))
    out.send(member, protocol.private_from(rules.members[who].nick, text))


def returns_lines(rules, who, args, out):
    """Returns the two lines instead of putting them in the outbox."""
    nick, text = _parts(args)
    target = _target(rules, nick)
    return [protocol.private_to(rules.members[target].nick, text),
            protocol.private_from(rules.members[who].nick, text)]


def chat_line_instead(rules, who, args, out):
    """Sends "ada: text", a chat line, to both ends."""
    nick, text = _parts(args)
    target = _target(rules, nick)
    line = protocol.chat_line(rules.members[who].nick, text)
    out.send(who, line)
    out.send(target, line)


CAUGHT.update({
    "joins_words": ("failed", "ada received the wrong line", "every space inside it"),
    "recipient_name_twice": ("failed", "cy received the wrong line", "the other end"),
    "sender_name_twice": ("failed", "ada received the wrong line", "the other end"),
    "text_with_nick": ("failed", "ada received the wrong line", "everything after the nickname"),
    "unpacks_split": ("error", "raised an exception", "everything after the nickname"),
    "usage_for_no_one": ("failed", "this needs CommandError", "only for bad or missing arguments"),
    "command_error_for_usage": ("failed", "should raise UsageError", "raise UsageError"),
    "own_room_only": ("failed", "raised CommandError", "rules.find(nick)"),
    "sends_to_found_nick": ("failed", "which is not a connection", "takes a connection first"),
    "returns_lines": ("failed", "sent nothing", "goes nowhere"),
    "chat_line_instead": ("failed", "ada received the wrong line", "[from <sender>]"),
})


def right_regex(rules, who, args, out):
    """Right, written differently: a regular expression."""
    import re
    found = re.fullmatch(r"(\S+) (.+)", args, re.DOTALL)
    if not found:
        raise UsageError("give a nickname and a message")
    nick, text = found.groups()
    target = rules.find(nick)
    if target is None:
        raise CommandError(f"{nick} is not online")
    out.send(target, protocol.private_from(rules.members[who].nick, text))
    out.send(who, protocol.private_to(rules.members[target].nick, text))


def right_maxsplit(rules, who, args, out):
    """Right, written differently: split(maxsplit=1) and f-strings."""
    parts = args.split(maxsplit=1)
    if len(parts) != 2:
        raise UsageError("give a nickname and a message")
    nick, text = parts
    target = rules.find(nick)
    if not target:
        raise CommandError(f"no one called {nick} is online")
    out.send(who, f"[to {rules.nick_of(target)}] {text}")
    out.send(target, f"[from {rules.nick_of(who)}] {text}")


def right_index(rules, who, args, out):
    """Right, written differently: str.find for the first space."""
    space = args.find(" ")
    if space <= 0 or not args[space + 1:]:
        raise UsageError("give a nickname and a message")
    nick, text = args[:space], args[space + 1:]
    target = rules.find(nick)
    if target is None:
        raise CommandError(f"no one called {nick} is online")
    out.send(who, protocol.private_to(rules.members[target].nick, text))
    out.send(target, protocol.private_from(rules.members[who].nick, text))


RIGHT += ["right_regex", "right_maxsplit", "right_index"]
