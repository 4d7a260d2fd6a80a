"""The chat panel, headless: real servers and sockets, driven through its widgets.

Each test types into the widgets (``input_box.value``, ``send_button.click()``,
the Enter key's "submit" message) and reads what the panel shows from the
widgets' values, the way the browser would. Waiting is on the panel's own
condition (``wait_for``/``wait_until``), never on sleeps.
"""

from __future__ import annotations

import queue
import socket
import threading
import time

import pytest

from chatlesson import ChatRules, ChatServer, parse_line
from chatlesson.panel import ChatPanel
from chatlesson.panel_state import RoomState

pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")

DEADLINE = 10.0
HOSTILE = ["<img src=x onerror=alert(1)>", "<script>alert('pwned')</script>",
           "<b>bold?</b> &amp; $x^2$ \\(y\\)"]


# --- Helpers ---------------------------------------------------------------

def receivers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("chatlesson-receiver")]


def wait_no_receivers() -> None:
    deadline = time.monotonic() + DEADLINE
    while receivers():
        assert time.monotonic() < deadline, f"threads left behind: {receivers()}"
        time.sleep(0.005)


def press_enter(panel: ChatPanel) -> None:
    """What the browser sends when Enter is pressed in the text box."""
    panel.input_box._handle_custom_msg({"event": "submit"}, [])


def log_stream(panel: ChatPanel) -> str:
    (output,) = panel.log_view.outputs
    assert output["output_type"] == "stream", "the log must be plain text, never display data"
    return output["text"]


@pytest.fixture
def panels():
    """Make panels; close every one of them after the test, and check no thread is left."""
    made = []

    def make(*args, **kwargs):
        panel = ChatPanel(*args, **kwargs)
        made.append(panel)
        return panel

    yield make
    for panel in made:
        panel.close()
    assert receivers() == []


class ScriptedServer:
    """A server that sends exactly the lines a test gives it, for lines ours never sends."""

    def __init__(self, welcome: str):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = self.listener.getsockname()[:2]
        self.nicks: queue.Queue[str] = queue.Queue()
        self.conn: socket.socket | None = None
        self._thread = threading.Thread(target=self._serve, args=(welcome,), daemon=True)
        self._thread.start()

    def _serve(self, welcome: str) -> None:
        conn, _ = self.listener.accept()
        conn.sendall(b"Hii\n")
        data = b""
        while not data.endswith(b"\n"):
            data += conn.recv(1024)
        self.nicks.put(data.decode().strip())
        conn.sendall(welcome.encode() + b"\n")
        self.conn = conn

    def send(self, *lines: str) -> None:
        self.conn.sendall("".join(line + "\n" for line in lines).encode())

    def close(self) -> None:
        self._thread.join(DEADLINE)
        if self.conn is not None:
            self.conn.shutdown(socket.SHUT_RDWR)
            self.conn.close()
            self.conn = None
        self.listener.close()


@pytest.fixture
def scripted():
    made = []

    def make(welcome):
        fake = ScriptedServer(welcome)
        made.append(fake)
        return fake

    yield make
    for fake in made:
        fake.close()


# --- Chatting --------------------------------------------------------------

def test_send_button_delivers_to_the_other_panel(server, panels, capsys):
    ada, bob = panels(server, nick="ada"), panels(server, nick="bob")
    assert ada.status == bob.status == "connected"
    ada.input_box.value = "hello bob"
    ada.send_button.click()
    assert bob.wait_for("ada: hello bob") == "ada: hello bob"
    assert ada.wait_for("ada: hello bob") == "ada: hello bob"  # the server's echo
    assert ada.input_box.value == ""
    assert "hello bob" in log_stream(bob)
    assert capsys.readouterr() == ("", ""), "the panel printed something (it would land in a cell)"


def test_enter_sends_too(server, panels):
    ada, bob = panels(server, nick="ada"), panels(server, nick="bob")
    bob.input_box.value = "sent with Enter"
    press_enter(bob)
    ada.wait_for("bob: sent with Enter")
    assert bob.input_box.value == ""


