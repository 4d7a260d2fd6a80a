"""The chat panel's Python half, headless: real servers and sockets, no browser.

The browser half (``panel.js``) talks to the panel only through custom
messages. These tests send the panel exactly what the browser sends when
someone presses Send, Enter, Connect or Join (``{"type": "send", "text": ...}``
through the widget's own message handler), and read what the panel sends
back (``{"type": "lines", ...}``) by recording ``ChatPanel.send``. Waiting is
on the panel's own condition (``wait_for``/``wait_until``), never on sleeps.
The browser half itself is tested in a real browser by tests/test_browser.py.
"""

from __future__ import annotations

import codecs
import queue
import re
import socket
import threading
import time
from pathlib import Path

import pytest

from chatlesson import ChatRules, ChatServer, parse_line
from chatlesson.ui import panel as panel_module
from chatlesson.ui.panel import MAX_LOG_LINES, ChatPanel
from chatlesson.ui.panel_lines import PALETTE_SIZE, line_record, mentions, sender_colour
from chatlesson.ui.panel_state import RoomState

pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")

DEADLINE = 10.0
HOSTILE = ["<img src=x onerror=alert(1)>", "<script>alert('pwned')</script>",
           "<b>bold?</b> &amp; $x^2$ \\(y\\)"]
UI = Path(panel_module.__file__).parent


# --- Helpers ---------------------------------------------------------------

def receivers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("chatlesson-receiver")]


def wait_no_receivers() -> None:
    deadline = time.monotonic() + DEADLINE
    while receivers():
        assert time.monotonic() < deadline, f"threads left behind: {receivers()}"
        time.sleep(0.005)


def browser(panel: ChatPanel, **content) -> None:
    """Deliver a message from the browser half, the way ipywidgets delivers it."""
    panel._handle_custom_msg({"view": "view-1", **content}, [])


def type_and_send(panel: ChatPanel, text: str) -> None:
    browser(panel, type="send", text=text)


@pytest.fixture
def sent(monkeypatch):
    """What every panel sends to the browser: {panel: [message, ...]}."""
    messages: dict[ChatPanel, list[dict]] = {}
    lock = threading.Lock()

    def record(self, content, buffers=None):
        with lock:
            messages.setdefault(self, []).append(content)

    monkeypatch.setattr(ChatPanel, "send", record)
    return messages


def sent_lines(messages: list[dict]) -> list[dict]:
    return [record for message in messages if message["type"] == "lines"
            for record in message["lines"]]


def wait_sent(panel: ChatPanel, sent, text: str) -> list[dict]:
    """The records sent to the browser once the one holding ``text`` has gone."""
    deadline = time.monotonic() + DEADLINE
    while not any(text in r["text"] for r in sent_lines(sent.get(panel, []))):
        assert time.monotonic() < deadline, f"{text!r} never went to the browser"
        time.sleep(0.005)  # the sending thread has no event to wait on; a deadline loop
    return sent_lines(sent[panel])


@pytest.fixture
def panels(sent):
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


# --- Chatting through the browser's messages --------------------------------

def test_send_delivers_to_the_other_panel(server, panels, sent, capsys):
    ada, bob = panels(server, nick="ada"), panels(server, nick="bob")
    assert ada.status == bob.status == "connected"
    type_and_send(ada, "hello bob")
    assert bob.wait_for("ada: hello bob") == "ada: hello bob"
    assert ada.wait_for("ada: hello bob") == "ada: hello bob"  # the server's echo
    assert [m for m in sent[ada] if m["type"] == "refused"] == []
    assert "ada: hello bob" in [r["text"] for r in wait_sent(bob, sent, "ada: hello bob")]
    assert capsys.readouterr() == ("", ""), "the panel printed something (it would land in a cell)"


def test_what_is_typed_is_exactly_what_is_sent(panels):
    """The Send message carries the text: 100 quick sends arrive whole, in order."""
    with ChatServer(port=0, rules=ChatRules(flood_limit=None)) as fast:
        ada, bob = panels(fast, nick="ada"), panels(fast, nick="bob")
        texts = [f"{number} " + "typed fast, " * (number % 7) + "ünïcødé ✓" for number in range(100)]
        for text in texts:
            type_and_send(ada, text)
        bob.wait_for(texts[-1])
        chat = [text for kind, text in bob.lines if kind == "chat"]
        assert chat == [f"ada: {text}" for text in texts]


