"""Wrong serve(server, wakeup) answers (exercise 09, part 4), and right ones written differently.

They run in the namespace of the exercise's given code (Client, clients, guest_numbers, queue,
broadcast). The three handlers a loop calls are the exercise's answers, copied here, so
every mistake below is in the loop itself.
"""

import selectors


def on_readable(sel, client):
    """Read what arrived; queue each complete line for everyone. False once the client has gone."""
    try:
        data = client.sock.recv(4096)
    except OSError:                 # the connection broke
        return False
    if not data:                    # b"": the client closed the connection
        return False
    client.inbox += data
    while b"\n" in client.inbox:
        line, client.inbox = client.inbox.split(b"\n", 1)
        broadcast(sel, f"{client.nickname}: {line.decode('utf-8')}")
    return True


def on_writable(sel, client):
    """Send what the socket takes now; keep the rest. False if the connection broke."""
    try:
        sent = client.sock.send(client.outbox)
    except BlockingIOError:         # full after all: try again next time
        return True
    except OSError:                 # the connection broke
        return False
    client.outbox = client.outbox[sent:]
    if not client.outbox:           # nothing left: stop asking "can I write?"
        sel.modify(client.sock, selectors.EVENT_READ, client)
    return True


def drop(sel, client):
    """Forget a client that left: unregister, close, remove, tell the others."""
    sel.unregister(client.sock)     # first, while the socket still has its number
    client.sock.close()
    clients.remove(client)          # this very client: two may share a nickname
    broadcast(sel, f"*** {client.nickname} left")


# --- mistakes in the loop ---


def forgets_setblocking(server, wakeup):
    """Leaves the accepted sockets blocking."""
    sel = selectors.DefaultSelector()
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ)
    sel.register(wakeup, selectors.EVENT_READ)
    running = True
    while running:
        for key, events in sel.select():
            if key.fileobj is wakeup:
                running = False
            elif key.fileobj is server:
                try:
                    sock, address = server.accept()
                except OSError:             # it left before we took it
                    continue
                client = Client(sock, f"guest{next(guest_numbers)}")
                clients.append(client)
                sel.register(sock, selectors.EVENT_READ, client)
                queue(sel, client, f"*** You are {client.nickname}")
            else:
                client = key.data
                still_here = True
                if events & selectors.EVENT_READ:
                    still_here = on_readable(sel, client)
                if still_here and events & selectors.EVENT_WRITE:
                    still_here = on_writable(sel, client)
                if not still_here:
                    drop(sel, client)
    for client in clients:
        sel.unregister(client.sock)
        client.sock.close()
    clients.clear()
    sel.close()


def reads_right_after_accept(server, wakeup):
    """Waits for the new client's first line before serving anyone else."""
    sel = selectors.DefaultSelector()
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ)
    sel.register(wakeup, selectors.EVENT_READ)
    running = True
    while running:
        for key, events in sel.select():
            if key.fileobj is wakeup:
                running = False
            elif key.fileobj is server:
                try:
                    sock, address = server.accept()
                except OSError:             # it left before we took it
                    continue
                sock.recv(1024)  # the tutorial's handshake: blocks until it speaks
                sock.setblocking(False)
                client = Client(sock, f"guest{next(guest_numbers)}")
                clients.append(client)
                sel.register(sock, selectors.EVENT_READ, client)
                queue(sel, client, f"*** You are {client.nickname}")
            else:
                client = key.data
                still_here = True
                if events & selectors.EVENT_READ:
                    still_here = on_readable(sel, client)
                if still_here and events & selectors.EVENT_WRITE:
                    still_here = on_writable(sel, client)
                if not still_here:
                    drop(sel, client)
    for client in clients:
        sel.unregister(client.sock)
        client.sock.close()
    clients.clear()
    sel.close()


