"""The command-line scripts, run for real in subprocesses."""

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from chatlesson import ChatServer
from netutil import DEADLINE, RawClient

try:
    import resource
except ImportError:  # Windows: no file-descriptor limits to set
    resource = None

needs_sigint = pytest.mark.skipif(sys.platform == "win32",
                                  reason="Windows cannot send Ctrl-C (SIGINT) to one subprocess")

BIN = Path(sys.executable).parent


class Process:
    """A subprocess whose output lines can be awaited with a deadline."""

    def __init__(self, *args, stdin=subprocess.DEVNULL, preexec_fn=None):
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(args, stdin=stdin, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, env=env,
                                     preexec_fn=preexec_fn)
        self.output: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            self.output.put(line.rstrip("\n"))
        self.output.put(None)

    def expect(self, pattern: str) -> re.Match:
        """Read output lines until one matches ``pattern``."""
        while True:
            try:
                line = self.output.get(timeout=DEADLINE)
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r}; saw {self.seen}") from None
            if line is None:
                raise AssertionError(f"process ended before {pattern!r}; saw {self.seen}")
            self.seen.append(line)
            if m := re.search(pattern, line):
                return m

    def write(self, text: str):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def wait(self) -> int:
        return self.proc.wait(timeout=DEADLINE)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        if self.proc.stdin:
            self.proc.stdin.close()


@pytest.fixture
def server_process():
    proc = Process(str(BIN / "chatlesson-server"), "--port", "0")
    try:
        yield proc
    finally:
        proc.kill()


@pytest.fixture
def run_server():
    """``run_server(*options)``: chatlesson-server on a free port; returns (process, port)."""
    started = []

    def run(*options):
        proc = Process(str(BIN / "chatlesson-server"), "--port", "0", *options)
        started.append(proc)
        return proc, int(proc.expect(r"listening on 127\.0\.0\.1:(\d+)")[1])

    yield run
    for proc in started:
        proc.kill()


ENGINE_OPTIONS = pytest.mark.parametrize("engine", ["threads", "eventloop"])


@needs_sigint
def test_server_script_chats_logs_and_stops_cleanly_on_ctrl_c(server_process):
    port = int(server_process.expect(r"listening on 127\.0\.0\.1:(\d+)")[1])
    with RawClient(("127.0.0.1", port)) as ada, RawClient(("127.0.0.1", port)) as bob:
        ada.join("ada")
        server_process.expect(r"ada joined from 127\.0\.0\.1:\d+")
        bob.join("bob")
        assert ada.line() == "*** bob joined #lobby"
        ada.send("héllo from nc")
        assert bob.line() == "ada: héllo from nc"
        assert ada.line() == "ada: héllo from nc"
        bob.close()
        server_process.expect(r"bob left")
        server_process.proc.send_signal(signal.SIGINT)
        assert ada.line() == "*** bob left #lobby"
        assert ada.line() == "*** The server is shutting down. Bye!"
        assert ada.closed_by_peer()
    assert server_process.wait() == 0
    server_process.expect(r"stopped")
    assert not any("Traceback" in line for line in server_process.seen)


@needs_sigint
def test_python_dash_m_runs_the_same_server():
    proc = Process(sys.executable, "-m", "chatlesson.server", "--port", "0")
    try:
        port = int(proc.expect(r"listening on 127\.0\.0\.1:(\d+)")[1])
        with RawClient(("127.0.0.1", port)) as c:
            assert c.line() == "Hii"
        proc.expect(r"press Ctrl-C to stop")
        proc.proc.send_signal(signal.SIGINT)
        assert proc.wait() == 0
    finally:
        proc.kill()


def test_the_event_loop_engine_is_the_default_and_threads_can_be_chosen(run_server):
    default, _ = run_server()
    default.expect(r"engine eventloop; flood limit 5/10; at most 256 connections, 64 per address; "
                   r"nickname within 60 s")
    threads, port = run_server("--engine", "threads")
    threads.expect(r"engine threads;")
    with RawClient(("127.0.0.1", port)) as ada:
        ada.join("ada")


