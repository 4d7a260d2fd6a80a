"""receive(server) answers with the handshake (exercise 05, part 1).

They run in the namespace of the notebook's given cell: ``clients``,
``nicknames``, ``broadcast``, ``handle``, ``read_line`` and ``threading``.
CAUGHT lists the wrong ones, RIGHT the right ones written differently.
"""


def _accept(server):
    """The next client, or None once the server socket is shut down."""
    try:
        return server.accept()[0]
    except OSError:
        return None


def _ask(client):
    """Hii, then the answer; None if the client has gone (the right way)."""
    try:
        client.sendall(b"Hii\n")
    except OSError:
        return None
    return read_line(client)


def _join(client, nickname):
    """The right way to join: lists, thread, announcement (a failure there is survived)."""
    clients.append(client)
    nicknames.append(nickname)
    threading.Thread(target=handle, args=(client,), daemon=True).start()
    try:
        broadcast(clients, f"*** {nickname} joined")
    except OSError:
        pass


# --- Wrong ------------------------------------------------------------------------------


def forgets_hii(server):
    while (client := _accept(server)) is not None:
        nickname = read_line(client)
        if nickname is None:
            client.close()
            continue
        _join(client, nickname)


def tutorial_request(server):
    """The tutorial's token, NICK, instead of this course's Hii."""
    while (client := _accept(server)) is not None:
        client.sendall(b"NICK\n")
        nickname = read_line(client)
        if nickname is None:
            client.close()
            continue
        _join(client, nickname)


def hii_without_newline(server):
    while (client := _accept(server)) is not None:
        client.sendall(b"Hii")
        nickname = read_line(client)
        if nickname is None:
            client.close()
            continue
        _join(client, nickname)


def hii_as_str(server):
    while (client := _accept(server)) is not None:
        client.sendall("Hii\n")


def calls_handle(server):
    """Serves the first client itself, so nobody else gets in."""
    while (client := _accept(server)) is not None:
        nickname = _ask(client)
        if nickname is None:
            client.close()
            continue
        clients.append(client)
        nicknames.append(nickname)
        broadcast(clients, f"*** {nickname} joined")
        handle(client)


def no_thread(server):
    """Never starts handle: clients join but nobody reads what they say."""
    while (client := _accept(server)) is not None:
        nickname = _ask(client)
        if nickname is None:
            client.close()
            continue
        clients.append(client)
        nicknames.append(nickname)
        broadcast(clients, f"*** {nickname} joined")


def serves_the_first_client(server):
    """Every thread is started with the first socket in the list."""
    while (client := _accept(server)) is not None:
        nickname = _ask(client)
        if nickname is None:
            client.close()
            continue
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(clients[0],), daemon=True).start()
        broadcast(clients, f"*** {nickname} joined")


def handshake_in_a_with_block(server):
    """The with block closes the client's socket once it has joined."""
    while (client := _accept(server)) is not None:
        with client:
            nickname = _ask(client)
            if nickname is None:
                continue
            _join(client, nickname)


def one_recv(server):
    """The tutorial's handshake: one recv is taken for the whole nickname."""
    while (client := _accept(server)) is not None:
        try:
            client.sendall(b"Hii\n")
            nickname = client.recv(1024).decode("utf-8").strip()
        except OSError:
            nickname = ""
        if not nickname:
            client.close()
            continue
        _join(client, nickname)


def keeps_line_ending(server):
    while (client := _accept(server)) is not None:
        try:
            client.sendall(b"Hii\n")
        except OSError:
            client.close()
            continue
        data = b""
        while not data.endswith(b"\n"):
            try:
                byte = client.recv(1)
            except OSError:
                byte = b""
            if not byte:
                break
            data += byte
        if not data.endswith(b"\n"):
            client.close()
            continue
        _join(client, data.decode("utf-8"))


def no_announcement(server):
    while (client := _accept(server)) is not None:
        nickname = _ask(client)
        if nickname is None:
            client.close()
            continue
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()


def announces_before_adding(server):
    """Everyone but the newcomer hears of it."""
    while (client := _accept(server)) is not None:
        nickname = _ask(client)
        if nickname is None:
            client.close()
            continue
        broadcast(clients, f"*** {nickname} joined")
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()


def tells_only_the_newcomer(server):
    while (client := _accept(server)) is not None:
        nickname = _ask(client)
        if nickname is None:
            client.close()
            continue
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()
        client.sendall(f"*** {nickname} joined\n".encode("utf-8"))


def tutorial_joined_line(server):
    while (client := _accept(server)) is not None:
        nickname = _ask(client)
        if nickname is None:
            client.close()
            continue
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()
        broadcast(clients, f"{nickname} joined!")


def not_daemon(server):
    while (client := _accept(server)) is not None:
        nickname = _ask(client)
        if nickname is None:
            client.close()
            continue
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=False).start()
        broadcast(clients, f"*** {nickname} joined")


