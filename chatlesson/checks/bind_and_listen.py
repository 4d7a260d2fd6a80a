"""Lesson 01: a listening socket on 127.0.0.1, on a port the system picks.

The check calls ``make_server_socket()`` twice. A fixed port shows up then,
whatever else holds it: the second call fails, or both calls share a port.
The checker's test connection is closed with a reset from its own end, so
no ``TIME_WAIT`` entry is left on the student's port: running the check
again gives the same verdict, even for an answer that binds a fixed port
without ``SO_REUSEADDR``.
"""

from __future__ import annotations

import errno
import socket

from .core import Checker, StudentCall, checker, last_line, need_function
from .sockets import HOST, shut

LABEL = "make_server_socket()"

PORT_ZERO_HINT = ("Bind to port 0: the system then picks a free port each time, and "
                  "getsockname() tells you which. A fixed port serves one listening socket at "
                  "a time (a classmate's kernel, another notebook, an earlier run...).")

#: Errors that mean "address already in use", on POSIX and on Windows.
IN_USE = {errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", 10048)}


def _in_use(error: BaseException | None) -> bool:
    return isinstance(error, OSError) and (error.errno in IN_USE
                                           or getattr(error, "winerror", None) in IN_USE)


def _crash_hint(error: BaseException) -> str | None:
    """The mistakes of this exercise that show up as an exception, by what Python said."""
    message = str(error)
    line = last_line(error)
    if isinstance(error, TypeError) and "bind" in line and ("argument" in message
                                                           or "tuple" in message):
        return ('bind() takes one argument, a tuple (host, port): '
                'server.bind(("127.0.0.1", 0)), with two pairs of brackets.')
    if isinstance(error, (TypeError, OverflowError)) and "bind" in line:
        return 'The address is a tuple of a host (a str such as "127.0.0.1") and a port (an int).'
    if isinstance(error, OSError) and error.errno == errno.EINVAL and "bind" in line:
        return ("Call bind() before listen(). listen() on a socket that is not bound yet binds "
                "it itself, to every interface and a random port, and then bind() fails.")
    if isinstance(error, TypeError) and "positional argument" in message:
        return "The check calls make_server_socket() with no arguments, as the exercise shows."
    return None


def _run(c: Checker, make_server_socket, step: str):
    """Call the student's function once; an 'address in use' gets a verdict of its own."""
    call: StudentCall = c.start(make_server_socket, label=LABEL)
    if not call.wait(c.timeout):
        c.fail(f"Timed out: {LABEL} did not return while {step}.", status="timeout",
               hint="Only create, bind and listen here. accept() waits for a client, "
                    "so it belongs in the accept loop of a later lesson.")
    if _in_use(call.error):
        c.fail(f"{LABEL} could not bind while {step}: the port is already in use.",
               arrived=f"{type(call.error).__name__}: {call.error}", hint=PORT_ZERO_HINT)
    if call.error is not None:
        c.crashed(call, step, hint=_crash_hint(call.error))
    server = call.returned
    for value in server if isinstance(server, (tuple, list)) else [server]:
        if isinstance(value, socket.socket):
            c.keep(value)
    return server


def _returned(value) -> str:
    """What the function returned, without ports or file descriptors."""
    if value is None:
        return "None"
    if isinstance(value, (tuple, list)):
        kinds = ", ".join("a socket" if isinstance(item, socket.socket) else type(item).__name__
                          for item in value)
        return f"a {type(value).__name__} of {len(value)} values ({kinds})"
    return f"a value of type {type(value).__name__}"


@checker("make_server_socket()")
def check_bind_and_listen(c: Checker, make_server_socket) -> None:
    need_function(c, make_server_socket, "make_server_socket")
    server = _run(c, make_server_socket, "creating the server socket")
    if isinstance(server, (tuple, list)) and any(isinstance(v, socket.socket) for v in server):
        c.fail("make_server_socket() should return the listening socket alone.",
               expected="a socket", arrived=_returned(server),
               hint="Return only the socket; whoever needs the port asks it: "
                    "server.getsockname().")
    if not isinstance(server, socket.socket):
        c.fail("make_server_socket() should return the listening socket.",
               expected="a socket", arrived=_returned(server),
               hint="End the function with `return server` (or whatever you named the socket).")
    if server.fileno() == -1:
        c.fail("make_server_socket() returned a socket that is already closed.",
               expected="an open, listening socket", arrived="a closed socket",
               hint="A `with socket.socket(...) as server:` block closes the socket when the "
                    "block ends, and so does server.close(). The socket must stay open after "
                    "the function returns: create it without `with`; whoever uses it closes it.")
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

    _check_listening(c, server)
    c.ok("it is listening: a test client could connect")

    second = _run(c, make_server_socket, "creating a second server socket")
    if second is server:
        c.fail("Both calls returned the same socket.",
               expected="a new socket each time", arrived="the same socket twice",
               hint="Create the socket inside the function, so each call makes a new one.")
    if (isinstance(second, socket.socket) and second.fileno() != -1
            and second.getsockname()[1] == port):
        c.fail("Both calls gave the same port.",
               expected="a different free port each time", arrived="the same port twice",
               hint=PORT_ZERO_HINT)
    c.ok("it binds to port 0, so the system picks a free port each time")


def _listening(server: socket.socket) -> bool:
    option = getattr(socket, "SO_ACCEPTCONN", None)
    if option is None:
        return True  # the connection below tells
    try:
        return bool(server.getsockopt(socket.SOL_SOCKET, option))
    except OSError:
        return True


def _check_listening(c: Checker, server: socket.socket) -> None:
    """A test client connects; accept() on the student's socket must see it."""
    if not _listening(server):
        c.fail("The socket is bound but not listening.", expected="a listening socket",
               arrived="a socket that refuses connections",
               hint="Call server.listen() after bind(), so clients can connect.")
    try:
        peer = c.connect(server.getsockname(), "a test client")
    except OSError:
        c.fail("The socket is bound but not listening.", expected="a listening socket",
               arrived="a socket that refuses connections",
               hint="Call server.listen() after bind(), so clients can connect.")
    timeout = server.gettimeout()
    server.settimeout(c.timeout)
    try:
        accepted, _ = server.accept()
    except OSError:
        c.fail("A test client connected, but accept() on your socket did not see it.",
               hint="Return the same socket you called listen() on.")
    finally:
        server.settimeout(timeout)
    # The client end resets the connection: no TIME_WAIT is left on the student's port, so a
    # fixed port is free again at once and the next run of the check says the same.
    peer.reset()
    shut(accepted)
