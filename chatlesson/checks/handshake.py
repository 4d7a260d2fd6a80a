"""Lesson 05: the handshake.

``check_handshake``: ``receive(server)`` now asks each new client for its
nickname (``Hii``) before it adds the client and starts its thread.

``check_ask_nickname``: ``ask_nickname(client, nicknames)`` does the
handshake properly: a nickname that is empty or taken gets an error line
(``!!! ...``) and the request again; it returns the accepted nickname, or
None when the client leaves before giving one.
"""

from __future__ import annotations

from ..protocol import ERROR_PREFIX, NICK_REQUEST
from .core import Checker, checker, need_function, shown
from .receive import LABEL, THREAD_HINT, chat, emptied, leave_and_stop, need_lists, wait_lists

HII_HINT = ('Right after accept(), ask for the nickname: client.sendall(b"Hii\\n"). The '
            "client waits for exactly that line before it says who it is.")
JOINED_HINT = 'Tell everyone who joined, e.g. broadcast(clients, f"*** {nickname} joined").'


def _nickname_hint(nicknames, expected) -> str:
    if isinstance(expected, list) and [n.strip() for n in nicknames if isinstance(n, str)] == expected:
        return ('Strip the line ending from the nickname: line.decode("utf-8").strip() or '
                "split the buffer at b\"\\n\".")
    if any(isinstance(n, bytes) for n in nicknames):
        return 'Decode the nickname: nickname = line.decode("utf-8").'
    count = expected if isinstance(expected, int) else len(expected)
    if len(nicknames) < count:
        return "Add each new nickname: nicknames.append(nickname) (and clients.append(client))."
    return "Add each client once, with its nickname, in the order they join."


def _joined(c: Checker, peer, nick: str, step: str, call) -> None:
    got = c.line(peer, step, call=call, expected=f"a line such as '*** {nick} joined\\n'",
                 hint=JOINED_HINT)
    if nick not in got or "joined" not in got:
        c.fail(f"{peer.name} was not told that {nick} joined.",
               expected=f"a line such as '*** {nick} joined\\n'", arrived=shown(got + "\n"),
               hint=JOINED_HINT)


@checker("receive(server) with the handshake")
def check_handshake(c: Checker, receive, clients, nicknames) -> None:
    need_function(c, receive, "receive")
    need_lists(c, clients, nicknames, "check_handshake")
    with emptied(clients, nicknames):
        _check_receive(c, receive, clients, nicknames)


def _check_receive(c: Checker, receive, clients, nicknames) -> None:
    server = c.listener()
    call = c.start(receive, server, label=LABEL)

    ada = c.connect(server.getsockname(), "ada")
    c.expect_line(ada, NICK_REQUEST, "ada connected", call=call, hint=HII_HINT,
                  mismatch_hint=HII_HINT)
    c.ok("a new client is asked for its nickname with 'Hii'")
    ada.send(b"ada\n")
    wait_lists(c, call, clients, nicknames, ["ada"], "ada sent her nickname", _nickname_hint)
    _joined(c, ada, "ada", "ada sent her nickname", call)
    c.ok("ada is added to clients and nicknames, and her arrival is announced")

    zoe = c.connect(server.getsockname(), "Zoë")
    c.expect_line(zoe, NICK_REQUEST, "a second client connected (ada is still online)",
                  call=call, hint=THREAD_HINT, mismatch_hint=HII_HINT)
    data = "Zoë\n".encode("utf-8")
    cut = data.index("ë".encode()) + 1
    step = "Zoë sent her nickname in two pieces, cut inside 'ë'"
    c.send_in_pieces(zoe, server.accepted[-1], [data[:cut], data[cut:]], step, call)
    wait_lists(c, call, clients, nicknames, ["ada", "Zoë"], step, _nickname_hint)
    _joined(c, ada, "Zoë", step, call)
    c.ok("a second client can join while the first is online, even when its nickname "
         "arrives in pieces")

    zoe.send(b"hello\n")
    for peer in (ada, zoe):
        chat(c, peer, "Zoë: hello", "Zoë sent a line", call, "Zoë sent 'hello\\n'")
    ada.send(b"hi\n")
    for peer in (ada, zoe):
        chat(c, peer, "ada: hi", "ada sent a line", call, "ada sent 'hi\\n'")
    c.ok("each client that joined is served by handle in its own thread")

    leave_and_stop(c, call, server, clients, nicknames, ada, zoe, _nickname_hint)
    c.ok("receive stops when the server socket is shut down")


ASK_LABEL = "ask_nickname(client, nicknames)"

ASK_HII_HINT = 'Start by asking: client.sendall(b"Hii\\n").'
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
def check_ask_nickname(c: Checker, ask_nickname) -> None:
    need_function(c, ask_nickname, "ask_nickname")
    taken = ["ada", "bob"]
    sock, peer = c.pair("The client")
    call = c.start(ask_nickname, sock, taken, label=ASK_LABEL)
    c.expect_line(peer, NICK_REQUEST, "the client connected", call=call, hint=ASK_HII_HINT,
                  mismatch_hint=ASK_HII_HINT)
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
    call = c.start(ask_nickname, sock, taken, label=ASK_LABEL)
    c.expect_line(peer, NICK_REQUEST, "a second client connected", call=call, hint=ASK_HII_HINT)
    peer.sock.close()
    nickname = c.finish(call, "the client left without giving a nickname", taps=[sock.tap],
                        hint=GONE_HINT)
    if nickname is not None:
        c.fail("ask_nickname should return None when the client leaves during the handshake.",
               sent="the client closed the connection", expected="None",
               arrived=shown(nickname), hint=GONE_HINT)
    c.ok("when the client leaves before answering, it returns None")