def test_nickname_status_and_members_are_shown(server, panels):
    ada = panels(server, nick="ada")
    bob = panels(server, nick="bob")
    ada.wait_until(lambda p: p.members == ["ada", "bob"], what="bob in the member list")
    assert ada.nick_box.value == "ada" and ada.nick_box.disabled
    assert ada.members_view.options == ("ada (you)", "bob")
    assert bob.members_view.options == ("ada", "bob (you)")
    assert "#lobby" in ada.room_view.value and "2 online" in ada.room_view.value
    assert "connected" in ada.status_view.value and "ada" in ada.status_view.value
    assert "chatlesson-connected" in ada.status_view._dom_classes
    assert ada.connect_button.disabled and not ada.disconnect_button.disabled


def test_kinds_of_lines_look_different(server, panels):
    ada, bob = panels(server, nick="ada"), panels(server, nick="bob")
    ada.say("plain chat")
    ada.say("/me waves")
    ada.say("/msg bob psst")
    ada.say("/nosuchcommand")
    ada.wait_for("unknown command")
    bob.wait_for("[from ada] psst")
    kinds = {text: kind for kind, text in ada.lines}
    assert kinds["ada: plain chat"] == "chat"
    assert kinds["* ada waves"] == "action"
    assert kinds["[to bob] psst"] == "private"
    assert kinds["*** bob joined #lobby"] == "notice"
    assert kinds["!!! unknown command /nosuchcommand; type /help for the list"] == "error"
    stream = log_stream(ada)
    styles = {
        "\x1b[1;34mada\x1b[0m: plain chat",       # your own name: bold blue
        "\x1b[32m* ada waves\x1b[0m",             # actions: green
        "\x1b[35m[to bob] psst\x1b[0m",           # private: magenta
        "\x1b[36m*** bob joined #lobby\x1b[0m",   # notices: cyan
        "\x1b[1;31m!!! unknown command",          # errors: bold red
    }
    for styled in styles:
        assert styled in stream
    assert "\x1b[1mada\x1b[0m: plain chat" in log_stream(bob)  # someone else: bold
    assert "\x1b[35m[from ada] psst\x1b[0m" in log_stream(bob)


# --- Nothing from the network is markup ------------------------------------

def test_markup_arrives_as_literal_text(server, panels):
    ada, bob = panels(server, nick="ada"), panels(server, nick="bob")
    for text in HOSTILE:
        ada.input_box.value = text
        ada.send_button.click()
        assert bob.wait_for(text) == f"ada: {text}"
    # The log is one stream output: the browser escapes stream text, and no
    # HTML or display data is ever put in it.
    stream = log_stream(bob)
    for text in HOSTILE:
        assert f"\x1b[1mada\x1b[0m: {text}\n" in stream


def test_html_parts_escape_everything_a_server_says(scripted, panels):
    fake = scripted("*** Welcome, <b>eve</b>! You are in #<img/src=x/onerror=alert(1)>. "
                    "Online: <b>eve</b>, @<script>alert(2)</script>")
    panel = panels(fake.address, nick="eve")
    assert fake.nicks.get(timeout=DEADLINE) == "eve"
    assert panel.room == "<img/src=x/onerror=alert(1)>"
    assert "<img" not in panel.room_view.value and "&lt;img/src=x/onerror=alert(1)&gt;" in panel.room_view.value
    assert "<b>eve</b>" not in panel.status_view.value and "&lt;b&gt;eve&lt;/b&gt;" in panel.status_view.value
    assert panel.members_view.options == ("<b>eve</b> (you)", "@<script>alert(2)</script>")
    assert panel.admins == {"<script>alert(2)</script>"}


def test_control_characters_from_the_network_are_replaced(scripted, panels):
    fake = scripted("*** Welcome, eve! You are in #lobby. Online: eve")
    panel = panels(fake.address, nick="eve")
    fake.send("mallory: \x1b[2J\x1b[31mfake red\x1b[0m\rbob: I owe you", "*** marker")
    panel.wait_for("marker")
    stream = log_stream(panel)
    assert "\x1b[2J" not in stream and "\x1b[31m" not in stream and "\r" not in stream
    assert "mallory: \ufffd[2J\ufffd[31mfake red\ufffd[0m\ufffdbob: I owe you" in panel.log_text


# --- Bad input is refused and kept -----------------------------------------

