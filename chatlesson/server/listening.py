"""Listening sockets with the right address option on every system.

A server that restarts must be able to bind its port again while connections from its last
run still wait in ``TIME_WAIT``. On Linux and macOS that takes ``SO_REUSEADDR``. On Windows
``SO_REUSEADDR`` means something else and dangerous: another program that sets it too can bind
the same port and take connections meant for us. There the right option is
``SO_EXCLUSIVEADDRUSE``, and Windows binds again after ``TIME_WAIT`` without any option.
(``socket.create_server`` sets ``SO_REUSEADDR`` on POSIX and no option at all on Windows.)
"""

from __future__ import annotations

import socket
import sys

#: Windows' value of SO_EXCLUSIVEADDRUSE (``~SO_REUSEADDR`` there), for systems whose socket
#: module does not define it: only the tests that simulate Windows need it.
_WINDOWS_EXCLUSIVEADDRUSE = getattr(socket, "SO_EXCLUSIVEADDRUSE", -5)


def address_option(platform: str | None = None) -> int:
    """The SOL_SOCKET option a listener sets: SO_EXCLUSIVEADDRUSE on Windows, else SO_REUSEADDR."""
    if (platform or sys.platform) == "win32":
        return _WINDOWS_EXCLUSIVEADDRUSE
    return socket.SO_REUSEADDR


def prepare(sock: socket.socket, platform: str | None = None) -> socket.socket:
    """Set the address option on a socket that is about to listen."""
    sock.setsockopt(socket.SOL_SOCKET, address_option(platform), 1)
    return sock


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) and listening; closed again if that fails."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        prepare(sock)
        sock.bind((host, port))
        sock.listen()
    except OSError:
        sock.close()
        raise
    return sock
