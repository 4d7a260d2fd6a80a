"""Roles and moderation: /admin and its lockout, /kick, /ban, /unban, /mute,
/unmute, each by an admin and by a member; without sockets first, then the
main paths over real sockets."""

import os
import re
import signal
import subprocess
import sys

import pytest

from chatlesson import ChatClient, ChatRules, ChatServer
from chatlesson.core.protocol import parse_line
from chatlesson.core.roles import MAX_ADMIN_FAILURES, AdminGate
from chatlesson.core.rules import Member
from netutil import RawClient
from rulesutil import joined, only_to, say

PASSWORD = "correct horse"
LOCKED = "!!! wrong password; /admin is now locked"


def with_admin(*others, password=PASSWORD):
    """Rules where ``ada`` is an admin, and ``others`` are members."""
    rules = joined(ChatRules(admin_password=password), "ada", *others)
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
    rules = joined(ChatRules(admin_password=PASSWORD), "ada", host=None)  # no address: per connection only
    replies = [only_to(say(rules, "ada", f"/admin guess{n}"), "ada") for n in range(MAX_ADMIN_FAILURES)]
    assert replies == ["!!! wrong password (2 tries left)", "!!! wrong password (1 try left)",
                       "!!! wrong password; /admin is now locked until the server restarts"]
    locked = only_to(say(rules, "ada", f"/admin {PASSWORD}"), "ada")
    assert locked == ("!!! too many wrong passwords from this connection; "
                      "/admin is locked until the server restarts")
    assert not rules.is_admin("ada")


def test_lockout_by_address_survives_reconnecting():
    rules = joined(ChatRules(admin_password=PASSWORD), "ada", "bob", host="10.0.0.5")
    say(rules, "ada", "/admin one")
    say(rules, "ada", "/admin two")
    rules.disconnect("ada")
    joined(rules, "ada", host="10.0.0.5")  # a new connection from the same host
    assert only_to(say(rules, "ada", "/admin three"), "ada").startswith(LOCKED)
    assert only_to(say(rules, "bob", f"/admin {PASSWORD}"), "bob") == (
        "!!! too many wrong passwords from your address; /admin is locked until the server restarts")
    joined(rules, "eve", host="10.0.0.6")  # another address is not affected
    assert say(rules, "eve", f"/admin {PASSWORD}").lines_for("eve") == ["*** eve is now an admin"]


def test_a_right_password_resets_the_address_count_but_not_another_connections():
    rules = joined(ChatRules(admin_password=PASSWORD), "ada", "bob", "cy")
    say(rules, "ada", "/admin one")
    say(rules, "ada", "/admin two")
    say(rules, "bob", f"/admin {PASSWORD}")
    assert only_to(say(rules, "cy", "/admin three"), "cy") == "!!! wrong password (2 tries left)"
    assert only_to(say(rules, "ada", "/admin four"), "ada").startswith(LOCKED)


def test_the_gate_compares_fixed_length_digests_in_constant_time(monkeypatch):
    """compare_digest on SHA-256 digests: neither the content nor the length shows in the time."""
    import hashlib
    import hmac
    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    gate = AdminGate("pässword")
    assert gate.check(Member(), "h", "pässword")
    assert not gate.check(Member(), "h", "a much longer guess than the password")
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
    joined(rules, "bob")  # a kick is not a ban


def test_kick_in_another_room_tells_that_room_and_the_admin():
    rules = with_admin("bob", "cy")
    say(rules, "bob", "/join attic")
    out = say(rules, "ada", "/kick BOB")
    assert out.sends == [("bob", "*** bob was kicked by ada"), ("ada", "*** bob was kicked by ada")]