def hii_unguarded(server):
    """A client that vanishes before it is asked stops the server."""
    while (client := _accept(server)) is not None:
        client.sendall(b"Hii\n")
        nickname = read_line(client)
        if nickname is None:
            client.close()
            continue
        _join(client, nickname)


def stops_when_one_leaves(server):
    while (client := _accept(server)) is not None:
        nickname = _ask(client)
        if nickname is None:
            client.close()
            break
        _join(client, nickname)


def keeps_the_socket_open(server):
    """A client that left is forgotten, but its socket stays open."""
    while (client := _accept(server)) is not None:
        nickname = _ask(client)
        if nickname is None:
            continue
        _join(client, nickname)


def forgets_to_close_when_sending_fails(server):
    while (client := _accept(server)) is not None:
        try:
            client.sendall(b"Hii\n")
        except OSError:
            continue
        nickname = read_line(client)
        if nickname is None:
            client.close()
            continue
        _join(client, nickname)


def no_check_for_none(server):
    """A client that leaves during the handshake joins as None."""
    while (client := _accept(server)) is not None:
        try:
            client.sendall(b"Hii\n")
        except OSError:
            client.close()
            continue
        _join(client, read_line(client))


def lists_the_client_first(server):
    """The client goes into clients before it answers, and stays there if it leaves."""
    while (client := _accept(server)) is not None:
        clients.append(client)
        nickname = _ask(client)
        if nickname is None:
            client.close()
            continue
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()
        broadcast(clients, f"*** {nickname} joined")


def announcement_unguarded(server):
    """A client that vanishes while it is announced stops the server."""
    while (client := _accept(server)) is not None:
        nickname = _ask(client)
        if nickname is None:
            client.close()
            continue
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()
        broadcast(clients, f"*** {nickname} joined")


def _handle_by_name(client):
    """handle as lesson 03 first wrote it: it removes the first nickname that matches."""
    buffer = b""
    while True:
        try:
            data = client.recv(1024)
        except OSError:
            data = b""
        if not data:
            break
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            broadcast(clients, f"{nicknames[clients.index(client)]}: {line.decode('utf-8')}")
    nickname = nicknames[clients.index(client)]
    clients.remove(client)
    nicknames.remove(nickname)
    client.close()
    broadcast(clients, f"*** {nickname} left")


def skips_the_thread_when_the_announcement_fails(server):
    """Announces before starting the thread, and skips the thread when that fails."""
    while (client := _accept(server)) is not None:
        nickname = _ask(client)
        if nickname is None:
            client.close()
            continue
        clients.append(client)
        nicknames.append(nickname)
        try:
            broadcast(clients, f"*** {nickname} joined")
        except OSError:
            continue
        threading.Thread(target=handle, args=(client,), daemon=True).start()


def removes_the_newcomer_when_the_announcement_fails(server):
    """Blames the newcomer for any failed announcement, though someone else may have left."""
    while (client := _accept(server)) is not None:
        nickname = _ask(client)
        if nickname is None:
            client.close()
            continue
        clients.append(client)
        nicknames.append(nickname)
        thread = threading.Thread(target=handle, args=(client,), daemon=True)
        try:
            broadcast(clients, f"*** {nickname} joined")
        except OSError:
            index = clients.index(client)
            clients.pop(index)
            nicknames.pop(index)
            client.close()
            continue
        thread.start()


def removes_by_name(server):
    """Started with a handle that cleans up with nicknames.remove(nickname)."""
    while (client := _accept(server)) is not None:
        nickname = _ask(client)
        if nickname is None:
            client.close()
            continue
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=_handle_by_name, args=(client,), daemon=True).start()
        try:
            broadcast(clients, f"*** {nickname} joined")
        except OSError:
            pass


def prints_the_nickname(server):
    """The tutorial's print("Nickname is ...")."""
    while (client := _accept(server)) is not None:
        nickname = _ask(client)
        if nickname is None:
            client.close()
            continue
        print(f"Nickname is {nickname}")
        _join(client, nickname)


def accepts_once(server):
    """No loop: one client joins, and then receive returns."""
    client = server.accept()[0]
    nickname = _ask(client)
    if nickname is None:
        client.close()
        return
    _join(client, nickname)


def never_stops(server):
    """Swallows the error from accept() and tries again, for ever."""
    while True:
        try:
            client, address = server.accept()
        except OSError:
            continue
        nickname = _ask(client)
        if nickname is None:
            client.close()
            continue
        _join(client, nickname)


