"""chatlesson: build a multi-user TCP chat in Python, one notebook at a time.

The package holds the finished, robust version of what the lessons build:

* ``ChatServer``: the threaded server (``chatlesson-server`` on the command line);
* ``ChatClient``: a client to drive from code (``chatlesson-client`` in a terminal);
* ``ChatRules``: the rules of the chat, with no sockets, shared by every server;
* ``ChatPanel``: a chat window for JupyterLab.

Each name is imported on first use, so ``python -m chatlesson.client`` (or ``.server``) runs
its module once, without the package having imported it already.
"""

from __future__ import annotations

import importlib

_WHERE = {"ChatClient": "client", "NicknameRejected": "client", "Message": "core.protocol",
          "parse_line": "core.protocol", "ChatRules": "core.rules", "ChatServer": "server",
          "ChatPanel": "ui.panel"}

__all__ = sorted(_WHERE)
__version__ = "0.1.0"


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module 'chatlesson' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_WHERE))
