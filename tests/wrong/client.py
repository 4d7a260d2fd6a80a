"""Wrong receive_messages(client, nickname, show) answers (exercise 06)."""


def _lines(client):
    """A correct reader, so the mistakes below are the only ones."""
    buffer = b""
    while True:
        data = client.recv(1024)
        if not data:
            return
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield line.decode("utf-8")


def echoes_request(client, nickname, show):
    for line in _lines(client):
        if line == "Hii":
            client.sendall(b"Hii\n")
        else:
            show(line)
    client.close()


def prefixes_nickname(client, nickname, show):
    """The tutorial's writer habit, applied to the answer."""
    for line in _lines(client):
        if line == "Hii":
            client.sendall(f"{nickname}: {nickname}\n".encode("utf-8"))
        else:
            show(line)
    client.close()


def no_line_ending(client, nickname, show):
    for line in _lines(client):
        if line == "Hii":
            client.sendall(nickname.encode("utf-8"))
        else:
            show(line)
    client.close()


def never_answers(client, nickname, show):
    for line in _lines(client):
        show(line)
    client.close()


def shows_request(client, nickname, show):
    for line in _lines(client):
        if line == "Hii":
            client.sendall((nickname + "\n").encode("utf-8"))
        show(line)
    client.close()


def answers_once(client, nickname, show):
    answered = False
    for line in _lines(client):
        if line == "Hii" and not answered:
            client.sendall((nickname + "\n").encode("utf-8"))
            answered = True
        elif line != "Hii":
            show(line)
    client.close()


def one_line_per_recv(client, nickname, show):
    while True:
        data = client.recv(1024)
        if not data:
            break
        text = data.decode("utf-8", errors="replace").rstrip("\n")
        if text == "Hii":
            client.sendall((nickname + "\n").encode("utf-8"))
        else:
            show(text)
    client.close()


def decodes_pieces(client, nickname, show):
    buffer = ""
    while True:
        data = client.recv(1024)
        if not data:
            break
        buffer += data.decode("utf-8")
        while "\n" in buffer:
            line, buffer = buffer.split("\n", 1)
            if line == "Hii":
                client.sendall((nickname + "\n").encode("utf-8"))
            else:
                show(line)
    client.close()


def keeps_line_ending(client, nickname, show):
    buffer = b""
    while True:
        data = client.recv(1024)
        if not data:
            break
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            if line == b"Hii":
                client.sendall((nickname + "\n").encode("utf-8"))
            else:
                show(line.decode("utf-8") + "\n")
    client.close()


def shows_bytes(client, nickname, show):
    buffer = b""
    while True:
        data = client.recv(1024)
        if not data:
            break
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            if line == b"Hii":
                client.sendall((nickname + "\n").encode("utf-8"))
            else:
                show(line)
    client.close()


def busy_loop(client, nickname, show):
    """Goes round again on an empty read, for ever."""
    buffer = b""
    while True:
        buffer += client.recv(1024)
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            if line == b"Hii":
                client.sendall((nickname + "\n").encode("utf-8"))
            else:
                show(line.decode("utf-8"))


def never_closes(client, nickname, show):
    for line in _lines(client):
        if line == "Hii":
            client.sendall((nickname + "\n").encode("utf-8"))
        else:
            show(line)


def answers_any_hii(client, nickname, show):
    """Looks for "Hii" anywhere in the line, so a chat line can trigger an answer."""
    for line in _lines(client):
        if "Hii" in line:
            client.sendall(f"{nickname}\n".encode("utf-8"))
        else:
            show(line)
    client.close()


CAUGHT = {
    "answers_any_hii": ("failed", "show() was not called while a chat line that contains 'Hii'",
                        'line == "Hii"'),
    "echoes_request": ("failed", "received the wrong line", "Answer it with the nickname itself"),
    "prefixes_nickname": ("failed", "received the wrong line", "Send the nickname alone"),
    "no_line_ending": ("failed", "received no complete line", 'A line must end with "\\n"'),
    "never_answers": ("failed", "received no complete line", "answer with the nickname"),
    "shows_request": ("failed", "show() got the wrong line", "do not show it"),
    "answers_once": ("failed", "asked again", "answer with the nickname"),
    "one_line_per_recv": ("failed", "two lines arrived together", "Keep the bytes in a buffer"),
    "decodes_pieces": ("error", "raised an exception while a line arrived in pieces",
                       "Keep the bytes in a buffer"),
    "keeps_line_ending": ("failed", "show() got the wrong line", 'without its "\\n"'),
    "shows_bytes": ("failed", "show() got the wrong line", "Decode the line"),
    "busy_loop": ("timeout", "busy loop", "if not data: break"),
    "never_closes": ("failed", "without closing its socket", "client.close()"),
}
