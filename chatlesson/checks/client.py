"""Lesson 06: the client's receive loop, ``receive_messages(client, nickname, show)``.

It answers every ``Hii`` with the nickname, hands every other line to
``show(line)`` as text without its line ending, and returns once the server
has closed the connection, after closing its own socket. The check cuts
lines (and ``Hii``) into pieces, one byte at a time through multi-byte
characters, sends lines that merely contain ``Hii`` and lines whose spaces
must survive, then closes the connection; a second run answers as ``Zoë``
and has its connection broken (reset).
"""

from __future__ import annotations

import queue
import time

from ..core.protocol import NICK_REQUEST
from .core import Checker, checker, need_function, shown
from .sockets import shut

LABEL = "receive_messages(client, 'ada', show)"

ANSWER_HINT = ('When a line is exactly "Hii", answer with the nickname: send it back as a line '
               'of its own (the nickname and "\\n", encoded in UTF-8), with sendall.')
SHOW_HINT = ('Call show(line) once for every line except "Hii", with the decoded text and '
             'without its "\\n".')
LINES_HINT = ('One recv() can hold several lines. Keep the bytes in a buffer and call show() for '
              'every line ending in b"\\n".')
EXACT_HINT = ('Only a line that is exactly "Hii" is the nickname request: compare the whole line '
              '(line == "Hii"), not "Hii" in line. Show every other line, even one that contains Hii.')
PIECES_HINT = ('A line can arrive in pieces, even cut inside a character. Keep the bytes in a '
               'buffer until b"\\n" arrives, and only then decode the line.')


def _answer_hint(got: str) -> str:
    if got == NICK_REQUEST:
        return '"Hii" is the server\'s question. Answer it with the nickname itself.'
    if got.startswith("ada") and got != "ada":
        return ("Send the nickname alone. The server puts names in front of chat lines; "
                "a client never does.")
    return ANSWER_HINT


def _next_shown(c: Checker, shown_lines: queue.Queue, expected: str, step: str, call,
                sent: str, hint: str) -> None:
    until = time.monotonic() + c.timeout
    while True:
        try:
            got = shown_lines.get(timeout=0.05)
            break
        except queue.Empty:
            c.alive(call, step)
            if time.monotonic() > until or call.done.is_set():
                c.fail(f"show() was not called while {step}.", sent=sent,
                       expected=f"show({expected!r})", arrived="nothing", hint=hint)
    if got == expected:
        return
    if isinstance(got, str) and "\n" in got.rstrip("\r\n"):
        hint = LINES_HINT
    elif isinstance(got, bytes):
        hint = 'Decode the line before showing it: show(line.decode("utf-8")).'
    elif got == expected + "\n" or got == expected + "\r\n":
        hint = 'Show the line without its "\\n".'
    elif got == NICK_REQUEST:
        hint = '"Hii" is for the program, not for the user: answer it, do not show it.'
    c.fail(f"show() got the wrong line while {step}.", sent=sent, expected=f"show({expected!r})",
           arrived=f"show({got!r})", hint=hint)


RESET_HINT = ("A broken connection makes recv() raise an OSError (ConnectionResetError) "
              "instead of returning b'': catch it, and then close the socket and return, "
              "as when the server closes the connection.")
CLOSED_HINT = "When recv() returns b'' the server has gone: close the socket and return."


def _ends(c: Checker, call, sock, shown_lines: queue.Queue, step: str, hint: str) -> None:
    """The server has gone: receive_messages closes its socket, returns, shows nothing more."""
    if call.wait(c.timeout) and isinstance(call.error, OSError):
        c.crashed(call, step, hint)
    c.finish(call, step, taps=[sock.tap], hint=hint)
    if not shown_lines.empty():
        c.fail(f"show() was called after {step}.",
               expected="no more calls", arrived=f"show({shown_lines.get()!r})",
               hint="When recv() returns b'', stop: there is nothing left to show.")
    if sock.fileno() != -1:
        c.fail(f"receive_messages returned without closing its socket after {step}.",
               expected="client closed", arrived="client still open",
               hint="Close the socket before returning: client.close().")


