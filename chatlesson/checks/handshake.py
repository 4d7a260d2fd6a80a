"""Lesson 05: the handshake.

``check_handshake``: ``receive(server)`` now asks each new client for its
nickname (``Hii``) before it adds the client and starts its thread. Clients
leave at every step of the handshake; two of them are called ada.

``check_ask_nickname``: ``ask_nickname(client, nicknames)`` asks until it
gets a nickname it can accept. Each refused answer gets its error line
(``!!! ...``, exactly as the exercise words it) and the request again; it
returns the nickname, or None when the client leaves first.
"""

from __future__ import annotations

import socket
import time

from ..core.protocol import NICK_REQUEST
from .accept_loop import (
    LISTS_HINT,
    OWN_CLIENT_HINT,
    THREAD_HINT,
    Run,
    check_accept_loop,
    staged_listener,
)
from .core import Checker, checker, need_function, shown

HII_HINT = ('Right after accept(), ask for the nickname with exactly the line "Hii" (bytes, '
            'ending in "\\n"). The client waits for that line before it says who it is.')
JOINED_HINT = ("Tell everyone, the newcomer included, with exactly the line '*** <nickname> "
               "joined' (broadcast adds the \"\\n\"), once the client is in the lists.")
LEFT_EARLY_HINT = ("A client may leave before it gives a nickname: read_line then returns None. "
                   "Close that client's socket and go back to accept(), without adding it to "
                   "the lists or starting a thread.")
SEND_FAILED_HINT = ("A client may vanish before the server has said a word to it: then sendall "
                    "raises OSError. Catch it, close that client's socket and go back to accept().")
JOIN_FAILED_HINT = ("A client may vanish while its arrival is announced: then broadcast raises "
                    "OSError. Catch it and go back to accept(); the client's handle thread, "
                    "already running, removes it from the lists.")
LEFT_LINE_HINT = "handle tells the others who left with the line '*** <nickname> left'."
CHAT_HINT = ("Every client that joined needs its own thread running handle(client): that loop "
             "reads its lines and broadcasts them as '<nickname>: <text>'.")


def _nickname_hint(nicknames, expected) -> str:
    if [n.strip() for n in nicknames if isinstance(n, str)] == expected:
        return ('Keep the nickname exactly as read_line returns it (without its "\\n"), '
                "nothing added.")
    if any(isinstance(n, bytes) for n in nicknames):
        return 'Decode the nickname: nickname = line.decode("utf-8").'
    if None in nicknames or "" in nicknames:
        return LEFT_EARLY_HINT
    if len(nicknames) < len(expected):
        return "Add each new nickname: nicknames.append(nickname) (and clients.append(client))."
    if len(nicknames) > len(expected):
        return LEFT_EARLY_HINT
    return "Add each client once, with its nickname, in the order they join."


WHOLE_LINE_HINT = ("A nickname is a whole line, and recv(1024) returns whatever has arrived, "
                   "maybe part of a line. Use read_line: it waits for \"\\n\" and returns "
                   "None if the client leaves first.")


def _joined_hint(got: str) -> str:
    if got == NICK_REQUEST:
        return THREAD_HINT
    if got.startswith("*** ") and ("None" in got or got.startswith("***  ")):
        return ("Someone was told about a client that never joined: a client that left during "
                "the handshake (read_line returned None) is not added, started or announced.")
    return JOINED_HINT


def _vanished_hint(nicknames, expected) -> str:
    if "cy" in nicknames:
        return ("cy has gone but is still listed. If his handle thread is running, it removes "
                "him; if you catch the error before starting it, remove him yourself.")
    return _nickname_hint(nicknames, expected)


def _member_vanished_hint(nicknames, expected) -> str:
    if "dan" not in nicknames and "Zoë" not in nicknames:
        return ("dan is still here: it was Zoë who vanished. When broadcast raises, do not "
                "remove the newcomer; the one who left is removed by their own handle thread.")
    return _nickname_hint(nicknames, expected)


def _partial_hint(sent: list[str]):
    """For steps where a nickname arrived in pieces: a piece stored as a nickname."""
    def hint(nicknames, expected) -> str:
        if any(isinstance(n, str) and n and n not in expected
               and any(s.startswith(n) for s in sent) for n in nicknames):
            return WHOLE_LINE_HINT
        return _nickname_hint(nicknames, expected)
    return hint


