"""Lesson 09: ``serve(server, wakeup)``, a whole chat server in one thread with ``selectors``.

The check runs the student's loop in a thread and plays clients against it on real sockets:
one that leaves at once, one that stays silent, one that sends lines in pieces, one that stops
reading while another floods, ones that leave and break. Its own tools
(``event_loop_sockets``) make the server's sockets small, so a reader that stops fills them
within kilobytes, and count the loop's ``select()`` calls, so a loop that spins is seen.
The three handlers the loop calls have checks of their own (``event_loop_steps``).
"""

from __future__ import annotations

import ctypes
import re
import socket
import threading

from ..server import listening
from .core import Checker, StudentCall, StudentCodeStopped, checker, need_function, phrase, shown
from .event_loop_sockets import LoopListener, SelectLog, watch_selectors
from .event_loop_steps import (
    check_event_loop_drop,
    check_event_loop_read,
    check_event_loop_write,
)
from .sockets import HOST, LineTimeout, Peer, PeerClosed

__all__ = ["check_event_loop", "check_event_loop_drop", "check_event_loop_read",
           "check_event_loop_write"]

LABEL = "serve(server, wakeup)"

#: select() calls in the idle window above which a loop is spinning (a right loop makes none).
SPINNING = 50
IDLE = 0.3  # seconds of quiet in which the loop's select() calls are counted

WELCOME = re.compile(r"\*\*\* You are (\S+)")
WAITING_HINT = ("Something in your loop waits: call accept(), recv() or send() only on a socket "
                "that select() has just reported ready, never sendall(), and make every "
                "client socket non-blocking (sock.setblocking(False)).")
WELCOME_HINT = ("Accept the client, make its socket non-blocking, add a Client to clients, "
                "register the socket for EVENT_READ with the client as its data, and queue "
                "the welcome: queue(sel, client, f\"*** You are {client.nickname}\"). "
                + WAITING_HINT)
DROP_HINT = ("When on_readable or on_writable returns False, the client has gone: call "
             "drop(sel, client), and do not use that client again in this pass.")
STALL_HINT = ("One client stopped reading and the others stopped getting lines too: the loop "
              "waited on the slow one. Make each accepted socket non-blocking, write only from "
              "on_writable (one send() per EVENT_WRITE), and never call sendall().")
EAGER_HINT = ("send() raised BlockingIOError: the loop wrote to a socket that was full. Write "
              "only when select() reports the socket writable (EVENT_WRITE), through "
              "on_writable, and keep what it did not take in the outbox.")
SPIN_EMPTY_HINT = ("select() kept returning at once with nothing ready: a timeout of 0 (or a "
                   "tiny one) makes the loop spin and burn a whole core. Call sel.select() "
                   "without a timeout: the wakeup socket ends the wait when it is time to stop.")
SPIN_READY_HINT = ("select() kept reporting a socket ready while nothing happened: a socket "
                   "watched for EVENT_WRITE with nothing to send, or a client that left and "
                   "was never dropped (it is readable for ever, recv() gives b''). "
                   + DROP_HINT)
STOP_HINT = ("Register wakeup for EVENT_READ too; when select() reports it, leave the loop, "
             "then unregister and close every client's socket, empty clients and close the "
             "selector.")


def _error_hint(exc: BaseException | None) -> str | None:
    if isinstance(exc, BlockingIOError):
        return EAGER_HINT
    if isinstance(exc, KeyError):
        return ("The selector does not know that socket: register each new client "
                "(sel.register(sock, selectors.EVENT_READ, client)) before queueing lines for "
                "it, and never use a client after drop.")
    if (isinstance(exc, (ValueError, OSError)) and "file descriptor" in str(exc).lower()) \
            or (isinstance(exc, OSError) and getattr(exc, "errno", None) == 9):
        return "A closed socket was used: after drop, skip that client for the rest of the pass."
    return None


