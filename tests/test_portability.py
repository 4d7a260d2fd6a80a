"""The package behaves the same on Linux, macOS and Windows: what we cannot run, we simulate.

On macOS and the BSDs, ``shutdown()`` of a listening socket raises ENOTCONN and does not wake a
thread blocked in ``accept()``; ``close()`` does not wake it either (as on Linux). A server whose
stop relies on either hangs there. The ``bsd_listeners`` fixture makes this Linux machine behave
that way, so the tests below fail on a stop that relies on Linux. The tests about a server run
against every engine (``make_server``, see conftest.py).
"""

from __future__ import annotations

import errno
import os
import queue
import signal
import socket
import sys
import threading
import time

import pytest
from conftest import engine_factory

from chatlesson import ChatClient, ChatServer
from chatlesson.server import listening
from netutil import DEADLINE, RawClient


def test_the_simulation_really_leaves_accept_asleep(bsd_listeners):
    """The fixture is worth something only if a shutdown-based stop hangs under it."""
    listener = listening.listening_socket("127.0.0.1", 0)
    waiter = threading.Thread(target=lambda: listener.accept()[0].close(), daemon=True)
    waiter.start()
    with pytest.raises(OSError) as raised:
        listener.shutdown(socket.SHUT_RDWR)
    assert raised.value.errno == errno.ENOTCONN
    waiter.join(0.3)
    assert waiter.is_alive()  # still asleep in accept(): a server relying on shutdown would hang
    socket.create_connection(listener.getsockname()).close()  # the knock wakes it
    waiter.join(DEADLINE)
    listener.close()


def test_stop_with_clients_joined_ends_promptly_as_on_macos(bsd_listeners, make_server):
    threads_before = set(threading.enumerate())
    server = make_server().start()
    clients = [ChatClient(server.address, f"user{n}") for n in range(5)]
    watcher = RawClient(server.address)
    assert watcher.line() == "Hii"
    watcher.send("watcher")
    watcher.until(lambda line: "Welcome, watcher" in line)

    started = time.monotonic()
    stopper = threading.Thread(target=server.stop)
    stopper.start()
    stopper.join(DEADLINE)
    took = time.monotonic() - started
    assert not stopper.is_alive(), "stop() hung with shutdown() as on macOS"
    print(f"stop() with 6 clients joined, shutdown() as on macOS: {took * 1000:.1f} ms")
    assert "shutting down" in watcher.until(lambda line: "shutting down" in line)[-1]
    for client in clients:
        client.close()
    watcher.sock.close()
    deadline = time.monotonic() + DEADLINE
    while set(threading.enumerate()) - threads_before:
        assert time.monotonic() < deadline, set(threading.enumerate()) - threads_before
        time.sleep(0.01)


def test_start_and_stop_again_as_on_macos(bsd_listeners, make_server):
    server = make_server()
    for _ in range(20):
        server.start()
        server.stop()
    assert not server.running


def test_client_close_wakes_its_receiving_thread_as_on_macos(bsd_listeners):
    with ChatServer(port=0) as server:
        client = ChatClient(server.address, "ada")
        receiving = [t for t in threading.enumerate() if t.name == "chatlesson-receiver-ada"]
        assert len(receiving) == 1
        client.close()
        for thread in receiving:
            thread.join(DEADLINE)
            assert not thread.is_alive()


@pytest.mark.parametrize("platform, expected", [
    ("linux", socket.SO_REUSEADDR),
    ("darwin", socket.SO_REUSEADDR),
    ("win32", getattr(socket, "SO_EXCLUSIVEADDRUSE", -5)),
])
def test_each_system_gets_its_own_address_option(platform, expected):
    assert listening.address_option(platform) == expected
    if platform == "win32":
        assert listening.address_option(platform) != socket.SO_REUSEADDR


def test_a_listener_here_can_be_bound_again_at_once_after_a_connection():
    first = listening.listening_socket("127.0.0.1", 0)
    port = first.getsockname()[1]
    assert first.getsockopt(socket.SOL_SOCKET, listening.address_option()) != 0
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = first.accept()
    accepted.close()  # the server's side closes first: its end waits in TIME_WAIT
    client.close()
    first.close()
    again = listening.listening_socket("127.0.0.1", port)
    assert again.getsockname()[1] == port
    again.close()


def test_the_checkers_wake_student_code_blocked_in_accept_as_on_macos(bsd_listeners):
    """A student's accept loop on a checker's listener ends when the check cleans up."""
    from chatlesson.checks.sockets import TappedListener, shut

    listener = TappedListener(on_accept=lambda sock: None)
    listening.prepare(listener)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    outcome = []

    def students_loop():
        try:
            listener.accept()
        except OSError as error:
            outcome.append(error)

    thread = threading.Thread(target=students_loop, daemon=True)
    thread.start()
    shut(listener)
    thread.join(DEADLINE)
    assert not thread.is_alive() and isinstance(outcome[0], OSError)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to this process would end it on Windows")
@pytest.mark.parametrize("engine", ["threads", "eventloop"])
def test_ctrl_c_on_the_command_line_stops_promptly_as_on_macos(bsd_listeners, monkeypatch, engine):
    """chatlesson-server's Ctrl-C path: KeyboardInterrupt while it waits, then stop()."""
    from chatlesson import server as server_module
    from chatlesson.server import cli

    ServerClass = engine_factory(engine)[0]
    threads_before = set(threading.enumerate())
    started = queue.Queue()
    real_start = ServerClass.start

    def start(self):
        started.put(self)
        return real_start(self)

    serving = threading.Event()  # main() is inside its try: Ctrl-C now lands where it should
    real_wait = cli.wait_until_stopped

    def wait_until_stopped(server):
        serving.set()
        return real_wait(server)

    monkeypatch.setattr(ServerClass, "start", start)
    monkeypatch.setattr(cli, "wait_until_stopped", wait_until_stopped)
    interrupted_at = []

    def press_ctrl_c():
        server = started.get(timeout=DEADLINE)
        assert serving.wait(DEADLINE)
        with RawClient(server.address) as ada:
            assert ada.line() == "Hii"
            ada.send("ada")
            ada.until(lambda line: "Welcome, ada" in line)
            interrupted_at.append(time.monotonic())
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C: KeyboardInterrupt in the main thread
            ada.until(lambda line: "shutting down" in line)
            with pytest.raises(EOFError):
                ada.line()

    presser = threading.Thread(target=press_ctrl_c)
    presser.start()
    assert server_module.main(["--port", "0", "--engine", engine]) == 0
    took = time.monotonic() - interrupted_at[0]
    presser.join(DEADLINE)
    assert not presser.is_alive()
    print(f"Ctrl-C to main() returning, shutdown() as on macOS: {took * 1000:.1f} ms")
    assert set(threading.enumerate()) <= threads_before | {threading.current_thread()}
