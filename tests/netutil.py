"""Helpers for tests that talk to a server over real sockets, without sleeping."""

from __future__ import annotations

import contextlib
import os
import socket
import time

import pytest

try:
    import psutil
except ImportError:  # an optional extra (bench): the tests that need it skip
    psutil = None

DEADLINE = 10.0  # seconds: generous, because a passing test never waits this long


class RawClient:
    """A bare TCP client that reads whole lines with a deadline (like ``nc``)."""

    def __init__(self, address, timeout: float = DEADLINE):
        self.sock = socket.create_connection(tuple(address), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self._buffer = b""

    def take_unread(self) -> bytes:
        """Bytes already received but not yet returned as lines, for a reader taking over."""
        unread, self._buffer = self._buffer, b""
        return unread

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(self, text: str) -> None:
        self.sock.sendall((text + "\n").encode("utf-8"))

    def line(self) -> str:
        """The next line; raises socket.timeout if none comes in time, EOFError at end."""
        while b"\n" not in self._buffer:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError(f"connection closed; unfinished data: {self._buffer!r}")
            self._buffer += data
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode("utf-8")

    def lines(self, count: int) -> list[str]:
        return [self.line() for _ in range(count)]

    def until(self, predicate) -> list[str]:
        """Read lines up to and including the first one for which ``predicate`` is true."""
        seen = []
        while True:
            seen.append(self.line())
            if predicate(seen[-1]):
                return seen

    def join(self, nick: str) -> str:
        """Do the handshake; return the welcome line."""
        assert self.line() == "Hii"
        self.send(nick)
        welcome = self.line()
        assert welcome.startswith("*** Welcome"), welcome
        return welcome

    def closed_by_peer(self) -> bool:
        """True once the server has closed this connection (reads and drops what is left)."""
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
                self._buffer += data
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def next_message(client, text: str) -> str:
    """The first line a ``ChatClient`` receives that contains ``text`` (the others are skipped)."""
    while True:
        message = client.messages.get(timeout=DEADLINE)
        assert message is not None, f"connection closed before {text!r}"
        if text in message.raw:
            return message.raw


def wait_until(predicate, timeout: float = DEADLINE, what: str = "condition") -> None:
    """Poll ``predicate`` until it is true; fail the test if the deadline passes."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


def open_resources() -> int | None:
    """This process's open file descriptors (POSIX) or handles (Windows); None without psutil."""
    if psutil is None:
        return None
    me = psutil.Process()
    return me.num_handles() if os.name == "nt" else me.num_fds()


@contextlib.contextmanager
def server_side_of(client: socket.socket):
    """The server's socket for this client's connection (a duplicate, closed afterwards).

    Found from outside the server, the same way for every engine: psutil lists this
    process's TCP connections with their descriptors. Skips where that is not possible.
    """
    if psutil is None:
        pytest.skip("finding the server's socket needs psutil (pip install chatlesson[bench])")
    here, there = client.getsockname()[:2], client.getpeername()[:2]
    deadline = time.monotonic() + DEADLINE
    while True:
        found = [c for c in psutil.Process().net_connections(kind="tcp")
                 if tuple(c.laddr) == there and c.raddr and tuple(c.raddr) == here]
        if found:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"no server-side connection for {here} -> {there}")
        time.sleep(0.005)
    if found[0].fd < 0:
        pytest.skip("this system does not tell which descriptor a connection has")
    sock = socket.socket(fileno=os.dup(found[0].fd))
    try:
        yield sock
    finally:
        sock.close()
