"""The limits and the events for what goes wrong, decided in the core with a fake clock.

No sockets and no sleeping: time moves when a test adds to ``clock.now``.
"""

import pytest

from chatlesson.core.flood import DEFAULT_FLOOD_LIMIT, FloodLimit
from chatlesson.core.limits import DEFAULT_LIMITS, Limits, SlowReader
from chatlesson.core.protocol import CONNECTION_LOST, NICK_REQUEST, parse_line
from chatlesson.core.rules import ChatRules
from rulesutil import FakeClock, joined, only_to, say

SHUTDOWN = "*** The server is shutting down. Bye!"


def test_the_defaults_suit_a_classroom():
    assert Limits(max_connections=256, max_per_host=64, handshake_seconds=60.0,
                                    dead_peer_seconds=45.0, soft_pending_bytes=256 * 1024,
                                    soft_seconds=10.0, hard_pending_bytes=8 * 1024 * 1024) == DEFAULT_LIMITS
    assert ChatRules().limits == DEFAULT_LIMITS


@pytest.mark.parametrize("options", [
    {"max_connections": 0}, {"max_per_host": -1}, {"handshake_seconds": 0},
    {"dead_peer_seconds": 0}, {"soft_seconds": -1},
    {"soft_pending_bytes": 10, "hard_pending_bytes": 9}, {"soft_pending_bytes": 0},
])
def test_limits_that_make_no_sense_are_refused(options):
    with pytest.raises(ValueError):
        Limits(**options)


# --- Flood limit from the command line -------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("5/10", FloodLimit(burst=10, per_second=5)),
    (" 0.5/3 ", FloodLimit(burst=3, per_second=0.5)),
    ("off", None),
    ("OFF", None),
])
def test_flood_limit_parses_rate_and_burst(text, expected):
    assert FloodLimit.parse(text) == expected


@pytest.mark.parametrize("text", ["", "5", "5/", "/10", "a/b", "5/0", "0/10", "-1/10", "5/2.5",
                                  "nan/3", "inf/3", "5/10/2", "on"])
def test_bad_flood_limits_say_what_to_write(text):
    with pytest.raises(ValueError, match=r"RATE/BURST, like 5/10 .*, or off"):
        FloodLimit.parse(text)


def test_a_flood_limit_prints_as_it_is_written():
    assert str(DEFAULT_FLOOD_LIMIT) == "5/10"
    assert FloodLimit.parse(str(FloodLimit(burst=4, per_second=0.5))) == FloodLimit(burst=4, per_second=0.5)


# --- Connection limits ---------------------------------------------------------------------------


def test_a_full_server_refuses_with_an_error_and_closes():
    rules = ChatRules(limits=Limits(max_connections=2))
    assert rules.connect("a", ("10.0.0.1", 1)).sends == [("a", NICK_REQUEST)]
    rules.connect("b", ("10.0.0.2", 1))
    out = rules.connect("c", ("10.0.0.3", 1))
    assert out.sends == [("c", "!!! the server is full (2 connections); try again later")]
    assert out.closes == ["c"]
    assert out.log == ["refused 10.0.0.3:1: server full"]
    assert "c" not in rules.members
    rules.disconnect("a")  # one leaves: there is room again
    assert rules.connect("c", ("10.0.0.3", 1)).sends == [("c", NICK_REQUEST)]


def test_one_host_cannot_take_every_place():
    rules = ChatRules(limits=Limits(max_per_host=2))
    for n in range(2):
        assert rules.connect(f"x{n}", ("10.0.0.1", n)).sends == [(f"x{n}", NICK_REQUEST)]
    out = rules.connect("x2", ("10.0.0.1", 2))
    assert only_to(out, "x2") == ("!!! too many connections from your address (at most 2); "
                                  "close one and try again")
    assert out.closes == ["x2"]
    assert parse_line(out.sends[0][1]).kind == "error"
    assert rules.connect("y", ("10.0.0.2", 1)).sends == [("y", NICK_REQUEST)]  # others still get in
    rules.too_slow("x0")  # every way out gives the place back
    assert rules.connect("x2", ("10.0.0.1", 2)).closes == []
    assert rules.connect("x3", ("10.0.0.1", 3)).closes == ["x3"]


def test_places_come_back_however_a_connection_ends():
    clock = FakeClock()
    rules = ChatRules(clock=clock, admin_password="pw", limits=Limits(max_per_host=3, handshake_seconds=5))
    joined(rules, "ada", "bob", host="10.0.0.1")
    rules.connect("lurker", ("10.0.0.1", 9))
    assert rules.connect("more", ("10.0.0.1", 10)).closes == ["more"]
    say(rules, "ada", "/admin pw")
    say(rules, "ada", "/kick bob")
    clock.now += 5
    rules.expire()  # the lurker
    rules.disconnect("ada", CONNECTION_LOST)
    assert rules.members == {}
    for n in range(3):
        assert rules.connect(f"n{n}", ("10.0.0.1", n)).closes == []


