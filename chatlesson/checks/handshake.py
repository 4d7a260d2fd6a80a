"""Lesson 05: ``ask_nickname(client, nicknames)``, the handshake done properly.

The server asks with ``Hii``; a nickname that is empty or taken gets an error
line (``!!! ...``) and the request again; the function returns the accepted
nickname, or None when the client leaves before giving one.
"""

from __future__ import annotations

from ..protocol import ERROR_PREFIX, NICK_REQUEST
from .core import Checker, checker, need_function, shown

LABEL = "ask_nickname(client, nicknames)"

HII_HINT = 'Start by asking: client.sendall(b"Hii\\n").'
REFUSE_HINT = ('Refuse it: first say why, with a line starting "!!! " '
               '(e.g. "!!! the nickname ada is taken"), then send "Hii" again and wait for '
               "the next answer.")
PIECES_HINT = ('A nickname can arrive in pieces, even cut inside a character. Keep the bytes in a '
               'buffer until b"\\n" arrives, and only then decode the line.')
GONE_HINT = ("When recv() returns b'' the client has left without a nickname: return None.")


def _refused(c: Checker, peer, call, answer: str, why: str) -> None:
    step = f"the client answered {answer!r}, {why}"
    sent = f"{shown(answer + chr(10))}"
    got = c.line(peer, step, call=call, sent=sent,
                 expected="an error line starting with '!!! ', then 'Hii\\n'", hint=REFUSE_HINT)
    if not got.startswith(ERROR_PREFIX):
        c.fail(f"The client got no error line after it answered {answer!r}, {why}.", sent=sent,
               expected="a line starting with '!!! ' that says why", arrived=shown(got + "\n"),
               hint=REFUSE_HINT)
    c.expect_line(peer, NICK_REQUEST, step, call=call, sent=sent, hint=REFUSE_HINT,
                  mismatch_hint=REFUSE_HINT)


@checker("ask_nickname(client, nicknames)")
def check_handshake(c: Checker, ask_nickname) -> None:
    need_function(c, ask_nickname, "ask_nickname")
    taken = ["ada", "bob"]
    sock, peer = c.pair("The client")
    call = c.start(ask_nickname, sock, taken, label=LABEL)
    c.expect_line(peer, NICK_REQUEST, "the client connected", call=call, hint=HII_HINT,
                  mismatch_hint=HII_HINT)
    c.ok("it asks for a nickname with 'Hii'")

    peer.send(b"ada\n")
    _refused(c, peer, call, "ada", "a nickname that is taken")
    c.ok("a taken nickname is refused with an error line, then 'Hii' again")
    peer.send(b"\n")
    _refused(c, peer, call, "", "an empty nickname")
    c.ok("an empty nickname is refused the same way")

    data = "Zoë\n".encode("utf-8")
    cut = data.index("ë".encode()) + 1
    c.send_in_pieces(peer, sock, [data[:cut], data[cut:]], "the client answered 'Zoë'", call)
    step = "the client answered 'Zoë' in two pieces, cut inside 'ë'"
    nickname = c.finish(call, step, taps=[sock.tap], hint=PIECES_HINT)
    if nickname != "Zoë":
        hint = PIECES_HINT
        if isinstance(nickname, str) and nickname.strip() == "Zoë":
            hint = 'Strip the line ending: nickname = line.decode("utf-8").strip().'
        elif isinstance(nickname, bytes):
            hint = 'Return text, not bytes: nickname = line.decode("utf-8").'
        c.fail("ask_nickname returned the wrong nickname.", sent=f"{shown(data)} in two pieces",
               expected=shown("Zoë"), arrived=shown(nickname), hint=hint)
    if taken != ["ada", "bob"]:
        c.fail("ask_nickname changed the list of nicknames.", expected=shown(["ada", "bob"]),
               arrived=shown(taken),
               hint="Only return the nickname: receive adds it to the list when the client joins.")
    c.ok("a free nickname is returned, even when it arrives in pieces")

    sock, peer = c.pair("A second client")
    call = c.start(ask_nickname, sock, taken, label=LABEL)
    c.expect_line(peer, NICK_REQUEST, "a second client connected", call=call, hint=HII_HINT)
    peer.sock.close()
    nickname = c.finish(call, "the client left without giving a nickname", taps=[sock.tap],
                        hint=GONE_HINT)
    if nickname is not None:
        c.fail("ask_nickname should return None when the client leaves during the handshake.",
               sent="the client closed the connection", expected="None",
               arrived=shown(nickname), hint=GONE_HINT)
    c.ok("when the client leaves before answering, it returns None")
