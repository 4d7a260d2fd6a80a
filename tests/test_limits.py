"""The limits a server on a network needs, on every engine (part of the shared server suite).

Connections in all and per host, the handshake deadline, and slow readers (a soft limit a
client may exceed for a short time, a hard one that cuts it off at once). The numbers are
decided by ``chatlesson.core`` (``Limits``, ``SlowReader``, ``ChatRules``); these tests check
that each server carries them out over real sockets, with short limits instead of sleeping.
"""

from __future__ import annotations

import socket
import sys
import threading
import time

import pytest

from chatlesson.core.limits import Limits
from chatlesson.core.rules import ChatRules
from netutil import DEADLINE, RawClient, server_side_of, wait_until
from rulesutil import FakeClock


def refused_with(client: RawClient, start: str) -> str:
    """The one line a refused connection gets, after which the server closes it."""
    line = client.line()
    assert line.startswith(start), line
    assert client.closed_by_peer()
    return line


# --- How many connections ----------------------------------------------------


def test_a_full_server_refuses_newcomers_with_a_clear_error_then_lets_them_in(make_server):
    with make_server(limits=Limits(max_connections=3)) as server:
        first = [RawClient(server.address) for _ in range(3)]
        try:
            assert [c.line() for c in first] == ["Hii"] * 3
            with RawClient(server.address) as fourth:
                refused_with(fourth, "!!! the server is full (3 connections)")
            first.pop().close()  # one leaves: there is room again
            deadline = time.monotonic() + DEADLINE
            while True:  # the server notices the close a moment later
                with RawClient(server.address) as late:
                    if late.line() == "Hii":
                        break
                assert time.monotonic() < deadline, "the freed place was never given out"
        finally:
            for client in first:
                client.close()


def test_refused_connections_do_not_count_and_joined_members_are_undisturbed(make_server):
    with make_server(limits=Limits(max_connections=2)) as server:
        with RawClient(server.address) as ada, RawClient(server.address) as bob:
            ada.join("ada"), bob.join("bob"), ada.line()
            for _ in range(5):
                with RawClient(server.address) as crowd:
                    refused_with(crowd, "!!! the server is full")
            ada.send("still two of us")
            assert bob.line() == "ada: still two of us"
            assert server.nicks() == ["ada", "bob"]


def connect_from(host: str, address) -> RawClient:
    """A client whose connection comes from ``host`` (another loopback address)."""
    sock = socket.socket()
    sock.bind((host, 0))
    sock.settimeout(DEADLINE)
    sock.connect(tuple(address))
    client = RawClient.__new__(RawClient)
    client.sock, client.timeout, client._buffer = sock, DEADLINE, b""
    return client


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="only Linux answers on all of 127.0.0.0/8 without configuration")
def test_too_many_connections_from_one_host_are_refused_others_still_get_in(make_server):
    with make_server(limits=Limits(max_per_host=2, max_connections=None)) as server:
        mine = [connect_from("127.0.0.1", server.address) for _ in range(2)]
        try:
            assert [c.line() for c in mine] == ["Hii"] * 2
            with connect_from("127.0.0.1", server.address) as third:
                refused_with(third, "!!! too many connections from your address (at most 2)")
            with connect_from("127.0.0.2", server.address) as elsewhere:
                assert elsewhere.line() == "Hii"  # another machine in the class
                elsewhere.send("bea")
                assert elsewhere.line().startswith("*** Welcome, bea!")
        finally:
            for client in mine:
                client.close()


# --- The handshake deadline ----------------------------------------------------


def test_a_client_that_never_chooses_a_nickname_is_let_go_after_the_deadline(make_server):
    with make_server(limits=Limits(handshake_seconds=0.3)) as server:
        with RawClient(server.address) as staller, RawClient(server.address) as ada:
            assert staller.line() == "Hii"
            ada.join("ada")
            assert staller.line() == "!!! no nickname within 0.3 seconds; goodbye"
            assert staller.closed_by_peer()
            # The deadline has passed for ada too, but she joined in time: she stays.
            ada.send("still here")
            assert ada.line() == "ada: still here"
            assert server.nicks() == ["ada"]


