"""Lesson 09: the three handlers of the event loop, each checked on its own.

``on_readable(sel, client)``, ``on_writable(sel, client)`` and ``drop(sel, client)`` are
called by the checker the way a loop calls them: on real non-blocking sockets registered in a
real selector, only when that socket is ready. After every call the checker compares exact
bytes: what each client's ``outbox`` holds (what the loop will write later), what reached the
other end of a socket, and what the selector was asked to watch.
"""

from __future__ import annotations

import select
import selectors

from .core import Checker, checker, need_function, shown
from .event_loop_sockets import LoopListener, LoopSocket
from .sockets import HOST, Peer

READ, WRITE = selectors.EVENT_READ, selectors.EVENT_WRITE

QUEUE_HINT = ("Do not write to a socket from here: add the line to the outboxes with "
              "broadcast(sel, text), and let the loop send it once select() says the socket "
              "can take it.")
RETURN_HINT = ("Return True while the client is still connected, and False once it has gone: "
               "the loop calls drop for a client whose handler returned False.")


def need_setup(c: Checker, Client, clients, call: str) -> None:
    """Fail clearly when the check is not given the notebook's Client class and list."""
    if not callable(Client) or not isinstance(clients, list):
        c.fail(f"{call.split('(')[0]} needs the Client class and the clients list of the "
               "notebook.", expected=call,
               hint=f"Run the cell with the given code first, then call {call}.")


def ask(c: Checker, function, *args, label: str, step: str, hints=None):
    """Call student code with a deadline; an exception gets the hint ``hints`` has for it."""
    call = c.start(function, *args, label=label)
    if not call.wait(c.timeout):
        c.fail(f"Timed out: {label} did not return while {step}.", status="timeout",
               hint="A handler must never wait: call recv() or send() once, on a socket the "
                    "selector said is ready, and return.")
    if call.error is not None:
        hint = None
        if callable(hints):
            hint = hints(call.error)
        else:
            for kind, text in (hints or {}).items():
                if isinstance(call.error, kind):
                    hint = text
                    break
        c.crashed(call, step, hint)
    return call.returned


class Room:
    """Clients on real sockets, registered in a real selector, as the loop would have them."""

    def __init__(self, c: Checker, Client, clients: list, names: list[str]):
        """``names``: the checker's name for each client; its nickname is the last word."""
        self.c = c
        self.labels: dict[int, str] = {}
        self.sel = selectors.DefaultSelector()
        self.listener = c.keep(LoopListener(on_accept=c.keep))
        self.listener.bind((HOST, 0))
        self.listener.listen()
        self.clients = clients
        self.made = []  # (Client, Peer) in order
        for name in names:
            peer = c.connect(self.listener.getsockname(), name)
            sock, _ = self.listener.accept()
            sock.setblocking(False)
            client = Client(sock, name.split()[-1])
            self.labels[id(client)] = name
            self.sel.register(sock, READ, client)
            self.made.append((client, peer))
        clients[:] = [client for client, _ in self.made]

    def close(self) -> None:
        self.sel.close()
        self.clients.clear()  # the check filled the student's list; leave it empty, as found

    def ready(self, sock, step: str, write: bool = False) -> None:
        """Wait until ``sock`` is ready, as select() would report it (loopback: at once)."""
        self.still_open(sock, step)
        readers, writers = ([], [sock]) if write else ([sock], [])
        if not any(select.select(readers, writers, [], self.c.timeout)):
            self.c.fail(f"The checker's own data did not arrive while {step}.", status="error",
                        hint="Run the check again; if this happens again, restart the kernel.")

    def still_open(self, sock, step: str) -> None:
        """Fail if student code closed a socket whose client is still connected."""
        if sock.fileno() == -1:
            self.c.fail(f"{self.name_of_sock(sock)}'s socket was closed while {step}, though the "
                        "client is still connected.", expected="the socket open",
                        arrived="closed",
                        hint="Only drop closes a socket, once the client has gone: a handler "
                             "reads or writes, and returns False when the client has left.")

    def name_of_sock(self, sock) -> str:
        for client, _ in self.made:
            if client.sock is sock:
                return self.name(client)
        return "a client"

    def name(self, client) -> str:
        return self.labels.get(id(client), "another client")

    def wrote(self) -> bool:
        """True if student code called send() or sendall() on a client's socket."""
        return any(client.sock.send_calls or client.sock.sendall_calls
                   for client, _ in self.made)

    def outbox(self, client) -> bytes:
        """What ``client.outbox`` holds, as bytes; a verdict if it holds something else."""
        value = client.outbox
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        self.c.fail(f"{self.name(client)}'s outbox holds {type(value).__name__}, not bytes.",
                    expected="bytes, e.g. b'ada: hello\\n'", arrived=repr(value)[:60],
                    hint="An outbox holds the bytes to send: queue lines with broadcast(sel, "
                         "text) (or queue), which encodes them, and keep the outbox bytes.")

    def outboxes(self) -> list[bytes]:
        return [self.outbox(client) for client, _ in self.made]

    def empty_outboxes(self) -> None:
        """As the loop would once everything is sent: outboxes empty, EVENT_READ only."""
        for client, _ in self.made:
            client.outbox = b""
            if client.sock.fileno() != -1 and client.sock in self.sel.get_map():
                self.sel.modify(client.sock, READ, client)