def test_sending_while_disconnected_keeps_the_text(server, panels):
    ada = panels(server, nick="ada", connect=False)
    assert ada.status == "disconnected"
    ada.input_box.value = "anyone there?"
    ada.send_button.click()
    assert ada.input_box.value == "anyone there?"
    assert ada.lines[-1] == ("panel-error", "-- not connected: press Connect first")
    ada.connect_button.click()
    assert ada.status == "connected"
    ada.send_button.click()
    ada.wait_for("ada: anyone there?")
    assert ada.input_box.value == ""


def test_a_too_long_message_is_refused_before_sending(server, panels):
    ada, bob = panels(server, nick="ada"), panels(server, nick="bob")
    long_text = "é" * 1500  # 3000 bytes in UTF-8
    ada.input_box.value = long_text
    ada.send_button.click()
    assert ada.input_box.value == long_text
    assert "message too long (3000 bytes; the limit is 2048)" in ada.lines[-1][1]
    ada.say("after")
    bob.wait_for("ada: after")
    assert long_text not in bob.log_text


def test_blank_messages_and_line_breaks(server, panels):
    ada = panels(server, nick="ada")
    assert ada.say("   ") is False
    assert ada.say("two\nlines") is False
    assert ada.lines[-1] == ("panel-error", "-- a message is one line: remove the line breaks")


def test_taken_nickname_then_another(server, panels):
    panels(server, nick="ada")
    other = panels(server, nick="ADA")
    assert other.status == "disconnected"
    assert "the nickname ADA is taken" in other.log_text
    assert not other.nick_box.disabled
    other.nick_box.value = "bea"
    other.connect_button.click()
    assert other.status == "connected" and other.nick == "bea"


def test_no_nickname_waits_for_one(server, panels):
    panel = panels(server)
    assert panel.status == "disconnected"
    panel.connect_button.click()
    assert panel.lines[-1] == ("panel-error", "-- type a nickname first, then press Connect")
    panel.nick_box.value = " cleo "
    panel.connect_button.click()
    assert panel.nick == "cleo"


def test_a_server_that_is_not_there(panels):
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    panel = panels("127.0.0.1", port, nick="ada")
    assert panel.status == "disconnected"
    assert f"cannot connect to 127.0.0.1:{port}" in panel.lines[-1][1]


@pytest.mark.parametrize("args, error", [
    (("localhost", "ada"), ValueError),
    (("localhost", 0), ValueError),
    ((("localhost", 1, 2),), TypeError),
    ((42,), TypeError),
])
def test_bad_addresses_say_what_is_wrong(args, error):
    with pytest.raises(error):
        ChatPanel(*args, nick="ada")


def test_passing_a_port_with_a_server_is_an_error(server):
    with pytest.raises(TypeError, match="nick="):
        ChatPanel(server, "ada")


# --- Disconnecting, reconnecting, leaving nothing behind -------------------

def test_disconnect_and_reconnect(server, panels):
    ada, bob = panels(server, nick="ada"), panels(server, nick="bob")
    ada.disconnect_button.click()
    assert ada.status == "disconnected" and ada.room is None and ada.members == []
    assert [t.name for t in receivers()] == ["chatlesson-receiver-bob"]
    bob.wait_until(lambda p: p.members == ["bob"], what="ada to leave")
    ada.connect_button.click()
    assert ada.status == "connected"
    bob.wait_for("*** ada joined #lobby")
    ada.say("back again")
    bob.wait_for("ada: back again")


def test_a_stopped_server_shows_as_disconnected_and_reconnect_works(panels):
    server = ChatServer(port=0).start()
    port = server.port
    ada = panels(server, nick="ada")
    server.stop()
    ada.wait_until(lambda p: p.status == "disconnected", what="the disconnect")
    assert "The server is shutting down" in ada.log_text
    assert ada.lines[-1] == ("panel", "-- disconnected: the server closed the connection")
    assert ada.members_view.options == () and not ada.connect_button.disabled
    wait_no_receivers()
    with ChatServer(port=port) as again:  # same port, as a restarted classroom server
        ada.connect_button.click()
        assert ada.status == "connected" and ada.members == ["ada"]
        assert again.nicks() == ["ada"]


