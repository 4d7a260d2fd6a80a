"""Fixtures shared by the tests, and the shared server suite's engines.

Every socket-level test of the servers (test_server.py, test_lifecycle.py, test_limits.py,
test_keepalive.py, the server part of test_portability.py) takes ``make_server`` or
``engine_server`` and so runs against each engine: the lessons' threaded ``ChatServer`` and
the event-loop server, with and without uvloop. Both must behave the same to a client.
"""

import errno
import importlib.util
import socket
import threading
import time
import weakref

import pytest

from chatlesson import ChatServer

ENGINES = ["threads", "eventloop", "eventloop-uvloop"]


def engine_factory(engine: str):
    """(class, extra keyword arguments) for an engine, or skip the test if it is not available."""
    if engine == "threads":
        return ChatServer, {}
    try:
        from chatlesson.server.eventloop import EventLoopServer
    except ModuleNotFoundError as missing:
        if missing.name != "chatlesson.server.eventloop":
            raise
        pytest.skip("the event-loop server (chatlesson/server/eventloop.py) is not written yet")
    if engine == "eventloop-uvloop":
        if importlib.util.find_spec("uvloop") is None:
            pytest.skip("uvloop is not installed (pip install chatlesson[fast])")
        return EventLoopServer, {"use_uvloop": True}
    return EventLoopServer, {"use_uvloop": False}


@pytest.fixture(params=ENGINES)
def engine(request) -> str:
    """The name of the server engine under test."""
    return request.param


@pytest.fixture
def make_server(engine):
    """``make_server(**options)``: a server of the engine under test, not started yet.

    Takes ChatServer's arguments (``rules=``, ``flood_limit=``, ``limits=`` ...); every server
    made is stopped after the test, whatever happened.
    """
    cls, extra = engine_factory(engine)
    made = []

    def make(host: str = "127.0.0.1", port: int = 0, **options):
        server = cls(host, port, **extra, **options)
        made.append(server)
        return server

    yield make
    for server in made:
        server.stop()


@pytest.fixture
def engine_server(make_server):
    """A running server of the engine under test on 127.0.0.1, a free port."""
    with make_server() as running:
        yield running


@pytest.fixture
def server():
    """A threaded chat server on 127.0.0.1, a free port, stopped after the test.

    For tests about something else (the client, the panel, commands); tests about the
    server itself take ``engine_server`` and run against every engine.
    """
    with ChatServer(port=0) as running:
        yield running


@pytest.fixture
def bsd_listeners(monkeypatch):
    """shutdown() of a listening socket raises ENOTCONN and wakes nobody, as on macOS.

    Linux is the one system where shutdown() wakes a thread blocked in accept(); with this
    fixture, code that relies on it hangs here as it would on a student's Mac.
    """
    real_shutdown = socket.socket.shutdown

    def shutdown(self, how):
        try:
            listening = self.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
        except OSError:
            listening = 0
        if listening:
            raise OSError(errno.ENOTCONN, "Socket is not connected")
        return real_shutdown(self, how)

    monkeypatch.setattr(socket.socket, "shutdown", shutdown)


#: What a blocked recv() raises on Windows when another thread closes its socket.
WSAEINTR = 10004


@pytest.fixture
def windows_wakeups(monkeypatch):
    """Windows' rules for a thread blocked in recv(): shutdown() leaves it asleep, close() wakes it.

    On Linux and macOS shutdown() of a connected socket wakes its recv(); Windows ignores
    that (python/cpython#91913) and wakes it only when the socket is closed, with an
    OSError (WSAEINTR). With this fixture, code that relies on shutdown() keeps its reader
    blocked here as it would on a student's Windows laptop; ``wakeups.CLOSE_WAKES_RECV`` is
    True, as it is there. Shutting down the sending side still sends the FIN.
    """
    from chatlesson.server import wakeups

    real_shutdown, real_close, real_recv = (socket.socket.shutdown, socket.socket.close,
                                            socket.socket.recv)
    closed_while_open: weakref.WeakSet = weakref.WeakSet()

    def connected(sock) -> bool:
        try:
            sock.getpeername()
        except OSError:
            return False
        return sock.type == socket.SOCK_STREAM

    def shutdown(self, how):
        if not connected(self):
            return real_shutdown(self, how)
        if how in (socket.SHUT_WR, socket.SHUT_RDWR):
            real_shutdown(self, socket.SHUT_WR)  # the FIN goes out; a waiting recv() sleeps on
        return None

    def close(self):
        if self.fileno() != -1 and connected(self):
            closed_while_open.add(self)
            try:
                real_shutdown(self, socket.SHUT_RDWR)  # what closesocket() does to a recv()
            except OSError:
                pass
        real_close(self)

    def recv(self, *args):
        data = real_recv(self, *args)
        if not data and self in closed_while_open:
            raise OSError(WSAEINTR, "A blocking operation was interrupted (simulated Windows)")
        return data

    monkeypatch.setattr(socket.socket, "shutdown", shutdown)
    monkeypatch.setattr(socket.socket, "close", close)
    monkeypatch.setattr(socket.socket, "recv", recv)
    monkeypatch.setattr(wakeups, "CLOSE_WAKES_RECV", True)


@pytest.fixture
def short_checker_steps(monkeypatch):
    """A checker reports a hang after 1 s, and no thread the student's code started may
    outlive its check for long (a passing check never waits for the step time)."""
    from chatlesson.checks import core

    monkeypatch.setattr(core, "STEP_TIMEOUT", 1.0)
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 3
    while True:
        left = [t.name for t in set(threading.enumerate()) - before]
        if not left:
            break
        assert time.monotonic() < deadline, f"still running after the check: {left}"
        time.sleep(0.01)
