"""What the chat rules ask the network layer to do.

The rules never touch a socket. Each call returns an ``Outbox``: the lines to
send, in order, and the connections to close once their lines are sent. A
threaded server and an event-loop server can carry out the same ``Outbox``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field


@dataclass
class Outbox:
    sends: list[tuple[Hashable, str]] = field(default_factory=list)
    closes: list[Hashable] = field(default_factory=list)
    log: list[str] = field(default_factory=list)  # what an operator may want to see

    def send(self, to: Hashable, line: str) -> None:
        self.sends.append((to, line))

    def send_all(self, recipients: Iterable[Hashable], line: str) -> None:
        for to in recipients:
            self.sends.append((to, line))

    def close(self, who: Hashable) -> None:
        if who not in self.closes:
            self.closes.append(who)

    def extend(self, other: "Outbox") -> None:
        self.sends.extend(other.sends)
        for who in other.closes:
            self.close(who)
        self.log.extend(other.log)

    def lines_for(self, who: Hashable) -> list[str]:
        """The lines addressed to one connection (handy in tests and lessons)."""
        return [line for to, line in self.sends if to == who]
