"""Roles and moderation: /admin and its lockout, /kick, /ban, /unban, /mute,
/unmute, each by an admin and by a member; without sockets first, then the
main paths over real sockets."""

import os
import re
import signal
import subprocess
import sys

import pytest

from chatlesson import ChatClient, ChatRules
from chatlesson.client.chat_client import NicknameRejected
from chatlesson.core.protocol import parse_line
from chatlesson.core.roles import ADMIN_RETRY_SECONDS, MAX_ADMIN_FAILURES, AdminGate
from chatlesson.core.rules import Member
from netutil import RawClient
from rulesutil import FakeClock, joined, only_to, say

PASSWORD = "correct horse"
LOCKED = "!!! wrong password; /admin is now locked on this connection"


def with_admin(*others, password=PASSWORD, **options):
    """Rules where ``ada`` is an admin, and ``others`` are members."""
    rules = joined(ChatRules(admin_password=password, **options), "ada", *others)
    assert say(rules, "ada", f"/admin {password}").lines_for("ada") == ["*** ada is now an admin"]
    return rules


# --- /admin ----------------------------------------------------------------------


def test_admin_grants_the_role_and_tells_the_room():
    rules = joined(ChatRules(admin_password=PASSWORD), "ada", "bob", "cy")
    say(rules, "cy", "/join attic")
    out = say(rules, "ada", f"/admin {PASSWORD}")
    assert out.sends == [("ada", "*** ada is now an admin"), ("bob", "*** ada is now an admin")]
    assert parse_line(out.sends[0][1]).event == "admin"
    assert rules.is_admin("ada") and not rules.is_admin("bob")
    assert not any(PASSWORD in entry for entry in out.log)  # the password never reaches a log
    assert only_to(say(rules, "ada", f"/admin {PASSWORD}"), "ada") == "*** you are already an admin"


def test_admin_is_disabled_without_a_password():
    rules = joined(ChatRules(), "ada")
    assert only_to(say(rules, "ada", "/admin anything"), "ada") == (
        "!!! admin is disabled on this server (it was started without an admin password)")
    assert not rules.is_admin("ada")


@pytest.mark.parametrize("password", ["", " padded", "padded "])
def test_unusable_admin_passwords_are_refused_at_start(password):
    with pytest.raises(ValueError):
        ChatRules(admin_password=password)


def test_admin_without_a_password_shows_usage():
    rules = joined(ChatRules(admin_password=PASSWORD), "ada")
    usage = only_to(say(rules, "ada", "/admin"), "ada")
    assert usage == "!!! usage: /admin PASSWORD (give the admin password)"


def test_admin_password_is_compared_whole_and_exactly():
    rules = joined(ChatRules(admin_password=PASSWORD), "ada", "bob", "cy", "dee")
    for who, attempt in [("ada", "correct"), ("bob", PASSWORD + "!"), ("cy", PASSWORD.upper())]:
        assert only_to(say(rules, who, f"/admin {attempt}"), who).startswith("!!! wrong password")
    assert not any(rules.is_admin(who) for who in ["ada", "bob", "cy", "dee"])


def test_wrong_passwords_lock_out_the_connection():
    clock = FakeClock()
    rules = joined(ChatRules(admin_password=PASSWORD, clock=clock), "ada")
    replies = []
    for n in range(MAX_ADMIN_FAILURES):
        replies.append(only_to(say(rules, "ada", f"/admin guess{n}"), "ada"))
        clock.now += ADMIN_RETRY_SECONDS
    assert replies == ["!!! wrong password (2 tries left on this connection)",
                       "!!! wrong password (1 try left on this connection)", LOCKED]
    locked = only_to(say(rules, "ada", f"/admin {PASSWORD}"), "ada")
    assert locked == "!!! too many wrong passwords on this connection; /admin is locked until you reconnect"
    assert not rules.is_admin("ada")


def test_a_typo_may_be_corrected_at_once():
    rules = joined(ChatRules(admin_password=PASSWORD, clock=FakeClock()), "ada")
    say(rules, "ada", "/admin corect horse")
    assert say(rules, "ada", f"/admin {PASSWORD}").lines_for("ada") == ["*** ada is now an admin"]


