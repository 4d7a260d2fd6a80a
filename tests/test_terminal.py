"""The interactive terminal client, in a real pseudo-terminal, read back as a screen."""

import os
import select
import struct
import subprocess
import sys
import time
from pathlib import Path

import pyte
import pytest

# Pseudo-terminals are POSIX only: on Windows these tests are skipped.
fcntl = pytest.importorskip("fcntl", reason="no pseudo-terminals (pty, termios) on Windows")
pty = pytest.importorskip("pty", reason="no pseudo-terminals on Windows")
termios = pytest.importorskip("termios", reason="no pseudo-terminals on Windows")

from netutil import DEADLINE, RawClient  # noqa: E402 (after the skips: POSIX only)

COLUMNS, ROWS = 80, 24
CLIENT = Path(sys.executable).parent / "chatlesson-client"


class Terminal:
    """chatlesson-client running in a pty, with its screen emulated by pyte."""

    def __init__(self, *args):
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        env = dict(os.environ, TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1")
        self.proc = subprocess.Popen([str(CLIENT), *args], stdin=slave, stdout=slave, stderr=slave,
                                     env=env, start_new_session=True)
        os.close(slave)
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.ByteStream(self.screen)

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def lines(self) -> list[str]:
        return [line.rstrip() for line in self.screen.display]

    def wait_for(self, predicate, what: str) -> list[str]:
        """Read the terminal until ``predicate(lines)`` holds (deadline loop on select)."""
        deadline = time.monotonic() + DEADLINE
        while not predicate(self.lines()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {what}; screen:\n" + "\n".join(self.lines()))
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    self.stream.feed(os.read(self.master, 65536))
                except OSError:  # the child closed the terminal
                    if not predicate(self.lines()):
                        screen = "\n".join(self.lines())
                        raise AssertionError(f"terminal closed before {what}; screen:\n{screen}") from None
        return self.lines()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        os.close(self.master)


def join_as(terminal: Terminal, nick: str) -> None:
    """Answer the nickname prompt the way a person would, and wait for the welcome."""
    terminal.wait_for(lambda ls: any(line.startswith("Nickname:") for line in ls), "the nickname prompt")
    terminal.type(f"{nick}\r")
    terminal.wait_for(lambda ls: any(f"Welcome, {nick}!" in line for line in ls), "the welcome")


@pytest.fixture
def terminal(server):
    term = Terminal("--port", str(server.port))
    yield term
    term.close()


def test_typing_is_not_garbled_by_incoming_lines(server, terminal):
    join_as(terminal, "bob")
    with RawClient(server.address) as ada:
        ada.join("ada")
        terminal.type("half a sentence")
        terminal.wait_for(lambda ls: any(line == "bob> half a sentence" for line in ls), "the typed text")
        ada.send("interrupting you ✨")

        def redrawn(lines):
            # The incoming line sits on its own line above the prompt, and the prompt is intact.
            text = [line for line in lines if line]
            return "ada: interrupting you ✨" in text[:-1] and text[-1] == "bob> half a sentence"

        terminal.wait_for(redrawn, "the incoming line above an intact prompt")
        terminal.type(" indeed\r")
        assert ada.until(lambda line: line.startswith("bob:"))[-1] == "bob: half a sentence indeed"
        # A person presses Ctrl-D at a fresh prompt (between prompts the terminal is in cooked
        # mode, where the kernel itself would swallow it).
        fresh_prompt = ["bob: half a sentence indeed", "bob>"]
        terminal.wait_for(lambda ls: [line for line in ls if line][-2:] == fresh_prompt,
                          "the echo and a fresh prompt")
        terminal.type("\x04")  # Ctrl-D leaves
        assert ada.line() == "*** bob left #lobby (quit)"
    assert terminal.proc.wait(timeout=DEADLINE) == 0


def test_taken_nickname_is_asked_again(server, terminal):
    with RawClient(server.address) as ada:
        ada.join("ada")
        terminal.wait_for(lambda ls: any(line.startswith("Nickname:") for line in ls), "the nickname prompt")
        terminal.type("ADA\r")
        terminal.wait_for(lambda ls: any("the nickname ADA is taken" in line for line in ls), "the error")
        terminal.type("bea\r")
        terminal.wait_for(lambda ls: any("Welcome, bea!" in line for line in ls), "the welcome")
        terminal.type("/quit\r")
        assert terminal.proc.wait(timeout=DEADLINE) == 0


def colour_of(terminal: Terminal, text: str) -> str:
    """The foreground colour of the first character of the screen line that starts with ``text``."""
    for row, line in enumerate(terminal.lines()):
        if line.startswith(text):
            return terminal.screen.buffer[row][0].fg
    raise AssertionError(f"no line starts with {text!r}")


def test_notices_errors_and_private_messages_look_different(server, terminal):
    join_as(terminal, "bob")
    with RawClient(server.address) as ada:
        ada.join("ada")
        ada.send("/msg bob just between us")
        ada.send("plain chat")
        terminal.type("/nosuchcommand\r")
        terminal.wait_for(lambda ls: any(line.startswith("!!! unknown command") for line in ls)
                          and any(line == "ada: plain chat" for line in ls), "the lines")
        assert colour_of(terminal, "*** ada joined") == "cyan"
        assert colour_of(terminal, "[from ada] just between us") == "magenta"
        assert colour_of(terminal, "!!! unknown command") == "red"
        assert colour_of(terminal, "ada: plain chat") == "default"
        terminal.type("/quit\r")
    assert terminal.proc.wait(timeout=DEADLINE) == 0