def timeout_zero(server, wakeup):
    """Polls: select(timeout=0) returns at once, so the loop spins."""
    sel = selectors.DefaultSelector()
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ)
    sel.register(wakeup, selectors.EVENT_READ)
    running = True
    while running:
        for key, events in sel.select(timeout=0):
            if key.fileobj is wakeup:
                running = False
            elif key.fileobj is server:
                try:
                    sock, address = server.accept()
                except OSError:             # it left before we took it
                    continue
                sock.setblocking(False)
                client = Client(sock, f"guest{next(guest_numbers)}")
                clients.append(client)
                sel.register(sock, selectors.EVENT_READ, client)
                queue(sel, client, f"*** You are {client.nickname}")
            else:
                client = key.data
                still_here = True
                if events & selectors.EVENT_READ:
                    still_here = on_readable(sel, client)
                if still_here and events & selectors.EVENT_WRITE:
                    still_here = on_writable(sel, client)
                if not still_here:
                    drop(sel, client)
    for client in clients:
        sel.unregister(client.sock)
        client.sock.close()
    clients.clear()
    sel.close()


def tiny_timeout(server, wakeup):
    """A timeout of a millisecond: the loop wakes a thousand times a second for nothing."""
    sel = selectors.DefaultSelector()
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ)
    sel.register(wakeup, selectors.EVENT_READ)
    running = True
    while running:
        for key, events in sel.select(timeout=0.001):
            if key.fileobj is wakeup:
                running = False
            elif key.fileobj is server:
                try:
                    sock, address = server.accept()
                except OSError:             # it left before we took it
                    continue
                sock.setblocking(False)
                client = Client(sock, f"guest{next(guest_numbers)}")
                clients.append(client)
                sel.register(sock, selectors.EVENT_READ, client)
                queue(sel, client, f"*** You are {client.nickname}")
            else:
                client = key.data
                still_here = True
                if events & selectors.EVENT_READ:
                    still_here = on_readable(sel, client)
                if still_here and events & selectors.EVENT_WRITE:
                    still_here = on_writable(sel, client)
                if not still_here:
                    drop(sel, client)
    for client in clients:
        sel.unregister(client.sock)
        client.sock.close()
    clients.clear()
    sel.close()


def ignores_wakeup(server, wakeup):
    """Never registers the wakeup socket: it cannot be stopped."""
    sel = selectors.DefaultSelector()
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ)
    running = True
    while running:
        for key, events in sel.select():
            if key.fileobj is wakeup:
                running = False
            elif key.fileobj is server:
                try:
                    sock, address = server.accept()
                except OSError:             # it left before we took it
                    continue
                sock.setblocking(False)
                client = Client(sock, f"guest{next(guest_numbers)}")
                clients.append(client)
                sel.register(sock, selectors.EVENT_READ, client)
                queue(sel, client, f"*** You are {client.nickname}")
            else:
                client = key.data
                still_here = True
                if events & selectors.EVENT_READ:
                    still_here = on_readable(sel, client)
                if still_here and events & selectors.EVENT_WRITE:
                    still_here = on_writable(sel, client)
                if not still_here:
                    drop(sel, client)
    for client in clients:
        sel.unregister(client.sock)
        client.sock.close()
    clients.clear()
    sel.close()


def leaves_clients_open(server, wakeup):
    """Returns without closing the clients' sockets."""
    sel = selectors.DefaultSelector()
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ)
    sel.register(wakeup, selectors.EVENT_READ)
    running = True
    while running:
        for key, events in sel.select():
            if key.fileobj is wakeup:
                running = False
            elif key.fileobj is server:
                try:
                    sock, address = server.accept()
                except OSError:             # it left before we took it
                    continue
                sock.setblocking(False)
                client = Client(sock, f"guest{next(guest_numbers)}")
                clients.append(client)
                sel.register(sock, selectors.EVENT_READ, client)
                queue(sel, client, f"*** You are {client.nickname}")
            else:
                client = key.data
                still_here = True
                if events & selectors.EVENT_READ:
                    still_here = on_readable(sel, client)
                if still_here and events & selectors.EVENT_WRITE:
                    still_here = on_writable(sel, client)
                if not still_here:
                    drop(sel, client)
    sel.close()