def test_guesses_are_slowed_down_per_connection_without_counting():
    clock = FakeClock()
    rules = joined(ChatRules(admin_password=PASSWORD, clock=clock), "eve", "ada")
    say(rules, "eve", "/admin one")
    say(rules, "eve", "/admin two")
    assert only_to(say(rules, "eve", f"/admin {PASSWORD}"), "eve") == (
        f"!!! wait {ADMIN_RETRY_SECONDS:.1f} s before trying /admin again")
    assert say(rules, "ada", f"/admin {PASSWORD}").lines_for("ada") == ["*** ada is now an admin"]
    clock.now += ADMIN_RETRY_SECONDS
    assert only_to(say(rules, "eve", "/admin three"), "eve") == LOCKED  # the wait did not count


def test_a_students_wrong_guesses_never_lock_out_others_on_the_same_address():
    """Issue 10: three wrong guesses from one student locked /admin for a whole class's NAT."""
    clock = FakeClock()
    rules = joined(ChatRules(admin_password=PASSWORD, clock=clock), "eve", "ada", host="10.0.0.5")
    for n in range(MAX_ADMIN_FAILURES):
        say(rules, "eve", f"/admin guess{n}")
        clock.now += ADMIN_RETRY_SECONDS
    assert say(rules, "ada", f"/admin {PASSWORD}").lines_for("ada") == ["*** ada is now an admin"]
    rules.disconnect("eve")
    joined(rules, "eve", host="10.0.0.5")  # a new connection: counted afresh, slowly
    assert only_to(say(rules, "eve", "/admin again"), "eve") == (
        "!!! wrong password (2 tries left on this connection)")


def test_the_gate_compares_fixed_length_digests_in_constant_time(monkeypatch):
    """compare_digest on SHA-256 digests: neither the content nor the length shows in the time."""
    import hashlib
    import hmac
    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    gate = AdminGate("pässword")
    assert gate.check(Member(), "pässword", 0.0)
    assert not gate.check(Member(), "a much longer guess than the password", 0.0)
    digest = hashlib.sha256("pässword".encode()).digest()
    assert calls[0] == (digest, digest)
    assert [(len(a), len(b)) for a, b in calls] == [(32, 32), (32, 32)]


# --- Admin commands by a member -----------------------------------------------------


@pytest.mark.parametrize("command", ["/kick bob", "/ban bob spam", "/unban bob", "/mute bob", "/unmute bob"])
def test_members_cannot_run_admin_commands(command):
    rules = with_admin("bob", "cy")
    out = say(rules, "cy", command)
    name = command.split()[0]
    assert only_to(out, "cy") == f"!!! {name} is for admins only"
    assert out.closes == [] and rules.nicks() == ["ada", "bob", "cy"] and len(rules.bans) == 0
    assert say(rules, "bob", "still talking").lines_for("cy") == ["bob: still talking"]


# --- /kick --------------------------------------------------------------------------


def test_kick_announces_to_the_room_then_closes_without_a_left_notice():
    rules = with_admin("bob", "cy", "dee")
    say(rules, "dee", "/join attic")
    out = say(rules, "ada", "/kick bob be nice")
    line = "*** bob was kicked by ada (be nice)"
    assert out.sends == [("ada", line), ("bob", line), ("cy", line)]
    assert out.closes == ["bob"]
    message = parse_line(line)
    assert (message.event, message.nick, message.by, message.reason) == ("kicked", "bob", "ada", "be nice")
    assert rules.nicks() == ["ada", "cy", "dee"]
    assert rules.disconnect("bob").sends == []  # the server's later disconnect announces nothing
    assert say(rules, "bob", "ghost").sends == []


def test_a_kicked_student_waits_out_the_cool_down_then_comes_back():
    """Issue 10: /kick allowed an instant rejoin."""
    clock = FakeClock()
    rules = with_admin("cy", clock=clock, kick_seconds=120)
    joined(rules, "bob", host="10.0.0.7")
    say(rules, "ada", "/kick bob")
    clock.now += 20
    rules.connect("bob2", ("10.0.0.7", 4000))  # bob reconnects at once
    assert say(rules, "bob2", "bob").sends == [
        ("bob2", "!!! bob was kicked by ada; that nickname can join again in 1 min 40 s"), ("bob2", "Hii")]
    assert say(rules, "bob2", "B0B").lines_for("bob2")[0].startswith("!!! bob was kicked by ada")
    clock.now += 100
    rules.connect("bob3", ("10.0.0.7", 4001))
    assert say(rules, "bob3", "bob").lines_for("bob3")[0].startswith("*** Welcome, bob!")


