"""The core's typed extension points: message kinds, command handlers, state changes."""

import json

import pytest

from chatlesson.core import protocol as p
from chatlesson.core.commands import Command, Handler
from chatlesson.core.outbox import Outbox
from chatlesson.core.protocol import Event, Kind, parse_line
from chatlesson.core.rules import ChatRules
from rulesutil import joined, say


@pytest.mark.parametrize("kind", list(Kind))
def test_a_kind_is_its_text_everywhere_a_program_uses_it(kind):
    text = kind.value
    assert kind == text and str(kind) == text and f"{kind}" == text and f"{kind:>10}" == f"{text:>10}"
    assert {text: 1}[kind] == 1 and {kind: 1}[text] == 1  # dict keys, both ways
    assert json.dumps(kind) == json.dumps(text)
    assert Kind(text) is kind


def test_every_event_a_notice_can_carry_is_an_event():
    lines = {
        Event.WELCOME: p.welcome("ada", "lobby", ["ada"]),
        Event.MOVED: p.moved("attic", ["ada"]),
        Event.MEMBERS: p.members_of("lobby", ["ada"]),
        Event.JOINED: p.joined("ada", "lobby"),
        Event.LEFT: p.left("ada", "lobby", p.CONNECTION_LOST),
        Event.RENAMED: p.renamed("ada", "bea"),
        Event.ADMIN: p.became_admin("ada"),
        Event.ROOMS: p.rooms_list([("lobby", 1)]),
        **{Event(what): p.moderated("bob", what, "ada")
           for what in ("kicked", "banned", "unbanned", "muted", "unmuted")},
    }
    assert set(lines) == set(Event)
    for event, line in lines.items():
        message = parse_line(line)
        assert message.kind is Kind.NOTICE and message.event is event, line
        assert message.event == event.value and f"{message.event!s:>8}" == f"{event.value:>8}"


@pytest.mark.parametrize("line, kind", [
    ("Hii", Kind.REQUEST), ("ada: hi", Kind.CHAT), ("* ada waves", Kind.ACTION),
    ("[from ada] psst", Kind.PRIVATE), ("*** hello", Kind.NOTICE), ("!!! no", Kind.ERROR),
])
def test_parse_line_gives_kinds(line, kind):
    message = parse_line(line)
    assert message.kind is kind and message.raw == line
    assert message.event is None


def test_every_command_handler_has_the_handler_signature():
    import inspect

    rules = ChatRules()
    for command in rules.commands.values():
        assert isinstance(command, Command)
        params = list(inspect.signature(command.handler).parameters)
        assert params == ["rules", "who", "args", "out"], command.name


def test_a_handler_written_as_the_protocol_says_runs():
    def shout(rules: ChatRules, who: str, args: str, out: Outbox) -> None:
        line = p.chat_line(rules.joined_nick(who), args.upper())
        out.send_all(rules.room_members(rules.members[who].room), line)

    handler: Handler = shout
    rules = joined(ChatRules(), "ada", "bob")
    rules.commands["shout"] = Command("shout", "/shout TEXT", "say it in capitals", handler)
    assert say(rules, "ada", "/shout hi").lines_for("bob") == ["ada: HI"]


def test_state_changes_go_through_methods():
    rules = joined(ChatRules(), "ada", "bob", host="10.0.0.1")
    rules.make_admin("ada")
    assert rules.is_admin("ada") and rules.listed("lobby") == ["@ada", "bob"]
    rules.set_muted("bob", True)
    assert rules.members["bob"].muted
    rules.set_muted("bob", False)
    assert not rules.members["bob"].muted
    ban = rules.ban("bob", "ada", "spam")
    assert (ban.nick, ban.host, ban.by, ban.reason) == ("bob", None, "ada", "spam")
    assert rules.nick_refusal("BOB", "ada") == "the nickname BOB is taken"  # still online
    rules.remove("bob")
    assert rules.nick_refusal("BOB") == "the nickname BOB is banned on this server"
    assert rules.unban("bob") is ban and rules.unban("bob") is None
    rules.rename("ada", "Ada_L")
    assert rules.find("ada_l") == "ada" and rules.joined_nick("ada") == "Ada_L"
    rules.move("ada", "attic")
    assert rules.rooms() == [("lobby", 0), ("attic", 1)]


def test_joined_nick_is_only_for_members_who_joined():
    rules = ChatRules()
    rules.connect("new")
    assert rules.nick_of("new") is None
    with pytest.raises(KeyError):
        rules.joined_nick("new")


def test_outbox_closes_each_connection_once_and_keeps_order():
    out: Outbox[str] = Outbox()
    out.send("a", "one")
    other: Outbox[str] = Outbox()
    other.send_all(["b", "a"], "two")
    other.close("a")
    out.close("a")
    out.extend(other)
    assert out.sends == [("a", "one"), ("b", "two"), ("a", "two")]
    assert out.closes == ["a"]
    assert out.lines_for("a") == ["one", "two"]


def test_room_lists_stay_right_through_every_change():
    """The rooms' member lists are cached; compare them with the members after every event."""
    import random

    chance = random.Random(9)
    rules = ChatRules(admin_password="pw", flood_limit=None)
    names = [f"n{i}" for i in range(12)]
    for step in range(3000):
        who = chance.choice(names)
        if who not in rules.members:
            rules.connect(who, ("10.0.0.1", step))
            text = chance.choice([who, "bad nick"])
        else:
            text = chance.choice(["hi", "/join attic", "/join games", "/join lobby", "/quit",
                                  f"/nick {chance.choice(names)}x", "/admin pw",
                                  f"/kick {chance.choice(names)}", f"/mute {chance.choice(names)}"])
        chatting = text == "hi" and rules.nick_of(who) is not None and not rules.members[who].muted
        out = say(rules, who, text)
        if chatting:  # a chat line reaches exactly the sender's room
            assert [to for to, _ in out.sends] == rules.room_members(rules.members[who].room)
        if chance.random() < 0.05:
            rules.disconnect(chance.choice(names))
        for room, _ in rules.rooms():
            expected = [w for w, m in rules.members.items() if m.joined and m.room == room]
            assert rules.room_members(room) == expected, (step, room)