def keeps_the_list(server, wakeup):
    """Closes every socket at the end but leaves the clients in the list."""
    sel = selectors.DefaultSelector()
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ)
    sel.register(wakeup, selectors.EVENT_READ)
    running = True
    while running:
        for key, events in sel.select():
            if key.fileobj is wakeup:
                running = False
            elif key.fileobj is server:
                try:
                    sock, address = server.accept()
                except OSError:             # it left before we took it
                    continue
                sock.setblocking(False)
                client = Client(sock, f"guest{next(guest_numbers)}")
                clients.append(client)
                sel.register(sock, selectors.EVENT_READ, client)
                queue(sel, client, f"*** You are {client.nickname}")
            else:
                client = key.data
                still_here = True
                if events & selectors.EVENT_READ:
                    still_here = on_readable(sel, client)
                if still_here and events & selectors.EVENT_WRITE:
                    still_here = on_writable(sel, client)
                if not still_here:
                    drop(sel, client)
    for client in clients:
        sel.unregister(client.sock)
        client.sock.close()
    sel.close()


def leaves_the_selector_open(server, wakeup):
    """Never closes its selector."""
    sel = selectors.DefaultSelector()
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ)
    sel.register(wakeup, selectors.EVENT_READ)
    running = True
    while running:
        for key, events in sel.select():
            if key.fileobj is wakeup:
                running = False
            elif key.fileobj is server:
                try:
                    sock, address = server.accept()
                except OSError:             # it left before we took it
                    continue
                sock.setblocking(False)
                client = Client(sock, f"guest{next(guest_numbers)}")
                clients.append(client)
                sel.register(sock, selectors.EVENT_READ, client)
                queue(sel, client, f"*** You are {client.nickname}")
            else:
                client = key.data
                still_here = True
                if events & selectors.EVENT_READ:
                    still_here = on_readable(sel, client)
                if still_here and events & selectors.EVENT_WRITE:
                    still_here = on_writable(sel, client)
                if not still_here:
                    drop(sel, client)
    for client in clients:
        sel.unregister(client.sock)
        client.sock.close()
    clients.clear()


def ignores_read_result(server, wakeup):
    """Ignores what on_readable returns: a client that left is never dropped."""
    sel = selectors.DefaultSelector()
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ)
    sel.register(wakeup, selectors.EVENT_READ)
    running = True
    while running:
        for key, events in sel.select():
            if key.fileobj is wakeup:
                running = False
            elif key.fileobj is server:
                try:
                    sock, address = server.accept()
                except OSError:             # it left before we took it
                    continue
                sock.setblocking(False)
                client = Client(sock, f"guest{next(guest_numbers)}")
                clients.append(client)
                sel.register(sock, selectors.EVENT_READ, client)
                queue(sel, client, f"*** You are {client.nickname}")
            else:
                client = key.data
                still_here = True
                if events & selectors.EVENT_READ:
                    on_readable(sel, client)
                if still_here and events & selectors.EVENT_WRITE:
                    still_here = on_writable(sel, client)
                if not still_here:
                    drop(sel, client)
    for client in clients:
        sel.unregister(client.sock)
        client.sock.close()
    clients.clear()
    sel.close()


def ignores_write_result(server, wakeup):
    """Ignores what on_writable returns: a broken client stays registered."""
    sel = selectors.DefaultSelector()
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ)
    sel.register(wakeup, selectors.EVENT_READ)
    running = True
    while running:
        for key, events in sel.select():
            if key.fileobj is wakeup:
                running = False
            elif key.fileobj is server:
                try:
                    sock, address = server.accept()
                except OSError:             # it left before we took it
                    continue
                sock.setblocking(False)
                client = Client(sock, f"guest{next(guest_numbers)}")
                clients.append(client)
                sel.register(sock, selectors.EVENT_READ, client)
                queue(sel, client, f"*** You are {client.nickname}")
            else:
                client = key.data
                still_here = True
                if events & selectors.EVENT_READ:
                    still_here = on_readable(sel, client)
                if still_here and events & selectors.EVENT_WRITE:
                    on_writable(sel, client)
                if not still_here:
                    drop(sel, client)
    for client in clients:
        sel.unregister(client.sock)
        client.sock.close()
    clients.clear()
    sel.close()


