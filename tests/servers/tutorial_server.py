# ruff: noqa  (a copy kept as its source wrote it)
"""The tutorial's chat server, written exactly as the tutorial in shared/seed describes it.

Kept with its flaws on purpose, for tests of ``chatlesson-check``: messages have no line
endings, text is encoded as ASCII, each ``recv(1024)`` is taken as one message, the handshake
(``Hii``, then the nickname) runs inside the accept loop, and ``handle`` goes round again when
``recv`` returns ``b''``, so a client that leaves makes its thread spin and is never announced.
The only change: the port can be given as the first argument (the tutorial's is 11826), and
the port actually used is printed, so a test can start it on port 0.

Run it in a subprocess and kill it: it has no way to stop.
"""

import socket
import sys
import threading

host = "127.0.0.1"
port = int(sys.argv[1]) if len(sys.argv) > 1 else 11826

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind((host, port))
server.listen()
print(f"listening on {host}:{server.getsockname()[1]}", flush=True)

clients = []
nicknames = []


def broadcast(text):
    for client in clients:
        client.send(text)


def handle(client):
    while True:
        try:
            text = client.recv(1024)
            broadcast(text)
        except:  # noqa: E722  (the tutorial's bare except)
            index = clients.index(client)
            clients.remove(client)
            client.close()
            nickname = nicknames[index]
            broadcast("{} left the chat!".format(nickname).encode("ascii"))
            nicknames.remove(nickname)
            break


def receive():
    while True:
        client, address = server.accept()
        print("Connected with {}".format(str(address)), flush=True)

        client.send("Hii".encode("ascii"))
        nickname = client.recv(1024).decode("ascii")
        nicknames.append(nickname)
        clients.append(client)

        print("Nickname is {}".format(nickname), flush=True)
        broadcast("{} joined the chat!".format(nickname).encode("ascii"))
        client.send("Connected to server!".encode("ascii"))

        thread = threading.Thread(target=handle, args=(client,))
        thread.start()


receive()
