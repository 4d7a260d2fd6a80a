"""receive(server) answers for exercise 04, the accept loop without a handshake.

They run in the namespace of the notebook's given cell: ``clients``,
``nicknames``, ``guest_numbers``, ``broadcast``, ``handle``, ``threading``
and ``itertools``. CAUGHT lists the wrong ones, RIGHT the right ones
written differently from the solution.
"""


def _accept(server):
    """The next client, or None once the server socket is shut down."""
    try:
        client, address = server.accept()
    except OSError:
        return None
    return client


def _greet(client, nickname):
    try:
        client.sendall(f"*** You are {nickname}\n".encode("utf-8"))
    except OSError:
        pass


# --- Wrong ------------------------------------------------------------------------------


def calls_handle(server):
    """Serves the first client itself, so nobody else gets in."""
    while (client := _accept(server)) is not None:
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        nicknames.append(nickname)
        _greet(client, nickname)
        handle(client)


def target_called(server):
    """target=handle(client) calls handle at once, in receive's own thread."""
    while (client := _accept(server)) is not None:
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        nicknames.append(nickname)
        _greet(client, nickname)
        threading.Thread(target=handle(client), daemon=True).start()


def no_thread(server):
    """Never starts handle: clients get in, but nobody reads what they say."""
    while (client := _accept(server)) is not None:
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        nicknames.append(nickname)
        _greet(client, nickname)


def thread_not_started(server):
    while (client := _accept(server)) is not None:
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True)
        _greet(client, nickname)


def args_without_comma(server):
    while (client := _accept(server)) is not None:
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client), daemon=True).start()
        _greet(client, nickname)


def not_daemon(server):
    """daemon=False on purpose, "so the server keeps running"."""
    while (client := _accept(server)) is not None:
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=False).start()
        _greet(client, nickname)


def serves_the_first_client(server):
    """Every thread is started with the first socket in the list."""
    while (client := _accept(server)) is not None:
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(clients[0],), daemon=True).start()
        _greet(client, nickname)


def same_name_for_all(server):
    while (client := _accept(server)) is not None:
        clients.append(client)
        nicknames.append("guest")
        threading.Thread(target=handle, args=(client,), daemon=True).start()
        _greet(client, "guest")


def numbers_by_count(server):
    """guest{len(clients) + 1}: once someone has left, two guests get the same name."""
    while (client := _accept(server)) is not None:
        nickname = f"guest{len(clients) + 1}"
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()
        _greet(client, nickname)


