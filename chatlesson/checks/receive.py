"""Lesson 04: ``receive(server)``, the accept loop that greets each client and serves it."""

from __future__ import annotations

import time

from ..protocol import NICK_REQUEST
from .core import Checker, checker, need_function, shown
from .sockets import shut

LABEL = "receive(server)"

HII_HINT = ('Right after accept(), ask for the nickname: client.sendall(b"Hii\\n"). The '
            "client waits for exactly that line before it says who it is.")
THREAD_HINT = ("receive must not wait for one client: run handle in its own thread, "
               "threading.Thread(target=handle, args=(client,), daemon=True).start(), "
               "and go straight back to accept().")
JOINED_HINT = 'Tell everyone who joined, e.g. broadcast(clients, f"*** {nickname} joined").'
CHAT_HINT = ("After the handshake, start a thread that runs handle(client): that loop is what "
             "reads the client's lines and broadcasts them.")


def _nickname_hint(nicknames, expected) -> str:
    if [n.strip() for n in nicknames if isinstance(n, str)] == expected:
        return ('Strip the line ending from the nickname: line.decode("utf-8").strip() or '
                "split the buffer at b\"\\n\".")
    if any(isinstance(n, bytes) for n in nicknames):
        return 'Decode the nickname: nickname = line.decode("utf-8").'
    if len(nicknames) < len(expected):
        return "Add each new nickname: nicknames.append(nickname) (and clients.append(client))."
    return "Add each client once, with its nickname, in the order they join."


def _wait_lists(c: Checker, call, clients, nicknames, expected, step: str) -> None:
    """Student code updates the lists in its own thread: give it a moment (deadline loop)."""
    until = time.monotonic() + c.timeout
    while (nicknames != expected or len(clients) != len(expected)) and time.monotonic() < until:
        c.alive(call, step)
        time.sleep(0.005)
    if nicknames != expected:
        c.fail(f"After {step}, nicknames is not right.", expected=shown(expected),
               arrived=shown(list(nicknames)), hint=_nickname_hint(nicknames, expected))
    if len(clients) != len(expected):
        c.fail(f"After {step}, clients does not hold one socket per nickname.",
               expected=f"{len(expected)} clients", arrived=f"{len(clients)} clients",
               hint="Add the client's socket to clients when you add its nickname.")


def _joined(c: Checker, peer, nick: str, step: str, call) -> None:
    got = c.line(peer, step, call=call, expected=f"a line such as '*** {nick} joined\\n'",
                 hint=JOINED_HINT)
    if nick not in got or "joined" not in got:
        c.fail(f"{peer.name} was not told that {nick} joined.",
               expected=f"a line such as '*** {nick} joined\\n'", arrived=shown(got + "\n"),
               hint=JOINED_HINT)


def _chat(c: Checker, peer, expected: str, step: str, call, sent: str) -> None:
    """The next chat line ``peer`` sees; greetings without ": " before it are skipped."""
    for _ in range(3):
        got = c.line(peer, step, call=call, expected=shown(expected + "\n"), sent=sent,
                     hint=CHAT_HINT)
        if got.startswith("*** ") or ": " not in got:
            continue  # a welcome or a joined line: not what this step is about
        if got != expected:
            c.fail(f"{peer.name} received the wrong line while {step}.", sent=sent,
                   expected=shown(expected + "\n"), arrived=shown(got + "\n"), hint=CHAT_HINT)
        return
    c.fail(f"{peer.name} did not receive the chat line while {step}.", sent=sent,
           expected=shown(expected + "\n"), hint=CHAT_HINT)


@checker("receive(server)")
def check_receive(c: Checker, receive, clients, nicknames) -> None:
    need_function(c, receive, "receive")
    if not isinstance(clients, list) or not isinstance(nicknames, list):
        c.fail("check_receive needs your two lists.",
               expected="check_receive(receive, clients, nicknames)",
               hint="Pass the lists receive uses: check_receive(receive, clients, nicknames).")
    clients.clear()
    nicknames.clear()
    try:
        _check(c, receive, clients, nicknames)
    finally:
        clients.clear()
        nicknames.clear()


def _check(c: Checker, receive, clients, nicknames) -> None:
    server = c.listener()
    call = c.start(receive, server, label=LABEL)

    ada = c.connect(server.getsockname(), "ada")
    c.expect_line(ada, NICK_REQUEST, "ada connected", call=call, hint=HII_HINT,
                  mismatch_hint=HII_HINT)
    c.ok("a new client is asked for its nickname with 'Hii'")
    ada.send(b"ada\n")
    _joined(c, ada, "ada", "ada sent her nickname", call)
    _wait_lists(c, call, clients, nicknames, ["ada"], "ada sent her nickname")
    c.ok("ada is added to clients and nicknames, and her arrival is announced")

    zoe = c.connect(server.getsockname(), "Zoë")
    c.expect_line(zoe, NICK_REQUEST, "a second client connected while ada is still online",
                  call=call, hint=THREAD_HINT, mismatch_hint=HII_HINT)
    data = "Zoë\n".encode("utf-8")
    cut = data.index("ë".encode()) + 1
    c.send_in_pieces(zoe, server.accepted[-1], [data[:cut], data[cut:]],
                     "Zoë sent her nickname in two pieces", call)
    _joined(c, ada, "Zoë", "Zoë sent her nickname in two pieces, cut inside 'ë'", call)
    _wait_lists(c, call, clients, nicknames, ["ada", "Zoë"],
                "Zoë sent her nickname in two pieces, cut inside 'ë'")
    c.ok("a second client can join while the first is online, even when its nickname "
         "arrives in pieces")

    zoe.send(b"hello\n")
    for peer in (ada, zoe):
        _chat(c, peer, "Zoë: hello", "Zoë sent a line", call, "Zoë sent 'hello\\n'")
    ada.send(b"hi\n")
    for peer in (ada, zoe):
        _chat(c, peer, "ada: hi", "ada sent a line", call, "ada sent 'hi\\n'")
    c.ok("each client that joined is served by handle in its own thread")

    ada.sock.close()
    zoe.sock.close()
    until = time.monotonic() + c.timeout
    while clients and time.monotonic() < until:  # let handle remove them before cleanup
        time.sleep(0.005)
    shut(server)
    step = "the server socket was closed"
    if not call.wait(c.timeout):
        c.fail(f"Timed out: {LABEL} did not stop when {step}.", status="timeout",
               hint="When accept() raises OSError (the server socket was closed), let the loop end.")
    if call.error is not None and not isinstance(call.error, OSError):
        c.crashed(call, step)  # an OSError from accept() is how the loop is meant to end
    c.ok("receive stops when the server socket is closed")
