"""chatlesson: build a multi-user TCP chat in Python, one notebook at a time.

The package holds the finished, robust version of what the lessons build:

* ``ChatServer``: the threaded server (``chatlesson-server`` on the command line);
* ``ChatClient``: a client to drive from code (``chatlesson-client`` in a terminal);
* ``ChatRules``: the rules of the chat, with no sockets, shared by every server;
* ``ChatPanel``: a chat window for JupyterLab (imported on first use).
"""

from .client import ChatClient, NicknameRejected
from .protocol import Message, parse_line
from .rules import ChatRules
from .server import ChatServer

__all__ = ["ChatClient", "ChatPanel", "ChatRules", "ChatServer", "Message",
           "NicknameRejected", "parse_line"]
__version__ = "0.1.0"


def __getattr__(name):
    # The panel needs ipywidgets; import it only when someone asks for it.
    if name == "ChatPanel":
        from .panel import ChatPanel
        return ChatPanel
    raise AttributeError(f"module 'chatlesson' has no attribute {name!r}")
