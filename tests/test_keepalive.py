"""Dead peers: TCP keepalive set per system, and a vanished member's nickname coming free.

Linux's options are read back from a real socket; macOS and Windows are simulated with a
socket that records what it is told and the socket module's constants as those systems
define them (what we cannot run, we simulate).
"""

from __future__ import annotations

import errno
import socket
import struct
import sys

import pytest

from chatlesson.core.limits import Limits
from chatlesson.server import keepalive
from chatlesson.server.keepalive import enable_keepalive, plan
from netutil import RawClient, server_side_of

TCP = socket.IPPROTO_TCP


class RecordingSocket:
    """Stands in for a socket on another system: records setsockopt and ioctl calls."""

    def __init__(self, refuse: set[int] = frozenset()):
        self.options: dict[tuple[int, int], int] = {}
        self.ioctls: list[tuple[int, object]] = []
        self.refuse = refuse  # option numbers this system defines but refuses (old Windows)

    def setsockopt(self, level, option, value):
        if option in self.refuse:
            raise OSError(errno.ENOPROTOOPT, "Protocol not available")
        self.options[level, option] = value

    def ioctl(self, control, value):
        self.ioctls.append((control, value))


@pytest.mark.parametrize("seconds", [4, 10, 45, 300, 7200])
@pytest.mark.parametrize("probes, whole", [(3, True), (10, True), (10, False)])
def test_the_plan_notices_a_dead_peer_within_the_time_asked(seconds, probes, whole):
    chosen = plan(seconds, probes, whole)
    assert chosen.probes == probes
    shortest = 1 + probes if whole else 0.001 * (1 + probes)  # a step each, at the least
    assert chosen.total <= max(seconds, shortest)
    assert chosen.total >= seconds * 0.9  # and not much sooner than asked: probes cost traffic
    if seconds >= 10 * probes:
        assert chosen.idle >= chosen.total / 3  # an idle connection is not probed too eagerly
    if whole:
        assert chosen.idle == int(chosen.idle) and chosen.interval == int(chosen.interval)


def test_a_time_shorter_than_the_options_allow_gets_the_shortest_plan():
    assert plan(1) == keepalive.Plan(idle=1, interval=1, probes=3)
    assert plan(1).total == 4


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads Linux's options back")
def test_on_linux_the_options_read_back_from_a_real_socket():
    with socket.socket() as sock:
        chosen = enable_keepalive(sock, 45)
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        assert sock.getsockopt(TCP, socket.TCP_KEEPIDLE) == chosen.idle == 24
        assert sock.getsockopt(TCP, socket.TCP_KEEPINTVL) == chosen.interval == 7
        assert sock.getsockopt(TCP, socket.TCP_KEEPCNT) == chosen.probes == 3
        # Lines unacknowledged by a dead peer give up in the same time, not in 15 minutes.
        assert sock.getsockopt(TCP, socket.TCP_USER_TIMEOUT) == 45_000


@pytest.fixture
def macos(monkeypatch):
    """The socket module as on macOS: TCP_KEEPALIVE is the idle time; no TCP_KEEPIDLE."""
    monkeypatch.delattr(socket, "TCP_KEEPIDLE", raising=False)
    monkeypatch.delattr(socket, "TCP_USER_TIMEOUT", raising=False)
    monkeypatch.setattr(socket, "TCP_KEEPALIVE", 0x10, raising=False)
    monkeypatch.setattr(socket, "TCP_KEEPINTVL", 0x101, raising=False)
    monkeypatch.setattr(socket, "TCP_KEEPCNT", 0x102, raising=False)


def test_on_macos_the_idle_time_goes_to_tcp_keepalive(macos):
    sock = RecordingSocket()
    chosen = enable_keepalive(sock, 45, platform="darwin")
    assert sock.options == {(socket.SOL_SOCKET, socket.SO_KEEPALIVE): 1,
                            (TCP, 0x10): 24, (TCP, 0x101): 7, (TCP, 0x102): 3}
    assert chosen.total <= 45


def test_on_macos_a_python_without_the_constant_still_sets_the_idle_time(macos, monkeypatch):
    monkeypatch.delattr(socket, "TCP_KEEPALIVE")
    sock = RecordingSocket()
    enable_keepalive(sock, 45, platform="darwin")
    assert sock.options[TCP, 0x10] == 24  # macOS's number for TCP_KEEPALIVE


@pytest.fixture
def windows(monkeypatch):
    """The socket module as on Windows 10 1709 and later (constants as Windows numbers them)."""
    monkeypatch.delattr(socket, "TCP_USER_TIMEOUT", raising=False)
    monkeypatch.setattr(socket, "TCP_KEEPIDLE", 3, raising=False)
    monkeypatch.setattr(socket, "TCP_KEEPINTVL", 17, raising=False)
    monkeypatch.setattr(socket, "TCP_KEEPCNT", 16, raising=False)
    monkeypatch.setattr(socket, "SIO_KEEPALIVE_VALS", 0x98000004, raising=False)