@ENGINE_OPTIONS
def test_flood_limit_off_lets_a_burst_through_on_both_engines(run_server, engine):
    proc, port = run_server("--engine", engine, "--flood-limit", "off")
    proc.expect(r"flood limit off")
    with RawClient(("127.0.0.1", port)) as ada:
        ada.join("ada")
        ada.send_raw(b"".join(b"line %d\n" % n for n in range(200)))
        assert ada.lines(200) == [f"ada: line {n}" for n in range(200)]


@ENGINE_OPTIONS
def test_a_flood_limit_of_rate_and_burst_is_honoured_on_both_engines(run_server, engine):
    proc, port = run_server("--engine", engine, "--flood-limit", "1/3")
    proc.expect(r"flood limit 1/3")
    with RawClient(("127.0.0.1", port)) as ada:
        ada.join("ada")
        ada.send_raw(b"".join(b"line %d\n" % n for n in range(6)))
        assert ada.lines(3) == [f"ada: line {n}" for n in range(3)]
        assert ada.line() == ("!!! you are sending too fast (at most 3 lines at once, then 1 a second); "
                              "lines are dropped until you slow down")


@pytest.mark.parametrize("option, value, complaint", [
    ("--flood-limit", "5", "give RATE/BURST, like 5/10"),
    ("--flood-limit", "0/10", "give RATE/BURST"),
    ("--max-connections", "0", "a whole number of at least 1, or off"),
    ("--max-per-host", "many", "a whole number of at least 1, or off"),
    ("--handshake-seconds", "0", "a number of seconds above 0, or off"),
    ("--dead-peer-seconds", "off", "a number of seconds above 0"),
    ("--engine", "gevent", "invalid choice: 'gevent'"),
    ("--port", "99999", "a port number from 0 to 65535"),
    ("--port", "-1", "a port number from 0 to 65535"),
    ("--port", "http", "a port number from 0 to 65535"),
])
def test_bad_options_are_refused_with_a_message_that_says_what_to_give(option, value, complaint):
    proc = Process(str(BIN / "chatlesson-server"), option, value)
    try:
        proc.expect(re.escape(complaint))
        assert proc.wait() == 2
    finally:
        proc.kill()


@ENGINE_OPTIONS
def test_connection_and_handshake_limits_from_the_command_line(run_server, engine):
    proc, port = run_server("--engine", engine, "--max-connections", "2",
                            "--handshake-seconds", "0.5")
    proc.expect(r"at most 2 connections, 64 per address; nickname within 0.5 s")
    with RawClient(("127.0.0.1", port)) as ada, RawClient(("127.0.0.1", port)) as staller:
        ada.join("ada")
        assert staller.line() == "Hii"
        with RawClient(("127.0.0.1", port)) as third:
            assert third.line() == "!!! the server is full (2 connections); try again later"
        assert staller.line() == "!!! no nickname within 0.5 seconds; goodbye"


def test_server_script_reports_a_busy_port():
    with ChatServer() as busy:
        proc = Process(str(BIN / "chatlesson-server"), "--port", str(busy.port))
        try:
            proc.expect(r"cannot listen on 127\.0\.0\.1:\d+")
            assert proc.wait() == 1
        finally:
            proc.kill()


@pytest.mark.parametrize("command", [["chatlesson-client"], ["-m", "chatlesson.client"]])
def test_client_script_sends_prints_and_quits(server, command):
    exe = [str(BIN / command[0])] if len(command) == 1 else [sys.executable, *command]
    with RawClient(server.address) as ada:
        ada.join("ada")
        client = Process(*exe, "--port", str(server.port), "--nick", "bob", stdin=subprocess.PIPE)
        try:
            client.expect(r"^\*\*\* Welcome, bob! You are in #lobby\. Online: ada, bob$")
            assert ada.line() == "*** bob joined #lobby"
            ada.send("hi bob 👋")
            client.expect(r"^ada: hi bob 👋$")
            assert ada.line() == "ada: hi bob 👋"
            client.write("hello ada")
            assert ada.line() == "bob: hello ada"
            client.write("/quit")
            assert client.wait() == 0
            assert ada.line() == "*** bob left #lobby (quit)"
        finally:
            client.kill()


