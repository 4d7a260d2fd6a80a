"""chatlesson-inspect: the relay passes bytes on unchanged, bounded, half-closes, and stops cleanly.

Real sockets on 127.0.0.1, port 0; every wait is on an event, a queue or a deadline.
"""

from __future__ import annotations

import io
import os
import random
import socket
import subprocess
import sys
import threading

import pytest

from chatlesson.inspect import TO_CLIENT, TO_SERVER, Relay, format_chunk
from chatlesson.inspect.chunks import cut_at_end, escape, make_chunk, pieces
from chatlesson.inspect.cli import run

DEADLINE = 10.0


# --- A scriptable server: records what it gets, sends what it is told ----------------------

class ScriptServer:
    """Accepts connections; each one sends ``greeting``, then records everything it receives."""

    def __init__(self, greeting: bytes = b"", echo: bool = False):
        self.greeting, self.echo = greeting, echo
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(DEADLINE)
        self.address = self.listener.getsockname()
        self.received: list[bytes] = []
        self.eof = threading.Event()
        self.conns: list[socket.socket] = []
        self.threads: list[threading.Thread] = []

    def serve_one(self, after=None) -> threading.Thread:
        """Accept the next connection in a thread; ``after(conn)`` runs once EOF arrived."""
        def work():
            conn, _ = self.listener.accept()
            self.conns.append(conn)
            conn.settimeout(DEADLINE)
            if self.greeting:
                conn.sendall(self.greeting)
            data = []
            while chunk := conn.recv(65536):
                data.append(chunk)
                if self.echo:
                    conn.sendall(chunk)
            self.received.append(b"".join(data))
            self.eof.set()
            if after:
                after(conn)
            conn.close()
        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        self.threads.append(thread)
        return thread

    def close(self):
        for thread in self.threads:
            thread.join(DEADLINE)
        self.listener.close()


def read_all(sock: socket.socket) -> bytes:
    sock.settimeout(DEADLINE)
    data = []
    while chunk := sock.recv(65536):
        data.append(chunk)
    return b"".join(data)


@pytest.fixture
def relays():
    made: list[Relay] = []

    def make(target, **options) -> Relay:
        relay = Relay(target, **options).start()
        made.append(relay)
        return relay

    yield make
    for relay in made:
        relay.stop()


def payload(size: int, seed: int = 1) -> bytes:
    """Random text with lines and multi-byte characters: é (2 bytes), € (3), 👋 (4)."""
    rng = random.Random(seed)
    words = ["a", "chat", "é", "€", "👋", "\n", " ", "line\r\n", "\x00", "\xff"]
    out = bytearray()
    while len(out) < size:
        out += rng.choice(words).encode("utf-8")
    return bytes(out[:size])


# --- Byte-exact ---------------------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 5000, 1_000_000])
def test_a_client_through_the_relay_gets_exactly_what_a_direct_client_gets(relays, size):
    data = payload(size, seed=size)
    server = ScriptServer(greeting=data)
    try:
        relay = relays(server.address)
        server.serve_one()
        direct = socket.create_connection(server.address, timeout=DEADLINE)
        direct.shutdown(socket.SHUT_WR)
        server.serve_one()
        relayed = socket.create_connection(relay.address, timeout=DEADLINE)
        relayed.shutdown(socket.SHUT_WR)
        assert read_all(direct) == data
        assert read_all(relayed) == data
        direct.close()
        relayed.close()
    finally:
        server.close()


def test_bytes_sent_in_pieces_split_inside_characters_arrive_unchanged(relays):
    """Sent in small pieces that cut é, € and 👋 anywhere; the server gets the same bytes."""
    data = payload(20_000, seed=7)
    rng = random.Random(3)
    server = ScriptServer()
    try:
        relay = relays(server.address)
        server.serve_one()
        client = socket.create_connection(relay.address, timeout=DEADLINE)
        start = 0
        while start < len(data):
            end = start + rng.randint(1, 7)
            client.sendall(data[start:end])
            start = end
        client.shutdown(socket.SHUT_WR)
        assert server.eof.wait(DEADLINE)
        assert server.received == [data]
        client.close()
    finally:
        server.close()