def test_no_limits_at_all():
    rules = ChatRules(limits=Limits(max_connections=None, max_per_host=None))
    for n in range(1000):
        assert rules.connect(n, ("127.0.0.1", n)).closes == []


def test_a_ban_is_still_refused_first():
    rules = joined(ChatRules(admin_password="pw", limits=Limits(max_connections=2)), "ada", "bob")
    say(rules, "ada", "/admin pw")
    say(rules, "ada", "/ban -host bob")
    out = rules.connect("again", ("127.0.0.1", 5))
    assert out.lines_for("again") == ["!!! your address is banned from this server"]


# --- Handshake deadline ----------------------------------------------------------------------


def test_a_silent_connection_is_closed_at_its_deadline_without_announcement():
    clock = FakeClock(100.0)
    rules = joined(ChatRules(clock=clock), "ada")
    rules.connect("lurker", ("10.0.0.9", 1))
    assert rules.next_deadline() == 160.0
    clock.now = 159.9
    assert rules.expire().sends == []
    clock.now = 160.0
    out = rules.expire()
    assert out.sends == [("lurker", "!!! no nickname within 60 seconds; goodbye")]
    assert out.closes == ["lurker"]
    assert out.log == ["closed 10.0.0.9:1: no nickname in time"]
    assert rules.next_deadline() is None
    assert rules.disconnect("lurker").sends == []  # the server's later disconnect says nothing
    assert rules.nicks() == ["ada"]


def test_deadlines_come_in_connection_order_and_end_with_the_handshake():
    clock = FakeClock()
    rules = ChatRules(clock=clock, limits=Limits(handshake_seconds=10))
    rules.connect("a")
    clock.now = 3
    rules.connect("b")
    clock.now = 4
    rules.connect("c")
    assert rules.next_deadline() == 10
    say(rules, "a", "ada")  # joined: no deadline any more
    assert rules.next_deadline() == 13
    rules.disconnect("b")
    assert rules.next_deadline() == 14
    clock.now = 100
    out = rules.expire()
    assert out.closes == ["c"]
    assert rules.next_deadline() is None
    assert rules.nicks() == ["ada"]


def test_trickling_bad_nicknames_does_not_extend_the_deadline():
    clock = FakeClock()
    rules = ChatRules(clock=clock, flood_limit=None, limits=Limits(handshake_seconds=5))
    rules.connect("c")
    for _ in range(4):
        clock.now += 1
        say(rules, "c", "two words")
    clock.now += 1
    assert rules.expire().closes == ["c"]


def test_several_expire_together_and_expire_is_harmless_when_early():
    clock = FakeClock()
    rules = ChatRules(clock=clock, limits=Limits(handshake_seconds=1.5))
    for n in range(5):
        rules.connect(n)
    assert rules.expire().sends == []
    clock.now = 2
    out = rules.expire()
    assert out.closes == [0, 1, 2, 3, 4]
    assert out.lines_for(3) == ["!!! no nickname within 1.5 seconds; goodbye"]


def test_no_handshake_deadline():
    clock = FakeClock()
    rules = ChatRules(clock=clock, limits=Limits(handshake_seconds=None))
    rules.connect("c")
    assert rules.next_deadline() is None
    clock.now = 1e9
    assert rules.expire().sends == []


# --- Too slow, failed, connection lost -----------------------------------------------------------


def test_a_slow_reader_is_closed_and_its_room_told_why():
    rules = joined(ChatRules(), "ada", "bob", "cy")
    say(rules, "cy", "/join attic")
    out = rules.too_slow("bob")
    assert out.sends == [("ada", "*** bob left #lobby (too slow: stopped reading)")]
    assert out.closes == ["bob"]
    assert parse_line(out.sends[0][1]).reason == "too slow: stopped reading"
    assert rules.disconnect("bob", CONNECTION_LOST).sends == []  # announced once
    assert rules.too_slow("bob").closes == ["bob"]  # and asking again only closes
    joined(rules, "bob")  # the nickname is free


def test_a_slow_reader_still_in_the_handshake_is_just_closed():
    rules = joined(ChatRules(), "ada")
    rules.connect("lurker")
    out = rules.too_slow("lurker")
    assert out.sends == [] and out.closes == ["lurker"]