def test_each_line_goes_to_the_browser_once(server, panels, sent):
    """New lines go once each, in order: no message ever resends the log."""
    ada = panels(server, nick="ada")
    for number in range(8):  # under the flood limit
        ada.say(f"line {number}")
    ada.wait_for("ada: line 7")
    records = wait_sent(ada, sent, "ada: line 7")
    assert [r["n"] for r in records] == list(range(1, len(records) + 1))
    assert [r["text"] for r in records] == ada.log
    assert "chatlesson-panel-ada" in [t.name for t in threading.enumerate()]


def test_a_burst_travels_in_few_messages(sent):
    """300 lines at once go to the browser in far fewer than 300 messages."""
    with ChatServer(port=0, rules=ChatRules(flood_limit=None)) as server:
        ada = ChatPanel(server, nick="ada")
        try:
            with socket.create_connection(server.address) as carol:
                carol.sendall(b"carol\n" + b"".join(b"burst %d\n" % n for n in range(300)))
                ada.wait_for("carol: burst 299")
                records = wait_sent(ada, sent, "carol: burst 299")
            messages = [m for m in sent[ada] if m["type"] == "lines"]
            assert [r["n"] for r in records] == list(range(1, len(records) + 1))
            assert len(messages) < 150, f"{len(messages)} messages for {len(records)} lines"
        finally:
            ada.close()
    assert "chatlesson-panel-ada" not in [t.name for t in threading.enumerate()]


def test_a_page_that_opens_later_gets_the_history(server, panels, sent):
    ada = panels(server, nick="ada", max_lines=5)
    for number in range(8):
        ada.say(f"line {number}")
    ada.wait_for("ada: line 7")
    browser(ada, type="history")
    history = sent[ada][-1]
    assert history["type"] == "history"
    assert [r["text"] for r in history["lines"]] == [f"ada: line {n}" for n in range(3, 8)]
    assert history["lines"][0]["n"] > 1  # the browser tells how many older lines it lacks


def test_nickname_status_and_members_are_shown(server, panels):
    ada = panels(server, nick="ada")
    bob = panels(server, nick="bob")
    ada.wait_until(lambda p: p.members == ["ada", "bob"], what="bob in the member list")
    assert ada._nick_text == "ada" and ada._status == "connected"
    assert ada.member_labels == ["ada (you)", "bob"]
    assert bob.member_labels == ["ada", "bob (you)"]
    assert ada._room == "lobby"
    assert ada._where == "{}:{}".format(*server.address)


def test_each_line_says_its_kind_sender_colour_and_time(server, panels, sent):
    ada, bob = panels(server, nick="ada"), panels(server, nick="bob")
    before = time.time() * 1000
    ada.say("plain chat")
    ada.say("/me waves")
    ada.say("/msg bob psst")
    ada.say("/nosuchcommand")
    ada.wait_for("unknown command")
    bob.wait_for("[from ada] psst")
    records = {r["text"]: r for r in wait_sent(ada, sent, "unknown command")}
    assert all(type(r["kind"]) is str for r in records.values())  # plain JSON, no enums
    assert records["ada: plain chat"]["kind"] == "chat"
    assert records["ada: plain chat"]["sender"] == "ada"
    assert records["ada: plain chat"]["colour"] == sender_colour("ada")
    assert before - 1000 <= records["ada: plain chat"]["time"] <= time.time() * 1000 + 1000
    assert records["* ada waves"]["kind"] == "action"
    assert records["[to bob] psst"]["kind"] == "private"
    assert records["[to bob] psst"]["sender"] is None
    assert records["*** bob joined #lobby"]["kind"] == "notice"
    assert records["*** bob joined #lobby"]["fold"] is True
    error = records["!!! unknown command /nosuchcommand; type /help for the list"]
    assert (error["kind"], error["fold"]) == ("error", False)
    assert records["-- connecting to {}:{} as ada".format(*server.address)]["kind"] == "panel"


def test_a_mention_of_your_nickname_is_marked(server, panels, sent):
    ada, bob = panels(server, nick="ada"), panels(server, nick="bob")
    bob.say("hi ada, how are you?")
    bob.say("adam is not ada")
    bob.say("nothing for you")
    ada.wait_for("nothing for you")
    marked = {r["text"]: r["mention"] for r in wait_sent(ada, sent, "nothing for you")
              if r["kind"] == "chat"}
    assert marked == {"bob: hi ada, how are you?": True, "bob: adam is not ada": True,
                      "bob: nothing for you": False}
    bob.wait_for("nothing for you")
    # "bob:" itself is no mention
    assert not any(r["mention"] for r in wait_sent(bob, sent, "nothing for you"))


