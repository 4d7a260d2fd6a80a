#!/usr/bin/env python3
"""The chat servers the benchmark compares, each run in its own process.

    python benchmarks/servers.py ENGINE      # prints "PORT <n>", serves until stdin closes

Every engine speaks the same wire protocol (PROTOCOL.md): ``Hii``, the nickname, a line that
starts with ``*** Welcome``, then ``nick: text`` broadcast to every member, the sender included.
Flood control is off everywhere: the benchmark floods on purpose. TCP_NODELAY is on for the
benchmark's own servers (without it, Nagle and delayed ACKs add ~40 ms to small lines).

Engines:
- ``tutorial``: the tutorial's design (a thread per client, a list of sockets and a list of
  nicknames, broadcast to all), with line framing added so it is measured fairly, and one lock
  around a broadcast so two threads never interleave their bytes on one socket.
- ``threaded``: the package's ``ChatServer`` with ``ChatRules(flood_limit=None)``.
- ``selectors-ref``: a tight single-threaded ``selectors`` loop, the reference for ratios.
- ``asyncio`` / ``asyncio+uvloop``: the package's event-loop server (``chatlesson.server.eventloop``,
  its ``serve(host, port, ready)`` coroutine) on asyncio's own loop and on uvloop's.

Every package engine runs with flood control off and no connection limits (N=2000 must fit).

The server stops when its stdin closes (portable: no signals), by ending the process.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import selectors
import socket
import sys
import threading

AIO_MODULE = "chatlesson.server.eventloop"

#: Set to a path prefix to profile the server's main thread (cProfile; one file per process).
PROFILE_VARIABLE = "CHATLESSON_BENCH_PROFILE"


def _stop_when_stdin_closes(profile=None) -> None:
    """The runner closes our stdin to stop us; works on every OS, unlike signals."""
    def wait() -> None:
        sys.stdin.read()
        if profile is not None:  # what the server's main thread spent its time on
            profile.dump_stats(os.environ[PROFILE_VARIABLE] + f".{os.getpid()}")
        os._exit(0)
    threading.Thread(target=wait, daemon=True).start()


def _listen() -> socket.socket:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    return listener


def _ready(port: int) -> None:
    print(f"PORT {port}", flush=True)


# --- the tutorial's design -------------------------------------------------------------------

def tutorial() -> None:
    listener = _listen()
    clients: list[socket.socket] = []
    nicknames: list[str] = []
    lock = threading.Lock()

    def broadcast(data: bytes) -> None:
        with lock:
            for client in list(clients):
                try:
                    client.sendall(data)
                except OSError:
                    pass

    def handle(client: socket.socket) -> None:
        buffer = b""
        client.sendall(b"Hii\n")
        nickname = None
        while True:
            try:
                chunk = client.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                text = line.decode("utf-8", "replace")
                if nickname is None:
                    nickname = text
                    with lock:
                        nicknames.append(nickname)
                        client.sendall(f"*** Welcome, {nickname}!\n".encode())
                        clients.append(client)
                else:
                    broadcast(f"{nickname}: {text}\n".encode())
        with lock:
            if client in clients:
                clients.remove(client)
                nicknames.remove(nickname)
        client.close()

    _ready(listener.getsockname()[1])
    while True:
        client, _ = listener.accept()
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=handle, args=(client,), daemon=True).start()


# --- the package's threaded server ------------------------------------------------------------

def bench_rules():
    """The package's rules as a load test needs them: no flood control, no connection limits."""
    from chatlesson.core.limits import Limits
    from chatlesson.core.rules import ChatRules
    return ChatRules(flood_limit=None, limits=Limits(max_connections=None, max_per_host=None))


def threaded() -> None:
    from chatlesson import ChatServer
    server = ChatServer("127.0.0.1", 0, rules=bench_rules()).start()
    _ready(server.port)
    threading.Event().wait()


# --- the selectors reference -----------------------------------------------------------------