@checker("receive(server) with the handshake")
def check_handshake(c: Checker, receive, clients, nicknames) -> None:
    check_accept_loop(c, receive, clients, nicknames, "check_handshake", _check_receive)


def _ask(run: Run, name: str, step: str, hint=HII_HINT, leave=None):
    peer, sock = run.connect(name, leave)
    run.line(peer, NICK_REQUEST, step, hint, mismatch_hint=HII_HINT)
    return peer, sock


def _closed(run: Run, sock, step: str, hint: str) -> None:
    """The server's end of a client that left during the handshake is closed."""
    until = time.monotonic() + run.c.timeout
    while sock.fileno() != -1 and time.monotonic() < until:
        run.alive(step)
        time.sleep(0.005)  # a deadline loop: closing a socket gives no signal
    if sock.fileno() != -1:
        run.c.fail(f"receive did not close the socket of a client that left, after {step}.",
                   expected="its socket closed", arrived="still open", hint=hint)


def _check_receive(c: Checker, run: Run) -> None:
    ada, ada_sock = _ask(run, "ada", "ada connected")
    c.ok("a new client is asked for its nickname with 'Hii'")
    ada.send(b"ada\n")
    step = "ada sent her nickname"
    run.wait_lists(["ada"], [ada_sock], step, _nickname_hint)
    run.line(ada, "*** ada joined", step, JOINED_HINT, sent="'ada\\n'")
    run.back_to_accept(step)  # done with ada: what it did to her socket is done
    run.still_open(ada_sock, step)
    run.threads(1, step)
    c.ok("ada is added to clients and nicknames, served by a daemon thread, and her arrival "
         "is announced as '*** ada joined'")

    # Clients that leave at every step of the handshake; the loop must go on each time.
    run.crash_hint = LEFT_EARLY_HINT
    shy, _ = _ask(run, "A client that leaves before answering",
                  "a second client connected (ada is online)", THREAD_HINT)
    shy.sock.shutdown(socket.SHUT_WR)  # it hangs up, and still sees what the server does
    step = "a client left before answering 'Hii'"
    run.back_to_accept(step, LEFT_EARLY_HINT)
    if not shy.wait_closed(c.timeout):
        run.alive(step)
        c.fail(f"The server did not close its end of the connection after {step}.",
               expected="the connection closed", arrived="still open",
               hint=LEFT_EARLY_HINT)

    run.crash_hint = SEND_FAILED_HINT
    _, ghost_sock = run.connect("A client that vanishes at once", leave=lambda sock: True)
    step = "a client vanished before it was asked for its nickname"
    run.back_to_accept(step, SEND_FAILED_HINT)
    _closed(run, ghost_sock, step, SEND_FAILED_HINT)

    run.crash_hint = LEFT_EARLY_HINT
    half, half_sock = _ask(run, "A client that leaves mid-nickname", "another client connected")
    before = half_sock.tap.bytes_read
    half.send(b"bo")
    half_sock.tap.wait_bytes(before + 2, c.timeout)  # read (or not): either way it must go on
    half.reset()
    step = "a client's connection broke in the middle of its nickname"
    run.back_to_accept(step, LEFT_EARLY_HINT)
    run.wait_lists(["ada"], [ada_sock], "three clients left during the handshake",
                   _partial_hint(["bo"]))
    _closed(run, half_sock, step, LEFT_EARLY_HINT)
    run.threads(1, "three clients left during the handshake")
    run.crash_hint = None
    c.ok("clients that leave before, during or after 'Hii' are let go; the loop goes on")

    zoe, zoe_sock = _ask(run, "Zoë", "a client connected after three left early")
    data = "Zoë\n".encode("utf-8")
    step = "Zoë sent her nickname one byte at a time"
    c.send_in_pieces(zoe, zoe_sock, [data[i:i + 1] for i in range(len(data))], step, run.call)
    run.wait_lists(["ada", "Zoë"], [ada_sock, zoe_sock], step, _partial_hint(["Zoë"]))
    for peer in (ada, zoe):
        run.line(peer, "*** Zoë joined", step, JOINED_HINT, mismatch_hint=_joined_hint)
    run.back_to_accept(step)
    run.still_open(zoe_sock, step)
    run.threads(2, step)
    zoe.send("hi ada ☕\n".encode("utf-8"))
    for peer in (ada, zoe):
        run.line(peer, "Zoë: hi ada ☕", "Zoë sent her first line", OWN_CLIENT_HINT,
                 sent="Zoë sent 'hi ada ☕\\n'")
    c.ok("a second client joins while the first is online, even when its nickname "
         "arrives in pieces, cut inside 'ë', and is served by a thread of its own")

    ada2, ada2_sock = _ask(run, "A second ada", "a second client called ada connected")
    ada2.send(b"ada\n")
    step = "a second client called ada joined"
    run.wait_lists(["ada", "Zoë", "ada"], [ada_sock, zoe_sock, ada2_sock], step,
                   _nickname_hint)
    for peer in (ada, zoe, ada2):
        run.line(peer, "*** ada joined", step, JOINED_HINT)
    ada2.sock.close()
    step = "the second ada left"
    run.wait_lists(["ada", "Zoë"], [ada_sock, zoe_sock], step, LISTS_HINT)
    for peer in (ada, zoe):
        run.line(peer, "*** ada left", step, LEFT_LINE_HINT)
    run.threads(2, step)

    ada.send(b"hi\n")
    for peer in (ada, zoe):
        run.line(peer, "ada: hi", "the first ada sent a line", CHAT_HINT, sent="ada sent 'hi\\n'",
                 mismatch_hint=lambda got: LISTS_HINT if got.endswith(": hi") else CHAT_HINT)
    zoe.send(b" hello  there \n")
    for peer in (ada, zoe):
        run.line(peer, "Zoë:  hello  there ", "Zoë sent a line", CHAT_HINT,
                 sent="Zoë sent ' hello  there \\n'",
                 mismatch_hint=lambda got: LISTS_HINT if got.endswith("there ") else CHAT_HINT)
    c.ok("two clients may share a nickname; when one leaves, the other's lines keep their name")

    run.crash_hint = JOIN_FAILED_HINT
    cy, _ = _ask(run, "cy", "cy connected",
                 leave=lambda sock: sock.tap.bytes_read >= len(b"cy\n"))
    cy.send(b"cy\n")
    step = "cy vanished while his arrival was announced"
    run.back_to_accept(step, JOIN_FAILED_HINT)
    run.wait_lists(["ada", "Zoë"], [ada_sock, zoe_sock], step, _vanished_hint)
    for peer in (ada, zoe):
        run.line(peer, "*** cy joined", step, JOINED_HINT)
        run.line(peer, "*** cy left", step, LEFT_LINE_HINT)
    run.threads(2, step)
    run.crash_hint = None
    c.ok("a client that vanishes while its arrival is announced does not stop the loop")

    # A member (Zoë, between ada and the newcomer) vanishes while dan's arrival is announced.
    newcomer: dict = {}
    zoe_sock.leave_before_send = (
        lambda sock: "dan" in newcomer and newcomer["dan"].tap.bytes_read >= len(b"dan\n"))
    run.crash_hint = JOIN_FAILED_HINT
    dan, dan_sock = _ask(run, "dan", "dan connected")
    newcomer["dan"] = dan_sock
    dan.send(b"dan\n")
    step = "Zoë vanished while dan's arrival was announced"
    run.back_to_accept(step, JOIN_FAILED_HINT)
    run.wait_lists(["ada", "dan"], [ada_sock, dan_sock], step, _member_vanished_hint)
    run.line(ada, "*** dan joined", step, JOINED_HINT)
    run.line(ada, "*** Zoë left", step, LEFT_LINE_HINT)
    run.threads(2, step)
    run.crash_hint = None
    dan.send(b"hi all\n")
    for peer in (ada, dan):  # dan may have missed his own announcement: it stopped at Zoë
        run.line(peer, "dan: hi all", "dan sent a line", CHAT_HINT, sent="dan sent 'hi all\\n'",
                 skip_notices=True)
    c.ok("a member who vanishes while someone's arrival is announced does not stop it either")

    dan.sock.close()
    step = "dan left"
    run.wait_lists(["ada"], [ada_sock], step, LISTS_HINT)
    run.line(ada, "*** dan left", step, LEFT_LINE_HINT)
    ada.reset()
    run.wait_lists([], [], "ada's connection broke", LISTS_HINT)
    run.threads(0, "everyone left")
    run.stop()
    c.ok("receive stops when the server socket is shut down")