CAUGHT = {
    "forgets_hii": ("failed", "ada received no complete line while ada connected", "Hii"),
    "tutorial_request": ("failed", "ada received the wrong line while ada connected",
                         'exactly the line "Hii"'),
    "hii_without_newline": ("failed", "ada received no complete line while ada connected",
                            'must end with "\\n"'),
    "hii_as_str": ("error", "raised an exception while ada connected", "Encode"),
    "calls_handle": ("timeout", "did not go back to accept()", "own thread"),
    "no_thread": ("failed", "fewer threads are running than clients", "handle(client)"),
    "serves_the_first_client": ("failed", "while Zoë sent her first line", "args=(client,)"),
    "handshake_in_a_with_block": ("failed", "closed the new client's socket while ada sent",
                                  "no `with client:`"),
    "one_recv": ("failed", "nicknames is not right", "recv(1024) returns"),
    "keeps_line_ending": ("failed", "nicknames is not right", 'without its "\\n"'),
    "no_announcement": ("failed", "while ada sent her nickname", "joined"),
    "announces_before_adding": ("failed", "ada received no complete line while ada sent",
                                "the newcomer included"),
    "tells_only_the_newcomer": ("failed", "ada received no complete line while Zoë sent",
                                "Tell everyone"),
    "tutorial_joined_line": ("failed", "ada received the wrong line", "exactly the line"),
    "not_daemon": ("failed", "not a daemon thread", "daemon=True"),
    "hii_unguarded": ("error", "raised an exception while a client vanished before it was "
                      "asked", "sendall raises OSError"),
    "stops_when_one_leaves": ("failed", "it should go on accepting clients", "read_line then "
                              "returns None"),
    "keeps_the_socket_open": ("failed", "did not close its end of the connection",
                              "Close that client's socket"),
    "forgets_to_close_when_sending_fails": ("failed", "did not close the socket of a client "
                                            "that left", "close that client's socket"),
    "no_check_for_none": ("failed", "ada received the wrong line", "never joined"),
    "lists_the_client_first": ("failed", "clients does not hold the right sockets",
                               "only once it has joined"),
    "announcement_unguarded": ("error", "raised an exception while cy vanished",
                               "broadcast raises OSError"),
    "skips_the_thread_when_the_announcement_fails": ("failed", "cy vanished",
                                                     "still listed"),
    "removes_the_newcomer_when_the_announcement_fails": ("failed", "ada received no complete "
                                                         "line while cy vanished",
                                                         "handle tells the others who left"),
    "removes_by_name": ("failed", "After the second ada left, clients and nicknames are out "
                        "of step", "remove it and its nickname by position"),
    "prints_the_nickname": ("failed", "printed while it ran", "Do not print"),
    "accepts_once": ("failed", "it should go on accepting clients", "again and again"),
    "never_stops": ("timeout", "did not stop", "leave the loop"),
}


# --- Right, written differently ------------------------------------------------------------


def own_line_reader(server):
    """Reads the nickname itself, a byte at a time, instead of using read_line."""
    while True:
        try:
            client, _ = server.accept()
        except OSError:
            return
        data = b""
        try:
            client.sendall(b"Hii\n")
            while not data.endswith(b"\n"):
                byte = client.recv(1)
                if not byte:
                    break
                data += byte
        except OSError:
            pass
        if not data.endswith(b"\n"):
            client.close()
            continue
        nickname = data[:-1].decode("utf-8")
        nicknames.append(nickname)
        clients.append(client)
        thread = threading.Thread(target=handle, args=[client])
        thread.daemon = True
        thread.start()
        try:
            broadcast(clients, "*** " + nickname + " joined")
        except OSError:
            continue


def unbuffered_makefile(server):
    """readline on an unbuffered file over the socket, which reads no further than the line."""
    while True:
        try:
            client, _ = server.accept()
        except OSError:
            break
        try:
            client.sendall("Hii\n".encode())
            line = client.makefile("rb", buffering=0).readline()
        except OSError:
            line = b""
        if not line.endswith(b"\n"):
            client.close()
            continue
        _join(client, line.decode("utf-8").removesuffix("\n"))


def helper_that_says_if_it_joined(server):
    def welcome(client):
        nickname = _ask(client)
        if nickname is None:
            client.close()
            return False
        _join(client, nickname)
        return True

    while True:
        try:
            client = server.accept()[0]
        except OSError:
            break
        welcome(client)


def one_try_for_everything(server):
    """One try around the whole handshake and the announcement."""
    import contextlib

    while True:
        try:
            client, _ = server.accept()
        except OSError:
            break
        try:
            client.sendall(b"Hii\n")
            nickname = read_line(client)
            if nickname is None:
                raise ConnectionError("left during the handshake")
        except OSError:
            client.close()
            continue
        clients.append(client)
        nicknames.append(nickname)
        threading.Thread(target=handle, args=(client,), daemon=True).start()
        with contextlib.suppress(OSError):
            broadcast(clients, f"*** {nickname} joined")


def flag_loop(server):
    running = True
    while running:
        try:
            client, _ = server.accept()
        except OSError:
            running = False
        else:
            if (nickname := _ask(client)) is not None:
                _join(client, nickname)
            else:
                client.close()


RIGHT = ["own_line_reader", "unbuffered_makefile", "helper_that_says_if_it_joined",
         "one_try_for_everything", "flag_loop"]
