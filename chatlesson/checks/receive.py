"""Lesson 04: ``receive(server)``, the accept loop that starts a ``handle`` thread per client.

No handshake yet: the server names its guests itself (lesson 05 asks them).
The helpers here are shared with the lesson 05 checks, whose ``receive``
only adds the handshake.
"""

from __future__ import annotations

import contextlib
import time

from .core import Checker, StudentCall, checker, need_function, phrase, shown
from .sockets import Peer, shut

LABEL = "receive(server)"

THREAD_HINT = ("receive must not wait for one client: run handle in its own thread, "
               "threading.Thread(target=handle, args=(client,), daemon=True).start(), "
               "and go straight back to accept().")
CHAT_HINT = ("Start a thread that runs handle(client) for every client: that loop is what "
             "reads the client's lines and broadcasts them.")
STOP_HINT = "When accept() raises OSError (the server socket was shut down), leave the loop."
NAME_HINT = ('Tell the new client its name, e.g. client.sendall(f"*** You are {nickname}\\n"'
             '.encode("utf-8")), after adding it to the lists and starting its thread.')


def wait_lists(c: Checker, call: StudentCall, clients, nicknames, expected, step: str,
               hint) -> None:
    """Wait until the lists match ``expected`` (student code changes them in its own threads).

    ``expected`` is a list of nicknames, or a number when any names will do.
    """
    def right() -> bool:
        if isinstance(expected, int):
            return len(nicknames) == expected and len(clients) == expected
        return nicknames == expected and len(clients) == len(expected)

    until = time.monotonic() + c.timeout
    while not right() and time.monotonic() < until:
        c.alive(call, step)
        time.sleep(0.005)  # a deadline loop: the lists give no signal when they change
    if right():
        return
    count = expected if isinstance(expected, int) else len(expected)
    if isinstance(expected, list) and nicknames != expected:
        c.fail(f"After {step}, nicknames is not right.", expected=shown(expected),
               arrived=shown(list(nicknames)), hint=hint(nicknames, expected))
    if len(nicknames) != count:
        c.fail(f"After {step}, nicknames should hold {count} names.",
               expected=f"{count} nicknames", arrived=shown(list(nicknames)),
               hint=hint(nicknames, expected))
    c.fail(f"After {step}, clients does not hold one socket per nickname.",
           expected=f"{count} clients", arrived=f"{len(clients)} clients",
           hint="Add the client's socket to clients when you add its nickname.")


def chat(c: Checker, peer: Peer, expected: str, step: str, call, sent: str) -> None:
    """The next chat line ``peer`` sees; greetings and notices (no ": ") are skipped."""
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


def leave_and_stop(c: Checker, call: StudentCall, server, clients, nicknames,
                   first: Peer, second: Peer, hint) -> None:
    """Both clients leave, one at a time; then the server socket is shut down."""
    # One at a time, so that no handle thread sends to a client that is leaving too.
    first.sock.close()
    wait_lists(c, call, clients, nicknames, 1, f"{phrase(first.name)} left", hint)
    c.line(second, f"{phrase(first.name)} left", call=call)  # handle tells the others
    second.sock.close()
    wait_lists(c, call, clients, nicknames, 0, f"{phrase(second.name)} left", hint)
    shut(server)
    step = "the server socket was shut down"
    if not call.wait(c.timeout):
        c.fail(f"Timed out: {LABEL} did not stop when {step}.", status="timeout", hint=STOP_HINT)
    if call.error is not None and not isinstance(call.error, OSError):
        c.crashed(call, step)  # an OSError from accept() is one way for the loop to end


def need_lists(c: Checker, clients, nicknames, name: str) -> None:
    if not isinstance(clients, list) or not isinstance(nicknames, list):
        c.fail(f"{name} needs your two lists.", expected=f"{name}(receive, clients, nicknames)",
               hint=f"Pass the lists receive uses: {name}(receive, clients, nicknames).")


@contextlib.contextmanager
def emptied(clients, nicknames):
    """Run a check on empty lists, and leave the student's lists empty afterwards."""
    clients.clear()
    nicknames.clear()
    try:
        yield
    finally:
        clients.clear()
        nicknames.clear()


def _guest_hint(nicknames, expected) -> str:
    return "Add each new client and a nickname for it: clients.append(client), nicknames.append(nickname)."


def _greeted(c: Checker, peer: Peer, call, index: int, nicknames, step: str) -> None:
    got = c.line(peer, step, call=call, expected="a line with its nickname",
                 hint=THREAD_HINT if index else NAME_HINT)
    if len(nicknames) > index and nicknames[index] not in got:
        c.fail(f"{peer.name} was not told its nickname.",
               expected=f"a line such as '*** You are {nicknames[index]}\\n'",
               arrived=shown(got + "\n"), hint=NAME_HINT)


@checker("receive(server)")
def check_receive(c: Checker, receive, clients, nicknames) -> None:
    need_function(c, receive, "receive")
    need_lists(c, clients, nicknames, "check_receive")
    with emptied(clients, nicknames):
        _check(c, receive, clients, nicknames)


def _check(c: Checker, receive, clients, nicknames) -> None:
    server = c.listener()
    call = c.start(receive, server, label=LABEL)

    first = c.connect(server.getsockname(), "The first client")
    _greeted(c, first, call, 0, nicknames, "the first client connected")
    wait_lists(c, call, clients, nicknames, 1, "the first client connected", _guest_hint)
    c.ok("a new client is added to clients and nicknames, and told its name")

    second = c.connect(server.getsockname(), "The second client")
    _greeted(c, second, call, 1, nicknames, "a second client connected")
    wait_lists(c, call, clients, nicknames, 2, "a second client connected", _guest_hint)
    if not all(isinstance(n, str) and n for n in nicknames) or nicknames[0] == nicknames[1]:
        c.fail("Each client needs a nickname of its own.", expected="two different nicknames",
               arrived=shown(list(nicknames)),
               hint='Number the guests: nickname = f"guest{next(guest_numbers)}".')
    c.ok("a second client is accepted while the first is still connected")

    one, two = list(nicknames)
    first.send(b"hi\n")
    for peer in (first, second):
        chat(c, peer, f"{one}: hi", "the first client sent a line", call, "'hi\\n'")
    second.send(b"hello\n")
    for peer in (first, second):
        chat(c, peer, f"{two}: hello", "the second client sent a line", call, "'hello\\n'")
    c.ok("each client is served by handle in its own thread")

    leave_and_stop(c, call, server, clients, nicknames, first, second, _guest_hint)
    c.ok("receive stops when the server socket is shut down")
