"""Wrong me(rules, who, args, out) answers (exercise 08, /me)."""

from chatlesson.core import protocol
from chatlesson.core.commands import CommandError, UsageError


def everyone(rules, who, args, out):
    """Sends to every member of every room."""
    if not args:
        raise UsageError("say what you do")
    nick = rules.members[who].nick
    out.send_all([w for w, m in rules.members.items() if m.joined], protocol.action_line(nick, args))


def not_the_sender(rules, who, args, out):
    """The others in the room see it; the sender never does."""
    if not args:
        raise UsageError("say what you do")
    member = rules.members[who]
    others = [w for w in rules.room_members(member.room) if w != who]
    out.send_all(others, protocol.action_line(member.nick, args))


def who_as_nick(rules, who, args, out):
    """Uses the connection as if it were the nickname."""
    if not args:
        raise UsageError("say what you do")
    room = rules.members[who].room
    out.send_all(rules.room_members(room), protocol.action_line(str(who), args))


def as_chat(rules, who, args, out):
    """Sends "ada: waves", a chat line, instead of an action."""
    if not args:
        raise UsageError("say what you do")
    member = rules.members[who]
    out.send_all(rules.room_members(member.room), protocol.chat_line(member.nick, args))


def no_usage_error(rules, who, args, out):
    """/me alone sends "* bob " instead of raising UsageError."""
    member = rules.members[who]
    out.send_all(rules.room_members(member.room), protocol.action_line(member.nick, args))


def lobby_only(rules, who, args, out):
    """Always speaks to #lobby, wherever the sender is."""
    if not args:
        raise UsageError("say what you do")
    out.send_all(rules.room_members("lobby"), protocol.action_line(rules.members[who].nick, args))


def first_word(rules, who, args, out):
    """Keeps only the first word of the action."""
    if not args:
        raise UsageError("say what you do")
    member = rules.members[who]
    out.send_all(rules.room_members(member.room), protocol.action_line(member.nick, args.split()[0]))


def twice(rules, who, args, out):
    """Sends to the room, then to the sender again."""
    if not args:
        raise UsageError("say what you do")
    member = rules.members[who]
    line = protocol.action_line(member.nick, args)
    out.send_all(rules.room_members(member.room), line)
    out.send(who, line)


CAUGHT = {
    "everyone": ("failed", "cy received a line, but should not have", "rules.room_members(member.room)"),
    "not_the_sender": ("failed", "ada received nothing", "sees its own action"),
    "who_as_nick": ("failed", "ada received the wrong line", "rules.members[who].nick"),
    "as_chat": ("failed", "ada received the wrong line", "protocol.action_line"),
    "no_usage_error": ("failed", "should raise UsageError", "raise UsageError"),
    "lobby_only": ("failed", "cy received nothing", "rules.room_members(member.room)"),
    "first_word": ("failed", "cy received the wrong line", "protocol.action_line"),
    "twice": ("failed", "ada received the wrong line", "once"),
}


def to_nicknames(rules, who, args, out):
    """Sends to the nicknames of the room instead of their connections."""
    member = rules.members[who]
    line = protocol.action_line(member.nick, args)
    for other in rules.room_members(member.room):
        out.send(rules.members[other].nick, line)


def as_bytes(rules, who, args, out):
    """Encodes the line itself, as if it were the socket."""
    member = rules.members[who]
    out.send_all(rules.room_members(member.room), protocol.action_line(member.nick, args).encode())


def with_line_ending(rules, who, args, out):
    """Adds the line ending, which the server adds again."""
    member = rules.members[who]
    out.send_all(rules.room_members(member.room), protocol.action_line(member.nick, args) + "\n")


CAUGHT.update({
    "to_nicknames": ("failed", "a nickname: the outbox takes connections", "Send to connections"),
    "as_bytes": ("failed", "put bytes in the outbox", "Do not encode"),
    "with_line_ending": ("failed", "put a line ending in the outbox", "adds the line ending"),
})


def right_loop(rules, who, args, out):
    """Right, written differently: a loop of out.send, the line built by hand."""
    if not args:
        raise UsageError("say what you do, e.g. /me waves")
    member = rules.members[who]
    for other in rules.room_members(member.room):
        out.send(other, f"* {member.nick} {args}")


RIGHT = ["right_loop"]


