"""chatlesson: build a multi-user TCP chat in Python, one notebook at a time.

The package holds the finished, robust version of what the lessons build:

* ``ChatServer``: the threaded server, the lessons' design (a thread per client);
* ``EventLoopServer``: the same chat from one event loop (``chatlesson-server``'s default);
* ``ChatClient``: a client to drive from code (``chatlesson-client`` in a terminal);
* ``ChatRules``: the rules of the chat, with no sockets, shared by every server, with its
  ``Limits`` and ``FloodLimit``;
* ``ChatPanel``: a chat window for JupyterLab.

Each name is imported on first use: ``import chatlesson`` costs nothing, and a program that
uses only the rules never imports ``socket`` or ``asyncio``.
"""

from __future__ import annotations

import importlib

_WHERE = {"ChatClient": "client", "NicknameRejected": "client", "Message": "core.protocol",
          "parse_line": "core.protocol", "ChatRules": "core.rules", "Limits": "core.limits",
          "FloodLimit": "core.flood", "ChatServer": "server", "EventLoopServer": "server",
          "ChatPanel": "ui.panel"}

__all__ = sorted(_WHERE)
__version__ = "0.1.0"


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module 'chatlesson' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_WHERE))
