"""The progress board: students submit their own server, the board checks it.

Safety first, because the board makes the instructor's machine open connections:

* it connects only to the address the student is connected *from* (the chat server knows
  it); a student picks the port, never the host, so nobody can aim the instructor's machine
  at a third computer;
* one check at a time per student (a second ``/submit`` while one runs is refused);
* bounded work: at most ``workers`` checks run at once, at most ``max_waiting`` wait, and
  each check is ``chatlesson-check``'s own bounded run (deadlines per step, a budget per run,
  at most 8 connections);
* only ports in ``ports`` (1024-65535 by default, no system services). On a JupyterHub every
  student connects from the hub's own address, so a student can still name any other port
  of the hub's machine: the checker only sends chat lines there and hangs up, within its
  budget, but a hub can narrow ``ports`` to the range students are told to use.

A student's row shows, per level, whether every check of that level passed.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field

from ..conformance import LEVELS, Report, run_checks

#: Checks that may run at once (each holds at most 8 connections).
WORKERS = 4
#: Submissions that may wait; more are refused with "try again".
MAX_WAITING = 64
#: Seconds one student's check may take at most (chatlesson-check's --budget).
BUDGET = 30.0
#: Seconds one step of a check may wait (chatlesson-check's --step-timeout).
STEP_TIMEOUT = 3.0


@dataclass
class Entry:
    """One student's latest submission and what the board found."""

    nick: str
    host: str
    port: int
    state: str = "waiting"   # waiting, checking, done, unreachable
    levels: dict[str, str] = field(default_factory=dict)  # level -> passed / failed / skipped
    seconds: float = 0.0
    report: Report | None = None

    @property
    def reached(self) -> str:
        """The highest level whose checks all passed, each level below it too ("" if none)."""
        best = ""
        for level in LEVELS:
            if self.levels.get(level) != "passed":
                break
            best = level
        return best


def summarise(report: Report) -> tuple[str, dict[str, str]]:
    """The entry's state and each level's status from a report."""
    levels: dict[str, str] = {}
    for level in report.levels:
        statuses = {r.status for r in report.results if r.level == level}
        if statuses == {"passed"}:
            levels[level] = "passed"
        elif statuses & {"failed", "error"}:
            levels[level] = "failed"
        else:
            levels[level] = "skipped"
    first = report.results[0] if report.results else None
    unreachable = (first is not None and not any(r.passed for r in report.results)
                   and "could not connect" in (first.problem or ""))
    if unreachable:  # nothing listens there: no level was really tried
        return "unreachable", {}
    return "done", levels


class ProgressBoard:
    """Checks students' servers in a few worker threads and keeps one row per student."""

    def __init__(self, *, workers: int = WORKERS, max_waiting: int = MAX_WAITING,
                 budget: float = BUDGET, step_timeout: float = STEP_TIMEOUT,
                 levels: tuple[str, ...] = LEVELS, ports: range = range(1024, 65536)) -> None:
        self.budget, self.step_timeout, self.levels = budget, step_timeout, levels
        self.ports = ports
        self.entries: dict[str, Entry] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._queue: queue.Queue[Entry | None] = queue.Queue(maxsize=max_waiting)
        self.workers = workers
        self._threads: list[threading.Thread] = []
        self._stopping = False

    # --- Submitting (called from the chat server's thread: never blocks) ------------

    def submit(self, nick: str, host: str, port: int) -> str:
        """Queue a check of ``host:port`` for ``nick``; the reply to show the student."""
        if not 0 < port < 65536:
            return f"{port} is not a port number (1 to 65535)"
        if port not in self.ports:
            return (f"the board checks ports {self.ports.start} to {self.ports.stop - 1} only; "
                    "start your server on one of those")
        with self._lock:
            if self._stopping:
                return "the board is closing; submit again in a minute"
            old = self.entries.get(nick)
            if old is not None and old.state in ("waiting", "checking"):
                return f"your server on port {old.port} is still being checked; wait for its result"
            entry = Entry(nick, host, port)
            try:
                self._queue.put_nowait(entry)
            except queue.Full:
                return "the board is busy checking other servers; submit again in a minute"
            self.entries[nick] = entry
            self._start()
            self._changed.notify_all()
        return f"the board will check your server at {host}:{port}"

    # --- Reading -----------------------------------------------------------------------

    def grid(self) -> list[dict]:
        """One row per student, by nickname: state, each level's status, level reached."""
        with self._lock:
            return [{"nick": e.nick, "address": f"{e.host}:{e.port}", "state": e.state,
                     **{level: e.levels.get(level, "") for level in self.levels},
                     "reached": e.reached, "seconds": round(e.seconds, 1)}
                    for e in sorted(self.entries.values(), key=lambda e: e.nick.lower())]

    def busy(self) -> bool:
        with self._lock:
            return any(e.state in ("waiting", "checking") for e in self.entries.values())

    def wait_idle(self, timeout: float) -> bool:
        """Block until no check is waiting or running; False if ``timeout`` passed first."""
        with self._changed:
            return self._changed.wait_for(
                lambda: not any(e.state in ("waiting", "checking") for e in self.entries.values()),
                timeout)

    def text(self) -> str:
        """The grid as a plain-text table (for a notebook or a log)."""
        rows = self.grid()
        head = ["student", "state", *self.levels, "reached"]
        body = [[r["nick"], r["state"], *(r[level] or "-" for level in self.levels),
                 r["reached"] or "-"] for r in rows]
        widths = [max(len(str(x)) for x in column) for column in zip(head, *body, strict=False)]
        return "\n".join("  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=False)).rstrip()
                         for row in [head, *body])

    # --- The workers ---------------------------------------------------------------------

    def _start(self) -> None:
        """Start the workers on the first submission (called with the lock held)."""
        if not self._threads:
            self._threads = [threading.Thread(target=self._work, daemon=True,
                                              name=f"chatlesson-board-{n}")
                             for n in range(self.workers)]
            for thread in self._threads:
                thread.start()

    def _work(self) -> None:
        while True:
            entry = self._queue.get()
            if entry is None:
                return
            with self._lock:
                entry.state = "checking"
                self._changed.notify_all()
            started = time.monotonic()
            try:
                report = run_checks(entry.host, entry.port, self.levels, budget=self.budget,
                                    step_timeout=self.step_timeout)
                state, levels = summarise(report)
            except Exception as exc:  # a checker bug costs this row only
                report, state, levels = None, f"error: {exc}", {}
            with self._lock:
                entry.report, entry.state, entry.levels = report, state, levels
                entry.seconds = time.monotonic() - started
                self._changed.notify_all()

    def stop(self) -> None:
        """Drop waiting checks, let running ones finish (each is bounded), join the workers.

        The grid stays; a later ``submit`` starts new workers.
        """
        with self._lock:
            self._stopping = True
            threads, self._threads = self._threads, []
        try:
            while True:
                try:
                    dropped = self._queue.get_nowait()
                except queue.Empty:
                    break
                if dropped is not None:
                    with self._lock:
                        dropped.state = "not checked"
            for _ in threads:
                self._queue.put(None)
            for thread in threads:
                thread.join()
        finally:
            with self._lock:
                self._stopping = False
                self._changed.notify_all()
