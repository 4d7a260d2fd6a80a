"""One connection to the server under test, that can never hang and never grow without bound.

Every read waits at most until the step's deadline, and a server that sends
endless bytes without a line end is stopped at ``MAX_UNFINISHED`` bytes. What
went wrong becomes a ``CheckFailed`` carrying what was sent, what was
expected and what arrived, so the report can show all three.
"""

from __future__ import annotations

import re
import socket
import struct
import time
from dataclasses import dataclass

#: Bytes a line may grow to before the checker gives up on it (the protocol allows 2048).
MAX_UNFINISHED = 64 * 1024

#: Lines ``expect`` skips (notices about other people) before calling the server too chatty.
MAX_SKIPPED = 50

#: How many characters of a sent, expected or arrived value the report shows.
SHOWN = 160


def shown(value: bytes | str | None) -> str:
    """A value as the report shows it: escaped like Python does, shortened if long."""
    if value is None:
        return "nothing"
    text = repr(value)
    if isinstance(value, bytes):
        text = text[1:]  # b'...' -> '...': the report says when it shows bytes
    return text if len(text) <= SHOWN else text[:SHOWN - 20] + "..." + text[-16:]


class CheckFailed(Exception):
    """A check found a problem: what it was, and the evidence."""

    def __init__(self, problem: str, *, sent=None, expected=None, arrived=None, hint: str = ""):
        super().__init__(problem)
        self.problem = problem
        self.sent = sent
        self.expected = expected
        self.arrived = arrived
        self.hint = hint


class OutOfTime(Exception):
    """The whole run's time budget is used up: the check stops unfinished."""


@dataclass
class Expect:
    """What ``Probe.expect`` waits for: an exact line, or a pattern with a readable name."""

    text: str
    pattern: re.Pattern | None = None

    def matches(self, line: str) -> bool:
        return line == self.text if self.pattern is None else bool(self.pattern.fullmatch(line))


def exact(text: str) -> Expect:
    return Expect(text)


def like(pattern: str, shown_as: str) -> Expect:
    """A line matching ``pattern`` (a regex); the report shows ``shown_as``."""
    return Expect(shown_as, re.compile(pattern))


def is_notice_line(line: str) -> bool:
    return line.startswith("*** ")