def test_a_server_that_drops_the_connection(scripted, panels):
    fake = scripted("*** Welcome, eve! You are in #lobby. Online: eve")
    panel = panels(fake.address, nick="eve")
    fake.nicks.get(timeout=DEADLINE)
    fake.close()
    panel.wait_until(lambda p: p.status == "disconnected", what="the disconnect")
    panel.input_box.value = "still here?"
    panel.send_button.click()
    assert panel.input_box.value == "still here?"


def test_close_leaves_no_thread_and_closes_every_widget(server):
    ada = ChatPanel(server, nick="ada")
    bob = ChatPanel(server, nick="bob")
    parts = [ada.log_view, ada.input_box, ada.send_button, ada.members_view, ada.status_view]
    ada.close()
    bob.wait_for("ada left")
    assert [t.name for t in receivers()] == ["chatlesson-receiver-bob"]
    assert ada.comm is None and all(part.comm is None for part in parts)
    with pytest.raises(RuntimeError, match="closed"):
        ada.connect()
    server.stop()
    bob.close()
    assert receivers() == []


# --- Rooms, admins, renames: the state follows the server ------------------

def test_the_room_and_members_follow_the_server(panels):
    with ChatServer(port=0, admin_password="sesame") as server:
        ada, bob, cleo = (panels(server, nick=name) for name in ("ada", "bob", "cleo"))
        ada.wait_until(lambda p: p.members == ["ada", "bob", "cleo"], what="everyone")

        ada.say("/admin sesame")
        bob.wait_until(lambda p: p.admins == {"ada"}, what="ada to be admin")
        assert bob.members_view.options == ("@ada", "bob (you)", "cleo")

        bob.say("/join games")
        bob.wait_until(lambda p: p.room == "games", what="bob to move")
        assert bob.members == ["bob"] and "#games" in bob.room_view.value
        ada.wait_until(lambda p: p.members == ["ada", "cleo"], what="bob to leave the lobby")

        cleo.say("/nick cleopatra")
        cleo.wait_until(lambda p: p.nick == "cleopatra", what="the rename")
        assert cleo.nick_box.value == "cleopatra"
        ada.wait_until(lambda p: p.members == ["ada", "cleopatra"], what="the rename")

        ada.say("/kick cleopatra")
        ada.wait_until(lambda p: p.members == ["ada"], what="the kick")
        cleo.wait_until(lambda p: p.status == "disconnected", what="cleo to be thrown out")
        assert ada.members_view.options == ("@ada (you)",)


def test_room_state_line_by_line():
    state = RoomState()
    feed = [
        "*** Welcome, ada! You are in #lobby. Online: @root, ada",
        "*** bob joined #lobby",
        "*** bob joined #lobby",              # said twice: still one bob
        "*** dan joined #games",              # another room: not ours
        "*** bob is now an admin",
        "*** bob is now known as robert",
        "*** root was kicked by robert (spam)",
        "*** ada is now known as ada2",
    ]
    for line in feed:
        state.apply(parse_line(line))
    assert (state.nick, state.room, state.members, state.admins) == \
        ("ada2", "lobby", ["ada2", "robert"], {"robert"})
    assert state.labels() == ["ada2 (you)", "@robert"]
    assert state.apply(parse_line("*** Online in #games: x, y")) is False  # /who of another room
    state.apply(parse_line("*** You are now in #games. Online: @dan, ada2"))
    assert (state.room, state.members, state.admins) == ("games", ["dan", "ada2"], {"dan"})
    state.apply(parse_line("*** dan left #games (quit)"))
    state.apply(parse_line("*** zed was banned by dan"))
    assert state.members == ["ada2"] and state.admins == set()
    state.clear()
    assert (state.nick, state.room, state.members) == ("ada2", None, [])


# --- Long histories ----------------------------------------------------------

def test_the_log_is_bounded():
    with ChatServer(port=0, rules=ChatRules(flood_limit=None)) as server:
        ada = ChatPanel(server, nick="ada", max_lines=50)
        try:
            for number in range(200):
                ada.say(f"line {number}")
            ada.wait_for("ada: line 199")
            assert len(ada.lines) == 50
            assert ada.lines[0][1] == "ada: line 150"
            stream = log_stream(ada)
            assert stream.startswith("\x1b[38;5;244m-- 152 older lines not shown\x1b[0m\n")
            assert stream.count("\n") == 51
        finally:
            ada.close()
