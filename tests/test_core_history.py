"""What a class needs beyond live chat, each tried as a student would: the last lines of a
room for someone who joins late, a pinned announcement, slow mode, and a transcript the
instructor can save (``chatlesson/core/history.py`` and the ``/pin``, ``/unpin``, ``/slow``
commands)."""

from datetime import datetime

from chatlesson import ChatRules
from chatlesson.core.history import History
from chatlesson.core.protocol import parse_line
from rulesutil import FakeClock, joined, only_to, say

PASSWORD = "pw"


def with_admin(*students, **options):
    rules = joined(ChatRules(admin_password=PASSWORD, **options), "ada", *students)
    say(rules, "ada", f"/admin {PASSWORD}")
    return rules


# --- Room history for late joiners -----------------------------------------------------------


def test_a_late_joiner_sees_the_rooms_last_lines_marked_as_history():
    rules = joined(ChatRules(history=History(room_lines=2)), "ada", "bob")
    for text in ["one", "two", "three"]:
        say(rules, "ada", text)
    say(rules, "bob", "/me nods")
    say(rules, "bob", "/msg ada private")  # never shown to others
    rules.connect("dee", ("10.0.0.4", 1))
    lines = say(rules, "dee", "dee").lines_for("dee")
    assert lines[1:] == ["*** earlier: ada: three", "*** earlier: * bob nods"]
    assert all(parse_line(line).kind == "notice" for line in lines)


def test_history_is_per_room_shown_on_join_and_off_by_default():
    rules = joined(ChatRules(history=History(room_lines=5)), "ada", "bob")
    say(rules, "bob", "/join attic")
    say(rules, "bob", "up here")
    say(rules, "ada", "down here")
    rules.connect("cy", ("10.0.0.4", 1))
    say(rules, "cy", "cy")
    assert say(rules, "cy", "/join attic").lines_for("cy")[1:] == ["*** earlier: bob: up here"]
    rules.connect("dee", ("10.0.0.4", 2))
    assert say(rules, "dee", "dee").lines_for("dee")[1:] == ["*** earlier: ada: down here"]
    plain = joined(ChatRules(), "ada")
    say(plain, "ada", "hello")
    plain.connect("bob", None)
    assert say(plain, "bob", "bob").lines_for("bob") == [
        "*** Welcome, bob! You are in #lobby. Online: ada, bob"]


# --- /pin and /unpin ----------------------------------------------------------------------------


def test_a_pinned_announcement_reaches_everyone_now_and_every_newcomer():
    rules = with_admin("bob")
    out = say(rules, "ada", "/pin Exercise 3 is due at 11:00")
    assert out.sends == [(who, "*** pinned by ada: Exercise 3 is due at 11:00") for who in ["ada", "bob"]]
    rules.connect("cy", ("10.0.0.4", 1))
    assert say(rules, "cy", "cy").lines_for("cy")[1:] == ["*** pinned by ada: Exercise 3 is due at 11:00"]
    assert only_to(say(rules, "bob", "/pin mine now"), "bob") == "!!! /pin is for admins only"
    out = say(rules, "ada", "/unpin")
    assert out.lines_for("cy") == ["*** ada took the pinned announcement down"]
    rules.connect("dee", ("10.0.0.4", 2))
    assert len(say(rules, "dee", "dee").lines_for("dee")) == 1  # the welcome only


# --- /slow ----------------------------------------------------------------------------------------


def test_slow_mode_lets_members_send_one_line_per_period_and_spares_admins():
    clock = FakeClock()
    rules = with_admin("bob", "cy", clock=clock, flood_limit=None)
    assert say(rules, "ada", "/slow 30").lines_for("bob") == [
        "*** slow mode: one line per 30 s for members (set by ada)"]
    assert say(rules, "bob", "first").lines_for("cy") == ["bob: first"]
    clock.now += 10
    assert only_to(say(rules, "bob", "second"), "bob") == (
        "!!! slow mode is on (one line per 30 s): wait 20 s; your line was not delivered")
    assert only_to(say(rules, "bob", "/me sneaks"), "bob").startswith("!!! slow mode is on")
    assert say(rules, "bob", "/who").lines_for("bob")[0].startswith("*** Online")  # looking is free
    assert say(rules, "cy", "me too").lines_for("bob") == ["cy: me too"]  # each member has their own
    assert say(rules, "ada", "admins are exempt").lines_for("bob") == ["ada: admins are exempt"]
    assert say(rules, "ada", "and again").lines_for("bob") == ["ada: and again"]
    clock.now += 20
    assert say(rules, "bob", "second").lines_for("cy") == ["bob: second"]
    assert say(rules, "ada", "/slow off").lines_for("bob") == ["*** slow mode is off (set by ada)"]
    assert say(rules, "bob", "free again").lines_for("cy") == ["bob: free again"]


def test_slow_mode_is_for_admins_only():
    rules = with_admin("bob")
    assert only_to(say(rules, "bob", "/slow 60"), "bob") == "!!! /slow is for admins only"
    assert rules.slow_seconds == 0


# --- The transcript ---------------------------------------------------------------------------------


def test_the_transcript_has_the_public_chat_with_times_and_never_private_messages():
    history = History(transcript_lines=100, wall_clock=lambda: 1_700_000_000.0)
    rules = joined(ChatRules(history=history, admin_password=PASSWORD), "ada", "bob")
    say(rules, "ada", f"/admin {PASSWORD}")
    say(rules, "ada", "hello")
    say(rules, "bob", "/msg ada a secret")
    say(rules, "bob", "/join attic")
    say(rules, "bob", "up here")
    say(rules, "ada", "/mute bob 1m")
    rules.disconnect("bob")
    stamp = f"{datetime.fromtimestamp(1_700_000_000.0):%H:%M:%S}"
    assert rules.transcript().splitlines() == [f"{stamp} {line}" for line in [
        "#lobby *** ada joined #lobby",
        "#lobby *** bob joined #lobby",
        "#lobby ada: hello",
        "#lobby *** bob left #lobby",
        "#attic *** bob joined #attic",
        "#attic bob: up here",
        "#attic *** bob was muted by ada (for 1 min)",
        "#attic *** bob left #attic",
    ]]
    assert "secret" not in rules.transcript()


def test_the_transcript_is_bounded():
    rules = joined(ChatRules(history=History(transcript_lines=3), flood_limit=None), "ada")
    for n in range(10):
        say(rules, "ada", f"line {n}")
    assert [line.split(" ", 2)[2] for line in rules.transcript().splitlines()] == [
        "ada: line 7", "ada: line 8", "ada: line 9"]
