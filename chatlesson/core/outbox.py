"""What the chat rules ask the network layer to do.

The rules never touch a socket. Each call returns an ``Outbox``: the lines to
send, in order, and the connections to close once their lines are sent. A
threaded server and an event-loop server can carry out the same ``Outbox``.

``Outbox`` is generic over the connection type: a server whose connections
are ``Connection`` objects gets an ``Outbox[Connection]`` back from its
``ChatRules[Connection]``, and tests that name connections with strings get
an ``Outbox[str]``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

#: Whatever a server uses to tell its connections apart: any hashable value.
Conn = TypeVar("Conn", bound=Hashable)


@dataclass
class Outbox(Generic[Conn]):
    sends: list[tuple[Conn, str]] = field(default_factory=list)  # (to, line), in order
    closes: list[Conn] = field(default_factory=list)  # close each once its lines are sent
    log: list[str] = field(default_factory=list)  # what an operator may want to see

    def send(self, to: Conn, line: str) -> None:
        self.sends.append((to, line))

    def send_all(self, recipients: Iterable[Conn], line: str) -> None:
        self.sends.extend([(to, line) for to in recipients])

    def close(self, who: Conn) -> None:
        if who not in self.closes:
            self.closes.append(who)

    def extend(self, other: Outbox[Conn]) -> None:
        self.sends.extend(other.sends)
        for who in other.closes:
            self.close(who)
        self.log.extend(other.log)

    def lines_for(self, who: Conn) -> list[str]:
        """The lines addressed to one connection (handy in tests and lessons)."""
        return [line for to, line in self.sends if to == who]