def forgets_to_register(server, wakeup):
    """Adds the client to the list but never registers its socket."""
    sel = selectors.DefaultSelector()
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ)
    sel.register(wakeup, selectors.EVENT_READ)
    running = True
    while running:
        for key, events in sel.select():
            if key.fileobj is wakeup:
                running = False
            elif key.fileobj is server:
                try:
                    sock, address = server.accept()
                except OSError:             # it left before we took it
                    continue
                sock.setblocking(False)
                client = Client(sock, f"guest{next(guest_numbers)}")
                clients.append(client)
                queue(sel, client, f"*** You are {client.nickname}")
            else:
                client = key.data
                still_here = True
                if events & selectors.EVENT_READ:
                    still_here = on_readable(sel, client)
                if still_here and events & selectors.EVENT_WRITE:
                    still_here = on_writable(sel, client)
                if not still_here:
                    drop(sel, client)
    for client in clients:
        sel.unregister(client.sock)
        client.sock.close()
    clients.clear()
    sel.close()


def writes_at_once(server, wakeup):
    """Writes every outbox right after reading, with sendall, without asking select()."""
    sel = selectors.DefaultSelector()
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ)
    sel.register(wakeup, selectors.EVENT_READ)
    running = True
    while running:
        for key, events in sel.select():
            if key.fileobj is wakeup:
                running = False
            elif key.fileobj is server:
                try:
                    sock, address = server.accept()
                except OSError:             # it left before we took it
                    continue
                sock.setblocking(False)
                client = Client(sock, f"guest{next(guest_numbers)}")
                clients.append(client)
                sel.register(sock, selectors.EVENT_READ, client)
                queue(sel, client, f"*** You are {client.nickname}")
            else:
                client = key.data
                still_here = True
                if events & selectors.EVENT_READ:
                    still_here = on_readable(sel, client)
                if still_here and events & selectors.EVENT_WRITE:
                    still_here = on_writable(sel, client)
                if not still_here:
                    drop(sel, client)
                for other in clients:
                    if other.outbox:
                        other.sock.sendall(other.outbox)
                        other.outbox = b""
                        sel.modify(other.sock, selectors.EVENT_READ, other)
    for client in clients:
        sel.unregister(client.sock)
        client.sock.close()
    clients.clear()
    sel.close()


def writes_at_once_and_drops_what_did_not_fit(server, wakeup):
    """Writes at once with send(); what a full socket did not take is thrown away."""
    sel = selectors.DefaultSelector()
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ)
    sel.register(wakeup, selectors.EVENT_READ)
    running = True
    while running:
        for key, events in sel.select():
            if key.fileobj is wakeup:
                running = False
            elif key.fileobj is server:
                try:
                    sock, address = server.accept()
                except OSError:             # it left before we took it
                    continue
                sock.setblocking(False)
                client = Client(sock, f"guest{next(guest_numbers)}")
                clients.append(client)
                sel.register(sock, selectors.EVENT_READ, client)
                queue(sel, client, f"*** You are {client.nickname}")
            else:
                client = key.data
                still_here = True
                if events & selectors.EVENT_READ:
                    still_here = on_readable(sel, client)
                if still_here and events & selectors.EVENT_WRITE:
                    still_here = on_writable(sel, client)
                if not still_here:
                    drop(sel, client)
                for other in clients:
                    if other.outbox:
                        try:
                            other.sock.send(other.outbox)
                        except BlockingIOError:
                            pass
                        other.outbox = b""
                        sel.modify(other.sock, selectors.EVENT_READ, other)
    for client in clients:
        sel.unregister(client.sock)
        client.sock.close()
    clients.clear()
    sel.close()