class Serving:
    """The student's loop, running, and the checker's clients around it."""

    def __init__(self, c: Checker, call: StudentCall, listener: LoopListener,
                 wake: socket.socket, clients: list, log: SelectLog):
        self.c, self.call, self.listener, self.wake = c, call, listener, wake
        self.clients, self.log = clients, log
        self.peers: list[Peer] = []
        self.slow: Peer | None = None  # the client that stops reading, and its nickname
        self.nick3 = ""
        #: Bytes the loop still held for the slow reader once the others had everything
        #: (more than 0: its socket really was full, so the step tested what it claims).
        self.held_back: int | None = None

    def alive(self, step: str) -> None:
        if self.call.crashed:
            self.c.crashed(self.call, step, _error_hint(self.call.error))
        if self.call.done.is_set():
            self.c.fail(f"{LABEL} returned while {step}, before it was told to stop.",
                        expected="serve runs until wakeup is readable",
                        arrived=f"it returned {shown(self.call.returned)}",
                        hint="Loop for ever (while True); leave only when select() reports "
                             "the wakeup socket.")

    def connect(self, name: str, small_window: bool = False) -> Peer:
        sock = self.c.keep(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
        if small_window:  # before connect(), so the window stays small
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(self.c.timeout)
        sock.connect(self.listener.getsockname())
        sock.settimeout(None)
        peer = Peer(sock, name)
        self.peers.append(peer)
        return peer

    def server_end(self, peer: Peer):
        """The socket the student's accept() got for ``peer``."""
        mine = peer.sock.getsockname()
        for sock in self.listener.accepted:
            try:
                if sock.getpeername() == mine:
                    return sock
            except OSError:
                continue
        return None

    def line(self, peer: Peer, step: str, expected: str, hint: str, sent=None) -> str:
        """The next line ``peer`` receives; a crash of the loop is reported with its hint."""
        try:
            raw = peer.read_line(self.c.timeout, self.call.done.is_set)
        except (LineTimeout, PeerClosed):
            self.alive(step)
        else:
            peer.buffer = raw + peer.buffer  # put back: Checker.line decodes and reports
        saved, self.c.timeout = self.c.timeout, 0.05  # whatever came has come: do not wait again
        try:
            return self.c.line(peer, step, expected=expected, sent=sent, hint=hint)
        finally:
            self.c.timeout = saved

    def welcome(self, peer: Peer, step: str) -> str:
        got = self.line(peer, step, "'*** You are guest…\\n'", WELCOME_HINT)
        match = WELCOME.fullmatch(got)
        if match is None:
            self.c.fail(f"{peer.name} received the wrong welcome while {step}.",
                        expected="'*** You are guest…\\n'", arrived=shown(got + "\n"),
                        hint="Queue exactly this line for a new client: "
                             "queue(sel, client, f\"*** You are {client.nickname}\").")
        return match.group(1)

    def expect(self, peers, line: str, step: str, sent: str, hint: str) -> None:
        for peer in peers:
            got = self.line(peer, step, shown(line + "\n"), hint, sent)
            if got != line:
                self.c.fail(f"{peer.name} received the wrong line while {step}.", sent=sent,
                            expected=shown(line + "\n"), arrived=shown(got + "\n"), hint=hint)

    def wait(self, condition, timeout: float) -> bool:
        """Poll ``condition`` until it holds or ``timeout`` passes (state owned by the loop)."""
        done = threading.Event()
        for _ in range(int(timeout / 0.01)):
            if condition():
                return True
            if self.call.done.is_set():  # it crashed or returned: no use waiting
                break
            done.wait(0.01)
        return condition()

    def stop_leftover(self) -> None:
        """Make sure the student's loop ends, whatever it does (called when the check ends).

        The wakeup byte first. A loop that ignores it gets StudentCodeStopped raised inside
        it; Python delivers that only when the thread runs Python code again, so the loop is
        then woken with every event it may be waiting for: another byte, every client saying
        EOF, a new connection. (Closing its sockets first would not do: a selector whose
        sockets are all closed waits for ever.)
        """
        self._poke()
        if self.call.wait(self.c.timeout / 2):
            return
        ident = self.call.thread.ident
        if ident is not None and self.call.thread.is_alive():
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident),
                                                       ctypes.py_object(StudentCodeStopped))
        self._poke()
        for peer in self.peers:
            try:
                peer.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        try:
            socket.create_connection(self.listener.getsockname(), timeout=1.0).close()
        except OSError:
            pass
        if not self.call.wait(0.5):
            self.call.stop()  # last resort: shut the sockets its frames hold

    def _poke(self) -> None:
        try:
            self.wake.send(b"x")
        except OSError:
            pass