def test_line_records_without_a_server():
    assert sender_colour("ada") == sender_colour("ADA")  # nicknames ignore case on the server
    assert {sender_colour(f"user{n}") for n in range(200)} == set(range(PALETTE_SIZE))
    assert mentions("hi @ada!", "ada") and mentions("ADA?", "ada")
    assert not mentions("adam", "ada") and not mentions("lada", "ada") and not mentions("x", None)
    record = line_record(7, "chat", "bob: ada, look", sender="bob", me="ada", when=1.5)
    assert record == {"n": 7, "kind": "chat", "text": "bob: ada, look", "sender": "bob",
                      "colour": sender_colour("bob"), "time": 1500, "mention": True,
                      "fold": False}
    # The sender's own name at the start is not a mention of someone called "bob".
    assert not line_record(1, "chat", "bob: hello", sender="bob", me="bob")["mention"]
    assert line_record(1, "notice", "*** x left #lobby", event="left")["fold"]
    assert not line_record(1, "notice", "*** x was kicked by y", event="kicked")["fold"]


# --- Nothing from the network is markup ------------------------------------

def test_markup_arrives_as_literal_text(server, panels, sent):
    ada, bob = panels(server, nick="ada"), panels(server, nick="bob")
    for text in HOSTILE:
        type_and_send(ada, text)
        assert bob.wait_for(text) == f"ada: {text}"
    texts = [r["text"] for r in wait_sent(bob, sent, HOSTILE[-1])]
    for text in HOSTILE:
        assert f"ada: {text}" in texts  # as typed: the browser half shows it as text


def test_the_browser_half_never_parses_html():
    """Everything reaches the page as text: no innerHTML or its relatives in panel.js."""
    code = (UI / "panel.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
                 "createContextualFragment", "DOMParser", "eval(", "new Function"):
        assert sink not in code, f"panel.js uses {sink}"
    assert "textContent" in code and "createTextNode" in code


def test_both_halves_speak_the_same_messages():
    """Every message type one half sends, the other half handles (read from the source)."""
    js = (UI / "panel.js").read_text(encoding="utf-8")
    py = (UI / "panel.py").read_text(encoding="utf-8")
    from_browser = set(re.findall(r'model\.send\(\{ type: "(\w+)"', js))
    handled_in_python = set(re.findall(r'kind == "(\w+)"', py))
    from_python = set(re.findall(r'send\(\{"type": "(\w+)"', py))
    handled_in_browser = set(re.findall(r'msg\.type === "(\w+)"', js))
    assert from_browser == {"send", "join", "connect", "disconnect", "history"}
    assert from_browser == handled_in_python
    assert from_python == {"lines", "history", "refused"} == handled_in_browser


def test_what_a_server_says_about_the_room_stays_text(scripted, panels):
    fake = scripted("*** Welcome, <b>eve</b>! You are in #<img/src=x/onerror=alert(1)>. "
                    "Online: <b>eve</b>, @<script>alert(2)</script>")
    panel = panels(fake.address, nick="eve")
    assert fake.nicks.get(timeout=DEADLINE) == "eve"
    assert panel.room == panel._room == "<img/src=x/onerror=alert(1)>"
    assert panel._nick_text == "<b>eve</b>"
    assert panel.member_labels == ["<b>eve</b> (you)", "@<script>alert(2)</script>"]
    assert panel.admins == {"<script>alert(2)</script>"}


def test_control_characters_from_the_network_are_replaced(scripted, panels, sent):
    fake = scripted("*** Welcome, eve! You are in #lobby. Online: eve")
    panel = panels(fake.address, nick="eve")
    fake.send("mallory: \x1b[2J\x1b[31mfake red\x1b[0m\rbob: I owe you", "*** marker")
    panel.wait_for("marker")
    assert "mallory: \ufffd[2J\ufffd[31mfake red\ufffd[0m\ufffdbob: I owe you" in panel.log_text
    # Line separators and direction overrides cannot fake a second line or reorder one either.
    fake.send("mallory: hi\u2028bob: I owe you\u202e", "*** second marker")
    panel.wait_for("second marker")
    assert "mallory: hi\ufffdbob: I owe you\ufffd" in panel.log_text
    for record in wait_sent(panel, sent, "second marker"):
        assert not re.search("[\x00-\x1f\x7f\u2028\u2029\u202a-\u202e]", record["text"])


def test_the_browser_is_not_trusted_either(server, panels):
    ada = panels(server, nick="ada")
    lines = ada.lines
    for junk in (["send"], "send", None, 42):
        ada._handle_custom_msg(junk, [])
    for content in ({"type": "send", "text": ["a list"]}, {"type": "send"},
                    {"type": "connect", "nick": 5}, {"type": "nonsense"}, {"no type": 1}):
        browser(ada, **content)
    assert ada.lines == lines and ada.status == "connected"


