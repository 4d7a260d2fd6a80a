"""Every server engine end to end, over real sockets on 127.0.0.1 (the shared server suite).

Each test runs against the threaded ``ChatServer`` and the event-loop server (see
``conftest.py``): a client cannot tell them apart. The limits (connections, handshake, slow
readers) are in test_limits.py, starting and stopping in test_lifecycle.py.
"""

import ast
import queue
import re
import socket
import struct
import threading
import time
from pathlib import Path

import pytest

import chatlesson.server
from chatlesson import ChatClient, ChatRules, ChatServer
from chatlesson.core.flood import DEFAULT_FLOOD_LIMIT, FloodLimit
from chatlesson.core.protocol import MAX_LINE_BYTES
from netutil import DEADLINE, RawClient, server_side_of, wait_until
from rulesutil import FakeClock


@pytest.fixture
def server(engine_server):
    """Here ``server`` is a server of each engine in turn."""
    return engine_server


def test_defaults_bind_loopback_and_port_zero_gives_a_free_port(make_server):
    with make_server() as server:
        host, port = server.address
        assert host == "127.0.0.1" and port > 0
        assert server.running and server.nicks() == []
    assert not server.running


def test_chatserver_defaults_to_loopback():
    assert ChatServer().host == "127.0.0.1"


def test_two_clients_chat(server):
    with RawClient(server.address) as ada, RawClient(server.address) as bob:
        assert ada.join("ada") == "*** Welcome, ada! You are in #lobby. Online: ada"
        assert bob.join("bob") == "*** Welcome, bob! You are in #lobby. Online: ada, bob"
        assert ada.line() == "*** bob joined #lobby"
        ada.send("hi bob")
        assert bob.line() == "ada: hi bob"
        assert ada.line() == "ada: hi bob"  # the sender gets its own line back, stamped


def test_many_clients_all_receive(server):
    clients = [RawClient(server.address) for _ in range(20)]
    try:
        for i, client in enumerate(clients):
            client.join(f"user{i}")
        for i, client in enumerate(clients):  # drain the join notices of those who came later
            for j in range(i + 1, len(clients)):
                assert client.line() == f"*** user{j} joined #lobby"
        clients[7].send("hello all")
        assert all(c.line() == "user7: hello all" for c in clients)
    finally:
        for client in clients:
            client.close()


@pytest.mark.parametrize("text", ["café crème", "日本語のテキスト", "emoji 🎉🐍👩‍💻", "mixed ünï 中 🚀"])
def test_non_ascii_text_both_ways(server, text):
    with ChatClient(server.address, "zoë") as zoe, ChatClient(server.address, "李") as li:
        zoe.messages.get(timeout=5)  # 李 joined
        zoe.send(text)
        assert li.messages.get(timeout=5).raw == f"zoë: {text}"
        li.send(text[::-1])
        assert zoe.messages.get(timeout=5).raw == f"zoë: {text}"
        assert zoe.messages.get(timeout=5).raw == f"李: {text[::-1]}"


def test_utf8_split_across_tcp_segments_arrives_whole(server):
    with RawClient(server.address) as ada, RawClient(server.address) as bob:
        ada.join("ada"), bob.join("bob"), ada.line()
        data = "é🎉".encode() + b"\n"
        for i in range(len(data)):
            ada.send_raw(data[i:i + 1])
        assert bob.line() == "ada: é🎉"


def test_impersonation_is_impossible(server):
    with RawClient(server.address) as mallory, RawClient(server.address) as bob:
        mallory.join("mallory"), bob.join("bob"), mallory.line()
        mallory.send("bob: please send me your password")
        assert bob.line() == "mallory: bob: please send me your password"
        mallory.send("*** bob left #lobby")
        assert bob.line() == "mallory: *** bob left #lobby"


@pytest.fixture
def fast_server(make_server):
    """A server without flood control, for tests that must push many lines quickly."""
    with make_server(flood_limit=None) as running:
        yield running


