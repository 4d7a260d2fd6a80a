"""Lesson 03: ``handle(client)``, the loop that serves one client until it leaves."""

from __future__ import annotations

from .core import Checker, checker, need_function, shown

LABEL = "handle(client)"

STAMP_HINT = ("Put the sender's nickname in front of each line: find it with "
              "nicknames[clients.index(client)], then broadcast f\"{nickname}: {text}\".")
LINES_HINT = ('One recv() can hold several lines. Keep the bytes in a buffer and broadcast one '
              'message for every line ending in b"\\n".')
PIECES_HINT = ('A line can arrive in several pieces, even cut inside a character. Keep the bytes '
               'in a buffer until b"\\n" arrives, and only then decode the line.')
LEAVE_HINT = ("When recv() returns b'' the client has left: end the loop, remove the client and "
              "its nickname, close its socket and tell the others.")
LEFT_HINT = 'Tell the others who left, e.g. broadcast(clients, f"*** {nickname} left").'
SAME_NAME_HINT = ("Removing a nickname by its value removes the FIRST entry with that name, and two "
                  "clients may share one. Find the client's position once, then remove that "
                  "position from both lists, so they stay in step.")


def _everyone_gets(c: Checker, peers, expected: str, step: str, call, sent: str, hint):
    for peer in peers:
        c.expect_line(peer, expected, step, call=call, sent=sent,
                      hint="handle should broadcast each line it receives to every client, "
                           "the sender included.",
                      mismatch_hint=hint)


def _nothing_more(c: Checker, peers, step: str, sent: str, last: str) -> None:
    """After a step, no client may have received anything beyond the expected lines."""
    for peer in peers:
        extra = peer.read_available()
        if not extra:
            continue
        hint = ("Send each line once, with the one line ending broadcast adds: a line taken out "
                "of the buffer has no \"\\n\" left, so do not add another.") if extra.strip(b"\r\n") == b"" \
            else "Broadcast each complete line once, and nothing else."
        c.fail(f"{peer.name} received more than expected after {shown((last + chr(10)).encode())}, "
               f"while {step}.", sent=sent, expected="nothing more", arrived=shown(extra), hint=hint)


def _check_left(c: Checker, call, sock, peer, clients, nicknames, stayed, step: str):
    """After ``peer`` went away: the client is removed, closed and announced."""
    c.finish(call, step, taps=[sock.tap], hint=LEAVE_HINT)
    name = peer.name
    if sock in clients:
        c.fail(f"{name} left, but is still in clients.", expected=f"{name}'s socket removed",
               arrived=f"{len(clients)} clients",
               hint="Remove the client from the list: clients.remove(client).")
    if name in nicknames:
        c.fail(f"{name} left, but is still in nicknames.", expected=f"{name!r} removed",
               arrived=shown(nicknames),
               hint="Remove the nickname too: find the client's position before removing "
                    "anything, then remove that position from both lists.")
    if nicknames != [p.name for p in stayed] or len(clients) != len(stayed):
        c.fail(f"After {name} left, the wrong clients are in the lists.",
               expected=f"nicknames == {[p.name for p in stayed]!r}", arrived=shown(nicknames),
               hint="Remove exactly the client that left, and its nickname.")
    if sock.fileno() != -1:
        c.fail(f"{name} left, but handle did not close the socket.", expected="client closed",
               arrived="client still open",
               hint="Close the socket when the client leaves: client.close(). An open socket "
                    "keeps its memory and its file descriptor until the kernel runs out.")
    for other in stayed:
        got = c.line(other, f"telling the others that {name} left", call=None,
                     expected=f"a line such as '*** {name} left\\n'", hint=LEFT_HINT)
        if name not in got or "left" not in got:
            c.fail(f"{other.name} was not told that {name} left.",
                   expected=f"a line such as '*** {name} left\\n'", arrived=shown(got + "\n"),
                   hint=LEFT_HINT)


@checker("handle(client)")
def check_handle(c: Checker, handle, clients, nicknames) -> None:
    need_function(c, handle, "handle")
    if not isinstance(clients, list) or not isinstance(nicknames, list):
        c.fail("check_handle needs your two lists.", expected="check_handle(handle, clients, nicknames)",
               hint="Pass the lists handle uses: check_handle(handle, clients, nicknames).")
    try:
        _check(c, handle, clients, nicknames)
    finally:
        clients.clear()  # the check filled the student's lists; leave them empty, as found
        nicknames.clear()


