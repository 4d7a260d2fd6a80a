"""Lesson 01: a listening socket on 127.0.0.1, on a port the system picks."""

from __future__ import annotations

import socket

from .core import Checker, checker, need_function, shown
from .sockets import HOST, shut

LABEL = "make_server_socket()"


def _make(c: Checker, make_server_socket, step: str) -> socket.socket:
    server = c.run(make_server_socket, label=LABEL, step=step,
                   hint="Only create, bind and listen here. accept() waits for a client, "
                        "so it belongs in the accept loop of a later lesson.")
    if isinstance(server, socket.socket):
        c.keep(server)
    return server


@checker("make_server_socket()")
def check_bind_and_listen(c: Checker, make_server_socket) -> None:
    need_function(c, make_server_socket, "make_server_socket")
    server = _make(c, make_server_socket, "creating the server socket")
    if not isinstance(server, socket.socket):
        c.fail("make_server_socket() should return the listening socket.",
               expected="a socket", arrived=shown(server),
               hint="End the function with `return server` (or whatever you named the socket).")
    c.ok("it returns a socket")

    if server.family != socket.AF_INET or server.type != socket.SOCK_STREAM:
        c.fail("The socket should be a TCP socket for IPv4.",
               expected="socket.socket(socket.AF_INET, socket.SOCK_STREAM)",
               arrived=f"socket.socket(socket.{server.family.name}, socket.{server.type.name})",
               hint="AF_INET means IPv4 addresses; SOCK_STREAM means TCP, a reliable byte stream.")
    c.ok("it is a TCP socket for IPv4 (AF_INET, SOCK_STREAM)")

    host, port = server.getsockname()[:2]
    if port == 0:
        c.fail("The socket is not bound to an address.", expected="bound to ('127.0.0.1', 0)",
               arrived="not bound", hint="Call server.bind((\"127.0.0.1\", 0)) before listen().")
    if host != HOST:
        where = "every network interface" if host == "0.0.0.0" else repr(host)
        c.fail("The socket should accept connections from this computer only.",
               expected="bound to host '127.0.0.1'", arrived=f"bound to {where}",
               hint="Bind to \"127.0.0.1\" (this computer) before listen(): "
                    "server.bind((\"127.0.0.1\", 0)). Without bind(), or with the host \"\" "
                    "or \"0.0.0.0\", anyone on the network can connect to your chat.")
    c.ok("it is bound to 127.0.0.1 (only this computer can connect)")

    if not server.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
        c.fail("The socket is bound but not listening.", expected="a listening socket",
               arrived="a socket that refuses connections",
               hint="Call server.listen() after bind(), so clients can connect.")
    peer = c.connect(server.getsockname(), "a test client")
    server.settimeout(c.timeout)
    try:
        accepted, _ = server.accept()
    except OSError:
        c.fail("A test client connected, but accept() on your socket did not see it.",
               hint="Return the same socket you called listen() on.")
    finally:
        server.settimeout(None)
    shut(accepted)
    shut(peer.sock)
    c.ok("it is listening: a test client could connect")

    call = c.start(make_server_socket, label=LABEL)
    if call.wait(c.timeout) and isinstance(call.error, OSError):
        c.fail("Calling make_server_socket() a second time failed.",
               arrived=f"{type(call.error).__name__}: {call.error}",
               hint="Bind to port 0: the system then picks a free port each time. A fixed "
                    "port is taken while another server (or an earlier run) still uses it.")
    second = c.finish(call, "creating a second server socket")
    if isinstance(second, socket.socket):
        c.keep(second)
        second_port = second.getsockname()[1]
        if second_port == port:
            c.fail("Both calls gave the same port.",
                   expected="a different free port each time", arrived="the same port twice",
                   hint="Bind to port 0 and read the real port with server.getsockname().")
    c.ok("it binds to port 0, so the system picks a free port each time")