# --- Bad input is refused and given back -----------------------------------

def refusals(messages: list[dict]) -> list[tuple[str, str, str]]:
    return [(m["view"], m["box"], m["text"]) for m in messages if m["type"] == "refused"]


def test_sending_while_disconnected_gives_the_text_back(server, panels, sent):
    ada = panels(server, nick="ada", connect=False)
    assert ada.status == "disconnected"
    type_and_send(ada, "anyone there?")
    assert refusals(sent[ada]) == [("view-1", "input", "anyone there?")]
    assert ada.lines[-1] == ("panel-error", "-- not connected: press Connect first")
    browser(ada, type="connect", nick="ada")
    assert ada.status == "connected"
    type_and_send(ada, "anyone there?")
    ada.wait_for("ada: anyone there?")


def test_a_too_long_message_is_refused_before_sending(server, panels, sent):
    ada, bob = panels(server, nick="ada"), panels(server, nick="bob")
    long_text = "é" * 1500  # 3000 bytes in UTF-8
    type_and_send(ada, long_text)
    assert refusals(sent[ada]) == [("view-1", "input", long_text)]
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
    browser(other, type="connect", nick="bea")
    assert other.status == "connected" and other.nick == "bea" and other._nick_text == "bea"


def test_no_nickname_waits_for_one(server, panels):
    panel = panels(server)
    assert panel.status == "disconnected"
    browser(panel, type="connect", nick="")
    assert panel.lines[-1] == ("panel-error", "-- type a nickname first, then press Connect")
    browser(panel, type="connect", nick=" cleo ")
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


# --- Disconnecting, reconnecting, stopping, leaving nothing behind ----------

def test_disconnect_and_reconnect(server, panels):
    ada, bob = panels(server, nick="ada"), panels(server, nick="bob")
    browser(ada, type="disconnect")
    assert ada.status == "disconnected" and ada.room is None and ada.members == []
    assert ada.member_labels == [] and ada._room == ""
    assert [t.name for t in receivers()] == ["chatlesson-receiver-bob"]
    bob.wait_until(lambda p: p.members == ["bob"], what="ada to leave")
    browser(ada, type="connect", nick="ada")
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
    assert ada.member_labels == [] and ada._status == "disconnected"
    wait_no_receivers()
    with ChatServer(port=port) as again:  # same port, as a restarted classroom server
        browser(ada, type="connect", nick="ada")
        assert ada.status == "connected" and ada.members == ["ada"]
        assert again.nicks() == ["ada"]


def test_a_server_that_drops_the_connection(scripted, panels, sent):
    fake = scripted("*** Welcome, eve! You are in #lobby. Online: eve")
    panel = panels(fake.address, nick="eve")
    fake.nicks.get(timeout=DEADLINE)
    fake.close()
    panel.wait_until(lambda p: p.status == "disconnected", what="the disconnect")
    type_and_send(panel, "still here?")
    assert refusals(sent[panel]) == [("view-1", "input", "still here?")]


def test_stop_keeps_the_panel_and_its_log(server, panels, sent):
    ada, bob = panels(server, nick="ada"), panels(server, nick="bob")
    ada.say("before the stop")
    bob.wait_for("ada: before the stop")
    log = bob.log
    bob.stop()
    assert bob.stopped and bob._stopped and bob.status == "disconnected"
    assert "chatlesson-stopped" in bob._dom_classes
    assert bob.log[:len(log)] == log and bob.lines[-1] == ("panel", "-- the chat is stopped")
    assert bob.comm is not None, "a stopped panel stays on the page"
    assert [t.name for t in receivers()] == ["chatlesson-receiver-ada"]
    ada.wait_until(lambda p: p.members == ["ada"], what="bob to leave")
    browser(bob, type="connect", nick="bob")  # the browser's buttons are off; Python agrees
    browser(bob, type="send", text="hello?")
    assert bob.status == "disconnected" and bob.lines[-1] == ("panel", "-- the chat is stopped")
    browser(bob, type="history")  # a page opened now still shows the log
    assert [r["text"] for r in sent[bob][-1]["lines"]] == bob.log
    with pytest.raises(RuntimeError, match="stopped"):
        bob.connect()
    bob.stop()  # twice is fine