def test_trickling_bytes_does_not_stretch_the_handshake_deadline(make_server):
    with make_server(limits=Limits(handshake_seconds=0.3)) as server:
        with RawClient(server.address) as slow:
            assert slow.line() == "Hii"
            started = time.monotonic()
            slow.sock.settimeout(0.05)
            while True:  # one byte at a time, never a whole line, until the server gives up
                try:
                    slow.send_raw(b"x")
                    line = slow.line()
                except TimeoutError:
                    assert time.monotonic() - started < DEADLINE, "the deadline never came"
                    continue
                except OSError:
                    break  # closed before we read the goodbye: also a pass
                assert line == "!!! no nickname within 0.3 seconds; goodbye"
                break


def test_without_a_handshake_deadline_a_quiet_client_stays(make_server):
    """``handshake_seconds=None`` turns the deadline off (nothing expires)."""
    with make_server(limits=Limits(handshake_seconds=None)) as server:
        with RawClient(server.address) as quiet, RawClient(server.address) as ada:
            assert quiet.line() == "Hii"
            ada.join("ada")
            ada.send("hello")
            assert ada.line() == "ada: hello"
            quiet.send("quiet")
            assert quiet.line().startswith("*** Welcome, quiet!")


class RulesWithABug(ChatRules):
    """Rules whose first ``expire()`` raises, and whose ``shutdown()`` always does."""

    def __init__(self, **options) -> None:
        super().__init__(**options)
        self.expires = 0

    def expire(self):
        self.expires += 1
        if self.expires == 1:
            raise RuntimeError("a bug in expire")
        return super().expire()

    def shutdown(self):
        raise RuntimeError("a bug in shutdown")


def test_a_bug_in_the_rules_turns_neither_the_deadline_nor_the_stop_off(make_server, caplog):
    rules = RulesWithABug(limits=Limits(handshake_seconds=0.3))
    server = make_server(rules=rules).start()
    with RawClient(server.address) as first, RawClient(server.address) as second:
        assert first.line() == "Hii" and second.line() == "Hii"
        for staller in (first, second):  # expire() is asked again after its bug
            assert staller.line() == "!!! no nickname within 0.3 seconds; goodbye"
            assert staller.closed_by_peer()
        with RawClient(server.address) as ada:
            ada.join("ada")
            server.stop()  # no goodbye from the rules, but everyone is closed all the same
            assert ada.closed_by_peer()
    assert not server.running
    assert rules.expires >= 2
    assert "a bug in expire" in caplog.text and "a bug in shutdown" in caplog.text


# --- Slow readers ---------------------------------------------------------------


def stalled_member(server, nick: str) -> socket.socket:
    """A member who joins and then never reads again (a small receive buffer fills fast)."""
    sleeper = socket.socket()
    sleeper.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sleeper.connect(tuple(server.address))
    sleeper.sendall(nick.encode() + b"\n")
    wait_until(lambda: nick in server.nicks(), what=f"{nick} to join")
    return sleeper


def talk_until_left(talker: RawClient, nick: str, max_bytes: int, line_size: int = 2000):
    """Send lines, each echo awaited (the talker is a fast reader), until ``nick`` leaves.

    Returns (the "left" line or None, bytes sent, time of the last line sent).
    """
    line, sent, last = "z" * line_size, 0, time.monotonic()
    while sent < max_bytes:
        talker.send(line)
        last = time.monotonic()
        sent += line_size + 1
        reply = talker.line()  # never held up: its own line comes straight back
        if reply.startswith(f"*** {nick} left"):
            return reply, sent, last
        assert reply == "talker: " + line, reply[:80]
    return None, sent, last


