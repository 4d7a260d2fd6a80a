import pytest

from chatlesson import ChatServer


@pytest.fixture
def server():
    """A chat server on 127.0.0.1, a free port, stopped after the test."""
    with ChatServer(port=0) as running:
        yield running
