"""Passing new log lines on to the browser, several to a message when they come fast.

Every widget message costs the same to deliver, whatever it holds: the kernel,
the Jupyter server and the browser each handle it in turn. Measured in
JupyterLab, 300 lines sent as 300 messages took about 0.3 s to appear, and
as one message no time at all. So the panel hands each new record to a
``LineSender``, whose own thread sends whatever has piled up since its last
message. A lone line still goes at once (the thread is waiting for it); in a
burst, the receiving thread adds lines faster than they can be sent, and
they travel together.

Every method runs with the panel's lock held, except ``stop()``; the thread
takes the same lock, so lines leave in the order they were added.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class LineSender:
    def __init__(self, send: Callable[[list[dict]], None], lock: threading.RLock):
        self._send = send
        self._lock = lock
        self._pending: list[dict] = []
        self._wake = threading.Event()
        self._done = False
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def add(self, record: dict) -> None:
        """Queue one record; without a running thread, send it now."""
        self._pending.append(record)
        if self._thread is None:
            self.flush()
        else:
            self._wake.set()

    def flush(self) -> None:
        """Send everything queued, as one message."""
        if self._pending:
            batch, self._pending = self._pending, []
            self._send(batch)

    def start(self, name: str) -> None:
        """Start the sending thread (once; a running one keeps running)."""
        if self._thread is None:
            self._done = False
            self._wake.clear()
            self._thread = threading.Thread(target=self._run, name=name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Send what is queued and end the thread; call it without the lock held."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._done = True
            self._wake.set()
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            with self._lock:
                self._wake.clear()
                try:
                    self.flush()
                except Exception:  # the widget is gone: nothing to show them in
                    pass
                if self._done:
                    return