def test_a_reader_that_stops_is_cut_off_at_the_hard_limit_at_once(make_server):
    limits = Limits(soft_pending_bytes=16 * 1024, soft_seconds=60, hard_pending_bytes=128 * 1024)
    with make_server(flood_limit=None, limits=limits) as server:
        sleeper = stalled_member(server, "sleeper")
        try:
            with RawClient(server.address) as talker:
                talker.join("talker")
                started = time.monotonic()
                left, sent, _ = talk_until_left(talker, "sleeper", max_bytes=64 * 1024 * 1024)
                assert left == "*** sleeper left #lobby (too slow: stopped reading)"
                assert time.monotonic() - started < limits.soft_seconds  # the hard limit did it
                assert server.nicks() == ["talker"]
                print(f"cut off at the hard limit after {sent / 1024:.0f} KiB sent")
        finally:
            sleeper.close()


def test_a_reader_that_stops_is_cut_off_within_the_soft_time_even_when_all_is_quiet(make_server):
    limits = Limits(soft_pending_bytes=16 * 1024, soft_seconds=1.5,
                    hard_pending_bytes=256 * 1024 * 1024)
    with make_server(flood_limit=None, limits=limits) as server:
        sleeper = stalled_member(server, "sleeper")
        try:
            with RawClient(server.address) as talker:
                talker.join("talker")
                # First about what the kernel buffers between us hold here (2.7 MB on Linux),
                # then small rounds, each followed by a quiet wait longer than the soft time.
                left, _, last = talk_until_left(talker, "sleeper", max_bytes=3 * 1024 * 1024)
                how = "while the first lines were still coming"
                talker.sock.settimeout(limits.soft_seconds + 2.0)  # generous: a busy machine
                for _ in range(40):
                    if left is not None:
                        break
                    try:  # all quiet now: only the server's timer can cut the sleeper off
                        left = talker.line()
                        how = "by the timer, all quiet"
                    except TimeoutError:
                        left, _, last = talk_until_left(talker, "sleeper", max_bytes=256 * 1024)
                        # A round takes far less than the soft time: a cut now means it went
                        # over the soft limit before the quiet wait, and the timer never fired.
                        assert left is None, "cut off only when more lines came, not by the timer"
                took = time.monotonic() - last
                print(f"cut off {how}, {took * 1000:.0f} ms after the last line")
                assert left == "*** sleeper left #lobby (too slow: stopped reading)"
                assert took < limits.soft_seconds + 2.0
                talker.send("still here")  # (the echo of a line sent as the cut came may be first)
                rest = talker.until(lambda line: line == "talker: still here")
                assert rest[:-1] in ([], ["talker: " + "z" * 2000]), rest[:-1]
                assert server.nicks() == ["talker"]
        finally:
            sleeper.close()


class LineCollector(threading.Thread):
    """Reads a client's lines as fast as loopback allows until ``last`` arrives (or EOF)."""

    def __init__(self, client: RawClient, last: str):
        super().__init__(daemon=True)
        self.client, self.last, self.lines = client, last, []

    def run(self) -> None:
        try:
            while True:
                line = self.client.line()
                self.lines.append(line)
                if line == self.last:
                    return
        except (EOFError, OSError) as gone:
            self.lines.append(f"<{gone!r}>")


def small_send_buffer(client: RawClient) -> None:
    """Shrink the server's kernel send buffer for this client (Linux grows it to megabytes,
    which would hold a whole burst out of the slow-reader rule's sight): what the server sends
    faster than the client reads then waits in the server, over the soft limit."""
    try:
        with server_side_of(client.sock) as theirs:
            theirs.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 32 * 1024)
    except pytest.skip.Exception:
        pass  # no psutil, or no descriptors to be had: the burst still has to arrive whole


