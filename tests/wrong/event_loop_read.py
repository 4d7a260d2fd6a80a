"""Wrong on_readable(sel, client) answers (exercise 09, part 1), and right ones written differently.

They run in the namespace of the exercise's given code: Client, clients, queue, broadcast.
"""

import selectors


def splits_on_recv_boundaries(sel, client):
    """Takes each recv() as one line: a line in pieces goes out as several."""
    try:
        data = client.sock.recv(4096)
    except OSError:
        return False
    if not data:
        return False
    for line in data.decode("utf-8").splitlines():
        broadcast(sel, f"{client.nickname}: {line}")
    return True


def decodes_each_chunk(sel, client):
    """Decodes every piece as it comes: a character cut in two raises."""
    try:
        data = client.sock.recv(4096)
    except OSError:
        return False
    if not data:
        return False
    client.inbox += data.decode("utf-8").encode("utf-8")
    while b"\n" in client.inbox:
        line, client.inbox = client.inbox.split(b"\n", 1)
        broadcast(sel, f"{client.nickname}: {line.decode('utf-8')}")
    return True


text_inboxes = {}


def decodes_each_chunk_with_replace(sel, client):
    """A text buffer, each piece decoded with errors="replace": a cut character is mangled."""
    try:
        data = client.sock.recv(4096)
    except OSError:
        return False
    if not data:
        return False
    text = text_inboxes.get(client, "") + data.decode("utf-8", errors="replace")
    *lines, text_inboxes[client] = text.split("\n")
    for line in lines:
        broadcast(sel, f"{client.nickname}: {line}")
    return True


def strips(sel, client):
    try:
        data = client.sock.recv(4096)
    except OSError:
        return False
    if not data:
        return False
    client.inbox += data
    while b"\n" in client.inbox:
        line, client.inbox = client.inbox.split(b"\n", 1)
        broadcast(sel, f"{client.nickname}: {line.decode('utf-8').strip()}")
    return True


def loses_the_rest(sel, client):
    """Broadcasts the complete lines but throws away what follows the last one."""
    try:
        data = client.sock.recv(4096)
    except OSError:
        return False
    if not data:
        return False
    *lines, rest = (client.inbox + data).split(b"\n")
    client.inbox = b""
    for line in lines:
        broadcast(sel, f"{client.nickname}: {line.decode('utf-8')}")
    return True


def first_line_only(sel, client):
    """One line per call: the others wait in the inbox until the client sends again."""
    try:
        data = client.sock.recv(4096)
    except OSError:
        return False
    if not data:
        return False
    client.inbox += data
    if b"\n" in client.inbox:
        line, client.inbox = client.inbox.split(b"\n", 1)
        broadcast(sel, f"{client.nickname}: {line.decode('utf-8')}")
    return True


def reads_until_empty(sel, client):
    """recv() until b'', as a blocking loop would: on a non-blocking socket it raises."""
    while True:
        try:
            data = client.sock.recv(4096)
        except ConnectionError:
            return False
        if not data:
            return False
        client.inbox += data
        while b"\n" in client.inbox:
            line, client.inbox = client.inbox.split(b"\n", 1)
            broadcast(sel, f"{client.nickname}: {line.decode('utf-8')}")


def no_except(sel, client):
    """A broken connection makes recv() raise; this lets it out and stops the loop."""
    data = client.sock.recv(4096)
    if not data:
        return False
    client.inbox += data
    while b"\n" in client.inbox:
        line, client.inbox = client.inbox.split(b"\n", 1)
        broadcast(sel, f"{client.nickname}: {line.decode('utf-8')}")
    return True


def returns_nothing(sel, client):
    try:
        data = client.sock.recv(4096)
    except OSError:
        return
    if not data:
        return
    client.inbox += data
    while b"\n" in client.inbox:
        line, client.inbox = client.inbox.split(b"\n", 1)
        broadcast(sel, f"{client.nickname}: {line.decode('utf-8')}")


def true_when_gone(sel, client):
    """Returns True whatever happens: a client that left is never dropped."""
    try:
        data = client.sock.recv(4096)
    except OSError:
        return True
    client.inbox += data
    while b"\n" in client.inbox:
        line, client.inbox = client.inbox.split(b"\n", 1)
        broadcast(sel, f"{client.nickname}: {line.decode('utf-8')}")
    return True


def no_nickname(sel, client):
    try:
        data = client.sock.recv(4096)
    except OSError:
        return False
    if not data:
        return False
    client.inbox += data
    while b"\n" in client.inbox:
        line, client.inbox = client.inbox.split(b"\n", 1)
        broadcast(sel, line.decode("utf-8"))
    return True


def keeps_the_newline(sel, client):
    """Broadcasts each line with its b"\\n", and broadcast adds another."""
    try:
        data = client.sock.recv(4096)
    except OSError:
        return False
    if not data:
        return False
    client.inbox += data
    while b"\n" in client.inbox:
        end = client.inbox.index(b"\n") + 1
        line, client.inbox = client.inbox[:end], client.inbox[end:]
        broadcast(sel, f"{client.nickname}: {line.decode('utf-8')}")
    return True


def writes_at_once(sel, client):
    """Sends each line straight away with sendall, without waiting for EVENT_WRITE."""
    try:
        data = client.sock.recv(4096)
    except OSError:
        return False
    if not data:
        return False
    client.inbox += data
    while b"\n" in client.inbox:
        line, client.inbox = client.inbox.split(b"\n", 1)
        for other in clients:
            other.sock.sendall(client.nickname.encode() + b": " + line + b"\n")
    return True


