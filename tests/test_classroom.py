"""The classroom: the instructor's seat and moderation, the join card, /submit and the board,
TLS, and the dashboard's buttons. Real sockets on loopback, port 0; no sleeping."""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

from chatlesson.classroom import Classroom, ClassroomError, Dashboard, ProgressBoard
from chatlesson.classroom.board import Entry
from chatlesson.classroom.joincard import card_for, reach_warning
from chatlesson.classroom.tls import FingerprintMismatch, certificate_fingerprint, make_self_signed
from chatlesson.client.chat_client import ChatClient, NicknameRejected
from chatlesson.server.eventloop import EventLoopServer
from netutil import DEADLINE, RawClient, next_message, wait_until

#: Students from 127.0.0.x besides 127.0.0.1: only Linux routes all of 127.0.0.0/8 to loopback.
several_addresses = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                       reason="needs 127.0.0.x addresses besides 127.0.0.1 (Linux)")



@pytest.fixture
def classroom():
    with Classroom("127.0.0.1", 0, instructor="teacher") as room:
        yield room


# --- The instructor's seat ---------------------------------------------------------------


def test_the_instructor_is_online_first_and_admin_without_any_password(classroom):
    with ChatClient(classroom.address, "ada") as ada:
        assert "teacher" in ada.welcome.raw
        first, second = classroom.online()
        assert (first["nick"], first["admin"], first["instructor"]) == ("teacher", True, True)
        assert (second["nick"], second["admin"], second["host"]) == ("ada", False, "127.0.0.1")


def test_the_instructor_nickname_is_reserved_in_any_case(classroom):
    with RawClient(classroom.address) as mallory:
        assert mallory.line() == "Hii"
        mallory.send("TEACHER")
        assert "taken" in mallory.line()


def test_wrong_admin_guesses_from_students_never_lock_the_instructor_out(classroom):
    with ChatClient(classroom.address, "eve") as eve, ChatClient(classroom.address, "bob") as bob:
        for _ in range(5):
            eve.send("/admin guess")
        next_message(eve, "admin")
        classroom.kick("bob", "testing")
        assert bob.wait_closed(DEADLINE)


def test_mute_and_kick_from_code(classroom):
    with ChatClient(classroom.address, "ada") as ada, ChatClient(classroom.address, "bob") as bob:
        assert classroom.mute("bob") == ["*** bob was muted by teacher (for 10 min)"]
        bob.send("can you hear me")
        assert next_message(bob, "!!!").startswith("!!! you are muted")
        classroom.unmute("bob")
        bob.send("now?")
        assert next_message(ada, "bob: ") == "bob: now?"
        classroom.kick("bob", "a break")
        assert next_message(ada, "kicked") == "*** bob was kicked by teacher (a break)"
        assert bob.wait_closed(DEADLINE)


@several_addresses
def test_a_ban_refuses_the_nickname_and_with_whole_host_the_address_until_unban(classroom):
    with ChatClient(classroom.address, "cleo", source_address=("127.0.0.7", 0)) as cleo:
        classroom.ban("cleo")
        assert cleo.wait_closed(DEADLINE)
    with pytest.raises(NicknameRejected, match="banned"):
        ChatClient(classroom.address, "cleo", source_address=("127.0.0.8", 0))
    with ChatClient(classroom.address, "dan", source_address=("127.0.0.7", 0)) as dan:
        classroom.ban("dan", "spam", whole_host=True)  # the whole of 127.0.0.7
        assert dan.wait_closed(DEADLINE)
    with pytest.raises(ConnectionRefusedError, match="banned"):
        ChatClient(classroom.address, "erin", source_address=("127.0.0.7", 0))
    with ChatClient(classroom.address, "erin", source_address=("127.0.0.8", 0)):
        pass  # another address still gets in
    classroom.unban("dan")
    classroom.unban("cleo")
    with ChatClient(classroom.address, "cleo", source_address=("127.0.0.7", 0)):
        pass


def test_an_action_on_no_one_says_why(classroom):
    with pytest.raises(ClassroomError, match="no one called zed"):
        classroom.mute("zed")


def test_an_announcement_is_pinned_for_every_room_and_newcomers(classroom):
    with ChatClient(classroom.address, "ada") as ada, ChatClient(classroom.address, "bob") as bob:
        bob.send("/join games")
        next_message(bob, "You are now in #games")
        assert classroom.announce("break until 11") == 2
        for student in (ada, bob):
            assert next_message(student, "pinned") == "*** pinned by teacher: break until 11"
        with ChatClient(classroom.address, "cleo") as cleo:
            assert next_message(cleo, "pinned") == "*** pinned by teacher: break until 11"
        classroom.unpin()
        with pytest.raises(ValueError):
            classroom.announce("two\nlines")


