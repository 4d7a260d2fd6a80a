"""Lesson 09's checkers: their tools do what they claim, and their hard cases really happen.

tests/test_checks.py runs every wrong and right answer of tests/wrong/event_loop*.py; this file
proves the situations those answers are caught in are real (a reader that stops does fill its
socket, a loop that spins is counted, a check ends in bounded time) and that the tools the
checks rely on behave.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time

import pytest

import chatlesson.checks
from chatlesson.checks import core, event_loop
from chatlesson.checks.event_loop_sockets import LoopListener, LoopSocket, SelectLog, watch_selectors
from chatlesson.checks.sockets import HOST
from exercise_notebooks import CHECKS, EXERCISES, SOLUTIONS, namespace, read

LESSON = CHECKS["check_event_loop"][0]


@pytest.fixture
def solution():
    return namespace(read(SOLUTIONS, LESSON))


def _pair():
    """A LoopSocket (the server's end, from a LoopListener) and the client's plain socket."""
    listener = LoopListener(on_accept=lambda sock: None)
    listener.bind((HOST, 0))
    listener.listen()
    client = socket.create_connection(listener.getsockname(), timeout=5)
    server_end, _ = listener.accept()
    listener.close()
    return server_end, client


def test_a_loop_socket_can_act_full_broken_and_counts_sendall():
    server_end, client = _pair()
    with server_end, client:
        assert isinstance(server_end, LoopSocket) and server_end.getblocking()
        server_end.send_limit, server_end.room_for = 4, 1
        assert server_end.send(b"abcdefgh") == 4
        assert server_end.sent_total == 4
        with pytest.raises(BlockingIOError):
            server_end.send(b"efgh")
        server_end.room_for = None
        server_end.sendall(b"ijkl")
        assert server_end.sendall_calls == 1 and server_end.send_calls == 2
        server_end.broken = True
        with pytest.raises(ConnectionResetError):
            server_end.send(b"x")
        with pytest.raises(ConnectionResetError):
            server_end.sendall(b"x")
        assert client.recv(100) == b"abcdijkl"


def test_watch_selectors_counts_each_threads_calls_and_puts_the_original_back():
    original = selectors.DefaultSelector
    log = SelectLog()
    with watch_selectors(log):
        sel = selectors.DefaultSelector()
        a, b = socket.socketpair()
        sel.register(a, selectors.EVENT_READ)
        for _ in range(5):
            sel.select(timeout=0)
        b.send(b"x")
        assert sel.select(timeout=5)
        sel.close()
        a.close()
        b.close()
    assert selectors.DefaultSelector is original
    assert log.count(threading.current_thread()) == (6, 5)
    assert log.closed == {id(sel)}

    with pytest.raises(RuntimeError), watch_selectors(SelectLog()):
        raise RuntimeError("a check that fails inside")
    assert selectors.DefaultSelector is original


def test_the_slow_reader_really_fills_its_socket(monkeypatch, solution):
    """When the others have every line, the right loop still holds bytes for the slow reader.

    So its socket really was full, and the step tests what it says (on any system: the
    count is of bytes the loop handed to the kernel, whatever the buffers' sizes).
    """
    runs = []

    class Recording(event_loop.Serving):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            runs.append(self)

    monkeypatch.setattr(event_loop, "Serving", Recording)
    result = chatlesson.checks.check_event_loop(solution["serve"], solution["clients"])
    assert result.passed, result.text
    (run,) = runs
    assert run.held_back is not None and run.held_back > 0, run.held_back


def test_a_loop_that_waits_with_a_short_timeout_is_not_called_spinning(solution):
    """select(timeout=0.05) wakes 20 times a second: wasteful, but no busy loop."""
    (source,) = [cell.source for cell in read(SOLUTIONS, LESSON).cells
                 if cell.cell_type == "code" and "def serve(" in cell.source]
    assert "sel.select()" in source
    exec(compile(source.replace("sel.select()", "sel.select(timeout=0.05)"), "<answer>", "exec"),
         solution)
    result = chatlesson.checks.check_event_loop(solution["serve"], solution["clients"])
    assert result.passed, result.text


def test_a_loop_that_blocks_gets_a_verdict_in_bounded_time_and_its_thread_ends(solution):
    def serve(server, wakeup):
        while True:
            sock, _ = server.accept()
            sock.recv(1024)  # waits for this client before anyone else

    before = set(threading.enumerate())
    started = time.monotonic()
    result = chatlesson.checks.check_event_loop(serve, solution["clients"])
    assert time.monotonic() - started < 4 * core.STEP_TIMEOUT
    assert not result.passed and result.status in ("failed", "timeout")
    deadline = time.monotonic() + 3
    while set(threading.enumerate()) - before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not set(threading.enumerate()) - before


def test_an_unfinished_loop_is_not_done_at_once(monkeypatch):
    monkeypatch.setattr(core, "STEP_TIMEOUT", 2.0)
    names = namespace(read(EXERCISES, LESSON))
    started = time.monotonic()
    result = chatlesson.checks.check_event_loop(names["serve"], names["clients"])
    assert result.status == "not done"
    assert time.monotonic() - started < 1.5  # no step waited for a loop that had already died


@pytest.mark.parametrize("checker", [name for name in CHECKS if name.startswith("check_event_loop")])
def test_each_check_leaves_the_clients_list_empty(checker, solution):
    first, *others = CHECKS[checker][1]
    getattr(chatlesson.checks, checker)(solution[first], *(solution[name] for name in others))
    assert solution["clients"] == []