@pytest.mark.parametrize("command, error", [
    ("/kick", "!!! usage: /kick NICK [REASON] (give a nickname)"),
    ("/kick nobody", "!!! no one called nobody is online"),
    ("/kick ada", "!!! you cannot kick yourself"),
    ("/ban", "!!! usage: /ban NICK [REASON] (give a nickname)"),
    ("/ban ada", "!!! you cannot ban yourself"),
    ("/ban nobody", "!!! no one called nobody is online"),
    ("/mute", "!!! usage: /mute NICK (give a nickname)"),
    ("/mute bob cy", "!!! usage: /mute NICK (give one nickname)"),
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


def test_ban_closes_and_refuses_the_nickname_and_the_address():
    rules = with_admin("cy")
    joined(rules, "bob", host="10.0.0.9")
    out = say(rules, "ada", "/ban bob spamming")
    line = "*** bob was banned by ada (spamming)"
    assert out.lines_for("ada") == ["*** everyone connecting from 10.0.0.9 is refused until /unban bob", line]
    assert out.lines_for("cy") == [line] and out.lines_for("bob") == [line]
    assert out.closes == ["bob"]
    assert parse_line(line).event == "banned"
    # The same address, whatever the nickname: an error, then closed, before any handshake.
    refused = rules.connect("bob-again", ("10.0.0.9", 5555))
    assert refused.sends == [("bob-again", "!!! your address is banned from this server")]
    assert refused.closes == ["bob-again"]
    assert say(rules, "bob-again", "bob").sends == [] and rules.nicks() == ["ada", "cy"]
    # The same nickname, from anywhere else (in any case): refused in the handshake, asked again.
    rules.connect("elsewhere", ("10.0.0.10", 6000))
    out = say(rules, "elsewhere", "BOB")
    assert out.sends == [("elsewhere", "!!! the nickname BOB is banned on this server"), ("elsewhere", "Hii")]
    assert say(rules, "elsewhere", "robert").lines_for("elsewhere")[0].startswith("*** Welcome")
    assert only_to(say(rules, "elsewhere", "/nick bob"), "elsewhere") == (
        "!!! the nickname bob is banned on this server")


def test_unban_lets_the_nickname_and_the_address_back():
    rules = with_admin("cy")
    joined(rules, "bob", host="10.0.0.9")
    say(rules, "ada", "/ban bob")
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
    rules = with_admin("bob", "cy")
    out = say(rules, "ada", "/mute bob")
    assert out.sends == [(who, "*** bob was muted by ada") for who in ["ada", "bob", "cy"]]
    assert parse_line(out.sends[0][1]).event == "muted"
    assert only_to(say(rules, "bob", "hello?"), "bob") == "!!! you are muted: your line was not delivered"
    for command in ["/me sighs", "/msg cy help", "/nick robert"]:
        name = command.split()[0]
        assert only_to(say(rules, "bob", command), "bob") == (
            f"!!! you are muted: {name} is not allowed until an admin unmutes you")
    assert only_to(say(rules, "bob", "/who"), "bob").startswith("*** Online in #lobby")  # may still look
    assert only_to(say(rules, "ada", "/mute bob"), "ada") == "!!! bob is already muted"
    out = say(rules, "ada", "/unmute bob")
    assert out.sends == [(who, "*** bob was unmuted by ada") for who in ["ada", "bob", "cy"]]
    assert say(rules, "bob", "thanks").lines_for("cy") == ["bob: thanks"]


def test_a_muted_member_who_moves_stays_muted():
    rules = with_admin("bob")
    say(rules, "ada", "/mute bob")
    say(rules, "bob", "/join attic")
    assert only_to(say(rules, "bob", "hi attic"), "bob").startswith("!!! you are muted")


# --- Over real sockets ---------------------------------------------------------------------


@pytest.fixture
def admin_server():
    with ChatServer(port=0, admin_password=PASSWORD) as running:
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


def test_ban_refuses_reconnect_from_the_same_address(admin_server):
    with ChatClient(admin_server.address, "ada") as ada, ChatClient(admin_server.address, "bob") as bob:
        ada.messages.get(timeout=5)
        ada.send(f"/admin {PASSWORD}")
        ada.messages.get(timeout=5)
        ada.send("/ban bob")
        assert ada.messages.get(timeout=5).raw == (
            "*** everyone connecting from 127.0.0.1 is refused until /unban bob")
        assert ada.messages.get(timeout=5).raw == "*** bob was banned by ada"
        assert [bob.messages.get(timeout=5).raw for _ in range(2)] == [
            "*** ada is now an admin", "*** bob was banned by ada"]
        assert bob.wait_closed(5)
        with RawClient(admin_server.address) as again:  # from 127.0.0.1, like bob
            assert again.line() == "!!! your address is banned from this server"
            assert again.closed_by_peer()
        with pytest.raises(ConnectionRefusedError, match="refused us: your address is banned"):
            ChatClient(admin_server.address, "bob")
        assert admin_server.nicks() == ["ada"]
        ada.send("/unban bob")
        assert ada.messages.get(timeout=5).raw == "*** bob was unbanned by ada"  # processed: now reconnect
        with ChatClient(admin_server.address, "bob") as back:
            assert back.welcome.event == "welcome"


def test_wrong_password_lockout_over_the_wire(admin_server):
    with RawClient(admin_server.address) as eve:
        eve.join("eve")
        for _ in range(MAX_ADMIN_FAILURES):
            eve.send("/admin guess")
            assert eve.line().startswith("!!! wrong password")
    with RawClient(admin_server.address) as eve:  # reconnecting does not help
        eve.join("eve")
        eve.send(f"/admin {PASSWORD}")
        assert eve.line() == ("!!! too many wrong passwords from your address; "
                              "/admin is locked until the server restarts")


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