def test_one_megabyte_from_the_client_arrives_unchanged(relays):
    data = payload(1_000_000, seed=11)
    server = ScriptServer()
    try:
        relay = relays(server.address)
        server.serve_one()
        client = socket.create_connection(relay.address, timeout=DEADLINE)
        client.sendall(data)
        client.shutdown(socket.SHUT_WR)
        assert server.eof.wait(DEADLINE)
        assert server.received == [data]
        assert relay.chunks[0].direction == TO_SERVER
        assert sum(chunk.size for chunk in relay.chunks) == len(data)
        client.close()
    finally:
        server.close()


def test_a_chat_through_the_relay_reads_the_same_as_a_direct_one(relays, server):
    """Against the real ChatServer: the relayed member sees the same bytes as a direct one."""
    relay = relays(server.address)
    direct = socket.create_connection(server.address, timeout=DEADLINE)
    relayed = socket.create_connection(relay.address, timeout=DEADLINE)
    speaker = socket.create_connection(server.address, timeout=DEADLINE)
    try:
        for sock, nick in ((direct, "dee"), (relayed, "rel"), (speaker, "spk")):
            assert sock.recv(4) == b"Hii\n"
            sock.sendall(nick.encode() + b"\n")
            text = b""
            while b"Welcome" not in text:   # joined before the next one starts
                text += sock.recv(4096)
        for sock in (direct, relayed):      # each has seen the speaker join last
            text = b""
            while b"spk joined #lobby\n" not in text:
                text += sock.recv(4096)
        line = "café € 👋 done\n".encode()
        for piece in (line[:4], line[4:9], line[9:14], line[14:]):  # cut inside é, €, 👋
            speaker.sendall(piece)
        expected = b"spk: " + line
        for sock in (direct, relayed):
            got = b""
            while len(got) < len(expected):
                got += sock.recv(4096)
            assert got == expected
    finally:
        for sock in (direct, relayed, speaker):
            sock.close()


# --- Half-close, back-pressure, stopping ---------------------------------------------------

def test_an_end_of_file_one_way_leaves_the_other_way_open(relays):
    server = ScriptServer()
    try:
        relay = relays(server.address)
        server.serve_one(after=lambda conn: conn.sendall(b"reply after your EOF\n"))
        client = socket.create_connection(relay.address, timeout=DEADLINE)
        client.sendall(b"question\n")
        client.shutdown(socket.SHUT_WR)
        assert server.eof.wait(DEADLINE), "the server never saw the client's end of file"
        assert server.received == [b"question\n"]
        assert read_all(client) == b"reply after your EOF\n"  # then the server's own EOF
        relay.wait_until(lambda r: any(e.kind == "closed" for e in r.events), DEADLINE)
        kinds = [e.kind for e in relay.events]
        assert kinds == ["opened", "connected", "eof", "eof", "closed"]
        client.close()
    finally:
        server.close()


def test_a_receiver_that_stops_reading_stalls_the_sender_and_bounds_the_relay(relays):
    limit = 32 * 1024
    data = payload(8_000_000, seed=5)
    server = ScriptServer(greeting=data)
    try:
        relay = relays(server.address, buffer_limit=limit)
        client = socket.create_connection(relay.address, timeout=DEADLINE)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
        sender = server.serve_one()
        # The client reads nothing: the relay fills its buffer and stops reading, so the rest
        # of the 8 MB waits in the kernels' buffers (and the server's sendall), not in the relay.
        relay.wait_until(lambda r: r.held >= limit, DEADLINE, "the relay's buffer to fill")
        assert relay.peak_held <= limit
        assert sender.is_alive()
        client.shutdown(socket.SHUT_WR)
        assert read_all(client) == data
        assert relay.peak_held <= limit
        client.close()
    finally:
        server.close()


