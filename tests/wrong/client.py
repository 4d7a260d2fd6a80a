"""receive_messages(client, nickname, show) answers (exercise 06).

CAUGHT lists the wrong ones, RIGHT the right ones written differently.
"""

import codecs


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


def answers_hii_at_the_end(client, nickname, show):
    for line in _lines(client):
        if line.endswith("Hii"):
            client.sendall(f"{nickname}\n".encode("utf-8"))
        else:
            show(line)
    client.close()


def looks_for_hii_in_each_recv(client, nickname, show):
    """Answers when one recv() holds exactly b"Hii\\n": a Hii cut in two is missed."""
    buffer = b""
    while True:
        try:
            data = client.recv(1024)
        except OSError:
            break
        if not data:
            break
        if data == b"Hii\n":
            client.sendall((nickname + "\n").encode("utf-8"))
            continue
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            show(line.decode("utf-8"))
    client.close()


def replaces_broken_characters(client, nickname, show):
    """Decodes each piece with errors="replace": no exception, but cut characters are lost."""
    buffer = ""
    while True:
        try:
            data = client.recv(1024)
        except OSError:
            break
        if not data:
            break
        buffer += data.decode("utf-8", errors="replace")
        while "\n" in buffer:
            line, buffer = buffer.split("\n", 1)
            if line == "Hii":
                client.sendall((nickname + "\n").encode("utf-8"))
            else:
                show(line)
    client.close()


def strips_lines(client, nickname, show):
    for line in _lines(client):
        line = line.strip()
        if line == "Hii":
            client.sendall((nickname + "\n").encode("utf-8"))
        else:
            show(line)
    client.close()


def rstrips_lines(client, nickname, show):
    """rstrip() to be safe from "\\r\\n", which also eats spaces at the end."""
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
            line, buffer = buffer.split(b"\n", 1)
            text = line.decode("utf-8").rstrip()
            if text == "Hii":
                client.sendall((nickname + "\n").encode("utf-8"))
            else:
                show(text)
    client.close()


def ascii_answer(client, nickname, show):
    for line in _lines(client):
        if line == "Hii":
            client.sendall((nickname + "\n").encode("ascii"))
        else:
            show(line)
    client.close()


def latin1_answer(client, nickname, show):
    for line in _lines(client):
        if line == "Hii":
            client.sendall((nickname + "\n").encode("latin-1"))
        else:
            show(line)
    client.close()


def reset_escapes(client, nickname, show):
    """Does not catch the error recv() raises when the connection breaks."""
    buffer = b""
    while True:
        data = client.recv(1024)
        if not data:
            break
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            text = line.decode("utf-8")
            if text == "Hii":
                client.sendall((nickname + "\n").encode("utf-8"))
            else:
                show(text)
    client.close()


def reset_not_closed(client, nickname, show):
    """Returns on a broken connection without closing the socket."""
    buffer = b""
    while True:
        try:
            data = client.recv(1024)
        except OSError:
            return
        if not data:
            break
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            text = line.decode("utf-8")
            if text == "Hii":
                client.sendall((nickname + "\n").encode("utf-8"))
            else:
                show(text)
    client.close()


def shows_the_rest(client, nickname, show):
    """Shows whatever is left in the buffer at the end, even nothing."""
    buffer = b""
    while True:
        try:
            data = client.recv(1024)
        except OSError:
            data = b""
        if not data:
            show(buffer.decode("utf-8"))
            break
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            text = line.decode("utf-8")
            if text == "Hii":
                client.sendall((nickname + "\n").encode("utf-8"))
            else:
                show(text)
    client.close()


def answers_with_hii_line(client, nickname, show):
    """The tutorial's writer habit: the answer and a chat line at once."""
    for line in _lines(client):
        if line == "Hii":
            client.sendall((nickname + "\n" + nickname + " joined\n").encode("utf-8"))
        else:
            show(line)
    client.close()


def shows_and_answers_any_hii(client, nickname, show):
    """Shows every line, and also answers any line that contains Hii."""
    for line in _lines(client):
        if "Hii" in line:
            client.sendall((nickname + "\n").encode("utf-8"))
        if line != "Hii":
            show(line)
    client.close()


