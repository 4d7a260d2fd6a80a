"""``WireInspector``: the relay in a JupyterLab widget, with a live view of the last chunks.

::

    inspector = WireInspector(server.address)   # or WireInspector(server)
    client = socket.create_connection(inspector.address)
    inspector                                   # shows every chunk as it crosses
    ...
    inspector.stop()

Like the chat panel (``chatlesson/ui/panel.py``) it is an anywidget: this module is the Python
half, ``widget.js`` draws, ``widget.css`` styles. Each chunk goes to the browser once, as a
record (``record_of``), in batches when chunks come fast; the browser sets every piece of text
with ``textContent``, so bytes that look like markup or terminal escapes are only shown. Both
halves keep the last ``max_chunks`` records; the browser says how many older ones it dropped.

The relay's thread only adds records: it never prints, so nothing lands in a cell. For output
a notebook can compare from run to run, print ``format_chunk(chunk, times=False)`` for the
chunks ``next_chunks()`` returns.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from collections.abc import Callable
from pathlib import Path

import anywidget
import traitlets

from ..ui.panel_sender import LineSender
from .chunks import TO_SERVER, Chunk, pieces, summary
from .relay import Event, Relay
from .text import format_chunk, format_event

#: Chunks (and connection events) the view keeps; older ones are dropped.
MAX_CHUNKS = 200

#: Bytes of each chunk the view shows.
SHOW_BYTES = 128

_HERE = Path(__file__).parent


def record_of(number: int, item: Chunk | Event, show: int) -> dict:
    """What the browser gets for a chunk or an event: plain data, text already escaped."""
    if isinstance(item, Event):
        return {"n": number, "type": "event", "connection": item.connection, "text": item.text}
    rows, hidden = pieces(item, show)
    return {"n": number, "type": "chunk", "chunk": item.number, "connection": item.connection,
            "direction": "to-server" if item.direction == TO_SERVER else "to-client",
            "label": item.direction, "ms": round(item.time * 1000, 1),
            "summary": summary(item), "hidden": hidden,
            "rows": [{"text": row.text, "hex": row.hex, "end": row.line_end, "note": row.note}
                     for row in rows]}


class WireInspector(anywidget.AnyWidget):
    """A relay to ``server`` (a ``ChatServer`` or a (host, port) pair) shown as a live view.

    ``address`` is where clients connect instead of the server. ``next_chunks(n)`` waits for
    the next chunks to cross; ``stop()`` closes the relay and leaves the view, ``close()``
    removes it too.
    """

    _esm = _HERE / "widget.js"
    _css = _HERE / "widget.css"

    _status = traitlets.Unicode("stopped").tag(sync=True)
    _where = traitlets.Unicode("").tag(sync=True)
    _view_id = traitlets.Unicode("").tag(sync=True)
    _max_chunks = traitlets.Int(MAX_CHUNKS).tag(sync=True)

    def __init__(self, server, *, listen: tuple[str, int] = ("127.0.0.1", 0),
                 max_chunks: int = MAX_CHUNKS, show_bytes: int = SHOW_BYTES):
        target = getattr(server, "address", server)
        if not (isinstance(target, tuple) and len(target) == 2):
            raise TypeError("give a server with an .address, or a (host, port) pair")
        if max_chunks < 1:
            raise ValueError("max_chunks must be at least 1")
        super().__init__(_max_chunks=max_chunks, _view_id=uuid.uuid4().hex)
        self.add_class("chatlesson-wire")
        self.show_bytes = show_bytes
        self._lock = threading.RLock()
        self._records: deque[dict] = deque(maxlen=max_chunks)
        self._count = 0
        self._sender = LineSender(lambda batch: self.send({"type": "records", "records": batch}),
                                  self._lock)
        self.on_msg(lambda _widget, content, _buffers: self._browser_asks(content))
        self.relay = Relay(target, listen, on_chunk=self._add, on_event=self._add)
        self.relay.start()
        self._sender.start("chatlesson-inspect-view")
        (host, port), (to_host, to_port) = self.relay.address, self.relay.target
        self._where = f"{host}:{port} -> {to_host}:{to_port}"
        self._status = "running"

    # --- For code ------------------------------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        """Where a client connects to go through the inspector."""
        return self.relay.address

    @property
    def running(self) -> bool:
        return self.relay.running

    @property
    def chunks(self) -> list[Chunk]:
        return self.relay.chunks

    @property
    def records(self) -> list[dict]:
        """What the view shows, as the browser gets it."""
        with self._lock:
            return [dict(record) for record in self._records]

    def next_chunks(self, count: int = 1, timeout: float = 5.0) -> list[Chunk]:
        """The next ``count`` chunks, once they have crossed (see ``Relay.next_chunks``)."""
        return self.relay.next_chunks(count, timeout)

    def skip_chunks(self) -> None:
        self.relay.skip_chunks()

    def wait_until(self, predicate: Callable[[Relay], bool], timeout: float = 5.0,
                   what: str = "the condition") -> None:
        self.relay.wait_until(predicate, timeout, what)

    def text(self, times: bool = False) -> str:
        """The chunks and events kept, as ``format_chunk`` writes them."""
        items: list[Chunk | Event] = [*self.relay.chunks, *self.relay.events]
        items.sort(key=lambda item: (item.connection, item.time))
        return "\n".join(format_chunk(item, times=times, show=self.show_bytes)
                         if isinstance(item, Chunk) else format_event(item, times=times)
                         for item in items)

    def stop(self) -> None:
        """Stop relaying (every connection through it closes); the view stays on the page."""
        if "relay" not in self.__dict__:  # __init__ failed before starting anything
            return
        self.relay.stop()
        self._sender.stop()
        self._status = "stopped"

    def close(self) -> None:
        self.stop()
        super().close()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<WireInspector {self._where} {state}>"

    # --- From the relay's thread and the browser -------------------------------------

    def _add(self, item: Chunk | Event) -> None:
        with self._lock:
            self._count += 1
            record = record_of(self._count, item, self.show_bytes)
            self._records.append(record)
            self._sender.add(record)

    def _browser_asks(self, content) -> None:
        if isinstance(content, dict) and content.get("type") == "history":
            with self._lock:
                self._sender.flush()
                self.send({"type": "history", "records": list(self._records)})
