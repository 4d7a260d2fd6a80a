"""Wrong handle(client) answers (exercise 03).

They run in the namespace of the notebook's given cell: ``clients``,
``nicknames`` and a working ``broadcast`` exist there.
"""


def removes_nickname_by_value(client):
    """The tutorial's clean-up: nicknames.remove(nickname) takes the first entry with that name."""
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
    _leave(client)


def removes_nickname_at_the_end(client):
    """Pops the last nickname instead of the one at the client's position."""
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
    index = clients.index(client)
    clients.remove(client)
    nickname = nicknames[index]
    nicknames.pop()
    client.close()
    broadcast(clients, f"*** {nickname} left")


def _leave(client):
    nickname = nicknames[clients.index(client)]
    clients.remove(client)
    nicknames.remove(nickname)
    client.close()
    broadcast(clients, f"*** {nickname} left")


def decodes_each_recv(client):
    """Decodes whatever one recv returns: breaks on a character cut in two."""
    while True:
        try:
            text = client.recv(1024).decode("utf-8")
        except OSError:
            text = ""
        if not text:
            break
        for line in text.splitlines():
            broadcast(clients, f"{nicknames[clients.index(client)]}: {line}")
    _leave(client)


def no_buffer(client):
    """Decodes leniently but still treats each recv as whole lines."""
    while True:
        try:
            data = client.recv(1024)
        except OSError:
            data = b""
        if not data:
            break
        for line in data.decode("utf-8", errors="replace").splitlines():
            broadcast(clients, f"{nicknames[clients.index(client)]}: {line}")
    _leave(client)


def one_message_per_recv(client):
    """Strips and forwards each recv as one message: two lines glued together stay glued."""
    while True:
        try:
            data = client.recv(1024)
        except OSError:
            data = b""
        if not data:
            break
        broadcast(clients, f"{nicknames[clients.index(client)]}: {data.decode('utf-8').strip()}")
    _leave(client)


def _lines(client):
    """A correct reader, so the mistakes below are the only ones."""
    buffer = b""
    while True:
        try:
            data = client.recv(1024)
        except OSError:
            return
        if not data:
            return
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield line.decode("utf-8")


def no_nickname(client):
    for line in _lines(client):
        broadcast(clients, line)
    _leave(client)


def busy_loop(client):
    """The tutorial's loop: an empty read is passed on as a message, for ever."""
    buffer = b""
    while True:
        data = client.recv(1024)
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            broadcast(clients, f"{nicknames[clients.index(client)]}: {line.decode('utf-8')}")


def keeps_nickname(client):
    for line in _lines(client):
        broadcast(clients, f"{nicknames[clients.index(client)]}: {line}")
    nickname = nicknames[clients.index(client)]
    clients.remove(client)
    client.close()
    broadcast(clients, f"*** {nickname} left")


def keeps_client(client):
    for line in _lines(client):
        broadcast(clients, f"{nicknames[clients.index(client)]}: {line}")
    nickname = nicknames[clients.index(client)]
    nicknames.remove(nickname)
    client.close()


def never_closes(client):
    for line in _lines(client):
        broadcast(clients, f"{nicknames[clients.index(client)]}: {line}")
    nickname = nicknames[clients.index(client)]
    clients.remove(client)
    nicknames.remove(nickname)
    broadcast(clients, f"*** {nickname} left")


def silent_departure(client):
    for line in _lines(client):
        broadcast(clients, f"{nicknames[clients.index(client)]}: {line}")
    nickname = nicknames[clients.index(client)]
    clients.remove(client)
    nicknames.remove(nickname)
    client.close()


def crashes_on_reset(client):
    """Handles b'' but not an error from recv."""
    buffer = b""
    while True:
        data = client.recv(1024)
        if not data:
            break
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            broadcast(clients, f"{nicknames[clients.index(client)]}: {line.decode('utf-8')}")
    _leave(client)


def not_to_sender(client):
    for line in _lines(client):
        others = [other for other in clients if other is not client]
        broadcast(others, f"{nicknames[clients.index(client)]}: {line}")
    _leave(client)