def _wrong(args):
    if not args:
        raise UsageError("say what you do")


def only_the_sender(rules, who, args, out):
    """Shows the action to the sender alone."""
    _wrong(args)
    out.send(who, protocol.action_line(rules.members[who].nick, args))


def returns_the_line(rules, who, args, out):
    """Returns the line instead of putting it in the outbox."""
    _wrong(args)
    return protocol.action_line(rules.members[who].nick, args)


def prints_the_line(rules, who, args, out):
    """Prints the line instead of putting it in the outbox."""
    _wrong(args)
    print(protocol.action_line(rules.members[who].nick, args))


def room_of_who(rules, who, args, out):
    """Asks for the members of the connection instead of its room."""
    _wrong(args)
    out.send_all(rules.room_members(who), protocol.action_line(rules.members[who].nick, args))


def room_name_as_list(rules, who, args, out):
    """Gives send_all the room's name, so it sends to each of its letters."""
    _wrong(args)
    member = rules.members[who]
    out.send_all(member.room, protocol.action_line(member.nick, args))


def members_not_connections(rules, who, args, out):
    """Sends to the Member objects instead of their connections."""
    _wrong(args)
    member = rules.members[who]
    for other in rules.room_members(member.room):
        out.send(rules.members[other], protocol.action_line(member.nick, args))


def collapses_spaces(rules, who, args, out):
    """Splits the text into words and joins them again, losing spaces."""
    _wrong(args)
    member = rules.members[who]
    out.send_all(rules.room_members(member.room), protocol.action_line(member.nick, " ".join(args.split())))


def no_space(rules, who, args, out):
    """Builds the line by hand and forgets the space after the star."""
    _wrong(args)
    member = rules.members[who]
    out.send_all(rules.room_members(member.room), f"*{member.nick} {args}")


def command_error(rules, who, args, out):
    """Raises CommandError instead of UsageError for /me alone."""
    if not args:
        raise CommandError("say what you do")
    member = rules.members[who]
    out.send_all(rules.room_members(member.room), protocol.action_line(member.nick, args))


def usage_after_sending(rules, who, args, out):
    """Sends first, then raises UsageError when the text is empty."""
    member = rules.members[who]
    out.send_all(rules.room_members(member.room), protocol.action_line(member.nick, args))
    if not args:
        raise UsageError("say what you do")


CAUGHT.update({
    "only_the_sender": ("failed", "bob received nothing", "rules.room_members(member.room)"),
    "returns_the_line": ("failed", "sent nothing", "goes nowhere"),
    "prints_the_line": ("failed", "sent nothing", "goes nowhere"),
    "room_of_who": ("failed", "sent nothing", "goes nowhere"),
    "room_name_as_list": ("failed", "which is not a connection", "takes a connection first"),
    "members_not_connections": ("failed", "which is not a connection", "takes a connection first"),
    "collapses_spaces": ("failed", "cy received the wrong line", "every space inside it"),
    "no_space": ("failed", "ada received the wrong line", "protocol.action_line"),
    "command_error": ("failed", "should raise UsageError", "raise UsageError"),
    "usage_after_sending": ("failed", "raised UsageError but also sent lines", "Raise before"),
})


def right_nick_lookup(rules, who, args, out):
    """Right, written differently: rules.nick_of, and an early return on the good path."""
    if args:
        room = rules.members[who].room
        out.send_all(rules.room_members(room), protocol.action_line(rules.nick_of(who), args))
        return
    raise UsageError("/me needs an action")


def right_comprehension(rules, who, args, out):
    """Right, written differently: len(args) == 0, and a list of the room built by hand."""
    if len(args) == 0:
        raise UsageError("say what you do")
    me = rules.members[who]
    room = [w for w, m in rules.members.items() if m.joined and m.room == me.room]
    out.send_all(room, protocol.action_line(me.nick, args))


def right_format(rules, who, args, out):
    """Right, written differently: str.format and a while loop."""
    if not args.strip():
        raise UsageError("say what you do")
    member = rules.members[who]
    line = "* {} {}".format(member.nick, args)
    room = rules.room_members(member.room)
    i = 0
    while i < len(room):
        out.send(room[i], line)
        i += 1


RIGHT += ["right_nick_lookup", "right_comprehension", "right_format"]
