"""The servers: they move bytes between sockets and the rules in ``chatlesson.core``.

Two engines serve the same chat; neither takes a chat decision of its own.

* ``threaded.py``: ``ChatServer``, the lessons' design (a thread per client) made robust;
* ``connection.py``: one client's socket with its own writer thread, for ``ChatServer``;
* ``eventloop.py``: ``EventLoopServer``, every client from one asyncio (or uvloop) loop;
  ``eventloop_connection.py`` moves one client's bytes, ``eventloop_switchboard.py`` carries
  out the rules' decisions;
* ``turns.py``: a client's lines go to the rules in turns, so nobody holds up the others;
* ``keepalive.py``: TCP keepalive set per system, so a vanished peer is noticed in time;
* ``listening.py``: a listening socket with the right options on every system;
* ``reach.py``: who can connect, from the address a server is bound to;
* ``cli.py``: the ``chatlesson-server`` command (``python -m chatlesson.server``).
"""

from .cli import main
from .threaded import ChatServer

__all__ = ["ChatServer", "EventLoopServer", "main"]


def __getattr__(name: str) -> object:
    """``EventLoopServer`` is imported on first use: the threaded server needs no asyncio."""
    if name == "EventLoopServer":
        from .eventloop import EventLoopServer
        return EventLoopServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