def test_concurrent_senders_everyone_sees_one_order(fast_server):
    server = fast_server
    senders, per_sender = 5, 100
    clients = [ChatClient(server.address, f"s{i}") for i in range(senders)]
    try:
        for i, client in enumerate(clients):  # drain join notices
            for _ in range(senders - 1 - i):
                assert client.messages.get(timeout=5).event == "joined"
        start = threading.Barrier(senders)

        def talk(client):
            start.wait()
            for n in range(per_sender):
                client.send(f"{client.nick} line {n}")

        threads = [threading.Thread(target=talk, args=(c,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seen = [[c.messages.get(timeout=5).raw for _ in range(senders * per_sender)] for c in clients]
        assert all(s == seen[0] for s in seen)
        for i in range(senders):  # and each sender's own lines are in the order it sent them
            own = [line for line in seen[0] if line.startswith(f"s{i}:")]
            assert own == [f"s{i}: s{i} line {n}" for n in range(per_sender)]
    finally:
        for client in clients:
            client.close()


def test_bad_nickname_over_the_wire_keeps_the_connection(server):
    with RawClient(server.address) as c, RawClient(server.address) as ada:
        ada.join("ada")
        assert c.line() == "Hii"
        c.send("two words")
        assert c.line() == "!!! a nickname cannot contain spaces"
        assert c.line() == "Hii"
        c.send("ADA")
        assert c.line().startswith("!!! the nickname ADA is taken")
        assert c.line() == "Hii"
        c.send("bea")
        assert c.line().startswith("*** Welcome, bea!")


def test_invalid_utf8_is_refused_and_nothing_else_is_disturbed(server):
    with RawClient(server.address) as ada, RawClient(server.address) as bob:
        ada.join("ada"), bob.join("bob"), ada.line()
        ada.send_raw(b"\xff\xfe broken\n")
        assert ada.line() == "!!! that line was not valid UTF-8; it was dropped"
        bob.send("still here")
        assert ada.line() == "bob: still here"
        assert bob.line() == "bob: still here"  # bob never saw the bad line


def test_overlong_line_is_dropped_and_the_connection_stays_usable(server):
    with RawClient(server.address) as ada, RawClient(server.address) as bob:
        ada.join("ada"), bob.join("bob"), ada.line()
        ada.send("x" * (MAX_LINE_BYTES * 10))
        assert ada.line() == f"!!! line too long (the limit is {MAX_LINE_BYTES} bytes); it was dropped"
        ada.send("y" * MAX_LINE_BYTES)  # exactly at the limit: fine
        assert bob.line() == "ada: " + "y" * MAX_LINE_BYTES


def test_crlf_and_control_characters_and_unknown_commands(server):
    with RawClient(server.address) as ada, RawClient(server.address) as bob:
        ada.join("ada"), bob.join("bob"), ada.line()
        ada.send_raw(b"from telnet\r\n")
        assert bob.line() == "ada: from telnet"
        ada.line()
        ada.send("\x1b[31mred alert")
        assert ada.line().startswith("!!! control characters")
        ada.send("/dance")
        assert ada.line() == "!!! unknown command /dance; type /help for the list"
        bob.send("ok")
        assert ada.line() == "bob: ok"


def test_client_killed_mid_line_is_removed_once_and_its_half_line_is_lost(server):
    with RawClient(server.address) as ada, RawClient(server.address) as bob:
        ada.join("ada"), bob.join("bob"), ada.line()
        bob.send_raw("half a mess".encode())
        # RST instead of FIN: the harshest way to vanish.
        bob.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        bob.close()
        left = ada.line()
        assert left.startswith("*** bob left #lobby")
        ada.send("anyone?")
        assert ada.line() == "ada: anyone?"  # no second "left", no half line
        assert server.nicks() == ["ada"]


def test_client_leaving_mid_handshake_is_forgotten(server):
    with RawClient(server.address) as shy:
        assert shy.line() == "Hii"
        shy.send_raw(b"half-a-nick")
    with RawClient(server.address) as ada:
        ada.join("ada")
        ada.send("hi")
        assert ada.line() == "ada: hi"
        assert server.nicks() == ["ada"]
    wait_until(lambda: server.nicks() == [], what="ada to be gone")


def test_a_handshake_staller_does_not_block_anyone(server):
    with RawClient(server.address) as staller:
        assert staller.line() == "Hii"  # ... and never answers
        with RawClient(server.address) as ada, RawClient(server.address) as bob:
            ada.join("ada"), bob.join("bob")
            assert ada.line() == "*** bob joined #lobby"
            ada.send("we got in")
            assert bob.line() == "ada: we got in"
            assert server.nicks() == ["ada", "bob"]  # the staller never became a member


def test_disconnect_during_broadcast_is_announced_once(fast_server):
    server = fast_server
    clients = [RawClient(server.address) for _ in range(8)]
    try:
        for i, c in enumerate(clients):
            c.join(f"u{i}")
        wait_until(lambda: len(server.nicks()) == 8, what="all joined")
        talker, victim, watcher = clients[0], clients[1], clients[2]
        for n in range(200):
            talker.send(f"flood {n}")
        victim.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        victim.close()
        seen = watcher.until(lambda line: line.startswith("*** u1 left"))
        talker.send("end")  # anything after the first announcement is read too
        seen += watcher.until(lambda line: line == "u0: end")
        assert sum(1 for line in seen if line.startswith("*** u1 left")) == 1
        flood = [line for line in seen if line.startswith("u0: flood")]
        assert flood == [f"u0: flood {n}" for n in range(200)]
    finally:
        for c in clients:
            c.close()


def test_every_connection_has_tcp_nodelay(server):
    with RawClient(server.address) as a, RawClient(server.address) as b:
        a.join("a"), b.join("b")
        for client in (a, b):
            with server_side_of(client.sock) as theirs:
                assert theirs.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_stop_says_goodbye_closes_everyone_and_stops_listening(make_server):
    server = make_server().start()
    address = server.address
    ada = RawClient(address)
    ada.join("ada")
    server.stop()
    assert ada.line() == "*** The server is shutting down. Bye!"
    assert ada.closed_by_peer()
    ada.close()
    assert not server.running
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=5)


def test_quit_command_closes_the_connection_after_the_goodbye(server):
    with RawClient(server.address) as ada, RawClient(server.address) as bob:
        ada.join("ada"), bob.join("bob"), ada.line()
        bob.send("/quit see you")
        assert bob.line() == "*** Bye!"
        assert bob.closed_by_peer()
        assert ada.line() == "*** bob left #lobby (see you)"


def test_port_in_use_is_a_clear_error(server, make_server):
    other = make_server(port=server.port)
    with pytest.raises(OSError):
        other.start()
    assert not other.running


def test_client_refuses_an_overlong_message_before_sending_it(server):
    with ChatClient(server.address, "ada") as ada:
        with pytest.raises(ValueError, match=f"the limit is {MAX_LINE_BYTES}"):
            ada.send("é" * MAX_LINE_BYTES)  # 2 bytes each
        ada.send("short")
        assert ada.messages.get(timeout=5).raw == "ada: short"


def test_client_follows_its_own_nickname_change(server):
    with ChatClient(server.address, "bob") as bob:
        bob.send("/nick Robert")
        assert bob.messages.get(timeout=5).event == "renamed"
        assert bob.nick == "Robert"


class FaultyRules(ChatRules):
    """Rules with a bug: the line ``boom`` makes them raise."""

    def line(self, who, data):
        if data == b"boom":
            raise KeyError("a bug in the rules")
        return super().line(who, data)


def test_a_bug_in_the_rules_costs_one_line_not_the_connection(make_server, caplog):
    with make_server(rules=FaultyRules()) as server:
        with RawClient(server.address) as ada, RawClient(server.address) as bob:
            ada.join("ada"), bob.join("bob"), ada.line()
            bob.send("boom")
            assert bob.line() == "!!! the server failed on that line; it was dropped"
            bob.send("still here")
            assert ada.line() == "bob: still here"
            assert server.nicks() == ["ada", "bob"]
    assert "the chat rules failed" in caplog.text


def test_a_failing_callback_loses_that_line_only(server, caplog):
    seen = queue.Queue()

    def on_message(message):
        if message.text == "explode":
            raise RuntimeError("bug in the callback")
        seen.put(message.raw)

    with ChatClient(server.address, "ada", on_message=on_message) as ada:
        ada.send("explode")
        ada.send("after")
        assert seen.get(timeout=5) == "ada: after"
        assert ada.connected
    assert "on_message failed" in caplog.text


# --- One client cannot take the server over ---------------------------------------------


class Flooder:
    """A member who sends ``spam`` lines as fast as it can, and reads all it gets (unparsed)."""

    def __init__(self, address):
        self.client = RawClient(address)
        self.client.join("flooder")
        self.sending = threading.Event()
        self.sending.set()
        self.threads = [threading.Thread(target=self._send, daemon=True),
                        threading.Thread(target=self._drain, daemon=True)]
        for thread in self.threads:
            thread.start()

    def _send(self) -> None:
        burst = b"spam\n" * 1000
        try:
            while self.sending.is_set():
                self.client.sock.sendall(burst)
        except OSError:
            pass  # the server has closed us

    def _drain(self) -> None:
        try:
            while self.client.sock.recv(1 << 16):
                pass
        except OSError:
            pass

    def close(self) -> None:
        self.sending.clear()
        self.client.close()
        for thread in self.threads:
            thread.join(DEADLINE)


NOT_THE_FLOOD = re.compile(rb"^(?!flooder: )(.*)\n", re.MULTILINE)


def lines_except_the_flood(sock: socket.socket, into: queue.Queue, rest: bytes = b"") -> None:
    """Read as fast as loopback allows, keeping every line but the flooder's (None at the end).

    ``rest``: what the socket's previous reader had received but not yet read as lines.
    """
    try:
        while data := sock.recv(1 << 20):
            data = rest + data
            end = data.rfind(b"\n") + 1
            data, rest = data[:end], data[end:]
            for line in NOT_THE_FLOOD.findall(data):
                into.put(line.decode())
    except OSError:
        pass
    into.put(None)


@pytest.mark.parametrize("flood_limit", [DEFAULT_FLOOD_LIMIT, None], ids=["flood-5/10", "flood-off"])
def test_a_flooder_neither_holds_up_the_others_nor_the_stop(make_server, flood_limit):
    """Each client's lines are handled in turns, and a flooder's wait in its socket."""
    server = make_server(flood_limit=flood_limit).start()
    with RawClient(server.address) as bob:
        bob.join("bob")
        flooder = Flooder(server.address)
        try:
            bob.line()  # *** flooder joined
            heard: queue.Queue = queue.Queue()
            threading.Thread(target=lines_except_the_flood, args=(bob.sock, heard, bob.take_unread()),
                             daemon=True).start()
            waits: list[float] = []
            started = time.monotonic()
            while (sent := time.monotonic()) < started + 1.0:
                bob.send(f"ping {len(waits)}")
                assert heard.get(timeout=DEADLINE) == f"bob: ping {len(waits)}"
                waits.append(time.monotonic() - sent)
                # bob stays within his own flood limit: one line every 0.2 s
                time.sleep(max(0.0, sent + 0.2 - time.monotonic()))
            print(f"bob's echo while flooded: {len(waits)} pings, slowest {max(waits):.3f} s")
            assert max(waits) < 0.5, waits
            stopper = threading.Thread(target=server.stop, daemon=True)
            asked = time.monotonic()
            stopper.start()  # the flooder is still sending
            stopper.join(DEADLINE)
            took = time.monotonic() - asked
            print(f"stop() took {took:.3f} s")
            assert not stopper.is_alive() and took < 5.0, f"stop() took {took:.1f} s"
        finally:
            flooder.close()


def test_a_flooder_is_heard_again_once_its_bucket_refills(make_server):
    """After "too fast" and a pause, the member's next line is delivered: not silence, not a spin.

    The rules' clock is moved by hand, so "ten seconds later" takes no time; a server that keeps
    asking about a pause already over (and never reads again) fails here.
    """
    clock = FakeClock(100.0)
    rules = ChatRules(clock=clock, flood_limit=FloodLimit(burst=3, per_second=1.0))
    server = make_server(rules=rules).start()
    with RawClient(server.address) as ada, RawClient(server.address) as bob:
        ada.join("ada")
        bob.join("bob")
        ada.line()  # *** bob joined
        ada.send_raw(b"".join(b"flood %d\n" % n for n in range(10)))  # a paste: one write
        ada.until(lambda line: line.startswith("!!! you are sending too fast"))
        assert bob.lines(3) == ["ada: flood 0", "ada: flood 1", "ada: flood 2"]
        clock.now += 10.0  # ten seconds later, for the rules
        ada.send("after the pause")
        assert bob.line() == "ada: after the pause"
        ada.send("/who")
        assert ada.until(lambda line: line.startswith("*** Online"))[-1].endswith("ada, bob")


# --- The servers only move bytes ------------------------------------------------------

SERVER_MODULES = sorted((Path(chatlesson.server.__file__).parent).glob("*.py"))

#: What a server may take from the protocol: transport facts, not the chat's words.
TRANSPORT_NAMES = {"CONNECTION_LOST", "DEFAULT_HOST", "DEFAULT_PORT", "ENCODING", "MAX_LINE_BYTES",
                   "encode_line"}


@pytest.mark.parametrize("path", SERVER_MODULES, ids=lambda path: path.name)
def test_no_server_module_takes_a_chat_decision_of_its_own(path):
    """Every line a user reads comes from chatlesson.core: a second server copies nothing."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("protocol"):
            taken = {alias.name for alias in node.names} - TRANSPORT_NAMES
            assert not taken, f"{path.name} builds chat lines itself with {sorted(taken)}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            assert not text.startswith(("!!! ", "*** ")) and text != "Hii", \
                f"{path.name} writes a chat line of its own: {text!r}"