def test_a_kick_does_not_keep_a_classmate_on_the_same_address_out():
    rules = with_admin("bob", "cy")  # all on 127.0.0.1
    say(rules, "ada", "/kick bob")
    joined(rules, "dee")  # same address, another nickname
    rules.connect("far", ("10.9.9.9", 1))  # the nickname from another address
    assert say(rules, "far", "bob").lines_for("far")[0].startswith("*** Welcome, bob!")


def test_kick_with_no_cool_down_allows_a_rejoin():
    rules = with_admin("bob", kick_seconds=0)
    assert say(rules, "ada", "/kick bob").lines_for("bob") == ["*** bob was kicked by ada"]
    joined(rules, "bob")


def test_kick_in_another_room_tells_that_room_and_the_admin():
    rules = with_admin("bob", "cy")
    say(rules, "bob", "/join attic")
    out = say(rules, "ada", "/kick BOB")
    assert out.sends == [("bob", "*** bob was kicked by ada"), ("ada", "*** bob was kicked by ada")]


@pytest.mark.parametrize("command, error", [
    ("/kick", "!!! usage: /kick NICK [REASON] (give a nickname)"),
    ("/kick nobody", "!!! no one called nobody is online"),
    ("/kick ada", "!!! you cannot kick yourself"),
    ("/ban", "!!! usage: /ban [-host] NICK [REASON] (give a nickname)"),
    ("/ban -host", "!!! usage: /ban [-host] NICK [REASON] (give a nickname)"),
    ("/ban ada", "!!! you cannot ban yourself"),
    ("/ban nobody", "!!! no one called nobody is online"),
    ("/mute", "!!! usage: /mute NICK [DURATION] (give a nickname)"),
    ("/mute bob cy", "!!! usage: /mute NICK [DURATION] (the duration is like 90s, 10m or 1h)"),
    ("/mute bob 0", "!!! usage: /mute NICK [DURATION] (the duration must be more than 0)"),
    ("/slow soon", "!!! usage: /slow SECONDS (give a number of seconds (0 or off ends slow mode))"),
    ("/unpin", "!!! nothing is pinned"),
    ("/pin", "!!! usage: /pin TEXT (give the text to pin)"),
    ("/mute ada", "!!! you cannot mute yourself"),
    ("/unmute bob", "!!! bob is not muted"),
    ("/unban", "!!! usage: /unban NICK (give one nickname)"),
    ("/unban bob", "!!! bob is not banned"),
])
def test_admin_command_errors(command, error):
    rules = with_admin("bob")
    out = say(rules, "ada", command)
    assert only_to(out, "ada") == error
    assert out.closes == [] and rules.nicks() == ["ada", "bob"]


# --- /ban and /unban -------------------------------------------------------------------


def test_ban_closes_and_refuses_the_nickname_from_anywhere_but_not_the_address():
    """Issue 10: a ban by address refused every newcomer of a class behind one address."""
    rules = with_admin("cy")
    joined(rules, "bob", host="10.0.0.9")
    out = say(rules, "ada", "/ban bob spamming")
    line = "*** bob was banned by ada (spamming)"
    assert out.lines_for("ada") == [
        "*** the nickname bob and look-alikes are refused until /unban bob; others from its address "
        "are not (/ban -host refuses the whole address)", line]
    assert out.lines_for("cy") == [line] and out.lines_for("bob") == [line]
    assert out.closes == ["bob"]
    assert parse_line(line).event == "banned"
    # A classmate behind the same address joins as usual.
    assert rules.connect("classmate", ("10.0.0.9", 5555)).sends == [("classmate", "Hii")]
    assert say(rules, "classmate", "dee").lines_for("classmate")[0].startswith("*** Welcome")
    # The nickname, from anywhere (in any case, or written to look the same): refused, asked again.
    rules.connect("elsewhere", ("10.0.0.10", 6000))
    for nick in ["BOB", "b0b", "b\u043eb"]:  # the last with a Cyrillic o
        out = say(rules, "elsewhere", nick)
        assert out.sends == [("elsewhere", f"!!! the nickname {nick} is banned on this server"),
                             ("elsewhere", "Hii")]
    assert say(rules, "elsewhere", "robert").lines_for("elsewhere")[0].startswith("*** Welcome")
    assert only_to(say(rules, "elsewhere", "/nick bob"), "elsewhere") == (
        "!!! the nickname bob is banned on this server")