def test_a_fast_reader_is_never_cut_off_when_one_sender_bursts_4_mb(make_server):
    """Flood control off: the burst takes both readers far over a small soft limit (megabytes
    wait in the server), but never for the soft time, so no one is cut off."""
    limits = Limits(soft_pending_bytes=16 * 1024, soft_seconds=8.0)
    with make_server(flood_limit=None, limits=limits) as server:
        with RawClient(server.address) as reader, RawClient(server.address) as sender:
            reader.join("reader"), sender.join("sender"), reader.line()
            small_send_buffer(reader), small_send_buffer(sender)
            lines = [f"{n:06d} " + "b" * 993 for n in range(4096)]  # 1000 bytes each, 4 MB
            expected = [f"sender: {line}" for line in lines]
            collectors = [LineCollector(c, expected[-1]) for c in (reader, sender)]
            for collector in collectors:
                collector.start()
            started = time.monotonic()
            sender.send_raw("".join(line + "\n" for line in lines).encode())
            for collector in collectors:
                collector.join(DEADLINE * 3)
                assert not collector.is_alive(), "the burst never arrived"
            took = time.monotonic() - started
            print(f"4 MB burst delivered to 2 readers in {took * 1000:.0f} ms")
            for collector in collectors:
                assert collector.lines == expected, collector.lines[-3:]
            assert server.nicks() == ["reader", "sender"]


#: More than the kernel buffers between the server and a stalled member hold (2.7 MB on Linux
#: with a 4 KiB receive buffer), so that the rest waits in the server, over the soft limit.
NAP_BYTES = 4 * 1024 * 1024


def as_client(sock: socket.socket) -> RawClient:
    """A RawClient reading from a socket made elsewhere."""
    sock.settimeout(DEADLINE)
    client = RawClient.__new__(RawClient)
    client.sock, client.timeout, client._buffer = sock, DEADLINE, b""
    return client


def test_a_client_that_drains_again_before_the_soft_time_is_kept(make_server):
    """Over the soft limit while it naps, then reading again in time: not too slow."""
    limits = Limits(soft_pending_bytes=16 * 1024, soft_seconds=30)
    with make_server(flood_limit=None, limits=limits) as server:
        with as_client(stalled_member(server, "napper")) as napper, \
                RawClient(server.address) as talker:
            talker.join("talker")
            left, sent, _ = talk_until_left(talker, "napper", max_bytes=NAP_BYTES)
            assert left is None, left
            talker.send("done")
            heard = napper.until(lambda line: line == "talker: done")
            assert heard[:3] == ["Hii", heard[1], "*** talker joined #lobby"]
            assert heard[3:-1] == ["talker: " + "z" * 2000] * (sent // 2001)
            assert server.nicks() == ["napper", "talker"]


def test_the_same_nap_with_a_short_soft_time_is_cut_off(make_server):
    """The twin of the test above: its nap does take the napper over the soft limit."""
    limits = Limits(soft_pending_bytes=16 * 1024, soft_seconds=0.3)
    with make_server(flood_limit=None, limits=limits) as server:
        with as_client(stalled_member(server, "napper")) as napper, \
                RawClient(server.address) as talker:
            talker.join("talker")
            left, _, _ = talk_until_left(talker, "napper", max_bytes=NAP_BYTES)
            if left is None:  # all sent before the soft time ran out: the timer cuts it off
                left = talker.line()
            assert left == "*** napper left #lobby (too slow: stopped reading)"
            assert napper.closed_by_peer()
            assert server.nicks() == ["talker"]


def test_the_soft_time_is_kept_by_the_rules_clock(make_server):
    """Every engine times a slow reader with the clock its rules were given (tests move it)."""
    clock = FakeClock(100.0)
    limits = Limits(soft_pending_bytes=16 * 1024, soft_seconds=60)
    rules = ChatRules(clock=clock, flood_limit=None, limits=limits)
    with make_server(rules=rules) as server:
        with as_client(stalled_member(server, "napper")), RawClient(server.address) as talker:
            talker.join("talker")
            left, _, _ = talk_until_left(talker, "napper", max_bytes=NAP_BYTES)
            assert left is None, "cut off although the rules' clock had not moved"
            clock.now += 61  # the soft time has passed by the rules' clock: the next line tells
            talker.send("one more")
            heard = talker.until(lambda line: line.startswith("*** napper left"))
            assert heard[-1] == "*** napper left #lobby (too slow: stopped reading)"
            assert heard[:-1] in ([], ["talker: one more"]), heard