def returns_after_one_pass(server, wakeup):
    """Handles one batch of events and returns."""
    sel = selectors.DefaultSelector()
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ)
    sel.register(wakeup, selectors.EVENT_READ)
    running = True
    if running:
        for key, events in sel.select():
            if key.fileobj is wakeup:
                running = False
            elif key.fileobj is server:
                try:
                    sock, address = server.accept()
                except OSError:             # it left before we took it
                    continue
                sock.setblocking(False)
                client = Client(sock, f"guest{next(guest_numbers)}")
                clients.append(client)
                sel.register(sock, selectors.EVENT_READ, client)
                queue(sel, client, f"*** You are {client.nickname}")
            else:
                client = key.data
                still_here = True
                if events & selectors.EVENT_READ:
                    still_here = on_readable(sel, client)
                if still_here and events & selectors.EVENT_WRITE:
                    still_here = on_writable(sel, client)
                if not still_here:
                    drop(sel, client)
    for client in clients:
        sel.unregister(client.sock)
        client.sock.close()
    clients.clear()
    sel.close()


def no_welcome(server, wakeup):
    """Never tells a new client its name."""
    sel = selectors.DefaultSelector()
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ)
    sel.register(wakeup, selectors.EVENT_READ)
    running = True
    while running:
        for key, events in sel.select():
            if key.fileobj is wakeup:
                running = False
            elif key.fileobj is server:
                try:
                    sock, address = server.accept()
                except OSError:             # it left before we took it
                    continue
                sock.setblocking(False)
                client = Client(sock, f"guest{next(guest_numbers)}")
                clients.append(client)
                sel.register(sock, selectors.EVENT_READ, client)
            else:
                client = key.data
                still_here = True
                if events & selectors.EVENT_READ:
                    still_here = on_readable(sel, client)
                if still_here and events & selectors.EVENT_WRITE:
                    still_here = on_writable(sel, client)
                if not still_here:
                    drop(sel, client)
    for client in clients:
        sel.unregister(client.sock)
        client.sock.close()
    clients.clear()
    sel.close()


def drops_then_writes(server, wakeup):
    """After dropping a client it still calls on_writable for it."""
    sel = selectors.DefaultSelector()
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ)
    sel.register(wakeup, selectors.EVENT_READ)
    running = True
    while running:
        for key, events in sel.select():
            if key.fileobj is wakeup:
                running = False
            elif key.fileobj is server:
                try:
                    sock, address = server.accept()
                except OSError:             # it left before we took it
                    continue
                sock.setblocking(False)
                client = Client(sock, f"guest{next(guest_numbers)}")
                clients.append(client)
                sel.register(sock, selectors.EVENT_READ, client)
                queue(sel, client, f"*** You are {client.nickname}")
            else:
                client = key.data
                still_here = True
                if events & selectors.EVENT_READ:
                    still_here = on_readable(sel, client)
                if events & selectors.EVENT_READ and not still_here:
                    drop(sel, client)
                if events & selectors.EVENT_WRITE and not on_writable(sel, client):
                    drop(sel, client)
    for client in clients:
        sel.unregister(client.sock)
        client.sock.close()
    clients.clear()
    sel.close()


def watches_write_always(server, wakeup):
    """Watches every client for EVENT_WRITE after each event, to be sure: select() never waits."""
    sel = selectors.DefaultSelector()
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ)
    sel.register(wakeup, selectors.EVENT_READ)
    running = True
    while running:
        for key, events in sel.select():
            if key.fileobj is wakeup:
                running = False
            elif key.fileobj is server:
                try:
                    sock, address = server.accept()
                except OSError:             # it left before we took it
                    continue
                sock.setblocking(False)
                client = Client(sock, f"guest{next(guest_numbers)}")
                clients.append(client)
                sel.register(sock, selectors.EVENT_READ, client)
                queue(sel, client, f"*** You are {client.nickname}")
            else:
                client = key.data
                still_here = True
                if events & selectors.EVENT_READ:
                    still_here = on_readable(sel, client)
                if still_here and events & selectors.EVENT_WRITE:
                    still_here = on_writable(sel, client)
                if not still_here:
                    drop(sel, client)
                else:
                    sel.modify(client.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, client)
    for client in clients:
        sel.unregister(client.sock)
        client.sock.close()
    clients.clear()
    sel.close()