def test_on_recent_windows_the_three_options_are_set(windows):
    sock = RecordingSocket()
    chosen = enable_keepalive(sock, 45, platform="win32")
    assert sock.options == {(socket.SOL_SOCKET, socket.SO_KEEPALIVE): 1,
                            (TCP, 3): 24, (TCP, 17): 7, (TCP, 16): 3}
    assert sock.ioctls == [] and chosen.total <= 45


def test_on_older_windows_without_the_options_one_ioctl_sets_milliseconds(windows, monkeypatch):
    for name in ("TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT"):
        monkeypatch.delattr(socket, name)
    sock = RecordingSocket()
    chosen = enable_keepalive(sock, 45, platform="win32")
    assert sock.ioctls == [(0x98000004, (1, 22_500, 2_250))]
    assert chosen.probes == 10 and chosen.total <= 45  # Windows always sends 10 probes


def test_on_older_windows_that_refuses_the_options_the_ioctl_is_used(windows):
    sock = RecordingSocket(refuse={17})
    enable_keepalive(sock, 45, platform="win32")
    assert sock.ioctls == [(0x98000004, (1, 22_500, 2_250))]


def test_elsewhere_a_refused_option_is_an_error_not_silence():
    sock = RecordingSocket(refuse={getattr(socket, "TCP_KEEPIDLE", 4)})
    if not hasattr(socket, "TCP_KEEPIDLE"):
        pytest.skip("this system has no TCP_KEEPIDLE")
    with pytest.raises(OSError):
        enable_keepalive(sock, 45, platform="linux")


# --- On the servers (the shared server suite) ------------------------------------


def test_every_accepted_connection_has_keepalive_for_the_dead_peer_time(make_server):
    with make_server(limits=Limits(dead_peer_seconds=12)) as server:
        with RawClient(server.address) as ada:
            ada.join("ada")
            with server_side_of(ada.sock) as theirs:
                assert theirs.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
                if hasattr(socket, "TCP_KEEPIDLE"):
                    chosen = plan(12)
                    assert theirs.getsockopt(TCP, socket.TCP_KEEPIDLE) == chosen.idle
                    assert theirs.getsockopt(TCP, socket.TCP_KEEPINTVL) == chosen.interval
                    assert theirs.getsockopt(TCP, socket.TCP_KEEPCNT) == chosen.probes


def test_a_vanished_peers_nickname_comes_free_at_once_after_its_connection_dies(engine_server):
    """The kernel reports the connection dead (here: a reset); its owner walks back in."""
    server = engine_server
    with RawClient(server.address) as watcher:
        watcher.join("watcher")
        laptop = RawClient(server.address)
        laptop.join("ada")
        assert watcher.line() == "*** ada joined #lobby"
        laptop.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        laptop.close()  # a reset, as when a dead peer's keepalive probes go unanswered
        assert watcher.line() == "*** ada left #lobby (connection lost)"
        with RawClient(server.address) as back:
            assert back.join("ada").startswith("*** Welcome, ada!")
            assert watcher.line() == "*** ada joined #lobby"
        assert server.nicks()[0] == "watcher"


def test_when_keepalive_gives_up_the_member_leaves_and_its_nickname_comes_free(
        engine, engine_server, monkeypatch):
    """Keepalive's verdict is recv() failing with ETIMEDOUT (TimeoutError): simulated here."""
    if engine == "eventloop-uvloop":
        pytest.skip("uvloop reads in C, where Python cannot make recv() fail")
    server = engine_server
    with RawClient(server.address) as watcher:
        watcher.join("watcher")
        laptop = RawClient(server.address)
        laptop.join("ada")
        assert watcher.line() == "*** ada joined #lobby"
        laptop_address = laptop.sock.getsockname()
        real_recv, real_recv_into = socket.socket.recv, socket.socket.recv_into

        def dead(sock):
            try:
                return sock.getpeername() == laptop_address
            except OSError:
                return False

        def recv(sock, *args):
            if dead(sock):
                raise TimeoutError(errno.ETIMEDOUT, "Connection timed out")
            return real_recv(sock, *args)

        def recv_into(sock, *args):
            if dead(sock):
                raise TimeoutError(errno.ETIMEDOUT, "Connection timed out")
            return real_recv_into(sock, *args)

        monkeypatch.setattr(socket.socket, "recv", recv)
        monkeypatch.setattr(socket.socket, "recv_into", recv_into)
        laptop.send("zzz")  # wakes the server's read; its next one fails like keepalive's
        assert watcher.until(lambda line: "left" in line)[-1] == \
            "*** ada left #lobby (connection lost)"
        monkeypatch.undo()
        with RawClient(server.address) as back:
            assert back.join("ada").startswith("*** Welcome, ada!")
        laptop.close()