@checker(LABEL)
def check_event_loop(c: Checker, serve, clients) -> None:
    need_function(c, serve, "serve")
    if not isinstance(clients, list):
        c.fail("check_event_loop needs the clients list of the notebook.",
               expected="check_event_loop(serve, clients)",
               hint="Run the cell with the given code first, then call "
                    "check_event_loop(serve, clients).")
    clients.clear()
    listener = c.keep(LoopListener(on_accept=c.keep))
    listening.prepare(listener)
    listener.bind((HOST, 0))
    listener.listen()
    wake_read, wake_write = socket.socketpair()
    c.keep(wake_read)
    c.keep(wake_write)
    log = SelectLog()
    serving = None
    try:
        with watch_selectors(log):
            call = c.start(serve, listener, wake_read, label=LABEL)
            serving = Serving(c, call, listener, wake_write, clients, log)
            _check_serve(c, serving)
    finally:
        if serving is not None:
            serving.stop_leftover()
        clients.clear()


def _check_serve(c: Checker, s: Serving) -> None:
    step = "a client connected and left at once"
    early = s.connect("A client that left at once")
    early.sock.close()
    if not s.wait(lambda: s.listener.accepted and s.listener.accepted[0].fileno() == -1,
                  c.timeout):
        s.alive(step)
        what = "never accepted" if not s.listener.accepted else "accepted, but never dropped"
        c.fail(f"A client that connected and left at once was {what}.", sent=step,
               expected="accepted, then dropped (its socket closed)", arrived=what,
               hint=WELCOME_HINT if not s.listener.accepted else DROP_HINT)
    c.ok("a client that connects and leaves at once is dropped; the loop goes on")

    step = "the first client connected"
    first = s.connect("The first client")
    nick1 = s.welcome(first, step)
    if len(s.clients) != 1:
        c.fail(f"clients holds {len(s.clients)} entries after {step}.", sent=step,
               expected="1 Client", arrived=f"{len(s.clients)}",
               hint="Add a Client to clients for each connection you accept, and let drop "
                    "remove it.")
    c.ok("a new client is welcomed and added to clients")

    step = "a second client connected while the first stayed silent"
    second = s.connect("The second client")
    nick2 = s.welcome(second, step)
    c.ok("a client that stays silent holds up nobody: the next one is welcomed")

    step = "nothing happened for a moment"
    s.alive(step)
    before, before_empty = s.log.count(s.call.thread)
    threading.Event().wait(IDLE)
    after, after_empty = s.log.count(s.call.thread)
    if after - before > SPINNING:
        empty = after_empty - before_empty
        c.fail(f"{LABEL} is spinning: select() returned {'many' if empty else 'again and'} "
               f"{'times with nothing ready' if empty else 'again at once'} while nothing "
               "happened.", sent=step, expected="select() waits",
               arrived="select() returns at once, over and over",
               hint=SPIN_EMPTY_HINT if empty > (after - before) // 2 else SPIN_READY_HINT,
               status="timeout")
    c.ok("with nothing to do, the loop waits in select() instead of spinning")

    for peer in (first, second):
        sock = s.server_end(peer)
        if sock is not None and sock.getblocking():
            c.fail("The socket accept() gave for a new client is still blocking.",
                   sent=f"{phrase(peer.name)} connected", expected="sock.setblocking(False)",
                   arrived="a blocking socket",
                   hint="accept() gives a blocking socket on every system. Make it non-blocking "
                        "at once, sock.setblocking(False): one recv() or send() on a blocking "
                        "socket can stop the whole loop.")
    c.ok("each client's socket is non-blocking")

    step = "the first client sent a line"
    sent = "the first client sent 'hi there\\n'"
    first.send(b"hi there\n")
    s.expect([first, second], f"{nick1}: hi there", step, sent,
             "Each line goes to everyone, the sender included: call on_readable when a "
             "client's socket is readable.")
    step = "the second client sent a line in 3 pieces, cut inside 'é' and '☕'"
    data = "café ☕ split\n".encode()
    pieces = [data[:4], data[4:8], data[8:]]
    sock2 = s.server_end(second)
    if sock2 is not None:
        c.send_in_pieces(second, sock2, pieces, step, s.call)
    else:
        second.send(data)
    s.expect([first, second], f"{nick2}: café ☕ split", step,
             f"the second client sent {shown(data)} in 3 pieces", "Call on_readable for "
             "each readable client socket; it keeps the pieces until a line is complete.")
    c.ok("lines reach everyone exactly, even when they arrive in pieces")

    _check_slow_reader(c, s, first, second, nick1)

    step = "sending to a fourth client failed (its connection broke)"
    fourth = s.connect("The fourth client")
    nick4 = s.welcome(fourth, "a fourth client connected")
    sock4 = s.server_end(fourth)
    if sock4 is not None:
        sock4.broken = True  # from now on its send() raises ConnectionResetError
        sent = "the first client sent 'anyone there?\\n'; sending to the fourth one fails"
        first.send(b"anyone there?\n")
        s.expect([first, second, s.slow], f"{nick1}: anyone there?", step, sent, DROP_HINT)
        s.expect([first, second, s.slow], f"*** {nick4} left", step, sent, DROP_HINT)
        if not fourth.wait_closed(c.timeout):
            c.fail("The fourth client's connection is still open after sending to it failed.",
                   sent=sent, expected="dropped: its socket closed", arrived="still open",
                   hint=DROP_HINT)
        c.ok("a client whose connection breaks while the loop writes to it is dropped")

    step = "the second client closed its connection"
    second.sock.close()
    s.expect([first, s.slow], f"*** {nick2} left", step, step, DROP_HINT)
    step = "the third client's connection broke"
    assert s.slow is not None  # set up with the room
    _hold_lines_for(c, s, first, nick1, step)
    s.slow.reset()  # readable (the reset) and writable (lines wait) in the same pass
    s.expect([first], f"*** {s.nick3} left", step, step, DROP_HINT)
    if not s.wait(lambda: len(s.clients) == 1, c.timeout):
        c.fail(f"clients holds {len(s.clients)} entries after two clients left.", sent=step,
               expected="1 Client", arrived=f"{len(s.clients)}", hint=DROP_HINT)
    c.ok("a client that leaves, or whose connection breaks, is dropped and the others are told")

    step = "the wakeup socket was written to"
    s.alive("the check was about to stop the loop")
    s.wake.send(b"x")
    if not s.call.wait(c.timeout):
        c.fail(f"Timed out: {LABEL} did not return after {step}.", sent=step,
               expected="serve returns", arrived="still running", hint=STOP_HINT,
               status="timeout")
    if s.call.error is not None:
        c.crashed(s.call, "stopping", _error_hint(s.call.error))
    if not first.wait_closed(c.timeout):
        c.fail(f"{LABEL} returned, but the first client's connection is still open.",
               sent=step, expected="every client socket closed", arrived="still open",
               hint=STOP_HINT)
    if s.clients:
        c.fail(f"{LABEL} returned, but clients still holds {len(s.clients)} entries.",
               sent=step, expected="an empty list", arrived=f"{len(s.clients)} entries",
               hint=STOP_HINT)
    if s.log.selectors and not any(id(sel) in s.log.closed for sel in s.log.selectors):
        c.fail(f"{LABEL} returned without closing its selector.", sent=step,
               expected="sel.close()", arrived="the selector left open",
               hint="Close the selector before returning, sel.close(): it holds a resource "
                    "of the system (an epoll or kqueue object, or select's lists).")
    c.ok("writing to wakeup stops the loop: every connection closed, clients empty, "
         "the selector closed")