# --- ask_nickname -----------------------------------------------------------------------

ASK_LABEL = "ask_nickname(client, nicknames)"

ASK_HII_HINT = 'Start by asking: send exactly the line "Hii" (bytes, ending in "\\n").'
AGAIN_HINT = ('After the error line, ask again with "Hii" and wait for the next answer, as many '
              'times as it takes.')
PIECES_HINT = ('A nickname can arrive in pieces, even cut inside a character. Keep the bytes in a '
               'buffer until b"\\n" arrives, and only then decode the line (read_line does).')
GONE_HINT = "When read_line returns None the client has left without a nickname: return None."
VANISHED_HINT = ("The client may vanish while you answer it: then sendall raises OSError. "
                 "Catch it and return None, as when read_line returns None.")

#: The answers a client gives while ada and bob are online, and the exact refusal of each.
REFUSALS = [
    ("ada", "!!! the nickname ada is taken", "a nickname that is taken"),
    ("", "!!! a nickname cannot be empty", "an empty nickname"),
    ("ada lovelace", "!!! a nickname cannot contain spaces", "a nickname with a space in it"),
    (" zoe", "!!! a nickname cannot contain spaces", "a nickname that starts with a space"),
    ("zo\te", "!!! a nickname cannot contain spaces", "a nickname with a tab in it"),
    ("x" * 25, "!!! a nickname can have at most 24 characters", "a nickname of 25 characters"),
    ("bob", "!!! the nickname bob is taken", "the other nickname that is taken"),
]
LONG_BUT_FINE = "Éléonore-Éléonore-Élé_24"  # 24 characters, more than 24 bytes


