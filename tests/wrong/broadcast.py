"""Wrong broadcast(clients, message) answers (exercise 02)."""


def skips_first(clients, message):
    for client in clients[1:]:
        client.sendall((message + "\n").encode("utf-8"))


def stops_one_early(clients, message):
    for index in range(len(clients) - 1):
        clients[index].sendall((message + "\n").encode("utf-8"))


def sends_str(clients, message):
    for client in clients:
        client.sendall(message + "\n")


def no_line_ending(clients, message):
    for client in clients:
        client.sendall(message.encode("utf-8"))


def ascii_only(clients, message):
    """The tutorial's encoding: fails on the first accent."""
    for client in clients:
        client.sendall((message + "\n").encode("ascii"))


def twice(clients, message):
    for client in clients:
        for other in clients:
            client.sendall((message + "\n").encode("utf-8"))


def returns_after_first(clients, message):
    for client in clients:
        client.sendall((message + "\n").encode("utf-8"))
        return


everyone = []


def global_list(clients, message):
    """Ignores its argument and sends to a list of its own (here: filled on first use)."""
    if not everyone:
        everyone.extend(clients)
    for client in everyone:
        client.sendall((message + "\n").encode("utf-8"))


def empties_the_list(clients, message):
    while clients:
        clients.pop().sendall((message + "\n").encode("utf-8"))


CAUGHT = {
    "skips_first": ("failed", "Client 1 of 3 received nothing", "clients[1:]"),
    "stops_one_early": ("failed", "Client 3 of 3 received nothing", "range(len(clients) - 1)"),
    "sends_str": ("error", "raised an exception", "encode"),
    "no_line_ending": ("failed", "received the wrong bytes", "line ending"),
    "ascii_only": ("error", "raised an exception", '"utf-8"'),
    "twice": ("failed", "received the wrong bytes", "once"),
    "returns_after_first": ("failed", "Client 2 of 3 received nothing", "every client"),
    "global_list": ("failed", "not in the list you were given", "`clients` argument"),
    "empties_the_list": ("failed", "changed the list", "leave the list"),
}


def right_index_loop(clients, message):
    """A while loop over positions instead of a for loop over the clients."""
    index = 0
    while index < len(clients):
        clients[index].sendall(bytes(message + "\n", "utf-8"))
        index += 1


RIGHT = ["right_index_loop"]


def uses_send(clients, message):
    """send() instead of sendall(): fine until the system takes only part of the bytes."""
    for client in clients:
        client.send((message + "\n").encode("utf-8"))


def strips(clients, message):
    """Tidies the message up: the spaces at its edges are lost."""
    for client in clients:
        client.sendall((message.strip() + "\n").encode("utf-8"))


CAUGHT.update({
    "uses_send": ("failed", "received the wrong bytes", "sendall() keeps sending"),
    "strips": ("failed", "received the wrong bytes", "exactly as it is given"),
})


def right_send_loop(clients, message):
    """Right, written differently: a loop around send() that sends what is left."""
    data = f"{message}\n".encode()
    for client in clients:
        sent = 0
        while sent < len(data):
            sent += client.send(data[sent:])


RIGHT.append("right_send_loop")


def latin1(clients, message):
    """Latin-1 has "é" but no "☕"."""
    for client in clients:
        client.sendall((message + "\n").encode("latin-1"))


def utf16(clients, message):
    for client in clients:
        client.sendall((message + "\n").encode("utf-16"))


def windows_line_ending(clients, message):
    for client in clients:
        client.sendall((message + "\r\n").encode("utf-8"))


def newline_before(clients, message):
    for client in clients:
        client.sendall(("\n" + message).encode("utf-8"))


def joins_with_a_space(clients, message):
    for client in clients:
        client.sendall(" ".join(message.split()).encode("utf-8") + b"\n")


CAUGHT.update({
    "latin1": ("error", "raised an exception", '"utf-8"'),
    "utf16": ("failed", "received the wrong bytes", "utf-8"),
    "windows_line_ending": ("failed", "received the wrong bytes", '"\\n"'),
    "newline_before": ("failed", "received the wrong bytes", '"\\n"'),
    "joins_with_a_space": ("failed", "received the wrong bytes", "exactly as it is given"),
})


def right_list_comprehension(clients, message):
    """Right, written differently: the bytes made once, sent in a comprehension."""
    data = bytes(f"{message}\n", encoding="utf-8")
    [client.sendall(data) for client in clients]


def right_map(clients, message):
    data = message.encode() + b"\n"
    for _ in map(lambda client: client.sendall(data), list(clients)):
        pass


def right_each_encoded(clients, message):
    for client in clients:
        line = message + "\n"
        client.sendall(line.encode(encoding="utf-8"))


RIGHT += ["right_list_comprehension", "right_map", "right_each_encoded"]