# --- on_readable ------------------------------------------------------------------------------

READ_LABEL = "on_readable(sel, client)"
STAMP_HINT = ("Each line goes out as the sender's nickname, a colon and a space, then the line "
              "exactly as it was sent: broadcast(sel, f\"{client.nickname}: {text}\").")
RECV_HINT = ('One recv() is not one line. Add what arrives to client.inbox, and take out only '
             'the complete lines (each ends in b"\\n"); keep the rest for the next call.')
DECODE_HINT = ("A character can be cut in two between one recv() and the next. Keep bytes in "
               "client.inbox and decode only a complete line, never a piece.")
EXACT_HINT = "Pass the line on exactly as it was sent: do not strip or change it."
GONE_HINT = ("recv() returned b'': the client has closed the connection. Return False (and "
             "broadcast nothing): the loop then calls drop.")
BROKEN_HINT = ("recv() raises an OSError (here ConnectionResetError) when a connection broke. "
               "Catch it and return False, as for b''.")
ONCE_HINT = ("The socket is non-blocking: once what arrived has been read, recv() raises "
             "BlockingIOError instead of waiting. Call recv() once each time the selector says "
             "the socket is readable (or stop at BlockingIOError).")


def _read_hint(expected: bytes, arrived: bytes) -> str:
    """Name the usual mistake behind a wrong outbox after on_readable."""
    if not arrived:
        return RECV_HINT
    try:
        text = arrived.decode("utf-8")
    except UnicodeDecodeError:
        return DECODE_HINT
    if "\ufffd" in text or "Ã" in text:
        return DECODE_HINT
    if arrived.endswith(b"\n\n"):
        return ('A line taken out of client.inbox has no "\\n" left, and broadcast adds one: '
                "do not add another.")
    if arrived.strip() == expected.strip() or arrived.replace(b" ", b"") == expected.replace(b" ", b""):
        return EXACT_HINT
    if arrived.count(b"\n") > expected.count(b"\n"):
        return RECV_HINT
    if expected.startswith(arrived) and arrived.endswith(b"\n"):
        return ('Take out every complete line, not only the first: loop while b"\\n" is in '
                "client.inbox.")
    said, meant = arrived.partition(b": ")[2], expected.partition(b": ")[2]
    if said and len(said) < len(meant) and meant.endswith(said):
        return ("The start of the line was lost. What follows the last b\"\\n\" of a recv() "
                "is the start of the next line: keep the rest in client.inbox.")
    if b": " not in arrived:
        return STAMP_HINT
    return RECV_HINT + " " + STAMP_HINT