LINES = 2000


def _summary(data: bytes) -> str:
    lines = data.count(b"\n")
    start = shown(data[:data.find(b"\n") + 1] if lines else data[:40])
    return f"{len(data)} bytes, {lines} lines, starting {start}"


def _first_difference(expected: bytes, arrived: bytes) -> str:
    index = next((i for i, (a, b) in enumerate(zip(expected, arrived, strict=False)) if a != b),
                 min(len(expected), len(arrived)))
    line = expected.count(b"\n", 0, index)
    return f"{_summary(arrived)}; the first difference is in line {line + 1}"


def _send_all(c: Checker, peer: Peer, data: bytes, piece: int = 16384) -> bool:
    """Send in pieces, each with a step's time: a loaded machine is slow, a stuck loop stops."""
    peer.sock.settimeout(c.timeout)
    try:
        for start in range(0, len(data), piece):
            peer.sock.sendall(data[start:start + piece])
    except TimeoutError:
        return False
    finally:
        peer.sock.settimeout(None)
    return True


def _receive(c: Checker, peer: Peer, count: int) -> bytes:
    """Bytes until ``count`` have come, or until nothing came for a step's time."""
    got = b""
    while len(got) < count:
        more = peer.read_bytes(count - len(got), c.timeout)
        if not more:
            break
        got += more
    return got


