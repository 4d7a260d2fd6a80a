"""Checkers for the exercises: run the student's code against real sockets.

Each checker takes the student's function(s), runs them on 127.0.0.1 with
sockets on free ports, prints a verdict (✔ for what works; for a problem:
what was sent, what was expected, what arrived, and a hint) and returns a
``Result`` (``result.passed``, ``result.status``, ``result.hint``).

One module per lesson; ``core`` holds what they share. A new lesson's
checker is a function decorated with ``core.checker`` (see ``broadcast``
for a short example), exported here.
"""

from .asyncio_server import check_asyncio_server
from .bind_and_listen import check_bind_and_listen
from .broadcast import check_broadcast
from .client import check_client
from .commands import check_me, check_msg, check_refusal
from .core import Result
from .event_loop import (
    check_event_loop,
    check_event_loop_drop,
    check_event_loop_read,
    check_event_loop_write,
)
from .handle import check_handle
from .handshake import check_ask_nickname, check_handshake
from .panel import check_follow_members, check_log_html, check_start_receiving
from .receive import check_receive

__all__ = ["Result", "check_ask_nickname", "check_asyncio_server", "check_bind_and_listen", "check_broadcast",
           "check_client", "check_event_loop", "check_event_loop_drop", "check_event_loop_read",
           "check_event_loop_write", "check_follow_members", "check_handle", "check_handshake",
           "check_log_html", "check_me", "check_msg", "check_receive", "check_refusal",
           "check_start_receiving"]
