"""Every server line can be told apart by a program."""

import pytest

from chatlesson.core import protocol as p
from chatlesson.core.protocol import parse_line


def test_nick_request():
    assert parse_line("Hii").kind == "request"


def test_chat_line_keeps_colons_in_the_text():
    m = parse_line("ada: note: this")
    assert (m.kind, m.nick, m.text) == ("chat", "ada", "note: this")


def test_a_nick_called_hii_is_chat_not_a_request():
    assert parse_line("Hii: hello").kind == "chat"


@pytest.mark.parametrize("line, event, nick", [
    (p.welcome("ada", "lobby", ["bob", "ada"]), "welcome", "ada"),
    (p.joined("bob", "lobby"), "joined", "bob"),
    (p.left("bob", "lobby"), "left", "bob"),
    (p.left("bob", "lobby", "too slow: stopped reading"), "left", "bob"),
    (p.renamed("bob", "rob"), "renamed", "rob"),
    (p.became_admin("ada"), "admin", "ada"),
    (p.moderated("bob", "kicked", "ada", "spam"), "kicked", "bob"),
    (p.moderated("bob", "unmuted", "ada"), "unmuted", "bob"),
])
def test_notices_with_events(line, event, nick):
    m = parse_line(line)
    assert (m.kind, m.event, m.nick) == ("notice", event, nick)


def test_welcome_lists_members_and_admins():
    m = parse_line(p.welcome("ada", "lobby", p.member_list(["bob", "ada"], {"bob"})))
    assert m.room == "lobby"
    assert m.members == ("bob", "ada")
    assert m.admins == ("bob",)


def test_left_reason():
    assert parse_line(p.left("bob", "lobby", "quit")).reason == "quit"


def test_error_action_private():
    assert parse_line("!!! nope").kind == "error"
    assert parse_line(p.action_line("ada", "waves")).kind == "action"
    m = parse_line(p.private_to("bob", "psst"))
    assert (m.kind, m.nick, m.outgoing, m.text) == ("private", "bob", True, "psst")
    assert parse_line(p.private_from("ada", "psst")).outgoing is False


def test_encode_line_is_utf8_with_newline():
    assert p.encode_line("héllo") == "héllo\n".encode("utf-8")