def _refusal_hint(answer: str, expected: str):
    def hint(got: str) -> str:
        if got == NICK_REQUEST:
            return (f"Refuse {answer!r}: say why first, with exactly the line "
                    f"{expected!r}, then send \"Hii\" again.")
        if got.startswith(expected) and got != expected:
            return ('End the error line with "\\n": without it, the error and the next "Hii" '
                    "arrive as one line.")
        if got.startswith("!!! ") and got != expected:
            return f"Use exactly the error line the exercise gives for this case: {expected!r}."
        return f"Refuse {answer!r} with exactly the line {expected!r}, then \"Hii\" again."
    return hint


def _returned_hint(answer: str, refusal: str) -> str:
    return f"Refuse {answer!r} with exactly the line {refusal!r}, then \"Hii\" again."


class _Asked:
    """One ask_nickname call on a fresh connection whose client the checker plays."""

    def __init__(self, c: Checker, ask_nickname, listener, taken: list, name: str):
        self.c = c
        self.peer = c.connect(listener.getsockname(), name)
        self.sock, _ = listener.accept()
        self.sock.client = self.peer
        self.taken = taken
        self.call = c.start(ask_nickname, self.sock, taken, label=ASK_LABEL)

    def line(self, expected: str, step: str, sent=None, hint=ASK_HII_HINT, mismatch=None):
        got = self.c.line(self.peer, step, call=self.call, expected=shown(expected + "\n"),
                          sent=sent, hint=hint)
        if got != expected:
            self.c.alive(self.call, step)
            self.c.fail(f"{self.peer.name} received the wrong line while {step}.", sent=sent,
                        expected=shown(expected + "\n"), arrived=shown(got + "\n"),
                        hint=mismatch(got) if callable(mismatch) else (mismatch or hint))

    def refused(self, answer: str, refusal: str, why: str) -> None:
        data = (answer + "\n").encode("utf-8")
        sent = shown(data)
        step = f"the client answered {answer!r}, {why}"
        self.peer.send(data)
        got = self.c.line(self.peer, step, call=self.call, sent=sent,
                          expected=shown(refusal + "\n"), hint=_returned_hint(answer, refusal))
        if got != refusal:
            self.c.alive(self.call, step)
            self.c.fail(f"{self.peer.name} received the wrong line while {step}.", sent=sent,
                        expected=shown(refusal + "\n"), arrived=shown(got + "\n"),
                        hint=_refusal_hint(answer, refusal)(got))
        self.line(NICK_REQUEST, step, sent=sent, hint=AGAIN_HINT, mismatch=AGAIN_HINT)

    def returns(self, expected, step: str, sent: str, hint: str):
        finished = self.call.wait(self.c.timeout)
        if finished and isinstance(self.call.error, OSError):
            self.c.crashed(self.call, step, hint)
        if not finished and expected is not None:
            answered = self.peer.read_available(0.05)
            if answered.startswith(b"!!! "):
                self.c.fail(f"ask_nickname refused a nickname it should accept, while {step}.",
                            sent=sent, expected=f"return {shown(expected)}",
                            arrived=shown(answered), hint=hint)
        got = self.c.finish(self.call, step, taps=[self.sock.tap], hint=hint)
        if got != expected:
            if isinstance(got, str) and got.strip() == expected:
                hint = 'Return the nickname exactly as read_line gives it, nothing added.'
            elif isinstance(got, bytes):
                hint = 'Return text, not bytes: decode the line with "utf-8".'
            self.c.fail(f"ask_nickname returned the wrong value while {step}.", sent=sent,
                        expected=shown(expected),
                        arrived=repr(got) if isinstance(got, bytes) else shown(got), hint=hint)
        if self.taken != ["ada", "bob"]:
            self.c.fail("ask_nickname changed the list of nicknames.",
                        expected=shown(["ada", "bob"]), arrived=shown(self.taken),
                        hint="Only return the nickname: receive adds it to the list when the "
                             "client joins.")