def _check(c: Checker, handle, clients, nicknames) -> None:
    pairs = [c.pair(name) for name in ("ada", "bob", "cy")]
    clients[:] = [sock for sock, _ in pairs]
    nicknames[:] = ["ada", "bob", "cy"]
    (ada_sock, ada), (bob_sock, bob), (cy_sock, cy) = pairs
    everyone = [ada, bob, cy]

    call = c.start(handle, bob_sock, label=LABEL)
    bob.send(b"hello\n")
    _everyone_gets(c, everyone, "bob: hello", "bob sent a line", call, "bob sent 'hello\\n'",
                   lambda got: STAMP_HINT if not got.startswith("bob: ") else LINES_HINT)
    _nothing_more(c, everyone, "bob sent a line", "bob sent 'hello\\n'", "bob: hello")
    c.ok("a line from bob reaches everyone as 'bob: hello', and nothing more")

    bob.send(b"one\ntwo\n")
    for expected in ("bob: one", "bob: two"):
        _everyone_gets(c, everyone, expected, "bob sent two lines at once", call,
                       "bob sent 'one\\ntwo\\n' (both lines in one piece)", LINES_HINT)
    _nothing_more(c, everyone, "bob sent two lines at once", "bob sent 'one\\ntwo\\n'", "bob: two")
    c.ok("two lines that arrive together go out as two messages")

    text = "héllo wörld ☕"
    data = (text + "\n").encode("utf-8")
    cut1, cut2 = data.index("é".encode()) + 1, data.index("☕".encode()) + 2
    pieces = [data[:cut1], data[cut1:cut2], data[cut2:]]
    sent = f"bob sent {shown(data)} in 3 pieces, cut inside 'é' and inside '☕'"
    c.send_in_pieces(bob, bob_sock, pieces, "bob sent a line in pieces", call)
    _everyone_gets(c, everyone, f"bob: {text}", "bob sent a line in pieces", call, sent,
                   PIECES_HINT)
    c.ok("a line that arrives in pieces, cut inside a character, goes out whole")

    bob.sock.close()
    _check_left(c, call, bob_sock, bob, clients, nicknames, [ada, cy], "bob closed the connection")
    c.ok("when bob leaves, handle returns, removes bob from clients and nicknames, "
         "closes his socket and tells the others")

    call = c.start(handle, ada_sock, label=LABEL)
    ada.send(b"bye\n")
    c.expect_line(cy, "ada: bye", "ada sent a line", call=call, sent="ada sent 'bye\\n'",
                  mismatch_hint=STAMP_HINT)
    ada.reset()
    _check_left(c, call, ada_sock, ada, clients, nicknames, [cy], "ada's connection broke")
    c.ok("when a connection breaks (recv raises an error), the client is removed just the same")

    _check_same_names(c, handle, clients, nicknames, cy_sock)


def _check_same_names(c: Checker, handle, clients, nicknames, cy_sock) -> None:
    """Two clients called ada; the second leaves: the lists must stay in step."""
    (first_sock, _), (second_sock, second) = c.pair("The first ada"), c.pair("The second ada")
    clients[:] = [first_sock, cy_sock, second_sock]
    nicknames[:] = ["ada", "cy", "ada"]
    call = c.start(handle, second_sock, label=LABEL)
    second.sock.close()
    step = "the second of two clients called ada left"
    c.finish(call, step, taps=[second_sock.tap], hint=LEAVE_HINT)
    expected = [("the first ada", "ada"), ("cy", "cy")]
    names = {first_sock: "the first ada", cy_sock: "cy", second_sock: "the second ada"}
    arrived = [(names.get(sock, "another socket"), nick)
               for sock, nick in zip(clients, nicknames, strict=False)]
    if len(clients) != len(nicknames) or arrived != expected:
        c.fail("After the second of two clients called ada left, the two lists are out of step.",
               sent="clients: the first ada, cy, the second ada; nicknames: ['ada', 'cy', 'ada']",
               expected=", ".join(f"{who} is {nick!r}" for who, nick in expected),
               arrived=", ".join(f"{who} is {nick!r}" for who, nick in arrived) or "empty lists",
               hint=SAME_NAME_HINT)
    c.ok("when one of two clients with the same nickname leaves, the lists stay in step")