CAUGHT = {
    "forgets_setblocking": ("failed", "still blocking", "setblocking(False)"),
    "reads_right_after_accept": ("failed", "received no complete line", "Something in your loop waits"),
    "timeout_zero": ("timeout", "is spinning", "without a timeout"),
    "tiny_timeout": ("timeout", "is spinning", "without a timeout"),
    "ignores_wakeup": ("timeout", "did not return after the wakeup", "Register wakeup"),
    "leaves_clients_open": ("failed", "connection is still open", "close every client's socket"),
    "keeps_the_list": ("failed", "clients still holds", "empty clients"),
    "leaves_the_selector_open": ("failed", "without closing its selector", "sel.close()"),
    "ignores_read_result": ("failed", "never dropped", "call drop(sel, client)"),
    "ignores_write_result": ("failed", "received no complete line", "call drop(sel, client)"),
    "forgets_to_register": ("error", "raised an exception", "register each new client"),
    "writes_at_once": ("error", "raised an exception", "wrote to a socket that was full"),
    "writes_at_once_and_drops_what_did_not_fit": ("failed", "received the wrong bytes",
                                                  "keeping what send() did not take"),
    "returns_after_one_pass": ("failed", "before it was told to stop", "Loop for ever"),
    "no_welcome": ("failed", "received no complete line", "queue the welcome"),
    "drops_then_writes": ("error", "raised an exception", "after drop, skip that client"),
    "watches_write_always": ("timeout", "is spinning", "EVENT_WRITE with nothing to send"),
}


# --- right answers written differently ---

def right_callbacks(server, wakeup):
    """Each key's data is the function to call (the style of Python's selectors docs)."""
    sel = selectors.DefaultSelector()
    stop = []

    def accept(sock, mask):
        try:
            conn, _ = sock.accept()
        except BlockingIOError:
            return
        conn.setblocking(False)
        client = Client(conn, "guest%d" % next(guest_numbers))
        clients.append(client)
        sel.register(conn, selectors.EVENT_READ, client)
        queue(sel, client, "*** You are " + client.nickname)

    def wake(sock, mask):
        stop.append(True)

    sel.register(server, selectors.EVENT_READ, accept)
    sel.register(wakeup, selectors.EVENT_READ, wake)
    while not stop:
        for key, mask in sel.select():
            if callable(key.data):
                key.data(key.fileobj, mask)
                continue
            client = key.data
            if mask & selectors.EVENT_READ and not on_readable(sel, client):
                drop(sel, client)
            elif mask & selectors.EVENT_WRITE and not on_writable(sel, client):
                drop(sel, client)
    while clients:
        client = clients.pop()
        sel.unregister(client.sock)
        client.sock.close()
    sel.close()


def right_with_block_and_timeout(server, wakeup):
    """A selector in a with block (closed at its end), a one-second timeout, a break."""
    with selectors.DefaultSelector() as sel:
        sel.register(server, selectors.EVENT_READ, "server")
        sel.register(wakeup, selectors.EVENT_READ, "wakeup")
        while True:
            ready = sel.select(timeout=1.0)
            if any(key.data == "wakeup" for key, _ in ready):
                break
            for key, events in ready:
                if key.data == "server":
                    sock, _ = server.accept()
                    sock.setblocking(False)
                    client = Client(sock, f"guest{next(guest_numbers)}")
                    clients.append(client)
                    sel.register(sock, selectors.EVENT_READ, client)
                    queue(sel, client, f"*** You are {client.nickname}")
                    continue
                client = key.data
                if client not in clients:
                    continue
                ok = True
                if events & selectors.EVENT_WRITE:
                    ok = on_writable(sel, client)
                if ok and events & selectors.EVENT_READ:
                    ok = on_readable(sel, client)
                if not ok:
                    drop(sel, client)
        for client in clients:
            sel.unregister(client.sock)
            client.sock.close()
        del clients[:]


RIGHT = ["right_callbacks", "right_with_block_and_timeout"]
