# ruff: noqa  (a copy kept as its source wrote it)
"""Lesson 05's server as a script: the functions of notebooks/05_handshake.ipynb, unchanged.

``make_server_socket``, ``broadcast``, ``handle`` and ``receive`` are copied from the lesson
(the port is the first argument, 0 by default, and is printed so a test can find it);
``receive`` runs in the main thread until the process is killed. ``chatlesson-check`` must
pass its tutorial level. tests/test_conformance.py checks that this copy matches the notebook.
"""

import socket
import sys
import threading

HOST = "127.0.0.1"
PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 0


def make_server_socket():
    """A TCP socket on 127.0.0.1 and a free port, listening for clients."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if hasattr(socket, "SO_EXCLUSIVEADDRUSE"):   # Windows: no other socket may take our port
        server.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
    else:                                         # Linux, macOS: restart at once after TIME_WAIT
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((HOST, PORT))
    server.listen()
    return server


# --- from the lesson -------------------------------------------------------------
# Changed from lesson 02: a client whose connection broke is skipped, so one vanished client
# cannot end the accept loop or another client's handle thread; its own handle removes it.
def broadcast(clients, message):
    """Send one line of text to every client in the list; skip one that has vanished."""
    data = (message + "\n").encode("utf-8")
    for client in list(clients):            # a copy: a handle thread may remove someone meanwhile
        try:
            client.sendall(data)
        except OSError:                     # BrokenPipeError, ConnectionResetError, ...
            pass                            # its handle thread sees it in recv() and removes it

def handle(client):
    """Serve one client: broadcast each line it sends, until it goes away."""
    buffer = b""
    while True:
        try:
            data = client.recv(1024)
        except OSError as error:            # the connection was reset
            reason = "broken: " + type(error).__name__
            break
        if not data:                        # b"": the client closed the connection
            reason = "closed"
            break
        buffer += data
        while b"\n" in buffer:              # take out every complete line
            line, buffer = buffer.split(b"\n", 1)
            nickname = nicknames[clients.index(client)]
            text = line.decode("utf-8", errors="replace").strip()
            broadcast(clients, f"{nickname}: {text}")
    # The client has gone: forget it, close its socket, tell the others.
    index = clients.index(client)           # remove by position: two people may share a name
    clients.pop(index)
    nickname = nicknames.pop(index)
    client.close()
    server_log.append(f"{nickname} left ({reason})")
    broadcast(clients, f"*** {nickname} left")

def receive(server):
    """Accept clients until `stopping` is set; ask each for its nickname, record, announce, serve it."""
    while True:
        try:
            client, client_address = server.accept()
        except OSError:                     # the listening socket is gone
            break
        if stopping.is_set():               # the knock from stop_server()
            client.close()
            break
        try:
            client.sendall("Hii\n".encode("utf-8"))           # "what is your nickname?"
            nickname = client.recv(1024).decode("utf-8", errors="replace").strip()
        except OSError:
            nickname = ""
        if not nickname:                    # it left without answering: forget it
            client.close()
            continue
        clients.append(client)
        nicknames.append(nickname)
        server_log.append(f"{nickname} joined from {client_address[0]}")
        thread = threading.Thread(target=handle, args=(client,), daemon=True,
                                  name=f"lesson-handle-{nickname}")
        handle_threads.append((thread, client))
        thread.start()
        broadcast(clients, f"*** {nickname} joined")      # everyone, the newcomer too
# --- end of the lesson's code -----------------------------------------------------


clients, nicknames, server_log, handle_threads = [], [], [], []
stopping = threading.Event()

if __name__ == "__main__":
    listener = make_server_socket()
    print(f"listening on {HOST}:{listener.getsockname()[1]}", flush=True)
    receive(listener)
