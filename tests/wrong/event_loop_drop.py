"""Wrong drop(sel, client) answers (exercise 09, part 3), and right ones written differently.

They run in the namespace of the exercise's given code: Client, clients, queue, broadcast.
"""


def forgets_to_unregister(sel, client):
    client.sock.close()
    clients.remove(client)
    broadcast(sel, f"*** {client.nickname} left")


def forgets_to_close(sel, client):
    sel.unregister(client.sock)
    clients.remove(client)
    broadcast(sel, f"*** {client.nickname} left")


def shuts_down_only(sel, client):
    """shutdown() ends the connection but keeps the socket (and its descriptor) open."""
    import socket

    sel.unregister(client.sock)
    client.sock.shutdown(socket.SHUT_RDWR)
    clients.remove(client)
    broadcast(sel, f"*** {client.nickname} left")


def removes_by_nickname(sel, client):
    """Removes the first client with that nickname: with two called ada, the wrong one."""
    sel.unregister(client.sock)
    client.sock.close()
    for other in clients:
        if other.nickname == client.nickname:
            clients.remove(other)
            break
    broadcast(sel, f"*** {client.nickname} left")


def pops_the_last(sel, client):
    sel.unregister(client.sock)
    client.sock.close()
    clients.pop()
    broadcast(sel, f"*** {client.nickname} left")


def tells_before_removing(sel, client):
    """Queues the goodbye for the client that left too, after unregistering it: modify fails."""
    sel.unregister(client.sock)
    client.sock.close()
    broadcast(sel, f"*** {client.nickname} left")
    clients.remove(client)


def tells_nobody(sel, client):
    sel.unregister(client.sock)
    client.sock.close()
    clients.remove(client)


def wrong_words(sel, client):
    sel.unregister(client.sock)
    client.sock.close()
    clients.remove(client)
    broadcast(sel, f"{client.nickname} has left the chat")


def writes_the_goodbye_at_once(sel, client):
    """Sends the goodbye straight away instead of queueing it."""
    sel.unregister(client.sock)
    client.sock.close()
    clients.remove(client)
    for other in clients:
        try:
            other.sock.sendall(f"*** {client.nickname} left\n".encode("utf-8"))
        except OSError:
            pass


def forgets_the_list(sel, client):
    sel.unregister(client.sock)
    client.sock.close()
    broadcast(sel, f"*** {client.nickname} left")


def unregisters_everyone(sel, client):
    """Clears the selector of every client's socket, not only the one that left."""
    for other in clients:
        sel.unregister(other.sock)
    client.sock.close()
    clients.remove(client)
    for other in clients:
        other.outbox += f"*** {client.nickname} left\n".encode("utf-8")


CAUGHT = {
    "forgets_to_unregister": ("failed", "registered in the selector", "sel.unregister"),
    "forgets_to_close": ("failed", "did not close", "client.sock.close()"),
    "shuts_down_only": ("failed", "did not close", "client.sock.close()"),
    "removes_by_nickname": ("error", "raised an exception", "two clients may share a nickname"),
    "pops_the_last": ("error", "raised an exception", "Another client was removed"),
    "tells_before_removing": ("error", "raised an exception", "before"),
    "tells_nobody": ("failed", "outbox is wrong", "Tell the others"),
    "wrong_words": ("failed", "outbox is wrong", "Tell the others"),
    "writes_the_goodbye_at_once": ("failed", "outbox is wrong", "Do not write to a socket"),
    "unregisters_everyone": ("failed", "no longer registered", "Unregister only the socket"),
    "forgets_the_list": ("error", "raised an exception", "still in clients when you tell"),
}


def right_rebuilds_the_list(sel, client):
    """Keeps everyone else with a list comprehension, in place, and announces first."""
    clients[:] = [other for other in clients if other is not client]
    broadcast(sel, "*** " + client.nickname + " left")
    sel.unregister(client.sock)
    client.sock.close()


def right_by_position(sel, client):
    """Finds the position by identity, as lesson 03 does with its two lists."""
    index = next(i for i, other in enumerate(clients) if other is client)
    clients.pop(index)
    key = sel.unregister(client.sock)
    key.fileobj.close()
    for other in clients:
        queue(sel, other, f"*** {client.nickname} left")


RIGHT = ["right_rebuilds_the_list", "right_by_position"]