def _compare_outboxes(c: Checker, room: Room, expected: bytes, step: str, sent: str) -> None:
    for (client, peer), got in zip(room.made, room.outboxes(), strict=False):
        if got != expected:
            written = peer.read_available(0.02) if peer.sock.fileno() != -1 else b""
            hint = QUEUE_HINT if written else _read_hint(expected, got)
            c.fail(f"{client.nickname}'s outbox is wrong after {step}.", sent=sent,
                   expected=shown(expected), arrived=shown(got), hint=hint)
        if not room.sel.get_key(client.sock).events & WRITE:
            c.fail(f"{client.nickname}'s socket is not watched for EVENT_WRITE after {step}: "
                   "the line in its outbox would never be sent.", sent=sent,
                   expected="EVENT_READ | EVENT_WRITE", arrived="EVENT_READ",
                   hint="Queue lines with broadcast(sel, text): it adds them to the outboxes "
                        "and asks the selector for EVENT_WRITE.")
    room.empty_outboxes()


def _feed(c: Checker, on_readable, room: Room, who: int, pieces: list[bytes], step: str,
          sent: str) -> None:
    """Send ``pieces`` one by one; after each, call on_readable until it has read them."""
    client, peer = room.made[who]
    sock: LoopSocket = client.sock
    for piece in pieces:
        target = sock.tap.bytes_read + len(piece)
        room.still_open(sock, step)
        peer.send(piece)
        calls = 0
        while sock.tap.bytes_read < target:
            if calls > len(piece) + 1:
                c.fail(f"on_readable did not read what arrived while {step}.", sent=sent,
                       expected=f"{len(piece)} bytes read with client.sock.recv(...)",
                       arrived=f"{sock.tap.bytes_read - target + len(piece)} bytes read",
                       hint="Read what arrived: data = client.sock.recv(4096).")
            room.ready(sock, step)
            returned = ask(c, on_readable, room.sel, client, label=READ_LABEL, step=step,
                           hints=lambda exc: QUEUE_HINT if room.wrote() else
                           ONCE_HINT if isinstance(exc, BlockingIOError) else None)
            calls += 1
            if not returned:
                c.fail(f"on_readable returned {returned!r} while {client.nickname} is still "
                       f"connected ({step}).", sent=sent, expected="True",
                       arrived=repr(returned), hint=RETURN_HINT)


def _gone(c: Checker, on_readable, room: Room, who: int, how: str, step: str, hint: str) -> None:
    client, peer = room.made[who]
    if how == "reset":
        peer.reset()
    else:
        peer.sock.close()
    room.ready(client.sock, step)
    returned = ask(c, on_readable, room.sel, client, label=READ_LABEL, step=step,
                   hints={OSError: BROKEN_HINT})
    if returned or returned is None:
        c.fail(f"on_readable returned {returned!r} after {step}.", sent=step,
               expected="False", arrived=repr(returned), hint=hint if returned else RETURN_HINT)
    if [client for client, _ in room.made] != room.clients:
        c.fail(f"on_readable changed the list of clients after {step}.", sent=step,
               expected="the same 3 clients", arrived=f"{len(room.clients)} clients",
               hint="Only return False: the loop then calls drop, which removes the client "
                    "(and tells the others).")
    queued = [got for got in room.outboxes() if got]
    if queued:
        c.fail(f"on_readable queued a line after {step}.", sent=step, expected="nothing",
               arrived=shown(queued[0]),
               hint="A client that left sent no line: return False and queue nothing; drop "
                    "tells the others.")


@checker(READ_LABEL)
def check_event_loop_read(c: Checker, on_readable, Client, clients) -> None:
    need_function(c, on_readable, "on_readable")
    need_setup(c, Client, clients, "check_event_loop_read(on_readable, Client, clients)")
    room = Room(c, Client, clients, ["ada", "bob", "cy"])
    try:
        _check_read(c, on_readable, room)
    finally:
        room.close()


