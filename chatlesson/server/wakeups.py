"""Waking a thread that is blocked in ``recv()`` on a connected socket, on every system.

A thread-per-client server ends a connection from another thread: ``stop()``, a kick, a
client too slow to keep. The thread reading that client sits in ``recv()`` and must return.

* Linux and macOS wake it when the socket is **shut down**: ``recv()`` returns ``b""``.
  Closing it instead would not wake it on Linux, and the descriptor's number can go at once
  to the next client accepted, so a late ``recv()`` could read someone else's bytes.
* Windows does not wake it on ``shutdown()`` (python/cpython#91913); **closing** the socket
  does: the call fails with ``WSAEINTR``.

So the servers shut down everywhere and, on Windows, also close, at a moment when nothing
else needs the socket. ``tests/conftest.py`` has a fixture that gives Linux Windows' rules,
so the Windows path runs in every test run.
"""

from __future__ import annotations

import socket
import sys

#: True where only ``close()`` wakes a thread blocked in ``recv()`` (Windows).
CLOSE_WAKES_RECV = sys.platform == "win32"


def shut(sock: socket.socket, how: int) -> None:
    """``sock.shutdown(how)``, quietly: the peer or we may have closed it already."""
    try:
        sock.shutdown(how)
    except OSError:
        pass


def hang_up(sock: socket.socket) -> None:
    """End ``sock`` in both directions and wake a thread blocked in ``recv()`` on it.

    Call it only once nothing more needs to be sent: on Windows it closes the socket.
    """
    shut(sock, socket.SHUT_RDWR)
    if CLOSE_WAKES_RECV:
        sock.close()