def test_close_leaves_no_thread_and_closes_the_widget(server, sent):
    ada = ChatPanel(server, nick="ada")
    bob = ChatPanel(server, nick="bob")
    ada.close()
    bob.wait_for("ada left")
    assert [t.name for t in receivers()] == ["chatlesson-receiver-bob"]
    assert ada.comm is None
    with pytest.raises(RuntimeError, match="stopped"):
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
        assert bob.member_labels == ["@ada", "bob (you)", "cleo"]

        bob.say("/join games")
        bob.wait_until(lambda p: p.room == "games", what="bob to move")
        assert bob.members == ["bob"] and bob._room == "games"
        ada.wait_until(lambda p: p.members == ["ada", "cleo"], what="bob to leave the lobby")

        cleo.say("/nick cleopatra")
        cleo.wait_until(lambda p: p.nick == "cleopatra", what="the rename")
        assert cleo._nick_text == "cleopatra"
        ada.wait_until(lambda p: p.members == ["ada", "cleopatra"], what="the rename")

        ada.say("/kick cleopatra")
        ada.wait_until(lambda p: p.members == ["ada"], what="the kick")
        cleo.wait_until(lambda p: p.status == "disconnected", what="cleo to be thrown out")
        assert ada.member_labels == ["@ada (you)"]


def test_the_join_message_switches_rooms(panels, server, sent):
    ada, bob = panels(server, nick="ada"), panels(server, nick="bob")
    browser(bob, type="join", room="#games")
    bob.wait_until(lambda p: p.room == "games", what="bob to reach #games")
    ada.wait_until(lambda p: p.members == ["ada"], what="bob to leave the lobby")
    browser(bob, type="join", room="lobby")
    bob.wait_until(lambda p: p.room == "lobby", what="bob back in the lobby")
    browser(bob, type="join", room="  ")  # an empty box sends nothing and says why
    assert bob.lines[-1] == ("panel-error", "-- type the name of a room first, then press Join")
    bob.disconnect()
    browser(bob, type="join", room="games")
    assert refusals(sent[bob])[-1] == ("view-1", "room", "games")


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

def test_the_log_is_bounded(sent):
    with ChatServer(port=0, rules=ChatRules(flood_limit=None)) as server:
        ada = ChatPanel(server, nick="ada", max_lines=50)
        try:
            assert ada._max_lines == 50  # the browser keeps as many
            for number in range(200):
                ada.say(f"line {number}")
            ada.wait_for("ada: line 199")
            assert len(ada.lines) == 50
            assert ada.lines[0][1] == "ada: line 150"
            browser(ada, type="history")
            assert len(sent[ada][-1]["lines"]) == 50
        finally:
            ada.close()
    idle = ChatPanel(connect=False)
    assert idle._max_lines == MAX_LOG_LINES == 2000
    idle.close()


# --- The stylesheet and the documentation ------------------------------------