def announces_leaving(sel, client):
    """Says goodbye itself when the client leaves: drop says it again."""
    try:
        data = client.sock.recv(4096)
    except OSError:
        data = b""
    if not data:
        broadcast(sel, f"*** {client.nickname} left")
        return False
    client.inbox += data
    while b"\n" in client.inbox:
        line, client.inbox = client.inbox.split(b"\n", 1)
        broadcast(sel, f"{client.nickname}: {line.decode('utf-8')}")
    return True


def removes_the_client(sel, client):
    """Does part of drop's job: removes a client that left from the list itself."""
    try:
        data = client.sock.recv(4096)
    except OSError:
        data = b""
    if not data:
        clients.remove(client)
        return False
    client.inbox += data
    while b"\n" in client.inbox:
        line, client.inbox = client.inbox.split(b"\n", 1)
        broadcast(sel, f"{client.nickname}: {line.decode('utf-8')}")
    return True


def closes_after_each_read(sel, client):
    """Closes the socket once it has passed the lines on, as if one recv() ended the talk."""
    try:
        data = client.sock.recv(4096)
    except OSError:
        return False
    if not data:
        return False
    client.inbox += data
    while b"\n" in client.inbox:
        line, client.inbox = client.inbox.split(b"\n", 1)
        broadcast(sel, f"{client.nickname}: {line.decode('utf-8')}")
    client.sock.close()
    return True


def fills_outboxes_without_asking_to_write(sel, client):
    """Adds to the outboxes itself, but never asks the selector for EVENT_WRITE."""
    try:
        data = client.sock.recv(4096)
    except OSError:
        return False
    if not data:
        return False
    client.inbox += data
    while b"\n" in client.inbox:
        line, client.inbox = client.inbox.split(b"\n", 1)
        for other in clients:
            other.outbox += client.nickname.encode("utf-8") + b": " + line + b"\n"
    return True


def text_in_the_outboxes(sel, client):
    """Puts text, not bytes, in the outboxes."""
    try:
        data = client.sock.recv(4096)
    except OSError:
        return False
    if not data:
        return False
    client.inbox += data
    while b"\n" in client.inbox:
        line, client.inbox = client.inbox.split(b"\n", 1)
        for other in clients:
            other.outbox = f"{client.nickname}: {line.decode('utf-8')}\n"
            sel.modify(other.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, other)
    return True


CAUGHT = {
    "splits_on_recv_boundaries": ("failed", "outbox is wrong", "One recv() is not one line"),
    "decodes_each_chunk": ("error", "raised an exception", "decode"),
    "decodes_each_chunk_with_replace": ("failed", "outbox is wrong", "decode only a complete line"),
    "strips": ("failed", "outbox is wrong", "exactly as it was sent"),
    "loses_the_rest": ("failed", "outbox is wrong", "start of the line was lost"),
    "first_line_only": ("failed", "outbox is wrong", "every complete line"),
    "reads_until_empty": ("error", "raised an exception", "BlockingIOError"),
    "no_except": ("error", "raised an exception", "ConnectionResetError"),
    "returns_nothing": ("failed", "returned None", "Return True while"),
    "true_when_gone": ("failed", "returned True after", "connection broke"),
    "no_nickname": ("failed", "outbox is wrong", "nickname"),
    "keeps_the_newline": ("failed", "outbox is wrong", "do not add another"),
    "writes_at_once": ("error", "raised an exception", "Do not write to a socket from here"),
    "announces_leaving": ("failed", "queued a line after", "drop tells the others"),
    "closes_after_each_read": ("failed", "socket was closed while", "Only drop closes"),
    "fills_outboxes_without_asking_to_write": ("failed", "not watched for EVENT_WRITE",
                                               "asks the selector for EVENT_WRITE"),
    "text_in_the_outboxes": ("failed", "outbox holds str, not bytes", "keep the outbox bytes"),
    "removes_the_client": ("failed", "changed the list of clients", "calls drop"),
}


def right_partition(sel, client):
    """partition() in a while loop, and an early return for both ways of leaving."""
    try:
        data = client.sock.recv(1024)
    except ConnectionError:
        return False
    except OSError:
        return False
    if data == b"":
        return False
    client.inbox = client.inbox + data
    while True:
        line, found, rest = client.inbox.partition(b"\n")
        if not found:
            return True
        client.inbox = rest
        broadcast(sel, client.nickname + ": " + str(line, "utf-8"))


def right_drain_until_blocking(sel, client):
    """Reads until the socket has nothing more (BlockingIOError), a bytearray inbox."""
    if not isinstance(client.inbox, bytearray):
        client.inbox = bytearray(client.inbox)
    while True:
        try:
            data = client.sock.recv(4096)
        except BlockingIOError:
            break
        except OSError:
            return False
        if not data:
            return False
        client.inbox += data
    *lines, rest = client.inbox.split(b"\n")
    client.inbox = bytearray(rest)
    for line in lines:
        broadcast(sel, f"{client.nickname}: {line.decode()}")
    return True


def right_one_byte_reads(sel, client):
    """recv(1): slow, but right; the loop calls it again while the socket stays readable."""
    try:
        byte = client.sock.recv(1)
    except OSError:
        return False
    if not byte:
        return False
    if byte == b"\n":
        line, client.inbox = client.inbox, b""
        broadcast(sel, f"{client.nickname}: {line.decode('utf-8')}")
    else:
        client.inbox += byte
    return True


RIGHT = ["right_partition", "right_drain_until_blocking", "right_one_byte_reads"]

assert selectors  # the given code's module, imported here for answers that use it