def test_stop_closes_every_connection_and_ends_the_thread(relays):
    server = ScriptServer()
    try:
        relay = relays(server.address)
        server.serve_one()
        client = socket.create_connection(relay.address, timeout=DEADLINE)
        client.sendall(b"x")
        relay.next_chunks(1, DEADLINE)
        relay.stop()
        assert not relay.running
        assert "chatlesson-inspect" not in [t.name for t in threading.enumerate()]
        assert read_all(client) == b""           # the relay hung up on the client
        assert server.eof.wait(DEADLINE)          # ... and on the server
        with pytest.raises(OSError):
            socket.create_connection(relay.address, timeout=DEADLINE)
        relay.stop()                              # twice is fine
        client.close()
    finally:
        server.close()


def test_stop_needs_no_shutdown_of_the_listener_as_on_macos(relays, bsd_listeners):
    """On macOS shutdown() of a listening socket raises ENOTCONN and wakes nobody: simulated."""
    relay = Relay(("127.0.0.1", 9)).start()
    relay.stop()
    assert not relay.running


def test_connections_beyond_the_limit_are_refused_and_said_so(relays, server):
    relay = relays(server.address, max_connections=1)
    with socket.create_connection(relay.address, timeout=DEADLINE) as first:
        assert first.recv(4) == b"Hii\n"
        with socket.create_connection(relay.address, timeout=DEADLINE) as second:
            try:
                assert second.recv(4) == b""
            except ConnectionResetError:
                pass
        relay.wait_until(lambda r: any(e.kind == "refused" for e in r.events), DEADLINE)
        assert "at most 1 at a time" in relay.events[-1].text


def test_start_and_stop_many_times_leaves_no_thread_and_no_socket(relays):
    before = threading.active_count()
    for _ in range(30):
        relay = Relay(("127.0.0.1", 9)).start()
        relay.stop()
    assert threading.active_count() == before


def test_localhost_reaches_a_server_on_127_0_0_1(relays, server):
    relay = relays(("localhost", server.port))
    with socket.create_connection(relay.address, timeout=DEADLINE) as client:
        assert client.recv(4) == b"Hii\n"


def test_a_server_that_is_not_there_closes_the_client_and_says_why(relays):
    nobody = socket.socket()
    nobody.bind(("127.0.0.1", 0))  # a port nobody listens on
    try:
        relay = relays(nobody.getsockname())
        client = socket.create_connection(relay.address, timeout=DEADLINE)
        try:
            assert read_all(client) == b""
        except ConnectionResetError:
            pass
        relay.wait_until(lambda r: any(e.kind == "broken" for e in r.events), DEADLINE)
        assert "could not connect" in relay.events[-1].text
        client.close()
    finally:
        nobody.close()


# --- What a chunk shows --------------------------------------------------------------------

def chunk_of(data: bytes, carried: bytes = b""):
    return make_chunk(1, 1, TO_SERVER, 0.0, data, 4096, carried)


def test_two_lines_in_one_chunk_are_two_rows():
    chunk, _ = chunk_of(b"first\nsecond\n")
    rows, hidden = pieces(chunk)
    assert [row.text for row in rows] == ['"first\\n"', '"second\\n"']
    assert rows[0].hex == "66 69 72 73 74 0a"
    assert chunk.line_ends == 2 and hidden == 0
    assert format_chunk(chunk, times=False).splitlines()[0] == \
        "#1  connection 1  client -> server  13 bytes, 2 line ends"


def test_a_character_cut_at_the_end_is_marked_and_finished_in_the_next_chunk():
    first, carried = chunk_of("café".encode()[:-1])
    assert first.cut == (1, 2) and carried == b"\xc3"
    rows, _ = pieces(first)
    assert rows[-1].text == '"caf\\xc3"'
    assert rows[-1].note == ("no line end: the line goes on in a later chunk; "
                             "the chunk ends inside a UTF-8 character: 1 of its 2 bytes")
    second, carried = chunk_of(b"\xa9\n", carried)
    assert second.finishes == 1 and second.finished == "é" and carried == b""
    assert "the last byte of 'é'" in pieces(second)[0][0].note


