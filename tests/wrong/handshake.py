"""Wrong receive(server) answers with the handshake (exercise 05, part 1).

They run in the namespace of the notebook's given cell: ``clients``,
``nicknames``, ``broadcast``, ``handle``, ``read_line`` and ``threading``.
"""


def _join(client, nickname):
    clients.append(client)
    nicknames.append(nickname)
    broadcast(clients, f"*** {nickname} joined")


def forgets_hii(server):
    while True:
        client, address = server.accept()
        nickname = read_line(client)
        _join(client, nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()


def calls_handle(server):
    """Serves the first client itself, so nobody else gets in."""
    while True:
        client, address = server.accept()
        client.sendall(b"Hii\n")
        _join(client, read_line(client))
        handle(client)


def no_thread(server):
    """Never starts handle: clients join but nobody reads what they say."""
    while True:
        client, address = server.accept()
        client.sendall(b"Hii\n")
        _join(client, read_line(client))


def decodes_one_recv(server):
    """The tutorial's handshake: one recv, decoded at once."""
    while True:
        client, address = server.accept()
        client.sendall(b"Hii\n")
        nickname = client.recv(1024).decode("utf-8").strip()
        _join(client, nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()


def keeps_line_ending(server):
    while True:
        client, address = server.accept()
        client.sendall(b"Hii\n")
        nickname = b""
        while not nickname.endswith(b"\n"):
            nickname += client.recv(1)
        _join(client, nickname.decode("utf-8"))
        threading.Thread(target=handle, args=(client,), daemon=True).start()


def no_announcement(server):
    while True:
        client, address = server.accept()
        client.sendall(b"Hii\n")
        nickname = read_line(client)
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()


def hii_as_str(server):
    while True:
        client, address = server.accept()
        client.sendall("Hii\n")


def never_stops(server):
    """Swallows the error from accept() and tries again, for ever."""
    while True:
        try:
            client, address = server.accept()
        except OSError:
            continue
        client.sendall(b"Hii\n")
        _join(client, read_line(client))
        threading.Thread(target=handle, args=(client,), daemon=True).start()


CAUGHT = {
    "forgets_hii": ("failed", "ada received no complete line while ada connected", "Hii"),
    "calls_handle": ("failed", "while a second client connected", "own thread"),
    "no_thread": ("failed", "while Zoë sent a line", "handle(client)"),
    "decodes_one_recv": ("error", "raised an exception while Zoë sent her nickname",
                         "Keep the bytes in a buffer"),
    "keeps_line_ending": ("failed", "nicknames is not right", "Strip the line ending"),
    "no_announcement": ("failed", "while ada sent her nickname", "joined"),
    "hii_as_str": ("error", "raised an exception while ada connected", "encode"),
    "never_stops": ("timeout", "did not stop", "leave the loop"),
}
