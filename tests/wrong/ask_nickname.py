"""Wrong ask_nickname(client, nicknames) answers (exercise 05, part 2).

They run in the namespace of the notebook's given cell, where ``read_line`` exists.
"""


def forgets_hii(client, nicknames):
    while True:
        nickname = read_line(client)
        if nickname is None:
            return None
        if nickname and nickname not in nicknames:
            return nickname
        client.sendall(b"!!! try another nickname\n")


def accepts_taken(client, nicknames):
    client.sendall(b"Hii\n")
    return read_line(client)


def no_reason(client, nicknames):
    """Asks again, but never says why."""
    while True:
        client.sendall(b"Hii\n")
        nickname = read_line(client)
        if nickname is None or (nickname and nickname not in nicknames):
            return nickname


def asks_once(client, nicknames):
    """Says why, but never asks again."""
    client.sendall(b"Hii\n")
    while True:
        nickname = read_line(client)
        if nickname is None or (nickname and nickname not in nicknames):
            return nickname
        client.sendall(b"!!! that nickname is taken\n")


def accepts_empty(client, nicknames):
    while True:
        client.sendall(b"Hii\n")
        nickname = read_line(client)
        if nickname is None or nickname not in nicknames:
            return nickname
        client.sendall(b"!!! that nickname is taken\n")


def adds_to_list(client, nicknames):
    while True:
        client.sendall(b"Hii\n")
        nickname = read_line(client)
        if nickname is None:
            return None
        if nickname and nickname not in nicknames:
            nicknames.append(nickname)
            return nickname
        client.sendall(b"!!! try another nickname\n")


def _answers(client):
    """Reads its own lines with recv(1024), decoding each piece at once."""
    while True:
        data = client.recv(1024)
        if not data:
            return
        for line in data.decode("utf-8").splitlines():
            yield line


def decodes_pieces(client, nicknames):
    client.sendall(b"Hii\n")
    for nickname in _answers(client):
        if nickname and nickname not in nicknames:
            return nickname
        client.sendall(b"!!! try another nickname\nHii\n")
    return None


def keeps_line_ending(client, nicknames):
    buffer = b""
    client.sendall(b"Hii\n")
    while True:
        buffer += client.recv(1)
        if buffer.endswith(b"\n"):
            nickname = buffer.decode("utf-8")
            buffer = b""
            if nickname.strip() and nickname.strip() not in nicknames:
                return nickname
            client.sendall(b"!!! try another nickname\nHii\n")


def spins_when_gone(client, nicknames):
    """Skips empty reads instead of giving up: spins once the client has gone."""
    buffer = b""
    client.sendall(b"Hii\n")
    while True:
        data = client.recv(1024)
        buffer += data
        if b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            nickname = line.decode("utf-8")
            if nickname and nickname not in nicknames:
                return nickname
            client.sendall(b"!!! try another nickname\nHii\n")


CAUGHT = {
    "forgets_hii": ("failed", "while the client connected", 'sendall(b"Hii\\n")'),
    "accepts_taken": ("failed", "returned 'ada'", "Refuse it"),
    "no_reason": ("failed", "got no error line", "say why"),
    "asks_once": ("failed", "a nickname that is taken", "send \"Hii\" again"),
    "accepts_empty": ("failed", "returned ''", "Refuse it"),
    "adds_to_list": ("failed", "changed the list of nicknames", "Only return the nickname"),
    "decodes_pieces": ("error", "raised an exception while the client answered 'Zoë'",
                       "Keep the bytes in a buffer"),
    "keeps_line_ending": ("failed", "returned the wrong nickname", "Strip the line ending"),
    "spins_when_gone": ("timeout", "busy loop", "if not data: break"),
}