def test_a_four_byte_character_in_three_chunks():
    wave = "👋".encode()
    one, carried = chunk_of(wave[:1])
    two, carried = chunk_of(wave[1:3], carried)
    three, carried = chunk_of(wave[3:] + b"\n", carried)
    assert one.cut == (1, 4) and two.cut == (3, 4) and three.finished == "👋"
    assert "continues a character" in pieces(two)[0][0].note


def test_cut_at_end_knows_whole_characters():
    assert cut_at_end("é€👋".encode()) is None
    assert cut_at_end("€".encode()[:2]) == (2, 3)
    assert cut_at_end(b"\xa9\xa9") is None  # continuation bytes with no start: not a cut


def test_escape_shows_control_and_direction_characters_instead_of_obeying_them():
    assert escape("\x1b[31mred\u202e\r\t\\\"é 👋".encode()) == \
        '\\x1b[31mred\\u202e\\r\\t\\\\\\"é 👋'
    assert escape(b"\xff") == "\\xff"


def test_only_the_first_bytes_are_shown_and_the_rest_counted():
    chunk, _ = chunk_of(b"x" * 1000)
    rows, hidden = pieces(chunk, show=10)
    assert hidden == 990 and rows[-1].note == "... 990 more bytes not shown"


# --- The command ---------------------------------------------------------------------------

class Collect(io.StringIO):
    """A stream the relay's thread writes to and a test waits on."""

    def __init__(self):
        super().__init__()
        self.changed = threading.Condition()

    def write(self, text):
        with self.changed:
            written = super().write(text)
            self.changed.notify_all()
            return written

    def wait_for(self, text):
        with self.changed:
            assert self.changed.wait_for(lambda: text in self.getvalue(), DEADLINE), self.getvalue()


def test_the_command_relays_and_prints_each_chunk_with_its_lines(server):
    out, stop = Collect(), threading.Event()
    host, port = server.address
    status = []
    thread = threading.Thread(target=lambda: status.append(
        run(["--listen", "0", "--to", f"{host}:{port}", "--no-times"], out, stop)))
    thread.start()
    try:
        out.wait_for("Ctrl-C stops")
        listen_port = int(out.getvalue().split("listening on 127.0.0.1:")[1].split(",")[0])
        client = socket.create_connection(("127.0.0.1", listen_port), timeout=DEADLINE)
        assert client.recv(4) == b"Hii\n"
        out.wait_for('"Hii\\n"  48 69 69 0a')
        assert f"#1  connection 1  {TO_CLIENT}  4 bytes, 1 line end" in out.getvalue()
        client.close()
    finally:
        stop.set()
        thread.join(DEADLINE)
    assert status == [0]
    assert out.getvalue().rstrip().endswith("chatlesson-inspect: stopped")


def test_python_dash_m_runs_the_command(server):
    host, port = server.address
    proc = subprocess.Popen(
        [sys.executable, "-m", "chatlesson.inspect", "--listen", "0", "--to", f"{host}:{port}"],
        stdout=subprocess.PIPE, text=True, encoding="utf-8",
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        first = proc.stdout.readline()
        assert "listening on 127.0.0.1:" in first
        listen_port = int(first.split("listening on 127.0.0.1:")[1].split(",")[0])
        client = socket.create_connection(("127.0.0.1", listen_port), timeout=DEADLINE)
        assert client.recv(4) == b"Hii\n"
        seen = ""
        while '"Hii\\n"' not in seen:
            seen += proc.stdout.readline()
        client.close()
    finally:
        proc.kill()
        proc.wait(DEADLINE)
        proc.stdout.close()


def test_a_bad_address_is_a_usage_error():
    with pytest.raises(SystemExit):
        run(["--listen", "0", "--to", "nowhere"], io.StringIO())


def test_the_latency_benchmark_runs_and_prints_each_setup(capsys):
    from chatlesson.inspect.bench import main
    main(["--count", "20"])
    out = capsys.readouterr().out
    for setup in ("direct", "relay ", "relay, printing"):
        assert f"\n{setup}" in out