def test_someone_who_joins_late_sees_the_rooms_last_lines():
    with Classroom("127.0.0.1", 0, flood_limit=None) as classroom, \
            ChatClient(classroom.address, "ada") as ada:
        for n in range(25):
            ada.send(f"line {n}")
            next_message(ada, f"ada: line {n}")
        classroom.say("welcome, latecomers")
        with ChatClient(classroom.address, "cleo") as cleo:
            shown = [next_message(cleo, "earlier") for _ in range(20)]
    # The last 20 lines of the room, oldest first, the instructor's own among them.
    assert shown[0].endswith("ada: line 6") and shown[-2].endswith("ada: line 24")
    assert shown[-1].endswith("@teacher: welcome, latecomers")


def test_slow_mode_slows_students_not_the_instructor(classroom):
    with ChatClient(classroom.address, "ada") as ada:
        classroom.slow(60)
        assert classroom.slow_seconds() == 60
        ada.send("one")
        ada.send("two")
        assert next_message(ada, "slow mode is on").startswith("!!! slow mode is on")
        classroom.say("I am not slowed")
        classroom.say("nor now")
        assert next_message(ada, "nor now") == "@teacher: nor now"
        classroom.slow(0)
        assert classroom.slow_seconds() == 0


def test_look_alike_nicknames_of_the_instructor_are_refused(classroom):
    for fake in ("te\u0430cher", "Teacher", "\uff54eacher"):  # a Cyrillic a; case; a fullwidth t
        with RawClient(classroom.address) as mallory:
            assert mallory.line() == "Hii"
            mallory.send(fake)
            assert mallory.line().startswith("!!! "), fake


def test_the_transcript_is_saved(classroom, tmp_path):
    with ChatClient(classroom.address, "ada") as ada:
        ada.send("for the record")
        next_message(ada, "for the record")
        ada.send("/msg teacher a secret")
        wait_until(lambda: "a secret" in " ".join(classroom.seen()), what="the private message")
    path = classroom.save_transcript(tmp_path / "class.txt")
    text = path.read_text(encoding="utf-8")
    assert "ada: for the record" in text
    assert "a secret" not in text


def test_messages_per_minute_counts_chat_lines_not_commands(classroom):
    with ChatClient(classroom.address, "ada") as ada:
        for text in ("one", "/rooms", "two", "three"):
            ada.send(text)
        next_message(ada, "ada: three")
        assert classroom.messages_per_minute() == 3


def test_the_instructor_speaks_and_sees_the_room(classroom):
    with ChatClient(classroom.address, "ada") as ada:
        ada.send("hello")
        classroom.say("hello ada")
        assert next_message(ada, "teacher:") == "@teacher: hello ada"  # marked: nobody can fake it
        wait_until(lambda: "ada: hello" in classroom.seen(), what="the seat to see ada's line")


def test_stop_ends_everything_and_a_restart_seats_the_instructor_again():
    room = Classroom("127.0.0.1", 0)
    room.start()
    client = ChatClient(room.address, "ada")
    room.stop()
    assert client.wait_closed(DEADLINE)
    client.close()
    assert not room.running
    with room:
        assert [p["nick"] for p in room.online()] == ["teacher"]


# --- The join card ----------------------------------------------------------------------


def test_the_join_card_says_what_to_type(classroom):
    card = classroom.join_card()
    host, port = classroom.address
    text = str(card)
    assert f"python -m chatlesson.client {host}:{port} --nick YOUR_NAME" in text
    assert f"ChatPanel(('{host}', {port}), nick='YOUR_NAME')" in text
    assert "/submit" in text
    assert "only programs on this machine" in text
    assert "WARNING" not in text


def test_starting_beyond_loopback_logs_who_can_reach_it(caplog):
    with caplog.at_level("WARNING", logger="chatlesson.classroom"):
        with Classroom("127.0.0.1", 0):
            pass
        assert caplog.records == []
        with Classroom("0.0.0.0", 0) as room:  # stopped at once: nobody else has time to join
            assert "WARNING" in str(room.join_card())
        assert "every interface" in caplog.text


def test_the_join_card_warns_who_can_reach_a_server_beyond_loopback():
    assert "every interface" in reach_warning("0.0.0.0", 5000)
    assert "10.1.2.3" in reach_warning("10.1.2.3", 5000)
    card = card_for("0.0.0.0", 5000, public_host="chat.school.example")
    assert "chat.school.example:5000" in str(card)
    assert "WARNING" in str(card)


def test_the_terminal_client_accepts_the_cards_host_and_port(classroom):
    host, port = classroom.address
    result = subprocess.run([sys.executable, "-m", "chatlesson.client", f"{host}:{port}", "--nick", "tess"],
                            input="hi from a terminal\n/quit\n", capture_output=True, text=True,
                            timeout=60)
    assert "Welcome, tess" in result.stdout, result.stderr
    assert "tess: hi from a terminal" in result.stdout