def test_ban_host_refuses_the_whole_address_and_says_so():
    rules = with_admin("cy")
    joined(rules, "bob", "dee", host="10.0.0.9")
    out = say(rules, "ada", "/ban -host bob flooding")
    assert out.lines_for("ada")[0] == (
        "*** every newcomer from 10.0.0.9 is refused until /unban bob: that is everyone on that "
        "address (a class behind one router shares it); 1 other connection from it stay until they leave")
    assert out.lines_for("cy") == ["*** bob was banned by ada (flooding)"]
    refused = rules.connect("bob-again", ("10.0.0.9", 5555))
    assert refused.sends == [("bob-again", "!!! your address is banned from this server")]
    assert refused.closes == ["bob-again"]
    assert say(rules, "bob-again", "bob").sends == [] and rules.nicks() == ["ada", "cy", "dee"]


def test_unban_lets_the_nickname_and_the_address_back():
    rules = with_admin("cy")
    joined(rules, "bob", host="10.0.0.9")
    say(rules, "ada", "/ban -host bob")
    out = say(rules, "ada", "/unban Bob")
    assert out.sends == [("ada", "*** bob was unbanned by ada"), ("cy", "*** bob was unbanned by ada")]
    assert parse_line(out.sends[0][1]).event == "unbanned"
    assert rules.connect("bob2", ("10.0.0.9", 7000)).sends == [("bob2", "Hii")]
    assert say(rules, "bob2", "bob").lines_for("bob2")[0].startswith("*** Welcome")


def test_members_already_connected_from_a_banned_address_stay():
    rules = with_admin("bob", "cy")  # all three on 127.0.0.1
    say(rules, "ada", "/ban bob")
    assert rules.nicks() == ["ada", "cy"]
    assert say(rules, "cy", "still here").lines_for("ada") == ["cy: still here"]


# --- /mute and /unmute -------------------------------------------------------------------


def test_mute_stops_every_way_of_talking_and_unmute_restores_it():
    rules = with_admin("bob", "cy", clock=FakeClock())
    out = say(rules, "ada", "/mute bob")
    assert out.sends == [(who, "*** bob was muted by ada (for 10 min)") for who in ["ada", "bob", "cy"]]
    assert parse_line(out.sends[0][1]).event == "muted"
    assert only_to(say(rules, "bob", "hello?"), "bob") == (
        "!!! you are muted for 10 min more: your line was not delivered")
    for command in ["/me sighs", "/msg cy help", "/nick robert"]:
        name = command.split()[0]
        assert only_to(say(rules, "bob", command), "bob") == (
            f"!!! you are muted: {name} is not allowed until an admin unmutes you")
    assert only_to(say(rules, "bob", "/who"), "bob").startswith("*** Online in #lobby")  # may still look
    assert only_to(say(rules, "ada", "/mute bob"), "ada") == "!!! bob is already muted"
    out = say(rules, "ada", "/unmute bob")
    assert out.sends == [(who, "*** bob was unmuted by ada") for who in ["ada", "bob", "cy"]]
    assert say(rules, "bob", "thanks").lines_for("cy") == ["bob: thanks"]


def test_a_mute_outlasts_a_reconnect_then_ends_by_itself():
    """Issue 10: /mute ended when the student reconnected."""
    clock = FakeClock()
    rules = with_admin("cy", clock=clock)
    joined(rules, "bob", host="10.0.0.7")
    say(rules, "ada", "/mute bob 5m")
    rules.disconnect("bob")
    clock.now += 60
    rules.connect("bob", ("10.0.0.7", 4000))
    lines = say(rules, "bob", "bob").lines_for("bob")
    assert lines[0].startswith("*** Welcome, bob!")
    assert lines[1] == "!!! bob was muted by ada; you are muted for 4 min more"
    assert only_to(say(rules, "bob", "I'm back"), "bob") == (
        "!!! you are muted for 4 min more: your line was not delivered")
    clock.now += 240
    out = say(rules, "bob", "can you hear me now?")
    assert out.lines_for("bob") == ["*** your mute is over: you can talk again", "bob: can you hear me now?"]
    assert out.lines_for("cy") == ["bob: can you hear me now?"]
    rules.disconnect("bob")
    joined(rules, "bob", host="10.0.0.7")
    assert not rules.members["bob"].muted