@checker("ask_nickname(client, nicknames)")
def check_ask_nickname(c: Checker, ask_nickname) -> None:
    need_function(c, ask_nickname, "ask_nickname")
    listener = staged_listener(c)
    taken = ["ada", "bob"]

    one = _Asked(c, ask_nickname, listener, taken, "The client")
    one.line(NICK_REQUEST, "the client connected", mismatch=ASK_HII_HINT)
    c.ok("it asks for a nickname with 'Hii'")
    for answer, refusal, why in REFUSALS[:2]:
        one.refused(answer, refusal, why)
    c.ok("a taken or empty nickname is refused with its error line, then 'Hii' again")
    for answer, refusal, why in REFUSALS[2:]:
        one.refused(answer, refusal, why)
    c.ok("so is a nickname with white space in it, or longer than 24 characters")

    data = "Zoë\n".encode("utf-8")
    step = "the client answered 'Zoë' one byte at a time"
    c.send_in_pieces(one.peer, one.sock, [data[i:i + 1] for i in range(len(data))], step,
                     one.call)
    one.returns("Zoë", step, f"{shown(data)} one byte at a time", PIECES_HINT)
    c.ok("a free nickname is returned, even when it arrives in pieces, cut inside 'ë'")

    two = _Asked(c, ask_nickname, listener, taken, "A second client")
    two.line(NICK_REQUEST, "a second client connected")
    two.peer.send(b"ad\n")
    two.returns("ad", "the client answered 'ad' (ada is taken, not ad)", "'ad\\n'",
                "Compare the whole nickname with each taken one (nickname in nicknames).")
    three = _Asked(c, ask_nickname, listener, taken, "A third client")
    three.line(NICK_REQUEST, "a third client connected")
    three.peer.send((LONG_BUT_FINE + "\n").encode("utf-8"))
    three.returns(LONG_BUT_FINE, f"the client answered {LONG_BUT_FINE!r}, 24 characters",
                  shown(LONG_BUT_FINE + "\n"),
                  "24 characters are allowed: refuse only more than 24, and count characters "
                  "(len of the text), not bytes.")
    c.ok("a nickname that is only part of a taken one, or 24 characters long, is accepted")

    four = _Asked(c, ask_nickname, listener, taken, "A fourth client")
    four.line(NICK_REQUEST, "a fourth client connected")
    four.peer.sock.close()
    four.returns(None, "the client left without answering", "the client closed the connection",
                 GONE_HINT)
    five = _Asked(c, ask_nickname, listener, taken, "A fifth client")
    five.line(NICK_REQUEST, "a fifth client connected")
    five.peer.send(b"Zo")
    five.peer.sock.close()
    five.returns(None, "the client left in the middle of its nickname",
                 "'Zo', then the connection closed", GONE_HINT)
    six = _Asked(c, ask_nickname, listener, taken, "A sixth client")
    six.line(NICK_REQUEST, "a sixth client connected")
    six.sock.leave_before_send = lambda sock: sock.tap.bytes_read >= len(b"ada\n")
    six.peer.send(b"ada\n")
    six.returns(None, "the client vanished while its nickname was refused",
                "'ada\\n', then the connection broke", VANISHED_HINT)
    c.ok("when the client leaves before a nickname is agreed, it returns None")
