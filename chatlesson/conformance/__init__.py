"""A conformance suite for any chat server that speaks PROTOCOL.md.

``chatlesson-check HOST:PORT`` (or ``run_checks`` from Python, or
``check_server`` in a notebook) connects to a server as several clients and
checks, level by level, that it behaves as the protocol says: the tutorial's
chat (``tutorial``), a chat that survives real networks and real people
(``robust``), and the commands (``commands``). Each failed check shows what
was sent, what was expected, what arrived and a hint.

It never hangs and never harms: every step has a deadline, the whole run a
budget, connections are few and all closed, and its nicknames carry a random
tag so that they meet no real user's.
"""

from __future__ import annotations

from .notebook import check_server
from .registry import LEVELS
from .report import Report, Result
from .runner import run_checks

__all__ = ["LEVELS", "Report", "Result", "check_server", "run_checks"]