def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(one: str, two: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def theme_colours() -> dict[str, dict[str, str]]:
    """The ``--chatlesson-*`` colours of the light theme (the first block) and the dark one."""
    css = (UI / "panel.css").read_text(encoding="utf-8")
    blocks = re.findall(r"\{([^{}]*--chatlesson-bg:[^{}]*)\}", css)
    assert len(blocks) == 2, "panel.css should define the colours once per theme"
    return {theme: dict(re.findall(r"--chatlesson-([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", block))
            for theme, block in zip(("light", "dark"), blocks, strict=True)}


TEXT_COLOURS = ["fg", "muted", "error", "private"] + [f"c{n}" for n in range(PALETTE_SIZE)]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_text_colour_has_aa_contrast(theme):
    colours = theme_colours()[theme]
    for background in ("bg", "mention-bg"):
        for name in TEXT_COLOURS:
            ratio = contrast(colours[name], colours[background])
            assert ratio >= 4.5, f"{theme}: {name} on {background} is {ratio:.2f}:1"
    assert contrast(colours["on-primary"], colours["primary"]) >= 4.5
    for name in ("border", "primary", "ok", "busy", "off", "focus"):  # parts, not text: 3:1
        assert contrast(colours[name], colours["bg"]) >= 3, f"{theme}: {name}"


def test_every_documented_class_is_used():
    documented = set(re.findall(r"``(chatlesson-[a-z0-9-]+)``", panel_module.__doc__))
    documented -= {"chatlesson-"}
    code = (UI / "panel.js").read_text(encoding="utf-8") + (UI / "panel.py").read_text(encoding="utf-8")
    css = (UI / "panel.css").read_text(encoding="utf-8")
    for name in sorted(documented):
        if name in ("chatlesson-connected", "chatlesson-connecting", "chatlesson-disconnected"):
            assert "`chatlesson-${other}`" in code
        elif re.fullmatch(r"chatlesson-c\d", name):
            assert f".{name} " in css
        else:
            assert re.search(rf"['\"` ]{name}['\"` ]", code), f"{name} is documented but not used"
    parts = {part for part in re.findall(r"``([a-z-]+)``\s{2,}", panel_module.__doc__)
             if not part.startswith("chatlesson-") and part != "data-part"}
    for part in parts:
        assert f'"{part}"' in code, f"data-part {part} is documented but not set"
    for part in ("log", "line", "time", "sender", "input", "send", "members", "room-input",
                 "join", "status", "new-messages"):
        assert part in parts

# --- Exercise 07's checkers ----------------------------------------------------

import html  # noqa: E402  (the wrong answers below use it)

import nbformat  # noqa: E402

from chatlesson.checks import core  # noqa: E402
from chatlesson.checks.panel import check_follow_members, check_log_html, check_start_receiving  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXERCISE = "07_chat_panel_exercises.ipynb"
CHECKERS = {"log_html": check_log_html, "follow_members": check_follow_members,
            "start_receiving": check_start_receiving}


def notebook_names(folder: str) -> dict:
    """Run the exercise notebook's code cells, except the check cells."""
    names: dict = {"__name__": "__notebook__"}
    notebook = nbformat.read(ROOT / folder / EXERCISE, as_version=4)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and "chatlesson.checks" not in cell.source:
            exec(compile(cell.source, f"<{folder} cell {index}>", "exec"), names)
    return names


@pytest.fixture
def quick_checks(monkeypatch):
    monkeypatch.setattr(core, "STEP_TIMEOUT", 1.0)
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 3
    while left := [t for t in set(threading.enumerate()) - before if t.is_alive()]:
        assert time.monotonic() < deadline, f"student code still running after the check: {left}"
        time.sleep(0.01)


@pytest.mark.parametrize("name", CHECKERS)
def test_the_solution_passes_and_the_verdict_is_stable(name, quick_checks, capsys):
    function = notebook_names("solutions")[name]
    capsys.readouterr()  # what the notebook's own cells printed
    first = CHECKERS[name](function)
    second = CHECKERS[name](function)
    assert first.passed, first.text
    assert first.text == second.text and first.text.endswith("All checks passed. Well done!")
    assert not re.search(r"\b\d{4,5}\b|0x[0-9a-f]+", first.text)
    assert capsys.readouterr().out == first.text + "\n" + second.text + "\n"


@pytest.mark.parametrize("name", CHECKERS)
def test_the_student_copy_is_not_done(name, quick_checks):
    result = CHECKERS[name](notebook_names("exercises")[name])
    assert result.status == "not done", result.text


# Wrong answers, and what the verdict must say: (status, in the problem, in the hint).

def no_escape(lines, limit):
    return "<br>".join(lines[-limit:])


def every_line(lines, limit):
    return "<br>".join(html.escape(line) for line in lines)


def first_lines(lines, limit):
    return "<br>".join(html.escape(line) for line in lines[:limit])


def newlines(lines, limit):
    return "\n".join(html.escape(line) for line in lines[-limit:])


def twice_escaped(lines, limit):
    return "<br>".join(html.escape(html.escape(line)) for line in lines[-limit:])


def newest_first(lines, limit):
    return "<br>".join(html.escape(line) for line in reversed(lines[-limit:]))


def only_angles(lines, limit):
    return "<br>".join(line.replace("<", "&lt;").replace(">", "&gt;") for line in lines[-limit:])


def printed_log(lines, limit):
    print("<br>".join(html.escape(line) for line in lines[-limit:]))


def in_place(members, message):
    if message.event == "joined":
        members.append(message.nick)
    elif message.event == "welcome":
        members[:] = message.members


def always_append(members, message):
    if message.event in ("welcome", "moved"):
        return list(message.members)
    if message.event == "joined":
        return members + [message.nick]
    if message.event in ("left", "kicked", "banned") and message.nick in members:
        members.remove(message.nick)
    return members


def remove_blindly(members, message):
    if message.event in ("welcome", "moved"):
        return list(message.members)
    if message.event == "joined" and message.nick not in members:
        return members + [message.nick]
    if message.event == "left":
        members.remove(message.nick)
    return members


def rename_at_the_end(members, message):
    if message.event in ("welcome", "moved"):
        return list(message.members)
    if message.event == "joined" and message.nick not in members:
        return members + [message.nick]
    if message.event in ("left", "kicked", "banned") and message.nick in members:
        return [m for m in members if m != message.nick]
    if message.event == "renamed":
        return [m for m in members if m != message.old_nick] + [message.nick]
    return members


def forgets_kicks(members, message):
    if message.event in ("welcome", "moved"):
        return list(message.members)
    if message.event == "joined" and message.nick not in members:
        return members + [message.nick]
    if message.event == "left" and message.nick in members:
        return [m for m in members if m != message.nick]
    if message.event == "renamed":
        return [message.nick if m == message.old_nick else m for m in members]
    return members


def forgets_moves(members, message):
    if message.event == "moved":
        return members
    return forgets_kicks(members, message) if message.event not in ("kicked", "banned") \
        else [m for m in members if m != message.nick]


def _loop(sock, show):
    buffer = b""
    while True:
        data = sock.recv(1024)
        if not data:
            break
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            show(line.decode("utf-8"))
    sock.close()


def prints(sock, log):
    thread = threading.Thread(target=_loop, args=(sock, print), daemon=True)
    thread.start()
    return thread


def prints_too(sock, log):
    def show(line):
        print(line)
        log.value += line + "\n"
    thread = threading.Thread(target=_loop, args=(sock, show), daemon=True)
    thread.start()
    return thread


def replaces(sock, log):
    def show(line):
        log.value = line + "\n"
    thread = threading.Thread(target=_loop, args=(sock, show), daemon=True)
    thread.start()
    return thread


def no_thread(sock, log):
    def show(line):
        log.value += line + "\n"
    _loop(sock, show)


def never_started(sock, log):
    return threading.Thread(target=_loop, args=(sock, print), daemon=True)


def returns_nothing(sock, log):
    def show(line):
        log.value += line + "\n"
    threading.Thread(target=_loop, args=(sock, show), daemon=True).start()


def decodes_pieces(sock, log):
    def receive():
        while data := sock.recv(1024):
            log.value += data.decode("utf-8")
        sock.close()
    thread = threading.Thread(target=receive, daemon=True)
    thread.start()
    return thread


def keeps_socket(sock, log):
    def receive():
        buffer = b""
        while data := sock.recv(1024):
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                log.value += line.decode("utf-8") + "\n"
    thread = threading.Thread(target=receive, daemon=True)
    thread.start()
    return thread


def spins(sock, log):
    def receive():
        buffer = b""
        while True:  # never leaves: b"" is just "nothing new"
            buffer += sock.recv(1024)
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                log.value += line.decode("utf-8") + "\n"
    thread = threading.Thread(target=receive, daemon=True)
    thread.start()
    return thread


WRONG = [
    (check_log_html, no_escape, "failed", "contains the tag <script>", "html.escape"),
    (check_log_html, every_line, "failed", "wrong lines", "lines[-limit:]"),
    (check_log_html, first_lines, "failed", "wrong lines", "first lines"),
    (check_log_html, newlines, "failed", "wrong lines", '"<br>"'),
    (check_log_html, twice_escaped, "failed", "wrong lines", "Escape each line once"),
    (check_log_html, newest_first, "failed", "wrong lines", "oldest first"),
    (check_log_html, only_angles, "failed", "wrong lines", "&amp;"),
    (check_log_html, printed_log, "failed", "not a string", "return"),
    (check_follow_members, in_place, "failed", "returned None", "Return the list"),
    (check_follow_members, always_append, "failed", "after '*** dan joined #lobby'", "not in the list yet"),
    (check_follow_members, remove_blindly, "error", "raised an exception", "no longer holds it"),
    (check_follow_members, rename_at_the_end, "failed", "cleo is now known as", "position"),
    (check_follow_members, forgets_kicks, "failed", "was kicked", "like left"),
    (check_follow_members, forgets_moves, "failed", "You are now in #games", "like for a welcome"),
    (check_start_receiving, prints, "failed", "printed instead", "never print"),
    (check_start_receiving, prints_too, "failed", "Something was printed", "never print"),
    (check_start_receiving, replaces, "failed", "wrong text", "log.value +="),
    (check_start_receiving, no_thread, "timeout", "did not return", "thread.start()"),
    (check_start_receiving, never_started, "failed", "never started", "thread.start()"),
    (check_start_receiving, returns_nothing, "failed", "returned None", "return thread"),
    (check_start_receiving, decodes_pieces, "error", "raised an exception", "in a buffer"),
    (check_start_receiving, keeps_socket, "failed", "without closing its socket", "sock.close()"),
    (check_start_receiving, spins, "timeout", "kept running", "leave the loop"),
]


@pytest.mark.parametrize("check, answer, status, problem, hint", WRONG,
                         ids=[answer.__name__ for _, answer, *_ in WRONG])
def test_a_wrong_answer_is_caught(check, answer, status, problem, hint, quick_checks):
    result = check(answer)
    assert (result.status, problem in result.problem, hint in (result.hint or "")) == \
        (status, True, True), result.text


def br_after_each_line(lines, limit):
    return "".join(html.escape(line) + "<br>\n" for line in lines[-limit:])


def wrapped_in_a_div(lines, limit):
    return "<div>" + "<br>".join(html.escape(line) for line in lines[-limit:]) + "</div>"


def test_html_that_shows_the_same_lines_passes(quick_checks):
    """A browser ignores a final <br> and collapses white space: so does the checker."""
    assert check_log_html(br_after_each_line).passed


def test_a_wrapper_tag_gets_its_own_hint(quick_checks):
    result = check_log_html(wrapped_in_a_div)
    assert result.status == "failed"
    assert result.hint == "Put only <br> between the lines; leave out other tags such as <div>."


def test_the_receiving_check_leaves_other_threads_alone(quick_checks, capsys):
    """A thread that other notebook code runs meanwhile prints and fails as it would anyway."""
    go, spoke = threading.Event(), threading.Event()

    def bystander():
        go.wait(5)
        print("a bystander thread speaks")
        spoke.set()
        raise RuntimeError("a bystander's own error")

    errors = []
    previous_hook = threading.excepthook
    threading.excepthook = lambda args: errors.append(str(args.exc_value))
    other = threading.Thread(target=bystander, name="bystander", daemon=True)
    other.start()
    solution = notebook_names("solutions")["start_receiving"]

    def start_receiving(sock, log):
        go.set()  # the bystander speaks while the check runs
        assert spoke.wait(5)
        return solution(sock, log)

    try:
        result = check_start_receiving(start_receiving)
        other.join(5)
    finally:
        threading.excepthook = previous_hook
    assert result.passed, result.text
    assert "a bystander thread speaks" in capsys.readouterr().out
    assert errors == ["a bystander's own error"]


def no_line_ending(sock, log):
    def show(line):
        log.value += line
    thread = threading.Thread(target=_loop, args=(sock, show), daemon=True)
    thread.start()
    return thread


def closes_at_once(sock, log):
    with sock:  # the socket is closed when this block ends, before the thread reads
        thread = threading.Thread(target=_loop, args=(sock, print), daemon=True)
    thread.start()
    return thread


WRONG_TOO = [
    (no_line_ending, "failed", "wrong text", "End each line in the log with"),
    (closes_at_once, "error", "raised an exception", "used after it was closed"),
]


@pytest.mark.parametrize("answer, status, problem, hint", WRONG_TOO,
                         ids=[answer.__name__ for answer, *_ in WRONG_TOO])
def test_more_wrong_receivers_are_caught(answer, status, problem, hint, quick_checks):
    result = check_start_receiving(answer)
    assert (result.status, problem in result.problem, hint in (result.hint or "")) == \
        (status, True, True), result.text


class Receiver(threading.Thread):
    """A Thread subclass with its own run()."""

    def __init__(self, sock, log):
        super().__init__(daemon=True)
        self.sock, self.log = sock, log

    def run(self):
        with self.sock:
            buffer = bytearray()
            for data in iter(lambda: self.sock.recv(4096), b""):
                buffer += data
                while (end := buffer.find(b"\n")) >= 0:
                    self.log.value += buffer[:end].decode("utf-8") + "\n"
                    del buffer[:end + 1]


def as_a_subclass(sock, log):
    receiver = Receiver(sock, log)
    receiver.start()
    return receiver


def with_an_incremental_decoder(sock, log):
    def receive():
        decoder = codecs.getincrementaldecoder("utf-8")()
        text = ""
        try:
            while True:
                data = sock.recv(1024)
                if data == b"":
                    break
                text += decoder.decode(data)
                *lines, text = text.split("\n")
                for line in lines:
                    log.value = log.value + line + "\n"
        finally:
            sock.close()
    thread = threading.Thread(target=receive, name="receiver")
    thread.start()
    return thread


def adds_complete_lines_at_once(sock, log):
    def receive():
        buffer = b""
        while data := sock.recv(1):  # one byte at a time is slow but right
            buffer += data
            if buffer.endswith(b"\n"):
                log.value += buffer.decode("utf-8")
                buffer = b""
        sock.close()
    thread = threading.Thread(target=receive, daemon=True)
    thread.start()
    return thread


RIGHT = [as_a_subclass, with_an_incremental_decoder, adds_complete_lines_at_once]


@pytest.mark.parametrize("answer", RIGHT, ids=[answer.__name__ for answer in RIGHT])
def test_a_receiver_written_differently_passes(answer, quick_checks):
    result = check_start_receiving(answer)
    assert result.passed, result.text
