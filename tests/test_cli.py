"""The command-line scripts, run for real in subprocesses."""

import os
import queue
import re
import signal
import subprocess
import sys
import threading
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
        proc.proc.send_signal(signal.SIGINT)
        assert proc.wait() == 0
    finally:
        proc.kill()


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
def test_server_keeps_accepting_after_running_out_of_file_descriptors():
    """EMFILE from accept() is a bad moment, not the end of the server."""

    def few_files():
        resource.setrlimit(resource.RLIMIT_NOFILE, (40, 40))

    server = Process(str(BIN / "chatlesson-server"), "--port", "0", preexec_fn=few_files)
    try:
        port = int(server.expect(r"listening on 127\.0\.0\.1:(\d+)")[1])
        crowd = [RawClient(("127.0.0.1", port)) for _ in range(60)]  # more than 40 descriptors
        server.expect(r"cannot accept a connection: .*Too many open files")
        for client in crowd:
            client.close()
        with RawClient(("127.0.0.1", port)) as late:  # once descriptors are free again
            assert late.line() == "Hii"
    finally:
        server.kill()