def _check_read(c: Checker, on_readable, room: Room) -> None:
    _gone(c, on_readable, room, 1, "reset", "bob's connection broke (recv raises an error)",
          BROKEN_HINT)
    _gone(c, on_readable, room, 2, "close", "cy closed the connection (recv gives b'')",
          GONE_HINT)
    c.ok("it returns False, and queues nothing, when a client closed or its connection broke")

    step = "ada sent a line"
    _feed(c, on_readable, room, 0, [b"hello\n"], step, "ada sent 'hello\\n'")
    _compare_outboxes(c, room, b"ada: hello\n", step, "ada sent 'hello\\n'")
    c.ok("a line from ada is queued for everyone as 'ada: hello\\n', and it returns True")

    data = b"  two spaces before, two after  \n"
    _feed(c, on_readable, room, 0, [data], "ada sent a line with spaces at its edges", shown(data))
    _compare_outboxes(c, room, b"ada: " + data, "ada sent a line with spaces at its edges",
                      f"ada sent {shown(data)}")
    c.ok("the text is queued exactly as sent, spaces at its edges included")

    step = "ada sent two lines and the start of a third in one piece"
    sent = "ada sent 'one\\ntwo\\nthr' (one piece)"
    _feed(c, on_readable, room, 0, [b"one\ntwo\nthr"], step, sent)
    _compare_outboxes(c, room, b"ada: one\nada: two\n", step, sent)
    step = "the rest of the third line arrived"
    sent = "ada sent 'one\\ntwo\\nthr', then 'ee\\n'"
    _feed(c, on_readable, room, 0, [b"ee\n"], step, sent)
    _compare_outboxes(c, room, b"ada: three\n", step, sent)
    c.ok("several lines in one recv are queued one by one; a line's start waits for its end")

    text = "café ☕"
    data = (text + "\n").encode("utf-8")
    for cut in range(1, len(data)):
        pieces = [data[:cut], data[cut:]]
        sent = f"ada sent {shown(data)} in 2 pieces: {shown(pieces[0])[:-1]}' then the rest"
        if not _valid(pieces[0]):
            sent = f"ada sent {shown(data)} in 2 pieces, cut inside a character after byte {cut}"
        step = f"a line arrived in two pieces (cut after byte {cut})"
        _feed(c, on_readable, room, 0, pieces, step, sent)
        _compare_outboxes(c, room, b"ada: " + data, step, sent)
    c.ok("a line cut in two at any byte, even inside a character, is queued whole")

    _feed(c, on_readable, room, 0, [b"a li", b"ne in thr", b"ee pieces\n"],
          "a line arrived in three pieces", "ada sent 'a li', 'ne in thr', 'ee pieces\\n'")
    _compare_outboxes(c, room, b"ada: a line in three pieces\n", "a line arrived in three pieces",
                      "ada sent 'a li', 'ne in thr', 'ee pieces\\n'")
    if [client for client, _ in room.made] != room.clients or len(room.clients) != 3:
        c.fail("on_readable changed the list of clients.", expected="the same 3 clients",
               arrived=f"{len(room.clients)} clients",
               hint="on_readable only reads and queues: drop removes clients.")
    c.ok("a line in three pieces is queued once, whole; the list of clients is left as it was")


