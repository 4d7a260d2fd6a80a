"""The instructor's dashboard: who is online, the rate, moderation buttons, the board.

An anywidget, like the chat panel: this is the Python half, ``dashboard.js`` draws it. The
state is a handful of small synchronised traits, set by ``refresh()``: on demand (the
Refresh button), after each action, and every ``interval`` seconds by one thread
(``chatlesson-dashboard``) that ``close()`` ends. Buttons send messages
(``{"type": "kick", "nick": ...}``) that ``handle_browser_message`` carries out through the
``Classroom``, with the instructor's rights, exactly as the methods do from code: Mute, Kick
and Ban per student, the announcement box (pinned), slow mode, Save transcript (a new file in
``transcripts``, the notebook's folder by default).

The browser is not trusted: a message that is not one of the known kinds, or names no one
online, changes nothing but the notice line.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import anywidget
import traitlets

from ..conformance import LEVELS
from .classroom import Classroom, ClassroomError

_HERE = Path(__file__).parent

#: Lines of the instructor's room the dashboard shows.
LOG_LINES = 40

ACTIONS = ("kick", "mute", "unmute", "ban")


class Dashboard(anywidget.AnyWidget):
    """``Dashboard(classroom)``: the class at a glance, and its moderation without commands."""

    _esm = _HERE / "dashboard.js"
    _css = _HERE / "dashboard.css"

    _where = traitlets.Unicode("").tag(sync=True)
    _online = traitlets.List(traitlets.Dict()).tag(sync=True)
    _rate = traitlets.Int(0).tag(sync=True)
    _grid = traitlets.List(traitlets.Dict()).tag(sync=True)
    _levels = traitlets.List(traitlets.Unicode(), list(LEVELS)).tag(sync=True)
    _log = traitlets.List(traitlets.Unicode()).tag(sync=True)
    _notice = traitlets.Unicode("").tag(sync=True)
    _slow = traitlets.Float(0.0).tag(sync=True)  # slow mode's seconds, 0 when off

    def __init__(self, classroom: Classroom, *, interval: float | None = 2.0,
                 transcripts: str | Path = ".") -> None:
        super().__init__(_levels=list(classroom.board.levels))
        self.transcripts = Path(transcripts)  # where Save transcript writes
        self.add_class("chatlesson-dashboard-widget")
        self.classroom = classroom
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        self.on_msg(lambda _widget, content, _buffers: self.handle_browser_message(content))
        self.refresh()
        if interval:
            self._thread = threading.Thread(target=self._every, args=(interval,), daemon=True,
                                            name="chatlesson-dashboard")
            self._thread.start()

    def __repr__(self) -> str:
        return f"<Dashboard of {self.classroom!r}>"

    # --- For code and tests ----------------------------------------------------------

    @property
    def online(self) -> list[dict]:
        return list(self._online)

    @property
    def grid(self) -> list[dict]:
        return list(self._grid)

    @property
    def notice(self) -> str:
        return self._notice

    def refresh(self) -> None:
        """Read the classroom again and show it (safe from any thread)."""
        room = self.classroom
        with self._lock:
            if not room.running:
                self._notice = "the classroom's server is stopped"
                self._online = []
                return
            online, rate = room.online(), room.messages_per_minute()
            seen, grid, slow = room.seen(LOG_LINES), room.board.grid(), room.slow_seconds()
            with self.hold_sync():
                self._where = "{}:{}".format(*room.address)
                self._online, self._rate, self._grid, self._log = online, rate, grid, seen
                self._slow = slow

    def handle_browser_message(self, content: object) -> None:
        """Do what a button asked; the outcome goes to the notice line."""
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        try:
            if kind == "refresh":
                self._notice = ""
            elif kind in ACTIONS and isinstance(content.get("nick"), str):
                nick = content["nick"]
                getattr(self.classroom, kind)(nick)
                self._notice = f"{nick}: {kind} done"
            elif kind == "announce" and isinstance(content.get("text"), str):
                count = self.classroom.announce(content["text"])
                self._notice = f"pinned for {count} students and every newcomer"
            elif kind == "slow" and isinstance(content.get("seconds"), int | float) \
                    and not isinstance(content["seconds"], bool):
                self.classroom.slow(content["seconds"])
                self._notice = "slow mode " + (f"on: one line per {content['seconds']:g} s"
                                               if content["seconds"] else "off")
            elif kind == "transcript":
                path = self.save_transcript()
                self._notice = f"transcript saved to {path}"
            else:
                return
        except (ClassroomError, ValueError, OSError) as exc:
            self._notice = str(exc)
        except RuntimeError as exc:  # the server stopped meanwhile
            self._notice = f"could not do that: {exc}"
        self.refresh()

    def save_transcript(self) -> Path:
        """Save the transcript to a new file in ``transcripts``, named by the time."""
        self.transcripts.mkdir(parents=True, exist_ok=True)
        name = time.strftime("transcript-%Y%m%d-%H%M%S.txt")
        return self.classroom.save_transcript(self.transcripts / name)

    # --- The refreshing thread ----------------------------------------------------------

    def _every(self, interval: float) -> None:
        while not self._closing.wait(interval):
            try:
                self.refresh()
            except Exception:  # a stopped server mid-refresh: try again next time
                pass

    def close(self) -> None:
        """Stop refreshing and remove the widget."""
        self._closing.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        super().close()
