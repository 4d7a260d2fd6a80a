"""Lesson 04: ``receive(server)``, the accept loop that starts a ``handle`` thread per client.

No handshake yet: the server names its guests itself (lesson 05 asks them).
Clients connect, chat and leave in different orders; one vanishes before it
is told its name, one's connection breaks. ``accept_loop`` does the driving.
"""

from __future__ import annotations

import time

from .accept_loop import (
    CHAT_HINT,
    ORDER_HINT,
    OWN_CLIENT_HINT,
    THREAD_HINT,
    Run,
    check_accept_loop,
)
from .core import Checker, checker, shown
from .sockets import Peer

NAME_HINT = ("Tell the new client its name with one line, exactly '*** You are ' and its "
             "nickname, ending in \"\\n\", after adding it to the lists and starting its thread.")
GONE_HINT = ("A client can leave at any moment, even before the server has said a word to it: "
             "then sendall raises OSError. Catch it and go back to accept(); the client's "
             "handle thread removes it from the lists.")


# --- The lesson 04 check ---------------------------------------------------------------


def _guest_hint(nicknames, expected) -> str:
    if len(nicknames) < len(expected):
        return ("Add each new client and a nickname for it: clients.append(client), "
                "nicknames.append(nickname).")
    return "Add each client once, with its nickname."


@checker("receive(server)")
def check_receive(c: Checker, receive, clients, nicknames) -> None:
    check_accept_loop(c, receive, clients, nicknames, "check_receive", _check)


def _ghost_hint(nicknames, expected) -> str:
    if len(nicknames) > len(expected):
        return ("A client that has gone must leave the lists. If you catch the error from "
                "sendall before its handle thread runs, remove the client yourself; if its "
                "thread is running, handle removes it.")
    return "Remove only the client that left, and its nickname."


def _guest(run: Run, name: str, online: list, socks: list, step: str) -> tuple[Peer, str]:
    """A client connects: it is added to the lists and told its (new, unique) name."""
    c = run.c
    peer, sock = run.connect(name)
    got = c.line(peer, step, call=run.call, expected="'*** You are guest…\\n'",
                 hint=THREAD_HINT if online else NAME_HINT)
    run.back_to_accept(step)  # done with this client: what it did to the socket is done
    run.still_open(sock, step)
    until = time.monotonic() + c.timeout
    while (sock not in run.clients or len(run.nicknames) != len(online) + 1) \
            and time.monotonic() < until:
        run.alive(step)
        if sock.fileno() == -1:
            break
        time.sleep(0.005)  # a deadline loop: the lists give no signal when they change
    run.still_open(sock, step)
    if len(run.nicknames) != len(online) + 1:
        c.fail(f"After {step}, nicknames should hold {len(online) + 1} "
               f"name{'s' if online else ''}.",
               expected=f"{len(online) + 1} nickname{'s' if online else ''}",
               arrived=shown(list(run.nicknames)),
               hint=_guest_hint(run.nicknames, online + [name]))
    if sock not in run.clients:
        c.fail(f"After {step}, clients does not hold the new client's socket.",
               expected=f"{len(online) + 1} clients, the new one included",
               arrived=f"{len(run.clients)} clients",
               hint="Add the socket accept() returned to clients, beside its nickname.")
    nickname = run.nicknames[run.clients.index(sock)]
    if isinstance(nickname, bytes):
        c.fail(f"After {step}, nicknames holds bytes.", arrived=shown(list(run.nicknames)),
               expected="text (str)", hint="Keep nicknames as text; encode only what you send.")
    names = list(run.nicknames)
    if nickname in online and len(set(names)) == len(names):
        c.fail(f"After {step}, clients and nicknames are out of step.",
               expected=f"the new client beside a new name, after {online!r}",
               arrived=f"it is beside {nickname!r} in {names!r}", hint=ORDER_HINT)
    if not isinstance(nickname, str) or not nickname or nickname in online:
        c.fail("Each client needs a nickname of its own.",
               expected=f"a name that is not one of {online!r}", arrived=shown(nickname),
               hint='Number the guests: nickname = f"guest{next(guest_numbers)}".')
    expected = f"*** You are {nickname}"
    if got != expected:
        c.fail(f"{peer.name} was not told its nickname with the right line.",
               expected=shown(expected + "\n"), arrived=shown(got + "\n"), hint=NAME_HINT)
    run.wait_lists(online + [nickname], socks + [sock], step, _guest_hint)
    return peer, nickname


def _told(default: str):
    """A mismatch hint for chat steps: a stray 'You are' line means everyone was told."""
    def hint(got: str) -> str:
        if got.startswith("*** You are"):
            return ("Tell only the new client its name, with client.sendall(...); broadcast "
                    "tells everyone, and they are not the newcomer.")
        return default
    return hint


def _check(c: Checker, run: Run) -> None:
    first, one = _guest(run, "The first client", [], [], "the first client connected")
    first_sock = run.server.accepted[0]
    run.threads(1, "the first client connected")
    c.ok("a new client is added to clients and nicknames, and told its name")

    second, two = _guest(run, "The second client", [one], [first_sock],
                         "a second client connected")
    second_sock = run.server.accepted[1]
    run.threads(2, "a second client connected")
    c.ok("a second client is accepted while the first is still connected, "
         "each in a daemon thread of its own")

    first.send(b"hi\n")
    for peer in (first, second):
        run.line(peer, f"{one}: hi", "the first client sent a line", CHAT_HINT, sent="'hi\\n'",
                 mismatch_hint=_told(CHAT_HINT))
    second.send(b"hello\n")
    for peer in (first, second):
        run.line(peer, f"{two}: hello", "the second client sent a line", OWN_CLIENT_HINT,
                 sent="'hello\\n'")
    c.ok("each client is served by handle in its own thread")

    first.sock.close()
    step = f"the first client left ({two} is still online)"
    run.wait_lists([two], [second_sock], step, _guest_hint)
    run.line(second, f"*** {one} left", step, CHAT_HINT)
    run.threads(1, step)

    run.crash_hint = GONE_HINT
    run.connect("A client that leaves at once", leave=lambda sock: True)
    step = "a client left right after connecting, before it was told its name"
    run.back_to_accept(step, GONE_HINT)
    run.wait_lists([two], [second_sock], step, _ghost_hint)
    run.threads(1, step)
    run.crash_hint = None
    c.ok("a client that leaves first, or at once, is removed; the loop goes on")

    third, three = _guest(run, "A third client", [two], [second_sock],
                          "a third client connected")
    third_sock = run.server.accepted[-1]
    third.send(b"hey there \n")
    for peer in (second, third):
        run.line(peer, f"{three}: hey there ", "the third client sent a line", CHAT_HINT,
                 sent="'hey there \\n'", skip_notices=True)
    second.send(b"welcome\n")
    for peer in (second, third):
        run.line(peer, f"{two}: welcome", "the second client sent a line", OWN_CLIENT_HINT,
                 sent="'welcome\\n'", skip_notices=True)
    c.ok("a client that joins after others left gets a name nobody online has")

    second.reset()
    step = f"{two}'s connection broke"
    run.wait_lists([three], [third_sock], step, _guest_hint)
    run.line(third, f"*** {two} left", step, CHAT_HINT, skip_notices=True)
    third.sock.close()
    run.wait_lists([], [], f"{three} left too", _guest_hint)
    run.threads(0, "every client left")
    run.stop()
    c.ok("receive stops when the server socket is shut down")