def forgets_the_nickname(server):
    while (client := _accept(server)) is not None:
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        _greet(client, nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()


def inserts_at_the_front(server):
    """The newest client first in one list, last in the other."""
    while (client := _accept(server)) is not None:
        nickname = f"guest{next(guest_numbers)}"
        clients.insert(0, client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()
        _greet(client, nickname)


def stores_bytes(server):
    while (client := _accept(server)) is not None:
        nickname = f"guest{next(guest_numbers)}".encode("utf-8")
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()
        _greet(client, nickname.decode("utf-8"))


def never_greets(server):
    while (client := _accept(server)) is not None:
        clients.append(client)
        nicknames.append(f"guest{next(guest_numbers)}")
        threading.Thread(target=handle, args=(client,), daemon=True).start()


def wrong_name_told(server):
    while (client := _accept(server)) is not None:
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()
        client.sendall(b"*** Welcome!\n")


def greeting_without_stars(server):
    while (client := _accept(server)) is not None:
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()
        client.sendall(f"You are {nickname}\n".encode("utf-8"))


def greeting_without_newline(server):
    while (client := _accept(server)) is not None:
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()
        try:
            client.sendall(f"*** You are {nickname}".encode("utf-8"))
        except OSError:
            pass


def greets_everyone(server):
    """Broadcasts the newcomer's name, so everyone is told 'You are' someone else."""
    while (client := _accept(server)) is not None:
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()
        try:
            broadcast(clients, f"*** You are {nickname}")
        except OSError:
            pass


def closes_the_client(server):
    """A with block closes the client's socket as soon as it has been greeted."""
    while (client := _accept(server)) is not None:
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()
        with client:
            _greet(client, nickname)


def greeting_unguarded(server):
    """The lesson's first version: a client that vanishes at once stops the server."""
    while (client := _accept(server)) is not None:
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()
        client.sendall(f"*** You are {nickname}\n".encode("utf-8"))


def stops_when_a_send_fails(server):
    while (client := _accept(server)) is not None:
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()
        try:
            client.sendall(f"*** You are {nickname}\n".encode("utf-8"))
        except OSError:
            break


def forgets_a_client_that_vanished(server):
    """Catches the failed greeting before starting the thread, and leaves the client listed."""
    while (client := _accept(server)) is not None:
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        nicknames.append(nickname)
        try:
            client.sendall(f"*** You are {nickname}\n".encode("utf-8"))
        except OSError:
            continue
        threading.Thread(target=handle, args=(client,), daemon=True).start()


def prints_like_the_tutorial(server):
    while True:
        try:
            client, address = server.accept()
        except OSError:
            break
        print(f"Connected with {address}")
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()
        _greet(client, nickname)


def accepts_once(server):
    """No loop: one client is served, and then receive returns."""
    client, address = server.accept()
    nickname = f"guest{next(guest_numbers)}"
    clients.append(client)
    nicknames.append(nickname)
    threading.Thread(target=handle, args=(client,), daemon=True).start()
    _greet(client, nickname)


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
        _greet(client, nickname)


CAUGHT = {
    "calls_handle": ("timeout", "did not go back to accept()", "own thread"),
    "target_called": ("timeout", "did not go back to accept()", "own thread"),
    "no_thread": ("failed", "fewer threads are running than clients", "handle(client)"),
    "thread_not_started": ("failed", "fewer threads are running than clients", "handle(client)"),
    "args_without_comma": ("error", "The thread that runs handle raised an exception",
                           "args=(client,), with the comma"),
    "not_daemon": ("failed", "not a daemon thread", "daemon=True"),
    "serves_the_first_client": ("failed", "while the second client sent a line",
                                "args=(client,)"),
    "same_name_for_all": ("failed", "a nickname of its own", "guest_numbers"),
    "numbers_by_count": ("failed", "a nickname of its own", "guest_numbers"),
    "forgets_the_nickname": ("failed", "nicknames should hold 1 name", "nicknames.append"),
    "inserts_at_the_front": ("failed", "out of step", "same position"),
    "stores_bytes": ("failed", "nicknames holds bytes", "as text"),
    "never_greets": ("failed", "The first client received no complete line",
                     "Tell the new client its name"),
    "wrong_name_told": ("failed", "was not told its nickname", "'*** You are '"),
    "greeting_without_stars": ("failed", "was not told its nickname", "'*** You are '"),
    "greeting_without_newline": ("failed", "The first client received no complete line",
                                 'must end with "\\n"'),
    "greets_everyone": ("failed", "The first client received the wrong line",
                        "only the new client"),
    "closes_the_client": ("failed", "closed the new client's socket", "Leave the socket open"),
    "greeting_unguarded": ("error", "raised an exception while a client left right after "
                           "connecting", "sendall raises OSError"),
    "stops_when_a_send_fails": ("failed", "it should go on accepting clients",
                                "sendall raises OSError"),
    "forgets_a_client_that_vanished": ("failed", "nicknames should hold 1 name",
                                       "A client that has gone must leave the lists"),
    "prints_like_the_tutorial": ("failed", "printed while it ran", "Do not print"),
    "accepts_once": ("failed", "it should go on accepting clients", "again and again"),
    "never_stops": ("timeout", "did not stop", "leave the loop"),
}


# --- Right, written differently ------------------------------------------------------------


def returns_from_the_loop(server):
    while True:
        try:
            client, _ = server.accept()
        except OSError:
            return
        nickname = "guest" + str(next(guest_numbers))
        nicknames.append(nickname)
        clients.append(client)
        worker = threading.Thread(target=handle, args=[client])
        worker.daemon = True
        worker.start()
        try:
            client.send(("*** You are " + nickname + "\n").encode())
        except OSError:
            continue


def greets_before_the_thread(server):
    """Greets first; a client that has already gone is closed and never listed."""
    while True:
        try:
            client, _ = server.accept()
        except OSError:
            break
        nickname = f"guest{next(guest_numbers)}"
        try:
            client.sendall(f"*** You are {nickname}\n".encode("utf-8"))
        except OSError:
            client.close()
            continue
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, kwargs={"client": client}, daemon=True).start()


def own_counter(server):
    import contextlib

    count = 0
    running = True
    while running:
        try:
            client, _ = server.accept()
        except OSError:
            running = False
            continue
        count += 1
        nickname = "guest%d" % count
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()
        with contextlib.suppress(OSError):
            client.sendall(b"*** You are " + nickname.encode("utf-8") + b"\n")


def helper_function(server):
    def welcome(client):
        nickname = f"guest{next(guest_numbers)}"
        clients.append(client)
        nicknames.append(nickname)
        thread = threading.Thread(target=handle, args=(client,), daemon=True,
                                  name=f"handle-{nickname}")
        thread.start()
        try:
            client.sendall(f"*** You are {nickname}\n".encode("utf-8"))
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass

    while True:
        try:
            welcome(server.accept()[0])
        except OSError:
            break


def stop_flag(server):
    """accept() in its own try; OSError from a send caught separately."""
    stopped = False
    while not stopped:
        try:
            pair = server.accept()
        except OSError:
            stopped = True
        else:
            client = pair[0]
            nickname = f"guest{next(guest_numbers)}"
            clients.append(client)
            nicknames.append(nickname)
            threading.Thread(target=handle, args=(client,), daemon=True).start()
            message = "*** You are {}\n".format(nickname)
            try:
                client.sendall(bytes(message, "utf-8"))
            except OSError:
                pass


RIGHT = ["returns_from_the_loop", "greets_before_the_thread", "own_counter", "helper_function",
         "stop_flag"]
