"""Starting and stopping, on every engine: nothing may be left behind (shared server suite)."""

import asyncio
import socket
import threading
import time

import pytest

from chatlesson import ChatClient, ChatRules
from chatlesson.server.turns import LINES_PER_TURN
from netutil import DEADLINE, RawClient, open_resources, wait_until


def test_start_stop_100_times_leaks_neither_threads_nor_sockets(make_server):
    def cycle():
        with make_server() as server:
            with ChatClient(server.address, "ada") as ada, RawClient(server.address) as staller:
                assert staller.line() == "Hii"  # a half-joined client is open when we stop
                ada.send("hello")
                assert ada.messages.get(timeout=5).raw == "ada: hello"
                server.stop()  # stop with clients still connected
                assert ada.wait_closed(5)

    cycle()  # warm up: imports, logging handlers
    threads, resources = threading.active_count(), open_resources()
    for _ in range(100):
        cycle()
    assert threading.active_count() == threads, threading.enumerate()
    if resources is None:
        pytest.skip("threads checked; counting descriptors needs psutil")
    assert open_resources() == resources


def test_stop_is_idempotent_and_a_stopped_server_can_start_again(make_server):
    threads = set(threading.enumerate())
    server = make_server()
    server.start()
    server.stop()
    server.stop()
    server.start()
    with ChatClient(server.address, "again") as client:
        assert client.welcome.nick == "again"
    server.stop()
    assert set(threading.enumerate()) <= threads


def test_port_zero_gives_a_free_port_and_a_second_server_gets_another(make_server):
    with make_server(port=0) as first, make_server(port=0) as second:
        assert first.port > 0 and second.port > 0 and first.port != second.port
        for server in (first, second):
            with RawClient(server.address) as client:
                assert client.line() == "Hii"


def test_the_context_manager_starts_and_stops(make_server):
    server = make_server()
    assert not server.running
    with server as running:
        assert running is server and server.running
        address = server.address
    assert not server.running
    with pytest.raises(RuntimeError):
        _ = server.address
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=DEADLINE)


def test_nicks_follow_joins_renames_and_leaves_in_joining_order(make_server):
    with make_server() as server:
        with RawClient(server.address) as ada:
            ada.join("ada")
            with RawClient(server.address) as bob:
                bob.join("bob")
                assert server.nicks() == ["ada", "bob"]
                bob.send("/nick Robert")
                wait_until(lambda: server.nicks() == ["ada", "Robert"], what="the rename")
            wait_until(lambda: server.nicks() == ["ada"], what="bob to be gone")


def test_start_and_stop_inside_a_running_event_loop_as_in_a_notebook(make_server):
    """A Jupyter kernel runs its own asyncio loop: cells that start and stop servers run in it."""
    threads = set(threading.enumerate())

    async def cell():
        server = make_server().start()
        with ChatClient(server.address, "ada") as ada:
            ada.send("from a cell")
            assert ada.messages.get(timeout=5).raw == "ada: from a cell"
            await asyncio.sleep(0)  # the kernel's loop goes on running
            server.stop()
            assert ada.wait_closed(5)
        return server.running

    assert asyncio.run(cell()) is False
    wait_until(lambda: set(threading.enumerate()) <= threads, what="every thread to end")


class RulesThatCount(ChatRules):
    """Counts the lines handed to the rules once ``shutdown()`` has been called."""

    def __init__(self, **options) -> None:
        super().__init__(**options)
        self.shut_down = False
        self.lines_after_shutdown = 0

    def shutdown(self):
        self.shut_down = True
        return super().shutdown()

    def line(self, who, data):
        if self.shut_down:
            self.lines_after_shutdown += 1
        return super().line(who, data)


def test_stop_reads_no_more_from_a_client_that_keeps_sending(make_server):
    """Once stop() has said goodbye a server reads nothing more, so a sender cannot hold it up."""
    rules = RulesThatCount(flood_limit=None)
    server = make_server(rules=rules).start()
    with RawClient(server.address) as sender:
        sender.join("sender")
        sending = threading.Event()

        def send() -> None:
            burst = b"more\n" * 10_000
            try:
                while True:
                    sender.sock.sendall(burst)
                    sending.set()
            except OSError:
                pass  # the server has closed us

        def drain() -> None:
            try:
                while sender.sock.recv(1 << 16):
                    pass
            except OSError:
                pass

        threads = [threading.Thread(target=send, daemon=True),
                   threading.Thread(target=drain, daemon=True)]
        for thread in threads:
            thread.start()
        assert sending.wait(DEADLINE)
        stopper = threading.Thread(target=server.stop, daemon=True)
        asked = time.monotonic()
        stopper.start()
        stopper.join(DEADLINE)
        took = time.monotonic() - asked
        assert not stopper.is_alive(), "stop() waits for a client that keeps sending"
        sender.close()
        for thread in threads:
            thread.join(DEADLINE)
    print(f"stop() took {took:.3f} s; lines read after the goodbye: {rules.lines_after_shutdown}")
    assert rules.lines_after_shutdown <= LINES_PER_TURN  # at most the turn under way
    assert took < 5.0
