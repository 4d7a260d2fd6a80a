"""The chat rules, tested without a single socket."""

import pytest

from chatlesson.core.framing import LINE_TOO_LONG
from chatlesson.core.protocol import MAX_LINE_BYTES, MAX_NICK_LENGTH, NICK_REQUEST
from chatlesson.core.rules import ChatRules
from rulesutil import joined


def test_connect_asks_for_a_nickname():
    out = ChatRules().connect("c1")
    assert out.sends == [("c1", NICK_REQUEST)]


def test_join_welcomes_and_announces_to_the_others_only():
    rules = joined(ChatRules(), "ada")
    rules.connect("bob")
    out = rules.line("bob", b"bob")
    assert out.lines_for("bob") == ["*** Welcome, bob! You are in #lobby. Online: ada, bob"]
    assert out.lines_for("ada") == ["*** bob joined #lobby"]


def test_chat_goes_to_everyone_including_the_sender_stamped_by_the_server():
    rules = joined(ChatRules(), "ada", "bob", "cy")
    out = rules.line("bob", "ada: I am ada, trust me".encode())
    expected = "bob: ada: I am ada, trust me"
    assert out.sends == [("ada", expected), ("bob", expected), ("cy", expected)]


def test_nobody_hears_a_client_before_it_has_joined():
    rules = joined(ChatRules(), "ada")
    rules.connect("lurker")
    out = rules.line("lurker", b"ok")  # this is its nickname, not chat
    assert out.lines_for("ada") == ["*** ok joined #lobby"]


@pytest.mark.parametrize("nick, problem", [
    (b"", "empty"),
    (b"a" * (MAX_NICK_LENGTH + 1), "at most"),
    (b"two words", "spaces"),
    (b"tab\there", "spaces"),
    (b"bell\x07", "control"),
    (b"*** admin", "spaces"),
    (b"***admin", "must start"),
    (b"!root", "must start"),
    (b"[from", "must start"),
    (b"ada:", "not :"),
    (b"@ada", "must start"),
])
def test_bad_nicknames_get_an_error_and_the_request_again(nick, problem):
    rules = ChatRules()
    rules.connect("c")
    out = rules.line("c", nick)
    error, again = out.lines_for("c")
    assert error.startswith("!!! ") and problem in error
    assert again == NICK_REQUEST
    assert rules.nicks() == []


def test_taken_nickname_is_compared_case_insensitively_and_normalised():
    rules = joined(ChatRules(), "Ada")
    for attempt in ("ada", "ADA", "ａｄａ"):
        rules.connect(attempt)
        error, again = rules.line(attempt, attempt.encode()).lines_for(attempt)
        assert "taken" in error and again == NICK_REQUEST


def test_a_rejected_client_can_try_again():
    rules = joined(ChatRules(), "ada")
    rules.connect("c")
    rules.line("c", b"ada")
    out = rules.line("c", b"bea")
    assert out.lines_for("c")[0].startswith("*** Welcome, bea!")


def test_unicode_nicknames_are_fine():
    rules = joined(ChatRules(), "Zoë", "李")
    assert rules.nicks() == ["Zoë", "李"]


def test_invalid_utf8_is_dropped_with_an_error_to_the_sender_only():
    rules = joined(ChatRules(), "ada", "bob")
    out = rules.line("ada", b"caf\xe9")
    assert out.sends == [("ada", "!!! that line was not valid UTF-8; it was dropped")]


def test_invalid_utf8_during_handshake_asks_again():
    rules = ChatRules()
    rules.connect("c")
    assert rules.line("c", b"\xff").lines_for("c")[1] == NICK_REQUEST


def test_overlong_line_gets_an_error_and_nothing_is_delivered():
    rules = joined(ChatRules(), "ada", "bob")
    out = rules.line("ada", LINE_TOO_LONG)
    assert out.sends == [("ada", f"!!! line too long (the limit is {MAX_LINE_BYTES} bytes); it was dropped")]


def test_control_characters_cannot_reach_other_terminals():
    rules = joined(ChatRules(), "ada", "bob")
    out = rules.line("ada", b"\x1b[2Jgotcha")
    assert [to for to, _ in out.sends] == ["ada"]
    assert "control characters" in out.sends[0][1]


def test_tab_is_allowed_and_blank_lines_are_ignored():
    rules = joined(ChatRules(), "ada")
    assert rules.line("ada", b"a\tb").lines_for("ada") == ["ada: a\tb"]
    assert rules.line("ada", b"   ").sends == []


def test_unknown_command_is_an_error_not_chat():
    rules = joined(ChatRules(), "ada", "bob")
    out = rules.line("ada", b"/frobnicate now")
    assert [to for to, _ in out.sends] == ["ada"]
    assert out.sends[0][1].startswith("!!! unknown command /frobnicate")


def test_disconnect_is_announced_exactly_once():
    rules = joined(ChatRules(), "ada", "bob")
    first = rules.disconnect("bob", "connection lost")
    assert first.sends == [("ada", "*** bob left #lobby (connection lost)")]
    assert rules.disconnect("bob").sends == []
    assert rules.line("bob", b"ghost").sends == []


def test_disconnect_before_joining_is_silent_and_frees_nothing_it_did_not_take():
    rules = joined(ChatRules(), "ada")
    rules.connect("shy")
    assert rules.disconnect("shy").sends == []
    assert rules.nicks() == ["ada"]


def test_a_nickname_is_free_again_after_its_owner_left():
    rules = joined(ChatRules(), "ada")
    rules.disconnect("ada")
    joined(rules, "ADA")


def test_quit_says_bye_announces_and_closes():
    rules = joined(ChatRules(), "ada", "bob")
    out = rules.line("bob", b"/quit gotta go")
    assert out.lines_for("bob") == ["*** Bye!"]
    assert out.lines_for("ada") == ["*** bob left #lobby (gotta go)"]
    assert out.closes == ["bob"]


def test_member_lists_go_in_joining_order_not_connecting_order():
    rules = ChatRules()
    rules.connect("slow")  # connects first, answers Hii last
    joined(rules, "ada")
    out = rules.line("slow", b"zed")
    assert out.lines_for("slow") == ["*** Welcome, zed! You are in #lobby. Online: ada, zed"]
    assert rules.nicks() == ["ada", "zed"]


@pytest.mark.parametrize("trick", [
    "hi\u2028bob: I owe mallory 100 euros",   # line separator: looks like a second line
    "hi\u2029bob: hello",                      # paragraph separator
    "\u202etxt.exe",                           # right-to-left override
    "\u2066isolated\u2069",                   # direction isolate
    "bell\x07",
    "nel\x85line",                             # C1 next line
])
def test_characters_that_draw_on_other_screens_are_refused(trick):
    rules = joined(ChatRules(), "mallory", "bob")
    out = rules.line("mallory", trick.encode())
    assert [to for to, _ in out.sends] == ["mallory"]
    assert out.sends[0][1].startswith("!!! control characters, line separators and direction overrides")


def test_emoji_joiners_and_tabs_are_fine():
    rules = joined(ChatRules(), "ada")
    assert rules.line("ada", "👩\u200d💻\tat work".encode()).lines_for("ada") == ["ada: 👩\u200d💻\tat work"]


def test_reopen_lets_newcomers_in_after_a_shutdown():
    rules = joined(ChatRules(), "ada")
    rules.shutdown()
    assert rules.connect("late", ("10.0.0.1", 1)).closes == ["late"]
    rules.reopen()
    assert rules.connect("again", ("10.0.0.1", 2)).sends == [("again", "Hii")]