class _Peer:
    __slots__ = ("inbuf", "nick", "outbuf", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.inbuf, self.outbuf, self.nick = sock, b"", bytearray(b"Hii\n"), None


def selectors_ref(drop_every: int = 0) -> None:
    """``drop_every``: lose every n-th delivery (only to prove the tests catch a loss)."""
    listener = _listen()
    listener.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, None)
    members: list[_Peer] = []
    deliveries = 0

    def want(peer: _Peer) -> None:
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if peer.outbuf else 0)
        sel.modify(peer.sock, events, peer)

    def drop(peer: _Peer) -> None:
        sel.unregister(peer.sock)
        peer.sock.close()
        if peer in members:
            members.remove(peer)

    _ready(listener.getsockname()[1])
    while True:
        touched: set[_Peer] = set()
        for key, events in sel.select():
            peer = key.data
            if peer is None:
                sock, _ = listener.accept()
                sock.setblocking(False)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                peer = _Peer(sock)
                sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE, peer)
                continue
            if events & selectors.EVENT_WRITE and peer.outbuf:
                try:
                    sent = peer.sock.send(peer.outbuf)
                    del peer.outbuf[:sent]
                except BlockingIOError:
                    pass
                except OSError:
                    drop(peer)
                    continue
                touched.add(peer)
            if events & selectors.EVENT_READ:
                try:
                    chunk = peer.sock.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    chunk = b""
                if not chunk:
                    drop(peer)
                    continue
                *lines, peer.inbuf = (peer.inbuf + chunk).split(b"\n")
                for line in lines:
                    if peer.nick is None:
                        peer.nick = line.decode("utf-8", "replace")
                        peer.outbuf += f"*** Welcome, {peer.nick}!\n".encode()
                        members.append(peer)
                        touched.add(peer)
                    else:
                        data = peer.nick.encode() + b": " + line + b"\n"
                        for member in members:
                            deliveries += 1
                            if drop_every and deliveries % drop_every == 0:
                                continue
                            member.outbuf += data
                            touched.add(member)
        for peer in touched:
            if peer.sock.fileno() != -1:
                want(peer)


# --- the event-loop server --------------------------------------------------------------------

def aio_problem() -> str | None:
    """Why the event-loop server cannot be imported here, or None."""
    try:
        importlib.import_module(AIO_MODULE)
    except ImportError as exc:
        return f"{AIO_MODULE} cannot be imported ({exc})"
    return None


def uvloop_available() -> bool:
    return importlib.util.find_spec("uvloop") is not None


def asyncio_engine(use_uvloop: bool = False) -> None:
    module = importlib.import_module(AIO_MODULE)
    loop = module.new_event_loop(use_uvloop)
    loop.run_until_complete(module.serve("127.0.0.1", 0, ready=_ready, rules=bench_rules()))


ENGINES = {
    "tutorial": tutorial,
    "threaded": threaded,
    "selectors-ref": selectors_ref,
    "asyncio": lambda: asyncio_engine(False),
    "asyncio+uvloop": lambda: asyncio_engine(True),
}
# Not measured: a server that loses lines, so tests/test_benchmarks.py can show it is caught.
TEST_ENGINES = {"lossy": lambda: selectors_ref(drop_every=7)}


def unavailable(engine: str) -> str | None:
    """Why an engine cannot run here, or None if it can."""
    if engine not in ENGINES and engine not in TEST_ENGINES:
        return f"unknown engine {engine!r}"
    if engine.startswith("asyncio") and (problem := aio_problem()):
        return problem
    if engine == "asyncio+uvloop" and not uvloop_available():
        return "uvloop is not installed"
    return None


if __name__ == "__main__":
    name = sys.argv[1]
    reason = unavailable(name)
    if reason:
        sys.exit(f"{name}: {reason}")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from loadgen import raise_descriptor_limit
    raise_descriptor_limit(4096)  # N=2000 clients, each a socket here too
    profile = None
    if os.environ.get(PROFILE_VARIABLE):
        import cProfile
        profile = cProfile.Profile()
        profile.enable()
    _stop_when_stdin_closes(profile)
    {**ENGINES, **TEST_ENGINES}[name]()
