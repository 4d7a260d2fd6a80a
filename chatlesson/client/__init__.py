"""The client library: connect, join, send and receive, with no user interface.

The terminal and the notebook panel (``chatlesson.ui``) are built on it;
``python -m chatlesson.client`` starts the terminal one.
"""

from .chat_client import ChatClient, NicknameRejected

__all__ = ["ChatClient", "NicknameRejected"]