CAUGHT = {
    "shows_and_answers_any_hii": ("failed", "more than the answers", 'exactly "Hii"'),
    "answers_any_hii": ("failed", "show() was not called while the chat line 'bob: Hii "
                        "everyone", 'line == "Hii"'),
    "answers_hii_at_the_end": ("failed", "show() was not called while the chat line 'bob: Hii'",
                               'line == "Hii"'),
    "echoes_request": ("failed", "received the wrong line", "Answer it with the nickname itself"),
    "prefixes_nickname": ("failed", "received the wrong line", "Send the nickname alone"),
    "no_line_ending": ("failed", "received no complete line", 'A line must end with "\\n"'),
    "never_answers": ("failed", "received no complete line", "answer with the nickname"),
    "shows_request": ("failed", "show() got the wrong line", "do not show it"),
    "answers_once": ("failed", "asked again", "not only the first one"),
    "looks_for_hii_in_each_recv": ("failed", "asked again", "came in one piece"),
    "one_line_per_recv": ("failed", "two lines arrived together", "Keep the bytes in a buffer"),
    "decodes_pieces": ("error", "raised an exception while a line arrived one byte at a time",
                       "Keep the bytes in a buffer"),
    "replaces_broken_characters": ("failed", "show() got the wrong line while a line arrived "
                                   "one byte at a time", "cut inside a character"),
    "keeps_line_ending": ("failed", "show() got the wrong line", 'without its "\\n"'),
    "strips_lines": ("failed", "a line with runs of spaces", "no strip()"),
    "rstrips_lines": ("failed", "a line with runs of spaces", "no strip()"),
    "shows_bytes": ("failed", "show() got the wrong line", "Decode the line"),
    "busy_loop": ("timeout", "busy loop", "if not data: break"),
    "never_closes": ("failed", "without closing its socket", "client.close()"),
    "shows_the_rest": ("failed", "show() was called after the server closed", "stop"),
    "answers_with_hii_line": ("failed", "received the wrong line", "Send the nickname alone"),
    "ascii_answer": ("error", "while the server sent 'Hii' to Zoë", 'not "ascii"'),
    "latin1_answer": ("failed", "received the wrong bytes while the server sent 'Hii' to Zoë",
                      '"utf-8"'),
    "reset_escapes": ("error", "the server's connection broke", "ConnectionResetError"),
    "reset_not_closed": ("failed", "without closing its socket after the server's connection "
                         "broke", "client.close()"),
}


# --- Right, written differently ------------------------------------------------------------


def buffered_file(client, nickname, show):
    """Iterates over the lines of client.makefile("rb")."""
    reader = client.makefile("rb")
    try:
        for raw in reader:
            if not raw.endswith(b"\n"):
                break  # the connection ended in the middle of a line
            text = raw[:-1].decode("utf-8")
            if text == "Hii":
                client.sendall(f"{nickname}\n".encode())
            else:
                show(text)
    except OSError:
        pass
    finally:
        reader.close()
        client.close()


def text_file(client, nickname, show):
    """readline() on a text-mode file that decodes UTF-8 across pieces itself."""
    reader = client.makefile("r", encoding="utf-8", newline="\n")
    while True:
        try:
            line = reader.readline()
        except OSError:
            line = ""
        if not line.endswith("\n"):
            break
        line = line.removesuffix("\n")
        if line == "Hii":
            client.send((nickname + "\n").encode("utf-8"))
        else:
            show(line)
    reader.close()
    client.close()


def partition_loop(client, nickname, show):
    pending = b""
    while True:
        try:
            chunk = client.recv(4096)
        except ConnectionError:
            break
        if chunk == b"":
            break
        pending += chunk
        while True:
            line, newline, rest = pending.partition(b"\n")
            if not newline:
                break
            pending = rest
            if line == b"Hii":
                client.sendall(nickname.encode("utf-8") + b"\n")
            else:
                show(line.decode("utf-8"))
    client.close()


def incremental_decoder(client, nickname, show):
    """Decodes as bytes arrive, with a decoder that keeps a cut character for later."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    text = ""
    with client:
        while True:
            try:
                data = client.recv(1024)
            except OSError:
                return
            if not data:
                return
            text += decoder.decode(data)
            *lines, text = text.split("\n")
            for line in lines:
                if line == "Hii":
                    client.sendall(f"{nickname}\n".encode("utf-8"))
                else:
                    show(line)


def bytearray_find(client, nickname, show):
    buffer = bytearray()
    connected = True
    while connected:
        try:
            data = client.recv(1024)
        except OSError:
            data = b""
        connected = bool(data)
        buffer.extend(data)
        end = buffer.find(b"\n")
        while end != -1:
            text = buffer[:end].decode("utf-8")
            del buffer[:end + 1]
            if text == "Hii":
                answer = (nickname + "\n").encode("utf-8")
                sent = 0
                while sent < len(answer):
                    sent += client.send(answer[sent:])
            else:
                show(text)
            end = buffer.find(b"\n")
    client.close()


RIGHT = ["buffered_file", "text_file", "partition_loop", "incremental_decoder", "bytearray_find"]
