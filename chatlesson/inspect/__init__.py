"""See the bytes: a relay between a client and a server that shows every chunk as it crosses.

* ``Relay``: the relay itself, no display (``relay.py``);
* ``Chunk``: one ``recv()`` of the relay, with its line ends and cut characters (``chunks.py``);
* ``format_chunk``: a chunk as text for a terminal or ``print`` (``text.py``);
* ``WireInspector``: the same in a JupyterLab widget (``widget.py``);
* ``chatlesson-inspect`` / ``python -m chatlesson.inspect``: the command (``cli.py``).

``WireInspector`` is imported on first use, so the command needs no widget library.
"""

from __future__ import annotations

import importlib

from .chunks import TO_CLIENT, TO_SERVER, Chunk
from .relay import Event, Relay
from .text import format_chunk, format_event

__all__ = ["TO_CLIENT", "TO_SERVER", "Chunk", "Event", "Relay", "WireInspector",
           "format_chunk", "format_event"]


def __getattr__(name):
    if name == "WireInspector":
        return importlib.import_module(".widget", __name__).WireInspector
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