def _hold_lines_for(c: Checker, s: Serving, first: Peer, nick1: str, step: str) -> None:
    """Leave lines waiting in the loop for the third client, which has stopped reading.

    Then its reset makes its socket readable and writable at once, and a loop that writes to
    a client it has just dropped shows it every time, not only when the timing happens to.
    """
    lines = [f"held {number:04d} " + "x" * 80 for number in range(LINES)]
    sent = f"the first client sent {LINES} lines; the third client read none of them"
    if not _send_all(c, first, "".join(line + "\n" for line in lines).encode("utf-8")):
        s.alive(step)
        c.fail(f"{LABEL} stopped reading the first client while {step}.", sent=sent,
               expected="the loop goes on reading", arrived="the first client could not send",
               hint=STALL_HINT, status="timeout")
    expected = "".join(f"{nick1}: {line}\n" for line in lines).encode("utf-8")
    arrived = _receive(c, first, len(expected))
    s.alive(step)
    if arrived != expected:
        c.fail(f"The first client received the wrong bytes while {step}.", sent=sent,
               expected=_summary(expected), arrived=_first_difference(expected, arrived),
               hint="Queue every line for every client, and send each outbox in order, "
                    "keeping what send() did not take.")


def _check_slow_reader(c: Checker, s: Serving, first: Peer, second: Peer, nick1: str) -> None:
    step = "a third client connected"
    slow = s.connect("The third client", small_window=True)
    s.slow = slow
    s.nick3 = s.welcome(slow, step)

    step = "the third client stopped reading while the first one sent 2000 lines"
    sent = f"the first client sent {LINES} lines at once; the third client read nothing"
    lines = [f"line {number:04d} " + "x" * 80 for number in range(LINES)]
    if not _send_all(c, first, "".join(line + "\n" for line in lines).encode("utf-8")):
        s.alive(step)
        c.fail(f"{LABEL} stopped reading the first client while {step}.", sent=sent,
               expected="the loop goes on reading", arrived="the first client could not send",
               hint=STALL_HINT, status="timeout")
    expected = "".join(f"{nick1}: {line}\n" for line in lines).encode("utf-8")
    for peer in (second, first):
        arrived = _receive(c, peer, len(expected))
        s.alive(step)
        if arrived == expected:
            continue
        if expected.startswith(arrived):
            c.fail(f"{peer.name} stopped receiving while {step}.", sent=sent,
                   expected=_summary(expected), arrived=_summary(arrived) + " (then nothing)",
                   hint=STALL_HINT, status="timeout")
        c.fail(f"{peer.name} received the wrong bytes while {step}.", sent=sent,
               expected=_summary(expected), arrived=_first_difference(expected, arrived),
               hint="Queue every line for every client, and send each outbox in order, "
                    "keeping what send() did not take.")
    c.ok("a client that stops reading does not hold up the others")
    sock3 = s.server_end(slow)
    if sock3 is not None:
        welcome = len(f"*** You are {s.nick3}\n".encode())
        s.held_back = len(expected) - (sock3.sent_total - welcome)

    step = "the third client read again"
    arrived = _receive(c, slow, len(expected))
    s.alive(step)
    if arrived != expected:
        c.fail("The third client did not receive every byte once it read again.",
               sent=sent + ", then read again", expected=_summary(expected),
               arrived=_first_difference(expected, arrived),
               hint="Keep everything a slow client has not taken in its outbox, and send it in "
                    "order when select() reports the socket writable: nothing may be lost.")
    c.ok("once it reads again, it gets every byte it missed, in order")

