"""Wrong receive(server) answers: the accept loop without a handshake (exercise 04).

They run in the namespace of the notebook's given cell: ``clients``,
``nicknames``, ``guest_numbers``, ``broadcast``, ``handle`` and ``threading``.
"""


def calls_handle(server):
    """Serves the first client itself, so nobody else gets in."""
    while True:
        try:
            client, address = server.accept()
        except OSError:
            break
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        nicknames.append(nickname)
        client.sendall(f"*** You are {nickname}\n".encode("utf-8"))
        handle(client)


def no_thread(server):
    """Never starts handle: clients get in, but nobody reads what they say."""
    while True:
        try:
            client, address = server.accept()
        except OSError:
            break
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        nicknames.append(nickname)
        client.sendall(f"*** You are {nickname}\n".encode("utf-8"))


def same_name_for_all(server):
    while True:
        try:
            client, address = server.accept()
        except OSError:
            break
        clients.append(client)
        nicknames.append("guest")
        threading.Thread(target=handle, args=(client,), daemon=True).start()
        client.sendall(b"*** You are guest\n")


def forgets_the_nickname(server):
    while True:
        try:
            client, address = server.accept()
        except OSError:
            break
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        client.sendall(f"*** You are {nickname}\n".encode("utf-8"))
        threading.Thread(target=handle, args=(client,), daemon=True).start()


def never_greets(server):
    while True:
        try:
            client, address = server.accept()
        except OSError:
            break
        clients.append(client)
        nicknames.append(f"guest{next(guest_numbers)}")
        threading.Thread(target=handle, args=(client,), daemon=True).start()


def wrong_name_told(server):
    while True:
        try:
            client, address = server.accept()
        except OSError:
            break
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()
        client.sendall(b"*** Welcome!\n")


def never_stops(server):
    """Swallows the error from accept() and tries again, for ever."""
    while True:
        try:
            client, address = server.accept()
        except OSError:
            continue
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()
        client.sendall(f"*** You are {nickname}\n".encode("utf-8"))


CAUGHT = {
    "calls_handle": ("failed", "The second client received no complete line", "own thread"),
    "no_thread": ("failed", "while the first client sent a line", "handle(client)"),
    "same_name_for_all": ("failed", "a nickname of its own", "guest_numbers"),
    "forgets_the_nickname": ("failed", "nicknames should hold 1 names", "nicknames.append"),
    "never_greets": ("failed", "The first client received no complete line", "Tell the new client its name"),
    "wrong_name_told": ("failed", "was not told its nickname", "*** You are"),
    "never_stops": ("timeout", "did not stop", "leave the loop"),
}