CAUGHT = {
    "decodes_each_recv": ("error", "raised an exception while bob sent a line in pieces",
                          "Keep the bytes in a buffer"),
    "no_buffer": ("failed", "received the wrong line while bob sent a line in pieces",
                  "in several pieces"),
    "one_message_per_recv": ("failed", "received the wrong line while bob sent two lines",
                             "several lines"),
    "no_nickname": ("failed", "received the wrong line while bob sent a line", "nickname"),
    "busy_loop": ("timeout", "busy loop", "if not data: break"),
    "keeps_nickname": ("failed", "still in nicknames", "position"),
    "removes_nickname_by_value": ("failed", "two lists are out of step", "FIRST entry"),
    "removes_nickname_at_the_end": ("failed", "still in nicknames", "position"),
    "keeps_client": ("failed", "still in clients", "clients.remove(client)"),
    "never_closes": ("failed", "did not close the socket", "client.close()"),
    "silent_departure": ("failed", "received no complete line while telling the others",
                         "*** {nickname} left"),
    "crashes_on_reset": ("error", "raised an exception while ada's connection broke",
                         "treat an error from recv() like an empty read"),
    "not_to_sender": ("failed", "bob received no complete line", "the sender included"),
}


def right_partition(client):
    """partition instead of split, and removal by position."""
    buffer = b""
    while True:
        try:
            data = client.recv(1024)
        except OSError:
            break
        if not data:
            break
        buffer += data
        while b"\n" in buffer:
            line, _, buffer = buffer.partition(b"\n")
            broadcast(clients, nicknames[clients.index(client)] + ": " + line.decode("utf-8"))
    index = clients.index(client)
    clients.pop(index)
    nickname = nicknames.pop(index)
    client.close()
    broadcast(clients, "*** " + nickname + " left")


RIGHT = ["right_partition"]


def stray_newline(client):
    """Keeps the line ending in the text, and broadcast adds another: an empty line follows each."""
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
            end = buffer.index(b"\n") + 1
            line, buffer = buffer[:end], buffer[end:]
            broadcast(clients, f"{nicknames[clients.index(client)]}: {line.decode('utf-8')}")
    _leave(client)


CAUGHT.update({
    "stray_newline": ("failed", "received more than expected after 'bob: hello\\n'", "do not add another"),
})


def _leave_by_position(client):
    index = clients.index(client)
    del clients[index]
    nickname = nicknames.pop(index)
    client.close()
    broadcast(clients, f"*** {nickname} left")


def right_bytearray_find(client):
    """Right, written differently: a bytearray buffer and find() for the line ending."""
    buffer = bytearray()
    while True:
        try:
            data = client.recv(1024)
        except ConnectionError:
            data = b""
        if not data:
            break
        buffer.extend(data)
        end = buffer.find(b"\n")
        while end != -1:
            text = buffer[:end].decode()
            del buffer[:end + 1]
            broadcast(clients, "{}: {}".format(nicknames[clients.index(client)], text))
            end = buffer.find(b"\n")
    _leave_by_position(client)


def right_split_lines(client):
    """Right, written differently: split the buffer on b"\\n" and keep the last, unfinished part."""
    pending = b""
    while True:
        try:
            chunk = client.recv(1024)
        except OSError:
            chunk = b""
        if chunk == b"":
            break
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            broadcast(clients, f"{nicknames[clients.index(client)]}: {line.decode('utf-8')}")
    _leave_by_position(client)


def right_incremental_decoder(client):
    """Right, written differently: an incremental decoder keeps a cut character for later."""
    import codecs
    decoder = codecs.getincrementaldecoder("utf-8")()
    text = ""
    while True:
        try:
            data = client.recv(1024)
        except OSError:
            break
        if not data:
            break
        text += decoder.decode(data)
        while "\n" in text:
            line, text = text.split("\n", 1)
            broadcast(clients, f"{nicknames[clients.index(client)]}: {line}")
    _leave_by_position(client)


RIGHT += ["right_bytearray_find", "right_split_lines", "right_incremental_decoder"]
