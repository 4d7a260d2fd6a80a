"""The servers: they move bytes between sockets and the rules in ``chatlesson.core``.

* ``threaded.py``: ``ChatServer``, the lessons' design (a thread per client) made robust;
* ``connection.py``: one client's socket with its own writer thread, for ``ChatServer``;
* ``listening.py``: a listening socket with the right options on every system;
* ``cli.py``: the ``chatlesson-server`` command (``python -m chatlesson.server``).
"""

from .cli import main
from .threaded import ChatServer

__all__ = ["ChatServer", "main"]
