"""Wrong on_writable(sel, client) answers (exercise 09, part 2), and right ones written differently.

They run in the namespace of the exercise's given code: Client, clients, queue, broadcast.
"""

import selectors


def uses_sendall(sel, client):
    """sendall() waits for a slow reader, and the whole server with it."""
    try:
        client.sock.sendall(client.outbox)
    except OSError:
        return False
    client.outbox = b""
    sel.modify(client.sock, selectors.EVENT_READ, client)
    return True


def loses_the_rest(sel, client):
    """Ignores what send() returns: the bytes it did not take are gone."""
    try:
        client.sock.send(client.outbox)
    except OSError:
        return False
    client.outbox = b""
    sel.modify(client.sock, selectors.EVENT_READ, client)
    return True


def keeps_what_was_sent(sel, client):
    """Never takes the sent bytes out of the outbox: they would go again and again."""
    try:
        client.sock.send(client.outbox)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return True


def keeps_the_wrong_part(sel, client):
    try:
        sent = client.sock.send(client.outbox)
    except BlockingIOError:
        return True
    except OSError:
        return False
    client.outbox = client.outbox[:sent]
    if not client.outbox:
        sel.modify(client.sock, selectors.EVENT_READ, client)
    return True


def never_stops_writing(sel, client):
    """Leaves EVENT_WRITE on with nothing to send: select() returns at once, for ever."""
    try:
        sent = client.sock.send(client.outbox)
    except BlockingIOError:
        return True
    except OSError:
        return False
    client.outbox = client.outbox[sent:]
    return True


def stops_writing_too_early(sel, client):
    """Switches to EVENT_READ after every send, even with bytes still waiting."""
    try:
        sent = client.sock.send(client.outbox)
    except BlockingIOError:
        return True
    except OSError:
        return False
    client.outbox = client.outbox[sent:]
    sel.modify(client.sock, selectors.EVENT_READ, client)
    return True


def unregisters_when_done(sel, client):
    """Unregisters an idle socket: the client's next lines are never read."""
    try:
        sent = client.sock.send(client.outbox)
    except BlockingIOError:
        return True
    except OSError:
        return False
    client.outbox = client.outbox[sent:]
    if not client.outbox:
        sel.unregister(client.sock)
    return True


def modify_without_data(sel, client):
    """sel.modify without the client: the key's data becomes None."""
    try:
        sent = client.sock.send(client.outbox)
    except BlockingIOError:
        return True
    except OSError:
        return False
    client.outbox = client.outbox[sent:]
    if not client.outbox:
        sel.modify(client.sock, selectors.EVENT_READ)
    return True


def send_loop_without_blocking_check(sel, client):
    """Sends until the outbox is empty: a full socket raises BlockingIOError halfway."""
    while client.outbox:
        try:
            sent = client.sock.send(client.outbox)
        except ConnectionError:
            return False
        client.outbox = client.outbox[sent:]
    sel.modify(client.sock, selectors.EVENT_READ, client)
    return True


def no_except(sel, client):
    """A broken connection makes send() raise; this lets it out and stops the loop."""
    sent = client.sock.send(client.outbox)
    client.outbox = client.outbox[sent:]
    if not client.outbox:
        sel.modify(client.sock, selectors.EVENT_READ, client)
    return True


def returns_nothing(sel, client):
    try:
        sent = client.sock.send(client.outbox)
    except BlockingIOError:
        return
    except OSError:
        return False
    client.outbox = client.outbox[sent:]
    if not client.outbox:
        sel.modify(client.sock, selectors.EVENT_READ, client)


def true_when_broken(sel, client):
    """Swallows every error: a broken connection is never dropped."""
    try:
        sent = client.sock.send(client.outbox)
    except OSError:
        return True
    client.outbox = client.outbox[sent:]
    if not client.outbox:
        sel.modify(client.sock, selectors.EVENT_READ, client)
    return True


def one_line_at_a_time(sel, client):
    """Sends the first line only and drops the rest of a short send of it."""
    line, _, rest = client.outbox.partition(b"\n")
    try:
        client.sock.send(line + b"\n")
    except BlockingIOError:
        return True
    except OSError:
        return False
    client.outbox = rest
    if not client.outbox:
        sel.modify(client.sock, selectors.EVENT_READ, client)
    return True


CAUGHT = {
    "uses_sendall": ("failed", "called sendall()", "Never sendall()"),
    "loses_the_rest": ("failed", "outbox is wrong", "Keep the rest"),
    "keeps_what_was_sent": ("failed", "outbox is wrong", "would go out twice"),
    "keeps_the_wrong_part": ("failed", "outbox is wrong", "Keep the rest"),
    "never_stops_writing": ("failed", "still watches for EVENT_WRITE", "spins"),
    "stops_writing_too_early": ("failed", "stopped watching for EVENT_WRITE", "never sent"),
    "unregisters_when_done": ("failed", "unregistered", "Keep the socket registered"),
    "modify_without_data": ("failed", "lost track of ada", "pass the client again"),
    "send_loop_without_blocking_check": ("error", "raised an exception", "BlockingIOError"),
    "no_except": ("error", "raised an exception", "ConnectionResetError"),
    "returns_nothing": ("failed", "returned None", "Return True while"),
    "true_when_broken": ("failed", "returned True after", "Catch it and return False"),
    "one_line_at_a_time": ("failed", "outbox is wrong", "Keep the rest"),
}


def right_bytearray(sel, client):
    """A bytearray outbox trimmed in place, an early return, and events computed first."""
    if not isinstance(client.outbox, bytearray):
        client.outbox = bytearray(client.outbox)
    try:
        count = client.sock.send(client.outbox)
    except (BlockingIOError, InterruptedError):
        return True
    except (ConnectionError, OSError):
        return False
    del client.outbox[:count]
    if client.outbox:
        return True
    sel.modify(client.sock, selectors.EVENT_READ, data=client)
    return True


def right_drain_until_full(sel, client):
    """Sends until the socket is full (BlockingIOError) or the outbox is empty."""
    while client.outbox:
        try:
            sent = client.sock.send(client.outbox)
        except BlockingIOError:
            return True
        except OSError:
            return False
        client.outbox = client.outbox[sent:]
    sel.modify(client.sock, selectors.EVENT_READ, client)
    return True


def right_memoryview(sel, client):
    """Sends through a memoryview and keeps the rest as bytes."""
    view = memoryview(client.outbox)
    try:
        sent = client.sock.send(view)
    except OSError as error:
        return isinstance(error, BlockingIOError)
    client.outbox = bytes(view[sent:])
    events = selectors.EVENT_READ | (selectors.EVENT_WRITE if client.outbox else 0)
    sel.modify(client.sock, events, client)
    return True


RIGHT = ["right_bytearray", "right_drain_until_full", "right_memoryview"]