def test_unmute_also_ends_the_mute_for_a_later_connection():
    rules = with_admin(clock=FakeClock())
    joined(rules, "bob", host="10.0.0.7")
    say(rules, "ada", "/mute bob")
    say(rules, "ada", "/unmute bob")
    rules.disconnect("bob")
    joined(rules, "bob", host="10.0.0.7")
    assert not rules.members["bob"].muted


def test_a_mute_does_not_follow_the_address_to_a_classmate():
    rules = with_admin("bob", clock=FakeClock())
    say(rules, "ada", "/mute bob")
    joined(rules, "dee")  # the same address (127.0.0.1), another student
    assert say(rules, "dee", "hi").lines_for("ada") == ["dee: hi"]


def test_a_muted_member_who_moves_stays_muted():
    rules = with_admin("bob")
    say(rules, "ada", "/mute bob")
    say(rules, "bob", "/join attic")
    assert only_to(say(rules, "bob", "hi attic"), "bob").startswith("!!! you are muted")


# --- Over real sockets ---------------------------------------------------------------------


@pytest.fixture
def admin_server(make_server):
    """A running server with an admin password, of each engine (threads, event loop, uvloop)."""
    with make_server(admin_password=PASSWORD) as running:
        yield running


def test_admin_over_the_wire_and_kick_closes_the_connection(admin_server):
    with ChatClient(admin_server.address, "ada") as ada, RawClient(admin_server.address) as bob:
        bob.join("bob")
        assert ada.messages.get(timeout=5).raw == "*** bob joined #lobby"
        bob.send("/kick ada")
        assert bob.line() == "!!! /kick is for admins only"
        ada.send(f"/admin {PASSWORD}")
        assert ada.messages.get(timeout=5).event == "admin"
        assert bob.line() == "*** ada is now an admin"
        ada.send("/kick bob bye")
        assert ada.messages.get(timeout=5).raw == "*** bob was kicked by ada (bye)"
        assert bob.line() == "*** bob was kicked by ada (bye)"
        assert bob.closed_by_peer()
        assert admin_server.nicks() == ["ada"]
        ada.send("/who")
        assert ada.messages.get(timeout=5).raw == "*** Online in #lobby: @ada"  # and no "left" before it
    with RawClient(admin_server.address) as again:
        again.send("bob")
        assert again.line() == "Hii"
        assert again.line().startswith("!!! bob was kicked by ada; that nickname can join again in ")


def test_ban_refuses_the_nickname_and_ban_host_the_address_over_the_wire(admin_server):
    with ChatClient(admin_server.address, "ada") as ada, ChatClient(admin_server.address, "bob") as bob:
        ada.messages.get(timeout=5)
        ada.send(f"/admin {PASSWORD}")
        ada.messages.get(timeout=5)
        ada.send("/ban bob")
        assert ada.messages.get(timeout=5).raw.startswith("*** the nickname bob and look-alikes are refused")
        assert ada.messages.get(timeout=5).raw == "*** bob was banned by ada"
        assert bob.wait_closed(5)
        with pytest.raises(NicknameRejected, match="the nickname bob is banned"):
            ChatClient(admin_server.address, "bob")
        with ChatClient(admin_server.address, "cleo") as cleo:  # a classmate on the same address
            assert cleo.welcome.event == "welcome"
            assert ada.messages.get(timeout=5).raw == "*** cleo joined #lobby"
            ada.send("/ban -host cleo")
            assert ada.messages.get(timeout=5).raw.startswith("*** every newcomer from 127.0.0.1 is refused")
            assert cleo.wait_closed(5)
        with RawClient(admin_server.address) as again:  # from 127.0.0.1, like bob
            assert again.line() == "!!! your address is banned from this server"
            assert again.closed_by_peer()
        assert admin_server.nicks() == ["ada"]
        ada.send("/unban cleo")
        while ada.messages.get(timeout=5).raw != "*** cleo was unbanned by ada":
            pass
        with ChatClient(admin_server.address, "cleo") as back:
            assert back.welcome.event == "welcome"


