"""WireInspector: the relay as a notebook widget, checked from Python (the records it sends)."""

from __future__ import annotations

import socket
import threading

import pytest

from chatlesson.inspect import WireInspector
from chatlesson.inspect.chunks import TO_SERVER, make_chunk
from chatlesson.inspect.widget import record_of

DEADLINE = 10.0


@pytest.fixture
def inspector(server):
    made = WireInspector(server, max_chunks=5)
    sent: list[dict] = []
    made.send = sent.append  # what would go to the browser
    made.sent = sent
    yield made
    made.close()


def test_it_relays_to_the_server_and_keeps_a_record_of_each_chunk(inspector):
    client = socket.create_connection(inspector.address, timeout=DEADLINE)
    try:
        assert client.recv(4) == b"Hii\n"
        [chunk] = inspector.next_chunks(1, DEADLINE)
        assert chunk.data == b"Hii\n"
        chunks = [r for r in inspector.records if r["type"] == "chunk"]
        assert chunks[0]["rows"] == [{"text": '"Hii\\n"', "hex": "48 69 69 0a", "end": True,
                                      "note": ""}]
        assert chunks[0]["direction"] == "to-client"
    finally:
        client.close()


def test_the_view_keeps_only_the_last_chunks(inspector):
    client = socket.create_connection(inspector.address, timeout=DEADLINE)
    try:
        client.recv(4)
        client.sendall(b"ada\n")
        for n in range(10):
            client.sendall(b"/who\n")
            inspector.next_chunks(1 if n else 3, DEADLINE)  # Hii, ada, welcome; then each /who
        assert len(inspector.records) == 5
        assert inspector.records[-1]["n"] > 10
    finally:
        client.close()


def test_a_page_that_opens_gets_what_was_kept(inspector):
    client = socket.create_connection(inspector.address, timeout=DEADLINE)
    try:
        client.recv(4)
        inspector.next_chunks(1, DEADLINE)
        inspector._browser_asks({"type": "history"})
        history = [m for m in inspector.sent if m["type"] == "history"]
        assert history and history[-1]["records"] == inspector.records
        inspector._browser_asks("anything else")  # ignored
    finally:
        client.close()


def test_stop_ends_the_relay_and_the_view_thread_and_repr_says_so(inspector):
    assert repr(inspector).startswith("<WireInspector 127.0.0.1:")
    assert repr(inspector).endswith("running>")
    inspector.stop()
    assert repr(inspector).endswith("stopped>")
    names = [t.name for t in threading.enumerate()]
    assert "chatlesson-inspect" not in names and "chatlesson-inspect-view" not in names
    inspector.stop()


def test_a_cut_character_is_in_the_record_as_a_note():
    chunk, _ = make_chunk(1, 1, TO_SERVER, 0.0, "é".encode()[:1], 4096)
    [row] = record_of(1, chunk, 64)["rows"]
    assert row["text"] == '"\\xc3"' and "ends inside a UTF-8 character" in row["note"]


def test_it_needs_an_address():
    with pytest.raises(TypeError):
        WireInspector("localhost")
