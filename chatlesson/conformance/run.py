"""What one run of the suite holds: the address, the clock, and every connection it opened.

A ``Run`` is handed to each check. It opens connections (``connect``,
``join``, ``members``), counts them against a limit, and closes every one
when a check ends, so nothing the checker opened outlives the run. Deadlines
come from here too: a step waits at most ``step_timeout`` seconds, and never
past the end of the whole run's budget.
"""

from __future__ import annotations

import re
import secrets
import socket
import ssl
import time

from ..client.chat_client import FingerprintMismatch, tls_wrap
from .probe import CheckFailed, OutOfTime, Probe, exact, like

#: Seconds one step (a connect, a line awaited) may take before the check fails.
STEP_TIMEOUT = 3.0

#: Seconds the whole run may take; checks not finished by then are reported as not run.
RUN_BUDGET = 90.0

#: Seconds, at most, the checker waits to hear each of its clients leave at the end of a check.
SETTLE_TIME = 0.3

#: Connections one check may hold open at once, and the whole run may open in total.
MAX_OPEN = 8
MAX_TOTAL = 200

CLOSED_HINT = ("The server must keep a client's connection open until the client leaves: an "
               "exception in the code that serves one client should end that client only.")

NICK_HINT = ("After Hii, the server reads the nickname as one line, records it and answers "
             "with a notice that names it (the lessons: '*** ada joined'; the package: "
             "'*** Welcome, ada! ...').")


def joined_line(nick: str):
    """The announcement of ``nick`` joining, in the lessons' or the package's words."""
    return like(rf"\*\*\* {re.escape(nick)} joined\b.*", f"*** {nick} joined")


def left_line(nick: str):
    return like(rf"\*\*\* {re.escape(nick)} left\b.*", f"*** {nick} left")