@checker("receive_messages(client, nickname, show)")
def check_client(c: Checker, receive_messages) -> None:
    need_function(c, receive_messages, "receive_messages")
    sock, server = c.tapped_client("The server")
    shown_lines: queue.Queue = queue.Queue()
    call = c.start(receive_messages, sock, "ada", shown_lines.put, label=LABEL)

    server.send(b"Hii\n")
    c.expect_line(server, "ada", "the server sent 'Hii'", call=call, sent="'Hii\\n'",
                  hint=ANSWER_HINT, mismatch_hint=_answer_hint)
    c.ok("it answers 'Hii' with the nickname, 'ada\\n'")

    welcome = "*** Welcome, ada! You are in #lobby. Online: ada"
    sent = f"{shown(welcome + chr(10) + 'bob: hi ada' + chr(10))} (two lines in one piece)"
    server.send(f"{welcome}\nbob: hi ada\n".encode("utf-8"))
    _next_shown(c, shown_lines, welcome, "two lines arrived together", call, sent, SHOW_HINT)
    _next_shown(c, shown_lines, "bob: hi ada", "two lines arrived together", call, sent,
                LINES_HINT)
    c.ok("other lines go to show(), one call per line, even when they arrive together")

    for chat in ("bob: Hii everyone, I am back", "bob: Hii"):
        server.send((chat + "\n").encode("utf-8"))
        _next_shown(c, shown_lines, chat, f"the chat line {chat!r} arrived", call,
                    shown(chat + "\n"), EXACT_HINT)
    c.ok("a chat line that merely contains 'Hii' is shown, not answered")

    refused = "!!! the nickname ada is taken"
    server.send(f"{refused}\nHii\n".encode("utf-8"))
    _next_shown(c, shown_lines, refused, "the server refused the nickname", call,
                shown(refused + "\nHii\n"), SHOW_HINT)
    c.expect_line(server, "ada", "the server asked again with 'Hii'", call=call,
                  sent=shown(refused + "\nHii\n") + " (in one piece)",
                  hint='Answer every line that is exactly "Hii", not only the first one. Here '
                       'the error line and "Hii" came in one piece: split the buffer into lines '
                       "and look at each.", mismatch_hint=_answer_hint)
    c.ok("it answers every 'Hii', not only the first one")

    step = "the server sent 'Hii' in two pieces, 'Hi' and 'i\\n'"
    c.send_in_pieces(server, sock, [b"Hi", b"i\n"], step, call)
    c.expect_line(server, "ada", step, call=call, sent="'Hi', then 'i\\n'",
                  hint="A line can arrive in pieces, 'Hii' too: keep the bytes in a buffer "
                       "and look at a line only once its b\"\\n\" has arrived.",
                  mismatch_hint=_answer_hint)
    c.ok("'Hii' that arrives in two pieces is answered")

    text = "bob: café ☕ 𝄞"
    data = (text + "\n").encode("utf-8")
    step = "a line arrived one byte at a time (é, ☕ and 𝄞 cut at every position)"
    c.send_in_pieces(server, sock, [data[i:i + 1] for i in range(len(data))], step, call)
    _next_shown(c, shown_lines, text, step, call, f"{shown(data)} one byte at a time",
                PIECES_HINT)
    spaced = "bob:   three spaces, and two at the end  "
    server.send((spaced + "\n").encode("utf-8"))
    _next_shown(c, shown_lines, spaced, "a line with runs of spaces arrived", call,
                shown(spaced + "\n"),
                "Show the line exactly as it arrived, spaces included: take off the \"\\n\" "
                "only (no strip()).")
    c.ok("a line that arrives in pieces, cut inside a character, is shown whole, "
         "spaces and all")

    extra = server.read_available(0.05)
    if extra:
        c.fail("The server received more than the answers to its 'Hii' lines.",
               expected="nothing more", arrived=shown(extra),
               hint='Send the nickname only for a line that is exactly "Hii", and nothing '
                    "else: every other line, even one that contains Hii, is only shown.")
    shut(server.sock)
    _ends(c, call, sock, shown_lines, "the server closed the connection", CLOSED_HINT)
    c.ok("when the server closes the connection, it closes the socket and returns")

    sock, server = c.tapped_client("The server")
    shown_lines = queue.Queue()
    call = c.start(receive_messages, sock, "Zoë", shown_lines.put,
                   label="receive_messages(client, 'Zoë', show)")
    server.send(b"Hii\n")
    step = "the server sent 'Hii' to Zoë"
    got = server.read_bytes(len("Zoë\n".encode("utf-8")), c.timeout)
    c.alive(call, step)
    if got != "Zoë\n".encode("utf-8"):
        hint = ANSWER_HINT
        if got == "Zoë\n".encode("latin-1"):
            hint = 'Encode with "utf-8": the nickname may hold any character.'
        c.fail(f"The server received the wrong bytes while {step}.", sent="'Hii\\n'",
               expected=shown("Zoë\n".encode("utf-8")), arrived=shown(got), hint=hint)
    server.reset()
    _ends(c, call, sock, shown_lines, "the server's connection broke", RESET_HINT)
    c.ok("it answers 'Zoë' in UTF-8, and returns when the connection breaks")
