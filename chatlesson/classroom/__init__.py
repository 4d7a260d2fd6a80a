"""The classroom: one chat for a whole class, run from the instructor's notebook.

* ``classroom.py``: ``Classroom``, the server, the instructor's in-process admin seat,
  moderation and announcements without typing commands;
* ``server.py``: the event-loop server with TLS and a message counter, and the seat;
* ``joincard.py``: what students type to join, and who can reach the server;
* ``board.py``: ``ProgressBoard``, students' own servers checked by ``chatlesson-check``;
* ``dashboard.py`` (+ ``dashboard.js``): the instructor's dashboard widget;
* ``tls.py``: TLS contexts, certificate fingerprints, a self-signed certificate for a class.
"""

from .board import ProgressBoard
from .classroom import Classroom, ClassroomError
from .joincard import JoinCard, local_addresses, reach_warning

__all__ = ["Classroom", "ClassroomError", "Dashboard", "JoinCard", "ProgressBoard",
           "local_addresses", "reach_warning"]


def __getattr__(name: str) -> object:
    """``Dashboard`` is imported on first use: it needs anywidget, the rest does not."""
    if name == "Dashboard":
        from .dashboard import Dashboard
        return Dashboard
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