class Run:
    """The state of one run against ``host:port``."""

    closed_hint = CLOSED_HINT

    def __init__(self, host: str, port: int, *, step_timeout: float = STEP_TIMEOUT,
                 budget: float = RUN_BUDGET, max_open: int = MAX_OPEN, max_total: int = MAX_TOTAL,
                 tag: str | None = None, tls: bool | ssl.SSLContext = False,
                 fingerprint: str | None = None):
        self.host = host
        self.tls = tls if tls or fingerprint is None else True  # a fingerprint means TLS
        self.fingerprint = fingerprint
        self.port = port
        self.step_timeout = step_timeout
        self.ends_at = time.monotonic() + budget
        self.max_open = max_open
        self.max_total = max_total
        self.opened = 0            # connections opened over the whole run
        self.closed = 0
        self._open: list[socket.socket] = []
        # Our nicknames never meet a real user's; a fixed tag gives the same words every run.
        self._tag = secrets.token_hex(2) if tag is None else tag
        self._count = 0
        self.unreachable = False  # a connection was refused
        self.stopped: str | None = None  # why no check may run any more (a wrong certificate)
        self.greeted_once = False  # some connection of this run got Hii
        self.deaf = False         # connections are accepted (or queued) but no longer greeted
        self.last_sent: str | None = None  # "ada: 'hi\n'": what was sent last, shown when a check fails
        self.ours: set[str] = set()        # nicknames the current check uses
        self.probes: list[Probe] = []      # connections of the current check, in order

    # --- time --------------------------------------------------------------------

    def step_time(self) -> float:
        """Seconds the next blocking call may wait."""
        left = self.ends_at - time.monotonic()
        if left <= 0:
            raise OutOfTime()
        return min(self.step_timeout, left)

    # --- connections ---------------------------------------------------------------

    def open_socket(self, label: str, rcvbuf: int | None = None) -> socket.socket:
        if len(self._open) >= self.max_open or self.opened >= self.max_total:
            raise RuntimeError(f"a check tried to open more than {self.max_open} connections")
        try:
            sock = _connect(self.host, self.port, self.step_time(), rcvbuf)
        except OSError as exc:
            self.unreachable = isinstance(exc, ConnectionRefusedError)
            if self.opened and self.unreachable:
                hint = ("The server accepted connections earlier in this run and now refuses "
                        "them: it has probably crashed. Look for a traceback in its output. A "
                        "client that leaves must never end the accept loop: e.g. send() to a "
                        "client that has gone raises BrokenPipeError or ConnectionResetError.")
            else:
                hint = (f"Is the server running and listening on {self.host}:{self.port}? "
                        "Its accept loop must keep accepting after each client.")
            raise CheckFailed(f"{label} could not connect ({type(exc).__name__})",
                              hint=hint) from None
        self.opened += 1
        self._open.append(sock)
        if self.tls:
            sock = self._tls(sock, label)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        return sock

    def _wrap(self, sock: socket.socket) -> socket.socket:
        """``sock`` wrapped in TLS (the handshake waits at most a step); counted as one connection."""
        self._open.remove(sock)  # from here on, the wrapped socket stands for it
        try:
            wrapped = tls_wrap(sock, self.host, self.tls, self.fingerprint)
        except BaseException:
            sock.close()  # (already closed if the handshake got that far)
            self.closed += 1
            raise
        self._open.append(wrapped)
        return wrapped

    def _tls(self, sock: socket.socket, label: str) -> socket.socket:
        """The TLS handshake, within the step's deadline; the wrapped socket replaces ``sock``."""
        try:
            return self._wrap(sock)
        except FingerprintMismatch as exc:
            self.stopped = "the server's certificate is not the one expected"
            raise CheckFailed(f"{label}: {exc.args[0] if exc.args else exc}",
                              hint="Someone may be in between, or the fingerprint is another "
                                   "server's: the checker sent nothing and stops.") from None
        except (ssl.SSLError, OSError) as exc:
            self.stopped = "the TLS handshake failed"
            raise CheckFailed(f"{label}: the TLS handshake failed ({type(exc).__name__}: {exc})",
                              hint="Does the server serve TLS on this port? Without --tls the "
                                   "checker speaks plain TCP.") from None

    def close_socket(self, sock: socket.socket) -> None:
        if sock in self._open:
            self._open.remove(sock)
            sock.close()
            self.closed += 1

    def close_all(self, probes=(), failed: bool = False, answer: bool = True) -> None:
        """Close every connection still open (the end of each check).

        Members (``probes`` that joined) leave one at a time, the last one waiting a moment to
        hear each leave: a server written like the tutorial can fail when many clients vanish
        at once, and the checker must leave it as it found it. After a failure, what the server
        still sends is read first, so that it is not writing to a connection that just closed.
        With ``answer``, a connection asked for a nickname answers before it leaves.
        """
        for probe in probes:
            if answer and probe.sock in self._open and probe.greeted and probe.last_sent is None:
                # Asked for a nickname and never answered: answer before leaving, because an
                # accept loop that waits for the answer may fail on a client that vanished.
                nick = self.nick("bye")
                try:
                    probe.sock.sendall(f"{nick}\n".encode())
                except OSError:
                    continue
                probe.quietly_await(like(rf".*{nick}.*", nick), SETTLE_TIME)
                probe.drain(SETTLE_TIME / 3)
            if failed and probe.sock in self._open:
                probe.drain(SETTLE_TIME / 3)
        members = [p for p in probes if p.nick and p.sock in self._open]
        while members:
            leaving = members.pop()
            leaving.close()
            if members:
                members[0].quietly_await(left_line(leaving.nick), SETTLE_TIME)
        for sock in list(self._open):
            self.close_socket(sock)
        if probes:
            # Nobody is left to see the last one leave: the server gets a moment to notice
            # before the next check makes it send to a connection that has gone (a failed
            # check, which often leaves it in the middle of something, a longer one).
            time.sleep(SETTLE_TIME / 3 if failed else SETTLE_TIME / 6)
        self.last_sent = None
        self.ours.clear()
        self.probes.clear()

    def ignorable(self, line: str) -> bool:
        """A line a check may pass over: a notice, or a line from someone not in this check."""
        if line.startswith("*** "):
            return True
        if line.startswith("* "):
            sender = line[2:].split(" ", 1)[0]
        elif ": " in line and not line.startswith(("!!! ", "[")):
            sender = line.split(": ", 1)[0]
        else:
            return False
        return sender not in self.ours

    @property
    def open_count(self) -> int:
        return len(self._open)

    def connect(self, label: str, rcvbuf: int | None = None) -> Probe:
        """A new connection; ``rcvbuf`` shrinks its receive buffer (a client that stops reading)."""
        probe = Probe(self, label, rcvbuf)
        self.probes.append(probe)
        return probe

    # --- people --------------------------------------------------------------------

    def nick(self, name: str) -> str:
        """A nickname for this run: ``name`` plus a tag no real user is likely to have."""
        self._count += 1
        nick = f"{name}{self._tag}{self._count}"
        self.ours.add(nick)
        return nick

    def join(self, name: str, rcvbuf: int | None = None) -> Probe:
        """Connect and do the handshake as a fresh nickname; the newcomer's notice is read."""
        probe = self.connect(name, rcvbuf)
        probe.expect(exact("Hii"), skip=None,
                     hint="On connect the server sends the line Hii (b'Hii\\n') and nothing before it.")
        nick = self.nick(name)
        probe.send(nick)
        probe.expect(like(rf"\*\*\* .*(?<![\w.-]){re.escape(nick)}(?![\w-]).*",
                          f"*** ... {nick} ..."), hint=NICK_HINT)
        probe.nick = nick
        return probe

    def members(self, *names: str) -> list[Probe]:
        """Join each name in turn; every earlier member reads each later one's announcement."""
        joined: list[Probe] = []
        for name in names:
            newcomer = self.join(name)
            nick = newcomer.nick or name  # join() sets it; a probe without one never gets here
            for member in joined:
                member.expect(joined_line(nick),
                              hint="Everyone already in the chat is told who joined: "
                                   f"'*** {nick} joined'.")
            joined.append(newcomer)
        return joined


def _connect(host: str, port: int, timeout: float, rcvbuf: int | None) -> socket.socket:
    """Like ``socket.create_connection``, with the receive buffer set before connecting."""
    error: OSError = OSError(f"no address for {host}")
    for family, kind, proto, _, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        sock = socket.socket(family, kind, proto)
        try:
            if rcvbuf is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            sock.settimeout(timeout)
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error
