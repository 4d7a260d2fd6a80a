"""What only the event-loop server has: its loop, ``serve()``, batching, its stop timeout.

Everything a client can see (limits, slow and fast readers, a server started inside a running
event loop ...) is tested for every engine by the shared server suite (test_server.py,
test_limits.py, test_lifecycle.py, test_keepalive.py); these tests look at how the event-loop
server gets there.
"""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import threading
import time

import pytest

from chatlesson.core.limits import Limits
from chatlesson.core.rules import ChatRules
from chatlesson.server import eventloop_switchboard
from chatlesson.server.eventloop import EventLoopServer, serve
from chatlesson.server.eventloop_switchboard import Switchboard
from netutil import DEADLINE, RawClient

HAVE_UVLOOP = importlib.util.find_spec("uvloop") is not None
LOOPS = [False, pytest.param(True, marks=pytest.mark.skipif(not HAVE_UVLOOP, reason="no uvloop"))]


def loop_module(server: EventLoopServer) -> str:
    return server.call(lambda: type(asyncio.get_running_loop()).__module__)


@pytest.mark.skipif(not HAVE_UVLOOP, reason="uvloop is not installed")
def test_uvloop_is_used_when_installed_unless_refused():
    with EventLoopServer() as server:
        assert loop_module(server).startswith("uvloop")
    with EventLoopServer(use_uvloop=False) as server:
        assert loop_module(server).startswith("asyncio")


def test_stop_ends_the_loop_thread_and_a_second_stop_does_nothing():
    server = EventLoopServer(use_uvloop=False).start()
    threads = [t for t in threading.enumerate() if t.name == "chatlesson-eventloop"]
    assert len(threads) == 1
    server.stop()
    assert not threads[0].is_alive()
    assert not server.running
    server.stop()
    with pytest.raises(RuntimeError):
        server.address  # noqa: B018


def test_serve_runs_in_the_callers_loop_until_cancelled():
    async def main() -> list[bytes]:
        ready: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(serve("127.0.0.1", 0, ready=ready.set_result, flood_limit=None))
        port = await asyncio.wait_for(ready, DEADLINE)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        seen = [await reader.readline()]
        writer.write(b"ada\nhi\n")
        seen += [await reader.readline(), await reader.readline()]
        task.cancel()
        seen += [await reader.readline(), await reader.read()]
        writer.close()
        with pytest.raises(asyncio.CancelledError):
            await task
        return seen

    hii, welcome, chat, bye, end = asyncio.run(asyncio.wait_for(main(), DEADLINE))
    assert (hii, chat, bye, end) == (b"Hii\n", b"ada: hi\n", b"*** The server is shutting down. Bye!\n", b"")
    assert welcome.startswith(b"*** Welcome, ada!")


# --- Batching ------------------------------------------------------------------------------


class RecordingTransport:
    """Stands in for an asyncio transport: records every write."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.writes: list[bytes] = []
        self.closed = False

    def get_extra_info(self, name: str):
        return ("127.0.0.1", self.port) if name == "peername" else None

    def set_write_buffer_limits(self, high=None, low=None) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


def run_one_pass(loop: asyncio.AbstractEventLoop) -> None:
    """Run what is scheduled right now (the switchboard's flush), then stop."""
    loop.call_soon(loop.stop)
    loop.run_forever()


def test_each_client_gets_one_write_per_pass_of_the_loop():
    loop = asyncio.new_event_loop()
    try:
        board = Switchboard(loop, ChatRules(flood_limit=None))
        conns, transports = [], []
        for n, nick in enumerate(["ada", "bob", "cy"]):
            conn, transport = board.new_connection(), RecordingTransport(40000 + n)
            conn.connection_made(transport)
            conn.data_received(nick.encode() + b"\n")
            conns.append(conn), transports.append(transport)
        run_one_pass(loop)
        for transport in transports:
            transport.writes.clear()
        # In one pass: three lines in one read from ada, one line from bob.
        conns[0].data_received(b"one\ntwo\nthree\n")
        conns[1].data_received(b"four\n")
        assert all(t.writes == [] for t in transports)  # queued, not written yet
        run_one_pass(loop)
        for transport in transports:
            assert transport.writes == [b"ada: one\nada: two\nada: three\nbob: four\n"]
    finally:
        loop.close()


# --- Stopping ----------------------------------------------------------------------------------


@pytest.mark.parametrize("use_uvloop", LOOPS)
def test_stop_cuts_off_a_client_that_does_not_read_its_goodbye(monkeypatch, use_uvloop):
    monkeypatch.setattr(eventloop_switchboard, "FLUSH_TIMEOUT", 0.2)
    limits = Limits(soft_seconds=60, hard_pending_bytes=1 << 30)  # only stop() may cut it off
    server = EventLoopServer(flood_limit=None, limits=limits, use_uvloop=use_uvloop).start()
    sleeper = socket.socket()
    try:
        sleeper.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sleeper.connect(server.address)
        sleeper.sendall(b"sleeper\n")
        with RawClient(server.address) as talker:
            talker.join("talker")
            # More than the kernel buffers between the server and the sleeper can hold.
            talker.send_raw(b"".join(b"%d %s\n" % (n, b"z" * 1900) for n in range(4000)))
            talker.until(lambda line: line.startswith("talker: 3999 "))
            started = time.monotonic()
            server.stop()
            took = time.monotonic() - started
            assert talker.line() == "*** The server is shutting down. Bye!"
            assert talker.closed_by_peer()
        assert took < 0.2 + DEADLINE / 2  # the sleeper did not hold the stop up for ever
        sleeper.settimeout(DEADLINE)
        received = bytearray()
        try:
            while data := sleeper.recv(1 << 20):
                received += data
        except ConnectionResetError:
            pass
        assert b"3999 " not in received and b"Bye!" not in received  # dropped, not flushed
    finally:
        sleeper.close()
        server.stop()