# --- /submit and the board --------------------------------------------------------------


@several_addresses
def test_submit_checks_the_senders_own_address_only(classroom):
    with EventLoopServer("127.0.0.3", 0) as elsewhere, \
            ChatClient(classroom.address, "ada", source_address=("127.0.0.2", 0)) as ada:
        ada.send(f"/submit {elsewhere.port}")  # a server, but not at ada's address
        reply = next_message(ada, "board")
        assert reply == f"*** the board will check your server at 127.0.0.2:{elsewhere.port}"
        assert classroom.board.wait_idle(DEADLINE)
        (row,) = classroom.board.grid()
        assert (row["nick"], row["state"], row["reached"]) == ("ada", "unreachable", "")
        assert elsewhere.nicks() == []  # the board never went there


def test_submit_of_a_working_server_reaches_every_level(classroom):
    with EventLoopServer("127.0.0.1", 0) as mine, ChatClient(classroom.address, "ada") as ada:
        ada.send(f"/submit {mine.port}")
        next_message(ada, "board")
        assert classroom.board.wait_idle(60)
        (row,) = classroom.board.grid()
        assert (row["state"], row["tutorial"], row["robust"], row["commands"]) == \
            ("done", "passed", "passed", "passed")
        assert row["reached"] == "commands"


@pytest.mark.parametrize("args", ["", "http", "99999"])
def test_submit_with_no_port_or_a_bad_one_says_how(classroom, args):
    with ChatClient(classroom.address, "ada") as ada:
        ada.send(f"/submit {args}".rstrip())
        reply = next_message(ada, "port")
        assert reply.startswith(("!!! usage: /submit PORT", "*** 99999 is not a port")), reply
        assert classroom.board.grid() == []


def test_one_check_at_a_time_per_student_and_a_bounded_queue():
    board = ProgressBoard(workers=0, max_waiting=2)  # no worker: everything stays waiting
    assert "will check" in board.submit("ada", "127.0.0.1", 9999)
    assert "still being checked" in board.submit("ada", "127.0.0.1", 10000)
    assert "will check" in board.submit("bob", "127.0.0.1", 9999)
    assert "busy" in board.submit("cleo", "127.0.0.1", 9999)
    board.stop()
    assert [row["state"] for row in board.grid()] == ["not checked", "not checked"]


def test_the_level_reached_needs_every_level_below():
    entry = Entry("ada", "127.0.0.1", 1, levels={"tutorial": "passed", "robust": "failed",
                                                 "commands": "passed"})
    assert entry.reached == "tutorial"


def test_submit_refuses_the_class_chats_own_port_and_system_ports(classroom):
    with ChatClient(classroom.address, "ada") as ada:
        ada.send(f"/submit {classroom.port}")
        assert next_message(ada, "own port").startswith("!!! ")
        ada.send("/submit 22")
        assert next_message(ada, "1024 to 65535") == \
            "*** the board checks ports 1024 to 65535 only; start your server on one of those"
        assert classroom.board.grid() == []


def test_the_instructor_cannot_submit(classroom):
    assert classroom.say("/submit 5000") == ["!!! /submit is for students"]


# --- TLS ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    try:
        return make_self_signed(tmp_path_factory.mktemp("tls"))
    except FileNotFoundError:
        pytest.skip("making a test certificate needs the openssl command")


@pytest.fixture
def tls_classroom(certificate):
    cert, key = certificate
    with Classroom("127.0.0.1", 0, certfile=cert, keyfile=key) as room:
        yield room


def test_over_tls_a_student_who_checks_the_fingerprint_chats(tls_classroom, certificate):
    fingerprint = certificate_fingerprint(certificate[0])
    assert tls_classroom.join_card().fingerprint == fingerprint
    assert fingerprint in str(tls_classroom.join_card())
    with ChatClient(tls_classroom.address, "ada", fingerprint=fingerprint) as ada, \
            ChatClient(tls_classroom.address, "bob", fingerprint=fingerprint.lower().replace(":", "")) as bob:
        assert isinstance(ada.sock, ssl.SSLSocket)
        ada.send("over TLS")
        assert next_message(bob, "ada:") == "ada: over TLS"


def test_over_tls_with_asyncios_own_loop_too(certificate):
    cert, key = certificate
    fingerprint = certificate_fingerprint(cert)
    with Classroom("127.0.0.1", 0, certfile=cert, keyfile=key, use_uvloop=False) as room, \
            ChatClient(room.address, "ada", fingerprint=fingerprint) as ada:
        ada.send("plain asyncio")
        assert next_message(ada, "ada:") == "ada: plain asyncio"


