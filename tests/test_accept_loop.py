"""The checks of exercises 04 and 05 stop the student's accept loop on every system.

On macOS and the BSDs, shutdown() of a listening socket fails with ENOTCONN
and a thread blocked in accept() sleeps on (close() does not wake it either,
nor does it on Linux). The checks must not rely on either: this simulates
that behaviour on Linux and runs the solutions.
"""

from __future__ import annotations

import time

import pytest

from chatlesson.checks import core
from exercise_notebooks import SOLUTIONS, namespace, read, run_check


@pytest.fixture
def bsd_listeners(bsd_listeners, monkeypatch):
    """conftest's macOS listeners, and checker steps short enough for a hang to show quickly."""
    monkeypatch.setattr(core, "STEP_TIMEOUT", 1.0)


@pytest.mark.parametrize("checker, lesson", [("check_receive", "04_receive"),
                                             ("check_handshake", "05_handshake")])
def test_the_accept_loop_stops_without_shutdown_waking_accept(bsd_listeners, checker, lesson):
    started = time.monotonic()
    result = run_check(checker, namespace(read(SOLUTIONS, lesson)))
    assert result.passed, result.text
    assert "receive stops when the server socket is shut down" in result.text
    assert time.monotonic() - started < 1.0

