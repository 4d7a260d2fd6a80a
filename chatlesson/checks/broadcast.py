"""Lesson 02: ``broadcast(clients, message)`` sends one line to every client in the list."""

from __future__ import annotations

from .core import Checker, checker, need_function, shown

SENDALL_HINT = ("send() may take only part of the bytes and returns how many it took; the rest "
                "is lost unless you send it again. sendall() keeps sending until every byte is on "
                "its way: use it.")
EVERY_CLIENT_HINT = "Send to every client in the list: `for client in clients:` visits each one."


def _missing_hint(index: int, count: int) -> str:
    if index == 0:
        return ("The first client got nothing. Does your loop start at the second one "
                "(clients[1:] or range(1, ...))? " + EVERY_CLIENT_HINT)
    if index == count - 1:
        return ("The last client got nothing. range(len(clients) - 1) stops one too early. "
                + EVERY_CLIENT_HINT)
    return EVERY_CLIENT_HINT


def _compare(c: Checker, peers, receivers, message: str, sent: str, hint: str | None = None) -> None:
    """Each peer in ``receivers`` gets exactly the line; the others get nothing."""
    expected = (message + "\n").encode("utf-8")
    for peer in peers:
        if peer in receivers:  # loopback delivers at once, but a busy machine may lag
            arrived = peer.read_bytes(len(expected), c.timeout)
        else:
            arrived = peer.read_available()
        if peer not in receivers:
            if arrived:
                c.fail(f"{peer.name} received a message, but it is not in the list you were given.",
                       sent=sent, expected="nothing", arrived=shown(arrived),
                       hint="Send to the clients in the `clients` argument, not to another list.")
            continue
        if arrived == expected:
            continue
        if not arrived:
            c.fail(f"{peer.name} received nothing.", sent=sent, expected=shown(expected),
                   arrived="nothing", hint=_missing_hint(receivers.index(peer), len(receivers)))
        c.fail(f"{peer.name} received the wrong bytes.", sent=sent, expected=shown(expected),
               arrived=shown(arrived), hint=_wrong_bytes_hint(arrived, expected, hint))


def _wrong_bytes_hint(arrived: bytes, expected: bytes, step_hint: str | None) -> str:
    """The step's own hint for a cut-short line, else the hint for the usual mistakes."""
    if step_hint is not None and expected.startswith(arrived):
        return step_hint
    if arrived == expected[:-1]:
        return ('Add a line ending: send (message + "\\n").encode("utf-8"), so the receiver '
                "knows where one message stops and the next one starts.")
    if arrived == expected * (len(arrived) // len(expected)):
        return "Each client should get the message once. Is there a loop inside your loop?"
    return step_hint or 'Send exactly the message plus "\\n", encoded with "utf-8".'


@checker("broadcast(clients, message)")
def check_broadcast(c: Checker, broadcast) -> None:
    need_function(c, broadcast, "broadcast")
    pairs = [c.pair(f"Client {number} of 3") for number in (1, 2, 3)]
    sockets = [sock for sock, _ in pairs]
    peers = [peer for _, peer in pairs]

    clients = list(sockets)
    message = "hello everyone"
    c.run(broadcast, clients, message, label=f"broadcast(clients, {message!r})",
          step="sending to 3 clients")
    _compare(c, peers, peers, message, f"broadcast(clients, {message!r}) with 3 clients")
    c.ok(f"all 3 clients received {shown(message + chr(10))}")
    if clients != sockets:
        c.fail("broadcast changed the list of clients.", expected="the same 3 clients",
               arrived=f"{len(clients)} clients",
               hint="broadcast only sends: leave the list as it is.")
    c.ok("the list of clients is left as it was")

    message = "café ☕ naïve"
    chosen = [sockets[0], sockets[2]]
    sent = f"broadcast([client 1, client 3], {message!r})"
    c.run(broadcast, chosen, message, label=f"broadcast(clients, {message!r})",
          step="sending text with accents and an emoji")
    _compare(c, peers, [peers[0], peers[2]], message, sent)
    c.ok("it sends UTF-8, and only to the clients in the list it is given")

    message = "  two spaces before, two after  "
    c.run(broadcast, clients, message, label=f"broadcast(clients, {message!r})",
          step="sending text with spaces at its edges")
    _compare(c, peers, peers, message, f"broadcast(clients, {message!r})",
             hint="Send the message exactly as it is given: do not strip or change it.")
    c.ok("the text arrives exactly as given, spaces at its edges included")

    for sock in sockets:
        sock.send_limit = 4
    message = "a line longer than what one send() takes"
    c.run(broadcast, clients, message, label=f"broadcast(clients, {message!r})",
          step="the system took only part of each send()")
    _compare(c, peers, peers, message,
             f"broadcast(clients, {message!r}) while each send() takes 4 bytes at a time",
             hint=SENDALL_HINT)
    for sock in sockets:
        sock.send_limit = None
    c.ok("when the system takes only part of a send, every byte still arrives (sendall)")

    c.run(broadcast, [], "anyone there?", label="broadcast([], 'anyone there?')",
          step="sending to an empty list")
    c.ok("an empty list of clients is fine")