def test_over_tls_a_wrong_fingerprint_is_refused_before_anything_is_sent(tls_classroom):
    with pytest.raises(FingerprintMismatch, match="do not send anything"):
        ChatClient(tls_classroom.address, "ada", fingerprint="00" * 32)
    assert [p["nick"] for p in tls_classroom.online()] == ["teacher"]


def test_over_tls_verification_with_the_system_authorities_refuses_a_self_signed_cert(tls_classroom):
    with pytest.raises(ssl.SSLCertVerificationError):
        ChatClient(tls_classroom.address, "ada", tls=True)


def test_over_tls_the_certificate_as_cafile_is_trusted(tls_classroom, certificate):
    context = ssl.create_default_context(cafile=str(certificate[0]))
    context.check_hostname = False  # the test certificate names no host
    with ChatClient(tls_classroom.address, "ada", tls=context) as ada:
        assert ada.nick == "ada"


def test_a_plain_client_gets_no_chat_from_a_tls_server(tls_classroom):
    with socket.create_connection(tls_classroom.address, timeout=DEADLINE) as plain:
        plain.sendall(b"ada\nhello, is this the chat?\n")  # not a TLS handshake
        data = plain.recv(100)
        assert b"Hii" not in data
    assert [p["nick"] for p in tls_classroom.online()] == ["teacher"]


def test_the_terminal_client_and_the_panel_speak_tls(tls_classroom, certificate):
    from chatlesson.ui.panel import ChatPanel
    fingerprint = certificate_fingerprint(certificate[0])
    host, port = tls_classroom.address
    panel = ChatPanel((host, port), nick="pam", fingerprint=fingerprint)
    try:
        assert panel.connected
        result = subprocess.run(
            [sys.executable, "-m", "chatlesson.client", f"{host}:{port}", "--nick", "tess",
             "--tls", "--fingerprint", fingerprint],
            input="hello over tls\n/quit\n", capture_output=True, text=True, timeout=60)
        assert "tess: hello over tls" in result.stdout, result.stderr
        panel.wait_for("tess: hello over tls")
        refused = subprocess.run(
            [sys.executable, "-m", "chatlesson.client", f"{host}:{port}", "--nick", "tess",
             "--tls", "--fingerprint", "AB" * 32],
            input="", capture_output=True, text=True, timeout=60)
        assert refused.returncode == 1 and "fingerprint" in refused.stderr
    finally:
        panel.close()


# --- The dashboard ------------------------------------------------------------------------


def test_the_dashboards_buttons_moderate(classroom, tmp_path):
    dashboard = Dashboard(classroom, interval=None, transcripts=tmp_path)
    try:
        with ChatClient(classroom.address, "ada") as ada, ChatClient(classroom.address, "bob") as bob:
            dashboard.refresh()
            assert [p["nick"] for p in dashboard.online] == ["teacher", "ada", "bob"]
            dashboard.handle_browser_message({"type": "mute", "nick": "bob"})
            assert dashboard.notice == "bob: mute done"
            assert [p["muted"] for p in dashboard.online] == [False, False, True]
            dashboard.handle_browser_message({"type": "kick", "nick": "bob"})
            assert bob.wait_closed(DEADLINE)
            dashboard.handle_browser_message({"type": "ban", "nick": "nobody"})
            assert dashboard.notice == "no one called nobody is online"
            dashboard.handle_browser_message({"type": "announce", "text": "hello class"})
            assert next_message(ada, "pinned") == "*** pinned by teacher: hello class"
            dashboard.handle_browser_message({"type": "slow", "seconds": 30})
            assert dashboard._slow == 30 and classroom.slow_seconds() == 30
            dashboard.handle_browser_message({"type": "slow", "seconds": True})  # not a number
            dashboard.handle_browser_message({"type": "slow", "seconds": 0})
            assert classroom.slow_seconds() == 0
            dashboard.handle_browser_message({"type": "transcript"})
            saved = Path(dashboard.notice.removeprefix("transcript saved to "))
            assert saved.parent == tmp_path
            assert "hello class" in saved.read_text(encoding="utf-8")
            dashboard.handle_browser_message({"type": "eval", "code": "1"})  # not ours: ignored
            dashboard.handle_browser_message(["kick", "ada"])
            assert [p["nick"] for p in dashboard.online] == ["teacher", "ada"]
    finally:
        dashboard.close()


def test_the_dashboard_refreshes_by_itself_and_its_thread_ends_on_close(classroom):
    dashboard = Dashboard(classroom, interval=0.05)
    with ChatClient(classroom.address, "ada"):
        wait_until(lambda: len(dashboard.online) == 2, what="the dashboard to see ada")
    thread = dashboard._thread
    dashboard.close()
    assert not thread.is_alive()
