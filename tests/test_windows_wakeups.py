"""The threaded server and the client end their reading threads on Windows too.

A thread blocked in ``recv()`` wakes on ``shutdown()`` on Linux and macOS, and only on
``close()`` on Windows (``chatlesson/server/wakeups.py``). These tests run under the
``windows_wakeups`` fixture, which gives this machine Windows' rules; each would hang
without the Windows path (the first test shows the fixture really keeps a reader asleep).
"""

from __future__ import annotations

import queue
import socket
import threading
import time

import pytest

from chatlesson import ChatClient, ChatServer
from chatlesson.core.limits import Limits
from chatlesson.core.protocol import NICK_REQUEST, SHUTDOWN_NOTICE, encode_line, welcome
from chatlesson.server import wakeups
from netutil import DEADLINE, RawClient, wait_until

#: How long a reader is given to show it is still asleep: only the fixture's own test waits
#: for nothing to happen, and it says so.
STILL_ASLEEP = 0.3


def blocked_reader(sock: socket.socket) -> queue.Queue:
    """Start a thread blocked in ``sock.recv()``; what it returns or raises arrives on the queue."""
    outcome: queue.Queue = queue.Queue()

    def read():
        try:
            outcome.put(sock.recv(1024))
        except OSError as error:
            outcome.put(error)

    threading.Thread(target=read, daemon=True, name="test-blocked-reader").start()
    return outcome


def finishes(action, timeout: float = DEADLINE) -> bool:
    """Run ``action`` in a thread; True if it returned within ``timeout`` seconds."""
    done = threading.Event()

    def run():
        action()
        done.set()

    threading.Thread(target=run, daemon=True, name="test-action").start()
    return done.wait(timeout)


def chatlesson_threads() -> list[str]:
    return sorted(t.name for t in threading.enumerate() if t.name.startswith("chatlesson-"))


def test_the_simulation_keeps_a_reader_asleep_on_shutdown_and_wakes_it_on_close(windows_wakeups):
    left, right = socket.socketpair()
    try:
        outcome = blocked_reader(left)
        left.shutdown(socket.SHUT_RDWR)
        with pytest.raises(queue.Empty):  # the one wait for nothing: STILL_ASLEEP seconds
            outcome.get(timeout=STILL_ASLEEP)
        assert right.recv(1) == b""  # the FIN still went out
        left.close()
        woke = outcome.get(timeout=DEADLINE)
        assert isinstance(woke, OSError) and woke.errno == 10004  # WSAEINTR
    finally:
        left.close()
        right.close()


def test_on_linux_and_macos_shutdown_alone_wakes_a_reader():
    """The other half of the rule, on a real socket of this system (not Windows)."""
    if wakeups.CLOSE_WAKES_RECV:
        pytest.skip("Windows: shutdown() does not wake recv() there")
    left, right = socket.socketpair()
    try:
        outcome = blocked_reader(left)
        left.shutdown(socket.SHUT_RD)
        assert outcome.get(timeout=DEADLINE) == b""
    finally:
        left.close()
        right.close()


def test_stop_ends_every_reader_and_says_goodbye(windows_wakeups):
    server = ChatServer(port=0).start()
    stopped = False
    try:
        with RawClient(server.address) as ada, RawClient(server.address) as bob:
            ada.join("ada")
            bob.join("bob")
            wait_until(lambda: server.nicks() == ["ada", "bob"], what="both to join")
            assert finishes(server.stop)  # neither client hangs up by itself
            stopped = True
            for client in (ada, bob):
                assert client.until(lambda line: SHUTDOWN_NOTICE in line)
                assert client.closed_by_peer()
        assert chatlesson_threads() == []
    finally:
        if not stopped:
            pytest.fail("stop() hung: a reader was never woken")


def test_a_kicked_client_sees_its_connection_closed(windows_wakeups):
    """Its reader is asleep in recv() (unlike a /quit, which its own reader handles)."""
    with ChatServer(port=0, admin_password="secret") as server, RawClient(server.address) as ada, \
            RawClient(server.address) as bob:
        ada.join("ada")
        bob.join("bob")
        ada.send("/admin secret")
        assert ada.until(lambda line: "now an admin" in line)
        threads = len(chatlesson_threads())
        ada.send("/kick bob bye")
        wait_until(bob.closed_by_peer, what="the server to close bob's connection")
        wait_until(lambda: len(chatlesson_threads()) == threads - 2,  # his reader and writer
                   what="bob's reader and writer threads to end")
        assert server.nicks() == ["ada"]


def test_stop_does_not_wait_for_ever_on_a_client_that_stopped_reading(windows_wakeups):
    limits = Limits(soft_pending_bytes=16 * 1024, soft_seconds=600)
    server = ChatServer(port=0, flood_limit=None, limits=limits).start()
    sleeper = socket.socket()
    sleeper.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        sleeper.connect(tuple(server.address))
        sleeper.sendall(b"sleeper\n")
        wait_until(lambda: "sleeper" in server.nicks(), what="the sleeper to join")
        with RawClient(server.address) as talker:
            talker.join("talker")
            line = "z" * 2000
            # Until the sleeper's writer is stuck in send(): its output waits in its queue.
            while max(conn.pending for conn in list(server._connections)) < 64 * 1024:
                talker.send(line)
                assert talker.line() == "talker: " + line
            started = time.monotonic()
            assert finishes(server.stop)
            print(f"stop() took {time.monotonic() - started:.2f} s with a stuck writer")
        assert chatlesson_threads() == []
    finally:
        sleeper.close()
        server.stop()


def test_client_close_returns_even_when_the_server_keeps_the_connection_open(windows_wakeups):
    with socket.create_server(("127.0.0.1", 0)) as listener:
        outcome: queue.Queue = queue.Queue()

        def serve():
            conn, _ = listener.accept()
            conn.sendall(encode_line(NICK_REQUEST))
            conn.recv(1024)  # the nickname
            conn.sendall(encode_line(welcome("ada", "lobby", ["ada"])))
            outcome.put(conn)  # kept open: this server never hangs up

        threading.Thread(target=serve, daemon=True, name="test-silent-server").start()
        client = ChatClient(listener.getsockname(), "ada")
        conn = outcome.get(timeout=DEADLINE)
        try:
            assert finishes(client.close)
            assert not client.connected
        finally:
            conn.close()