def test_a_line_the_rules_failed_on_costs_only_that_line():
    rules = joined(ChatRules(), "ada", "bob")
    out = rules.failed("ada")
    assert out.sends == [("ada", "!!! the server failed on that line; it was dropped")]
    assert out.closes == []
    assert say(rules, "ada", "still here").lines_for("bob") == ["ada: still here"]


def test_a_lost_connection_is_announced_with_its_reason():
    rules = joined(ChatRules(), "ada", "bob")
    out = rules.disconnect("bob", CONNECTION_LOST)
    assert out.sends == [("ada", "*** bob left #lobby (connection lost)")]
    assert rules.disconnect("bob", CONNECTION_LOST).sends == []


# --- Shutdown ------------------------------------------------------------------------------------


def test_shutdown_says_goodbye_to_everyone_and_announces_nothing():
    rules = joined(ChatRules(), "ada", "bob")
    say(rules, "bob", "/join attic")
    rules.connect("lurker", ("127.0.0.1", 5))
    out = rules.shutdown()
    assert sorted(out.sends) == sorted([("ada", SHUTDOWN), ("bob", SHUTDOWN), ("lurker", SHUTDOWN)])
    assert sorted(out.closes) == ["ada", "bob", "lurker"]
    assert rules.members == {} and rules.next_deadline() is None
    assert all(rules.disconnect(who).sends == [] for who in ("ada", "bob", "lurker"))


def test_after_shutdown_newcomers_hear_the_goodbye_and_are_closed():
    rules = ChatRules()
    rules.shutdown()
    out = rules.connect("late", ("127.0.0.1", 5))
    assert out.sends == [("late", SHUTDOWN)] and out.closes == ["late"]
    assert rules.members == {}


# --- A nickname held by a connection that may be dead -----------------------------------------


def test_a_taken_nickname_from_the_same_host_says_when_it_comes_free():
    rules = joined(ChatRules(limits=Limits(dead_peer_seconds=45)), "ada", host="10.0.0.1")
    rules.connect("back", ("10.0.0.1", 2000))
    error, again = say(rules, "back", "ADA").lines_for("back")
    assert error == ("!!! the nickname ADA is taken (if it was yours on a connection that dropped, "
                     "it comes free within 45 seconds)")
    assert again == NICK_REQUEST
    rules.disconnect("ada", CONNECTION_LOST)  # what keepalive makes the server do in time
    assert say(rules, "back", "ada").lines_for("back")[0].startswith("*** Welcome, ada!")


def test_a_taken_nickname_from_another_host_is_just_taken():
    rules = joined(ChatRules(), "ada", host="10.0.0.1")
    rules.connect("other", ("10.0.0.2", 2000))
    assert say(rules, "other", "ada").lines_for("other")[0] == "!!! the nickname ada is taken"
    rules.connect("nowhere")  # no address: nothing to compare
    assert say(rules, "nowhere", "ada").lines_for("nowhere")[0] == "!!! the nickname ada is taken"


# --- Slow readers --------------------------------------------------------------------------------

SMALL = Limits(soft_pending_bytes=100, soft_seconds=10, hard_pending_bytes=1000)


def test_over_the_hard_limit_is_too_slow_at_once():
    reader = SlowReader(SMALL, FakeClock())
    assert reader.too_slow(1000) is False
    assert reader.too_slow(1001) is True


def test_over_the_soft_limit_is_allowed_for_soft_seconds():
    clock = FakeClock()
    reader = SlowReader(SMALL, clock)
    assert reader.too_slow(500) is False
    assert reader.recheck_at() == 10
    clock.now = 9.9
    assert reader.too_slow(600) is False
    clock.now = 10
    assert reader.too_slow(600) is True


def test_a_reader_that_drains_below_the_soft_limit_starts_afresh():
    clock = FakeClock()
    reader = SlowReader(SMALL, clock)
    for _ in range(100):  # bursts that a fast reader drains: never cut off
        assert reader.too_slow(900) is False
        clock.now += 5
        assert reader.too_slow(100) is False
        assert reader.recheck_at() is None
        clock.now += 0.01
    assert reader.too_slow(101) is False
    clock.now += 9.99
    assert reader.too_slow(101) is False


def test_default_slow_reader_uses_the_default_limits():
    reader = SlowReader(clock=FakeClock())
    assert reader.limits == DEFAULT_LIMITS
    assert reader.too_slow(256 * 1024) is False
    assert reader.too_slow(8 * 1024 * 1024 + 1) is True


@pytest.mark.parametrize("options", [{"burst": 0}, {"per_second": 0}, {"per_second": -1}])
def test_a_flood_limit_that_lets_nothing_through_is_refused(options):
    with pytest.raises(ValueError, match="rate above 0"):
        FloodLimit(**options)