def _valid(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# --- on_writable ------------------------------------------------------------------------------

WRITE_LABEL = "on_writable(sel, client)"
MESSAGE = b"ada: a line longer than what one send() takes\n"
SENDALL_HINT = ("Never sendall() in an event loop: it waits until the slowest reader has taken "
                "everything (or, on a non-blocking socket, raises halfway and you cannot tell "
                "how much went). Call send() once, and keep what it did not take.")
PARTIAL_HINT = ("send() returns how many bytes the socket took, often fewer than you gave it. "
                "Keep the rest in the outbox: client.outbox = client.outbox[sent:].")
FULL_HINT = ("send() raised BlockingIOError: the socket is full. Call send() once each time "
             "the selector says the socket is writable (or stop at BlockingIOError), and keep "
             "the rest in the outbox for next time.")
STILL_WRITE_HINT = ("With nothing left to send, watch the socket for EVENT_READ only: "
                    "sel.modify(client.sock, selectors.EVENT_READ, client). A socket that can "
                    "take data is writable almost all the time, so select() would return at "
                    "once, again and again: the loop spins at full speed doing nothing.")
BROKEN_SEND_HINT = ("send() raises an OSError (here ConnectionResetError) when the client's "
                    "connection broke. Catch it and return False; the loop then drops the client.")


def _key(c: Checker, room: Room, client, step: str, sent: str):
    try:
        key = room.sel.get_key(client.sock)
    except (KeyError, ValueError):
        c.fail(f"on_writable unregistered {client.nickname}'s socket while {step}.", sent=sent,
               expected="still registered for EVENT_READ", arrived="not registered",
               hint="Keep the socket registered (the client may still send lines): "
                    "sel.modify(client.sock, selectors.EVENT_READ, client) once the outbox is "
                    "empty.")
    if key.data is not client:
        c.fail(f"The selector lost track of {client.nickname} while {step}.", sent=sent,
               expected="the client as the key's data", arrived=shown(key.data),
               hint="sel.modify(sock, events, data) replaces the data too: pass the client "
                    "again, sel.modify(client.sock, selectors.EVENT_READ, client).")
    return key


def _write_once(c: Checker, on_writable, room: Room, client, step: str, sent: str):
    room.ready(client.sock, step, write=True)
    returned = ask(c, on_writable, room.sel, client, label=WRITE_LABEL, step=step,
                   hints={BlockingIOError: FULL_HINT, OSError: BROKEN_SEND_HINT})
    if client.sock.sendall_calls:
        c.fail(f"on_writable called sendall() while {step}.", sent=sent,
               expected="one send() per call", arrived="sendall()", hint=SENDALL_HINT)
    if not returned:
        c.fail(f"on_writable returned {returned!r} while {client.nickname} is still connected "
               f"({step}).", sent=sent, expected="True", arrived=repr(returned),
               hint=RETURN_HINT)
    return returned


@checker(WRITE_LABEL)
def check_event_loop_write(c: Checker, on_writable, Client, clients) -> None:
    need_function(c, on_writable, "on_writable")
    need_setup(c, Client, clients, "check_event_loop_write(on_writable, Client, clients)")
    room = Room(c, Client, clients, ["ada", "bob"])
    try:
        _check_write(c, on_writable, room)
    finally:
        room.close()


def _check_write(c: Checker, on_writable, room: Room) -> None:
    (ada, ada_peer), (bob, _) = room.made

    step = "bob's connection broke (send raises ConnectionResetError)"
    bob.outbox = b"ada: are you there?\n"
    room.sel.modify(bob.sock, READ | WRITE, bob)
    bob.sock.broken = True
    returned = ask(c, on_writable, room.sel, bob, label=WRITE_LABEL, step=step,
                   hints={OSError: BROKEN_SEND_HINT})
    if returned or returned is None:
        c.fail(f"on_writable returned {returned!r} after {step}.", sent=step, expected="False",
               arrived=repr(returned), hint=BROKEN_SEND_HINT if returned else RETURN_HINT)
    c.ok("it returns False when send() fails because the connection broke")

    step = "the socket took 4 bytes, then was full"
    sent = f"outbox {shown(MESSAGE)}; the socket takes 4 bytes, then raises BlockingIOError"
    ada.outbox = MESSAGE
    room.sel.modify(ada.sock, READ | WRITE, ada)
    ada.sock.send_limit, ada.sock.room_for = 4, 1
    _write_once(c, on_writable, room, ada, step, sent)
    arrived = ada_peer.read_bytes(4, c.timeout)
    if arrived != MESSAGE[:4]:
        c.fail(f"ada received the wrong bytes after {step}.", sent=sent,
               expected=shown(MESSAGE[:4]), arrived=shown(arrived),
               hint="Send what waits in the outbox: sent = client.sock.send(client.outbox)."
               if not arrived else PARTIAL_HINT)
    left = bytes(ada.outbox)
    if left != MESSAGE[4:]:
        hint = PARTIAL_HINT
        if left == MESSAGE:
            hint = ("The 4 bytes that were sent are still in the outbox: they would go out "
                    "twice. " + PARTIAL_HINT)
        c.fail(f"ada's outbox is wrong after {step}.", sent=sent, expected=shown(MESSAGE[4:]),
               arrived=shown(left), hint=hint)
    if not _key(c, room, ada, step, sent).events & WRITE:
        c.fail(f"on_writable stopped watching for EVENT_WRITE while bytes still waited "
               f"({step}).", sent=sent, expected="EVENT_READ | EVENT_WRITE",
               arrived="EVENT_READ",
               hint="Watch for EVENT_WRITE as long as the outbox holds bytes, else the rest "
                    "is never sent. Switch to EVENT_READ only once it is empty.")
    c.ok("a send() cut short: what was taken is gone from the outbox, the rest waits, and "
         "the socket is still watched for EVENT_WRITE")

    step = "the socket took 4 bytes per send()"
    sent = f"outbox {shown(MESSAGE[4:])}; each send() takes 4 bytes"
    ada.sock.room_for = None
    _drain(c, on_writable, room, ada, ada_peer, MESSAGE[4:], step, sent)
    c.ok("called again while the socket stays writable, it sends the rest, byte for byte")
    c.ok("with the outbox empty, it watches for EVENT_READ only (select() would spin otherwise)")

    again = "ada: café ☕ once more\n".encode()
    ada.outbox = again
    room.sel.modify(ada.sock, READ | WRITE, ada)
    _drain(c, on_writable, room, ada, ada_peer, again, "a second line was queued later",
           f"outbox {shown(again)}, queued after the first one was sent")
    c.ok("a line queued later is sent the same way")


def _drain(c: Checker, on_writable, room: Room, client, peer: Peer, data: bytes, step: str,
           sent: str) -> None:
    for _ in range(len(data) // 4 + 3):
        if not room.outbox(client) or not _key(c, room, client, step, sent).events & WRITE:
            break
        _write_once(c, on_writable, room, client, step, sent)
    arrived = peer.read_bytes(len(data), c.timeout)
    if arrived != data or room.outbox(client):
        c.fail(f"{client.nickname} received the wrong bytes while {step}.", sent=sent,
               expected=shown(data), arrived=shown(arrived), hint=PARTIAL_HINT)
    if _key(c, room, client, step, sent).events & WRITE:
        c.fail(f"on_writable still watches for EVENT_WRITE with nothing left to send ({step}).",
               sent=sent, expected="EVENT_READ", arrived="EVENT_READ | EVENT_WRITE",
               hint=STILL_WRITE_HINT)


# --- drop -------------------------------------------------------------------------------------

DROP_LABEL = "drop(sel, client)"
LEFT_HINT = 'Tell the others who left: broadcast(sel, f"*** {client.nickname} left").'
ORDER_HINT = ("broadcast queues the line for everyone in clients, and that changes each one's "
              "registration in the selector: remove the client from clients before you tell "
              "the others, so nothing is queued for a socket that is unregistered or closed.")


SAME_NAME_HINT = ("Remove the client itself, clients.remove(client): two clients may share a "
                  "nickname, so removing by nickname may take the wrong one.")


def _drop_error_hint(room: Room, client, before: int):
    """The hint for an exception from drop: what state the list was left in says why."""
    def hint(exc: BaseException) -> str | None:
        if not isinstance(exc, (KeyError, ValueError)) or "not in list" in str(exc):
            return None
        if any(other is client for other in room.clients):
            if len(room.clients) < before:
                return ("Another client was removed, and the one that left is still in "
                        "clients, so broadcast queued a line for its closed socket. Remove the "
                        "client itself, clients.remove(client): not the last one, and not the "
                        "first with its nickname (two clients may share a nickname).")
            return ("The client that left is still in clients when you tell the others, so "
                    "broadcast queues a line for its closed socket. Remove it, "
                    "clients.remove(client), before you tell the others.")
        return ORDER_HINT
    return hint


def _dropped(c: Checker, room: Room, client, peer: Peer, stayed: list, step: str) -> None:
    """After drop: unregistered, closed, removed (that very client), the others told."""
    try:
        room.sel.get_key(client.sock)
    except (KeyError, ValueError):
        pass
    else:
        c.fail(f"drop left {room.name(client)}'s socket registered in the selector ({step}).",
               expected="unregistered", arrived="still registered",
               hint="sel.unregister(client.sock) first, then close it. A selector that still "
                    "holds a closed socket fails later: select() raises, or a new socket that "
                    "gets the same number cannot be registered.")
    if client.sock.fileno() != -1:
        c.fail(f"drop did not close {room.name(client)}'s socket ({step}).",
               expected="client.sock closed", arrived="still open",
               hint="Close the socket once it is unregistered: client.sock.close(). An open "
                    "socket keeps the connection and a file descriptor.")
    if peer.sock.fileno() != -1 and not peer.wait_closed(c.timeout):
        c.fail(f"{room.name(client)}'s connection did not end after drop ({step}).",
               hint="Close the socket: client.sock.close().")
    if any(other is client for other in room.clients):
        others = [other for other in room.clients if other is not client]
        hint = SAME_NAME_HINT if len(others) < len(stayed) \
            else "Remove the client: clients.remove(client)."
        c.fail(f"{room.name(client)} is still in clients after drop ({step}).",
               expected=f"{len(stayed)} clients", arrived=f"{len(room.clients)} clients",
               hint=hint)
    kept = room.clients
    same = len(kept) == len(stayed) and all(a is b for a, b in zip(kept, stayed, strict=False))
    if not same:
        c.fail(f"drop removed the wrong clients ({step}).",
               expected=", ".join([room.name(x) for x in stayed]) or "no clients",
               arrived=", ".join([room.name(x) for x in room.clients]) or "no clients",
               hint="Remove exactly the client that left, the object itself: "
                    "clients.remove(client).")
    expected = f"*** {client.nickname} left\n".encode()
    for other in stayed:
        got = room.outbox(other)
        if got != expected:
            peer_of = {id(cl): p for cl, p in room.made}[id(other)]
            written = peer_of.read_available(0.02)
            c.fail(f"{other.nickname}'s outbox is wrong after {step}.", expected=shown(expected),
                   arrived=shown(got), hint=QUEUE_HINT if written else LEFT_HINT)
        try:
            events = room.sel.get_key(other.sock).events
        except (KeyError, ValueError):
            c.fail(f"{room.name(other)}'s socket is no longer registered after {step}.",
                   expected="still registered", arrived="unregistered",
                   hint="Unregister only the socket of the client that left: "
                        "sel.unregister(client.sock).")
        if not events & WRITE:
            c.fail(f"{other.nickname}'s socket is not watched for EVENT_WRITE after {step}: the "
                   "line would never be sent.", expected="EVENT_READ | EVENT_WRITE",
                   arrived="EVENT_READ", hint=LEFT_HINT)
    room.empty_outboxes()


@checker(DROP_LABEL)
def check_event_loop_drop(c: Checker, drop, Client, clients) -> None:
    need_function(c, drop, "drop")
    need_setup(c, Client, clients, "check_event_loop_drop(drop, Client, clients)")
    room = Room(c, Client, clients, ["the first ada", "the second ada", "bob"])
    try:
        _check_drop(c, drop, room)
    finally:
        room.close()


def _check_drop(c: Checker, drop, room: Room) -> None:
    (ada, _), (ada2, ada2_peer), (bob, bob_peer) = room.made

    step = "the second of two clients called ada left"
    ask(c, drop, room.sel, ada2, label=DROP_LABEL, step=step,
        hints=_drop_error_hint(room, ada2, len(room.clients)))
    _dropped(c, room, ada2, ada2_peer, [ada, bob], step)
    c.ok("the second of two clients called ada: unregistered, closed, removed (the first ada "
         "stays), and the others are told '*** ada left'")

    step = "bob's connection had broken"
    bob_peer.reset()
    room.ready(bob.sock, step)
    ask(c, drop, room.sel, bob, label=DROP_LABEL, step=step,
        hints=_drop_error_hint(room, bob, len(room.clients)))
    _dropped(c, room, bob, bob_peer, [ada], step)
    c.ok("a client whose connection broke is dropped the same way")

    step = "the last client left"
    ask(c, drop, room.sel, ada, label=DROP_LABEL, step=step,
        hints=_drop_error_hint(room, ada, len(room.clients)))
    _dropped(c, room, ada, room.made[0][1], [], step)
    c.ok("the last client is dropped too, and nobody is left to tell")