class Probe:
    """A client connection owned by one run (``Run.connect`` makes them)."""

    def __init__(self, run, label: str, rcvbuf: int | None = None):
        self.run = run
        self.label = label
        self.nick: str | None = None
        self.last_sent: bytes | None = None
        self.seen: list[str] = []  # every line received, in order
        self._buffer = b""
        self._eof = False
        self.greeted = False  # the server asked this connection for a nickname
        self.sock = run.open_socket(label, rcvbuf)

    # --- sending -------------------------------------------------------------

    def send_bytes(self, data: bytes) -> None:
        self.last_sent = data
        self.run.last_sent = f"{self.label}: {shown(data)}"
        self.sock.settimeout(self.run.step_time())
        try:
            self.sock.sendall(data)
        except TimeoutError:
            raise CheckFailed(f"the server stopped reading from {self.label}", sent=self.run.last_sent,
                              hint="Every client needs a thread (or an event loop) that keeps "
                                   "reading its socket, whatever the others do.") from None
        except OSError as exc:
            raise CheckFailed(f"the server closed {self.label}'s connection while it was sending "
                              f"({type(exc).__name__})", sent=self.run.last_sent,
                              hint=self.run.closed_hint) from None

    def send(self, text: str) -> None:
        """Send one line of text, ended by a newline."""
        self.send_bytes((text + "\n").encode("utf-8"))

    # --- receiving -----------------------------------------------------------

    def _fill(self, expected: str) -> None:
        """Read more bytes before the deadline, or fail saying what was awaited."""
        if self._eof:
            raise self._failure(f"the server closed {self.label}'s connection", expected)
        self.sock.settimeout(self.run.step_time())
        try:
            data = self.sock.recv(65536)
        except TimeoutError:
            if time.monotonic() >= self.run.ends_at:
                raise OutOfTime() from None  # the wait was cut short by the budget, not the step
            raise self._failure(self._silence(), expected) from None
        except OSError as exc:
            self._eof = True
            raise self._failure(f"{self.label}'s connection broke ({type(exc).__name__})",
                                expected) from None
        if not data:
            self._eof = True
            raise self._failure(f"the server closed {self.label}'s connection", expected)
        self._buffer += data
        if not self.greeted and self._buffer.startswith(b"Hii"):
            self.greeted = self.run.greeted_once = True
        if b"\n" not in self._buffer and len(self._buffer) > MAX_UNFINISHED:
            raise self._failure(f"{self.label} received {len(self._buffer)} bytes without a line end",
                                expected, hint="Every line the server sends ends with \\n, and "
                                               "no line is longer than a few kilobytes.")

    def _silence(self) -> str:
        if self._buffer:
            return (f"{self.label} received part of a line, and no line end within "
                    f"{self.run.step_timeout:g} s")
        return f"{self.label} received nothing within {self.run.step_timeout:g} s"

    def _failure(self, problem: str, expected: str, hint: str = "") -> CheckFailed:
        arrived = self._buffer if self._buffer else None
        if not hint and self._buffer and b"\n" not in self._buffer:
            hint = ("What arrived has no line end. The protocol ends every line with \\n "
                    "(send (text + '\\n').encode('utf-8')): TCP keeps no message boundaries, "
                    "so a client cannot tell where a line without one stops.")
        return CheckFailed(problem, sent=self.run.last_sent, expected=expected, arrived=arrived,
                           hint=hint)

    def line(self, expected: str = "a line") -> str:
        """The next whole line, decoded; fails at the deadline, at end of stream, on bad UTF-8."""
        while b"\n" not in self._buffer:
            self._fill(expected)
        raw, self._buffer = self._buffer.split(b"\n", 1)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise CheckFailed(f"{self.label} received a line that is not valid UTF-8",
                              sent=self.run.last_sent, expected=expected, arrived=raw + b"\n",
                              hint="Decode only whole lines: a character of several bytes can "
                                   "be cut between two recv() calls. Keep bytes in a buffer "
                                   "until b'\\n' arrives, then decode the line.") from None
        self.seen.append(text)
        return text

    def expect(self, want: Expect, *, skip="others", hint: str = "") -> str:
        """Read lines until one is ``want``; only lines ``skip`` accepts may come first.

        By default those are notices and lines from people who are not part of this check
        (real users, or the checker's own clients of an earlier check)."""
        what = shown(want.text + "\n")
        if skip == "others":
            skip = self.run.ignorable
        for _ in range(MAX_SKIPPED):
            try:
                got = self.line(what)
            except CheckFailed as failed:
                failed.hint = failed.hint or hint
                raise
            if want.matches(got):
                return got
            if skip is None or not skip(got):
                raise CheckFailed(f"{self.label} received another line than expected",
                                  sent=self.run.last_sent, expected=what, arrived=got + "\n", hint=hint)
        raise CheckFailed(f"{self.label} received {MAX_SKIPPED} notices and not the line expected",
                          sent=self.run.last_sent, expected=what, hint=hint)

    def starts_with(self, prefix: bytes, expected: str, hint: str = "") -> None:
        """Wait for the first bytes to be ``prefix``, line end or not (the tutorial's framing)."""
        while len(self._buffer) < len(prefix):
            try:
                self._fill(expected)
            except CheckFailed as failed:
                failed.hint = hint or failed.hint
                raise
        if not self._buffer.startswith(prefix):
            raise CheckFailed(f"{self.label} received something else first", sent=self.run.last_sent,
                              expected=expected, arrived=self._buffer, hint=hint)

    def expect_closed(self, hint: str = "") -> None:
        """Wait until the server closes this connection (lines before that are read and kept)."""
        try:
            while True:
                self.line("the end of the connection")
        except CheckFailed as failed:
            if self._eof:
                return
            failed.hint = failed.hint or hint
            raise

    def quietly_await(self, want: Expect, seconds: float) -> None:
        """Read until ``want`` or for ``seconds``, whatever comes; never fails (a courtesy wait)."""
        ends_at = self.run.ends_at
        self.run.ends_at = min(ends_at, time.monotonic() + seconds)
        try:
            self.expect(want, skip=lambda line: True)
        except (CheckFailed, OutOfTime):
            pass
        finally:
            self.run.ends_at = ends_at

    def drain(self, quiet: float) -> None:
        """Read and drop what the server still sends, until it is quiet for ``quiet`` seconds
        (or, from a server that never stops, for at most three times that)."""
        ends_at = time.monotonic() + 3 * quiet
        try:
            while (left := ends_at - time.monotonic()) > 0:
                self.sock.settimeout(min(quiet, left))
                if not self.sock.recv(65536):
                    return
        except OSError:
            return

    # --- ending ----------------------------------------------------------------

    def kill(self) -> None:
        """Vanish like a killed process: reset the connection instead of closing it politely."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()

    def close(self) -> None:
        self.run.close_socket(self.sock)


def pause(seconds: float) -> None:
    """Let a sent piece leave as its own TCP segment before the next one is sent."""
    time.sleep(seconds)
