"""What was said: the last lines of each room, and the class's transcript.

Two bounded memories, both fed by ``ChatRules``:

* each room's last ``room_lines`` chat lines and actions, shown to someone who
  joins late, each marked ``*** earlier: `` so no client mistakes them for
  live chat (0 turns it off);
* a transcript of the whole chat (chat, actions, joins, leaves, moderation,
  pins; never private messages), at most ``transcript_lines`` lines, oldest
  dropped first, with the wall-clock time of each line. ``text()`` returns it
  as text: saving it to a file is the caller's business (the core does no I/O).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from datetime import datetime

from . import protocol as p

#: The mark on each line of a room's history, as a newcomer sees it.
HISTORY_MARK = "earlier: "


def history_line(line: str) -> str:
    """``bob: hi`` as a late joiner sees it: ``*** earlier: bob: hi``."""
    return p.notice(HISTORY_MARK + line)


class History:
    """Rooms' recent lines and the transcript."""

    def __init__(self, room_lines: int = 0, transcript_lines: int = 10_000,
                 wall_clock: Callable[[], float] = time.time) -> None:
        self.room_lines = room_lines
        self.wall_clock = wall_clock
        self._rooms: dict[str, deque[str]] = {}
        self._transcript: deque[tuple[float, str, str]] = deque(maxlen=transcript_lines)

    def said(self, room: str, line: str) -> None:
        """A chat line or action in ``room``: kept for late joiners and the transcript."""
        if self.room_lines > 0:
            recent = self._rooms.get(room)
            if recent is None or recent.maxlen != self.room_lines:
                recent = self._rooms[room] = deque(recent or (), maxlen=self.room_lines)
            recent.append(line)
        self.noted(room, line)

    def noted(self, room: str, line: str) -> None:
        """A line for the transcript only (a notice: joined, left, moderated...); room "": all."""
        self._transcript.append((self.wall_clock(), room, line))

    def recent(self, room: str) -> list[str]:
        """The room's last lines, oldest first, marked as history."""
        if self.room_lines <= 0:
            return []
        return [history_line(line) for line in list(self._rooms.get(room, ()))[-self.room_lines:]]

    def forget_room(self, room: str) -> None:
        self._rooms.pop(room, None)

    def text(self) -> str:
        """The transcript, one line each: ``12:03:05 #lobby bob: hi``, oldest first."""
        return "".join(f"{datetime.fromtimestamp(at):%H:%M:%S} {f'#{room}' if room else '(all)'} {line}\n"
                       for at, room, line in self._transcript)

    def __len__(self) -> int:
        return len(self._transcript)