def test_client_script_asks_again_for_a_taken_nickname_on_a_pipe_it_gives_up(server):
    with RawClient(server.address) as ada:
        ada.join("ada")
        client = Process(str(BIN / "chatlesson-client"), "--port", str(server.port), "--nick", "ADA")
        try:
            client.expect(r"the nickname ADA is taken")
            assert client.wait() == 1
        finally:
            client.kill()


def test_client_script_exits_when_the_server_goes_away():
    server = ChatServer().start()
    client = Process(str(BIN / "chatlesson-client"), "--port", str(server.port), "--nick", "bob",
                     stdin=subprocess.PIPE)
    try:
        client.expect(r"Welcome, bob")
        server.stop()
        client.expect(r"shutting down")
        assert client.wait() == 0
    finally:
        client.kill()
        server.stop()


def test_client_script_reports_a_refused_connection():
    server = ChatServer().start()
    port = server.port
    server.stop()
    client = Process(str(BIN / "chatlesson-client"), "--port", str(port), "--nick", "bob")
    try:
        client.expect(r"cannot connect to 127\.0\.0\.1:\d+")
        assert client.wait() == 1
    finally:
        client.kill()


@pytest.mark.skipif(resource is None, reason="resource.setrlimit is POSIX only")
@ENGINE_OPTIONS
def test_server_keeps_accepting_after_running_out_of_file_descriptors(engine):
    """EMFILE from accept() is a bad moment, not the end of the server."""

    def few_files():
        resource.setrlimit(resource.RLIMIT_NOFILE, (40, 40))

    server = Process(str(BIN / "chatlesson-server"), "--port", "0", "--engine", engine,
                     preexec_fn=few_files)
    try:
        port = int(server.expect(r"listening on 127\.0\.0\.1:(\d+)")[1])
        crowd = [RawClient(("127.0.0.1", port)) for _ in range(60)]  # more than 40 descriptors
        if engine == "threads":  # (uvloop closes the ones it cannot take, and logs nothing)
            server.expect(r"cannot accept a connection: .*Too many open files")
        else:
            assert crowd[0].line() == "Hii"
        for client in crowd:
            client.close()
        deadline = time.monotonic() + DEADLINE
        while True:  # once the server has seen the crowd go and has descriptors again
            with RawClient(("127.0.0.1", port)) as late:
                try:
                    if late.line() == "Hii":
                        break
                except EOFError:  # still out of descriptors: turned away at once
                    pass
            assert time.monotonic() < deadline, "the server never accepted anyone again"
    finally:
        server.kill()


@pytest.mark.parametrize("value", ["99999", "0", "-1", "http"])
def test_the_client_refuses_a_port_that_cannot_be_a_servers(value):
    proc = Process(str(BIN / "chatlesson-client"), "--port", value, "--nick", "ada")
    try:
        proc.expect(re.escape("give the server's port, a number from 1 to 65535"))
        assert proc.wait() == 2
    finally:
        proc.kill()


def test_a_server_bound_beyond_loopback_says_who_can_reach_it():
    proc = Process(str(BIN / "chatlesson-server"), "--host", "0.0.0.0", "--port", "0")
    try:
        proc.expect(r"WARNING: bound to every interface: anyone who can reach this machine")
    finally:
        proc.kill()


def test_a_server_on_loopback_warns_nobody(run_server):
    proc, _ = run_server()
    proc.expect("press Ctrl-C to stop")
    assert not any("WARNING" in line for line in proc.seen)
