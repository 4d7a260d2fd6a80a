"""Servers that misbehave on purpose, for tests that ``chatlesson-check`` never hangs.

    python broken_server.py MODE [PORT] [SEED]

MODE is one of:

* ``spin``: greets with ``Hii``, then sends ``x`` for ever, with no line end;
* ``stall``: accepts every connection and then never sends nor reads a byte;
* ``random``: plays the chat for a while, then closes each connection at a random
  moment (right away, after ``Hii``, after the nickname, or after a few lines);
* ``blocking``: a correct chat for the tutorial level whose broadcast waits in
  ``sendall`` for every client in turn, with small socket buffers, so that one client
  that stops reading soon holds up everyone;
* ``deaf``: the same chat, whose accept loop stops after three clients (as if it had
  died of an exception) while the listening socket stays open.

The port actually used is printed first. Run it in a subprocess and kill it.
"""

import random
import socket
import sys
import threading

MODE = sys.argv[1]
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 0
chance = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
held = []  # stall: connections kept open, never served


def spin(client):
    client.sendall(b"Hii")
    chunk = b"x" * 4096
    while True:
        client.sendall(chunk)


def random_close(client, moves):
    """Serve like a chat that forgets the protocol after ``moves`` steps, then close."""
    buffer = b""
    if moves > 0:
        client.sendall(b"Hii\n")
    for step in range(1, moves):
        while b"\n" not in buffer:
            data = client.recv(1024)
            if not data:
                return
            buffer += data
        line, buffer = buffer.split(b"\n", 1)
        text = line.decode("utf-8", "replace")
        client.sendall(f"*** {text} joined\n".encode() if step == 1 else line + b"\n")


members = {}  # blocking: socket -> nickname
lock = threading.Lock()


def send_all(text):
    with lock:  # one order for everyone, and everyone waits for the slowest
        for member in list(members):
            member.sendall(f"{text}\n".encode())


def blocking(client):
    if MODE == "blocking":
        client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    client.sendall(b"Hii\n")
    reader = client.makefile("rb")
    nickname = reader.readline().decode().strip()
    with lock:
        members[client] = nickname
    send_all(f"*** {nickname} joined")
    try:
        for line in reader:
            send_all(f"{nickname}: {line.decode().strip()}")
    finally:
        with lock:
            members.pop(client, None)
        send_all(f"*** {nickname} left")


def serve(client):
    try:
        if MODE == "spin":
            spin(client)
        elif MODE == "random":
            random_close(client, chance.randrange(5))
        elif MODE in ("blocking", "deaf"):
            blocking(client)
    except OSError:
        pass
    finally:
        client.close()


listener = socket.create_server(("127.0.0.1", PORT))
print(f"listening on 127.0.0.1:{listener.getsockname()[1]}", flush=True)
for _ in range(3 if MODE == "deaf" else sys.maxsize):
    connection, _ = listener.accept()
    if MODE == "stall":
        held.append(connection)
    else:
        threading.Thread(target=serve, args=(connection,), daemon=True).start()
threading.Event().wait()  # deaf: connections now wait in the listen queue for ever
