"""Start and stop a server a hundred times: no thread and no socket may be left behind."""

import os
import threading

from chatlesson import ChatClient, ChatServer
from netutil import RawClient


FD_DIR = next((d for d in ("/proc/self/fd", "/dev/fd") if os.path.isdir(d)), None)


def open_fds() -> int | None:
    """This process's open descriptors (Linux /proc, macOS /dev/fd); None on Windows."""
    return len(os.listdir(FD_DIR)) if FD_DIR else None


def test_start_stop_100_times_leaks_neither_threads_nor_file_descriptors():
    def cycle():
        with ChatServer() as server:
            with ChatClient(server.address, "ada") as ada, RawClient(server.address) as staller:
                assert staller.line() == "Hii"  # a half-joined client is open when we stop
                ada.send("hello")
                assert ada.messages.get(timeout=5).raw == "ada: hello"
                server.stop()  # stop with clients still connected
                assert ada.wait_closed(5)

    cycle()  # warm up: imports, logging handlers
    threads, fds = threading.active_count(), open_fds()
    for _ in range(100):
        cycle()
    assert threading.active_count() == threads, threading.enumerate()
    assert open_fds() == fds


def test_stop_is_idempotent_and_a_stopped_server_can_start_again():
    server = ChatServer()
    server.start()
    server.stop()
    server.stop()
    server.start()
    with ChatClient(server.address, "again") as client:
        assert client.welcome.nick == "again"
    server.stop()
    assert [t.name for t in threading.enumerate() if t.name.startswith("chatlesson")] == []