def test_wrong_password_lockout_over_the_wire(admin_server):
    with RawClient(admin_server.address) as ada, RawClient(admin_server.address) as eve:
        ada.join("ada")
        eve.join("eve")
        assert ada.line() == "*** eve joined #lobby"
        for _ in range(2):
            eve.send("/admin guess")
            assert eve.line().startswith("!!! wrong password")
        eve.send("/admin guess")
        assert eve.line().startswith("!!! wait ")
        ada.send(f"/admin {PASSWORD}")  # the same address as eve: not locked out
        assert ada.line() == "*** ada is now an admin"


def test_server_without_a_password_has_admin_disabled(server):
    with RawClient(server.address) as ada:
        ada.join("ada")
        ada.send("/admin guess")
        assert ada.line().startswith("!!! admin is disabled on this server")


# --- The operator's side: chatlesson-server --admin-password / CHATLESSON_ADMIN_PASSWORD ----------


def _run_server(*args, env_password=None):
    env = {k: v for k, v in os.environ.items() if k != "CHATLESSON_ADMIN_PASSWORD"}
    if env_password is not None:
        env["CHATLESSON_ADMIN_PASSWORD"] = env_password
    return subprocess.Popen([sys.executable, "-m", "chatlesson.server", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _admin_reply(proc):
    """Join the server ``proc`` runs, try /admin with PASSWORD, and stop it with Ctrl-C."""
    try:
        first = proc.stdout.readline()
        port = int(re.search(r"listening on 127\.0\.0\.1:(\d+)", first).group(1))
        with RawClient(("127.0.0.1", port)) as ada:
            ada.join("ada")
            ada.send(f"/admin {PASSWORD}")
            return ada.line()
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0


@pytest.mark.skipif(sys.platform == "win32",
                    reason="Windows cannot send Ctrl-C (SIGINT) to one subprocess")
@pytest.mark.parametrize("args, env_password, reply", [
    (["--admin-password", PASSWORD], None, "*** ada is now an admin"),
    ([], PASSWORD, "*** ada is now an admin"),
    (["--admin-password", PASSWORD], "other", "*** ada is now an admin"),  # the option wins
    ([], None, "!!! admin is disabled on this server (it was started without an admin password)"),
])
def test_the_operator_chooses_the_admin_password(args, env_password, reply):
    assert _admin_reply(_run_server(*args, env_password=env_password)) == reply


def test_an_empty_admin_password_is_refused_at_start():
    proc = _run_server(env_password="")
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 2
    assert "admin password must not be empty" in err


def test_a_muted_member_cannot_talk_through_a_quit_reason():
    rules = with_admin("bob")
    say(rules, "ada", "/mute bob")
    out = say(rules, "bob", "/quit but everyone can still read this")
    assert out.lines_for("ada") == ["*** bob left #lobby (quit)"]


# --- The instructor: admin by owning the process, a reserved nickname, a marked voice -------------


def with_instructor(*students, **options):
    """Rules with the instructor's in-process seat (no socket, no address) and ``students``."""
    rules = ChatRules(admin_password=PASSWORD, **options)
    rules.connect("seat")
    assert rules.instructor("seat").sends == []  # not joined yet: nothing to announce
    assert say(rules, "seat", "teacher").lines_for("seat")[0].startswith("*** Welcome, teacher!")
    return joined(rules, *students, host="10.0.0.2")


def test_the_instructor_is_admin_without_a_password_and_marked_in_lists():
    rules = with_instructor("ada")
    assert rules.is_admin("seat") and rules.members["seat"].instructor
    assert rules.listed("lobby") == ["@teacher", "ada"]
    assert say(rules, "seat", "/kick ada").closes == ["ada"]


def test_students_guesses_never_lock_out_the_instructor():
    clock = FakeClock()
    rules = with_instructor("eve", "mallory", clock=clock)
    for who in ["eve", "mallory"]:
        for n in range(MAX_ADMIN_FAILURES + 2):
            say(rules, who, f"/admin guess{n}")
            clock.now += ADMIN_RETRY_SECONDS
    assert rules.is_admin("seat")
    assert say(rules, "seat", "/mute eve").lines_for("eve") == ["*** eve was muted by teacher (for 10 min)"]


def test_every_line_the_instructor_sends_is_marked_and_nobody_else_can_forge_it():
    rules = with_instructor("ada", "bob")
    out = say(rules, "seat", "hello class")
    assert out.lines_for("ada") == ["@teacher: hello class"]
    message = parse_line("@teacher: hello class")
    assert (message.kind, message.nick, message.text, message.instructor) == (
        "chat", "teacher", "hello class", True)
    assert say(rules, "seat", "/me waves").lines_for("bob") == ["* @teacher waves"]
    assert parse_line("* @teacher waves").instructor
    assert say(rules, "seat", "/msg ada see me").lines_for("ada") == ["[from @teacher] see me"]
    assert say(rules, "ada", "/msg teacher ok").lines_for("ada") == ["[to @teacher] ok"]
    # A student's forgery shows whose line it is; a nickname cannot start with the mark.
    assert say(rules, "bob", "@teacher: homework cancelled").lines_for("ada") == [
        "bob: @teacher: homework cancelled"]
    assert not parse_line("bob: @teacher: homework cancelled").instructor
    assert only_to(say(rules, "bob", "/nick @teacher"), "bob").startswith("!!! a nickname must start")
    # An admin who used the password is not the instructor: unmarked.
    say(rules, "bob", f"/admin {PASSWORD}")
    assert say(rules, "bob", "hi").lines_for("ada") == ["bob: hi"]


def test_the_instructors_nickname_is_reserved_even_after_they_leave():
    rules = with_instructor("ada")
    rules.connect("eve", ("10.0.0.3", 1))
    refused = say(rules, "eve", "teacher").lines_for("eve")
    assert refused == ["!!! the nickname teacher is taken", "Hii"]
    rules.disconnect("seat")  # the notebook's kernel restarted, say
    for nick in ["teacher", "Teacher", "te\u0430cher"]:
        assert say(rules, "eve", nick).lines_for("eve") == [
            f"!!! the nickname {nick} is reserved for the instructor (teacher)", "Hii"]
    rules.connect("seat2")
    rules.instructor("seat2")
    assert say(rules, "seat2", "teacher").lines_for("seat2")[0].startswith("*** Welcome, teacher!")


def test_a_nickname_can_be_reserved_before_the_instructor_arrives():
    rules = ChatRules()
    rules.reserve("prof")
    rules.connect("eve", ("10.0.0.3", 1))
    assert say(rules, "eve", "PROF").lines_for("eve")[0] == (
        "!!! the nickname PROF is reserved for the instructor (prof)")
    rules.release("prof")
    assert say(rules, "eve", "PROF").lines_for("eve")[0].startswith("*** Welcome")


def test_a_joined_member_made_instructor_is_announced_and_cannot_be_moderated():
    rules = with_admin("bob")
    out = rules.instructor("bob")
    line = "*** bob is the instructor; their lines are marked @bob"
    assert out.sends == [(who, line) for who in ["ada", "bob"]]
    assert only_to(say(rules, "ada", "/kick bob"), "ada") == "!!! you cannot kick the instructor"
    assert only_to(say(rules, "ada", "/mute bob"), "ada") == "!!! you cannot mute the instructor"
    assert only_to(say(rules, "ada", "/ban -host bob"), "ada") == "!!! you cannot ban the instructor"


def test_the_instructor_is_not_flood_limited():
    rules = with_instructor("ada")
    for n in range(50):
        assert say(rules, "seat", f"line {n}").lines_for("ada") == [f"@teacher: line {n}"]


def test_a_mute_outlasts_a_reconnect_over_the_wire(admin_server):
    with RawClient(admin_server.address) as ada:
        ada.join("ada")
        ada.send(f"/admin {PASSWORD}")
        assert ada.line() == "*** ada is now an admin"
        with RawClient(admin_server.address) as bob:
            bob.join("bob")
            assert ada.line() == "*** bob joined #lobby"
            ada.send("/mute bob")
            assert ada.line() == "*** bob was muted by ada (for 10 min)"
        assert ada.line().startswith("*** bob left #lobby")
        with RawClient(admin_server.address) as bob:  # the student reconnects at once
            assert bob.line() == "Hii"
            bob.send("bob")
            assert bob.line().startswith("*** Welcome, bob!")
            assert bob.line() == "!!! bob was muted by ada; you are muted for 10 min more"
            bob.send("am I back?")
            assert bob.line() == "!!! you are muted for 10 min more: your line was not delivered"
            assert ada.line() == "*** bob joined #lobby"
            ada.send("/unmute bob")
            assert bob.line() == "*** bob was unmuted by ada"
            bob.send("thanks")
            assert ada.line() == "*** bob was unmuted by ada"
            assert ada.line() == "bob: thanks"
