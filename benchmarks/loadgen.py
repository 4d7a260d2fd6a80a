#!/usr/bin/env python3
"""A bounded load generator for the chat servers in ``servers.py``.

``run(engine, clients=N, window=W, ...)`` starts the engine in its own process, joins N clients
through the real ``Hii`` handshake, then keeps W lines in flight **overall**: a line is in flight
from the moment its sender writes it until its sender reads its own copy back; senders take
turns (round robin over all clients). Every line carries its sender, a sequence number and the
time it was sent, so each delivery's latency is measured and every member checks that it gets
every line exactly once and in order per sender.

Deliveries per second count every line every member receives, the sender's own copy included.
The server's CPU time and memory are read from outside with psutil (no /proc); the generator's
own CPU time is reported beside every throughput figure, since on one machine the two compete.

Bounded: at most ``max_lines`` lines and ``duration`` seconds, then it drains and stops by itself.
Loopback only. One thread and ``selectors``, so it scales to 1000 clients (on Windows the
default selector is select(), limited to 512 sockets).
"""

from __future__ import annotations

import os
import selectors
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field

import psutil

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


#: While clients join, members already in are read once every this many joins: their join
#: notices wait in the kernel meanwhile (a few KiB), and the generator reads them in one go.
JOIN_SWEEP = 32


class LoadError(RuntimeError):
    """The server lost, duplicated or reordered a line, or did not answer in time."""


@dataclass
class Result:
    engine: str
    clients: int
    window: int
    line_bytes: int
    join_parallel: int = 1             # clients in their handshake at once while joining
    lines_sent: int = 0
    deliveries: int = 0
    seconds: float = 0.0
    deliveries_per_s: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    server_cpu_us_per_delivery: float = 0.0
    server_system_share: float = 0.0   # of that CPU time, the share spent in the kernel (syscalls)
    server_kib_per_client: float = 0.0
    join_s: float = 0.0
    join_server_cpu_s: float = 0.0     # CPU seconds each side spent while the clients joined
    join_generator_cpu_s: float = 0.0
    generator_cpu_s: float = 0.0
    generator_cpu_share: float = 0.0  # generator CPU seconds / wall seconds
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


class _Client:
    __slots__ = ("inbuf", "index", "joined", "last_seq", "outbuf", "received", "sock")

    def __init__(self, index: int, sock: socket.socket) -> None:
        self.index, self.sock = index, sock
        self.inbuf, self.outbuf = b"", bytearray()
        self.joined = False
        self.last_seq: dict[int, int] = {}  # sender index -> last sequence number seen
        self.received = 0


def start_server(engine: str) -> tuple[subprocess.Popen, int]:
    """Start ``servers.py ENGINE`` and return the process and its port."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "servers.py"), engine],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True)
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise LoadError(f"{engine}: server did not start ({line!r})")
    return proc, int(line.split()[1])


def stop_server(proc: subprocess.Popen) -> None:
    proc.stdin.close()  # the server ends when its stdin closes
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def raise_descriptor_limit(wanted: int) -> None:
    """Let this process hold ``wanted`` sockets (N=2000 needs more than macOS's 256)."""
    try:
        import resource  # POSIX only; Windows has no such per-process limit to raise
    except ImportError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def run(engine: str, clients: int = 10, window: int = 1, line_bytes: int = 64,
        duration: float = 2.0, max_lines: int = 100_000, timeout: float = 30.0,
        join_timeout: float = 120.0, join_parallel: int = 1,
        read_while_joining: bool = False) -> Result:
    """Measure one engine at one (clients, window) point; raise LoadError on a lost line.

    ``timeout``: seconds any one step may wait for the server; ``join_timeout``: seconds all
    clients together may take to join (the threaded server needs minutes for 1000);
    ``join_parallel``: how many clients may be in their handshake at once (1: one after another);
    ``read_while_joining``: read every member's join notices as they come (else members already
    in are read every ``JOIN_SWEEP`` joins: joining N clients then measures the server's N²/2
    notices more than the generator reading them one by one).
    """
    result = Result(engine, clients, window, line_bytes, join_parallel=join_parallel)
    raise_descriptor_limit(clients + 100)
    proc, port = start_server(engine)
    server = psutil.Process(proc.pid)
    try:
        _measure(result, server, port, duration, max_lines, timeout, join_timeout, join_parallel,
                 read_while_joining)
    finally:
        stop_server(proc)
    if result.problems:
        raise LoadError(f"{engine}: " + "; ".join(result.problems[:5]))
    return result


def _measure(result: Result, server: psutil.Process, port: int, duration: float,
             max_lines: int, timeout: float, join_timeout: float, join_parallel: int,
             read_while_joining: bool) -> None:
    sel = selectors.DefaultSelector()
    rss_before = server.memory_info().rss
    members: list[_Client] = []
    latencies: list[int] = []
    in_flight = 0
    sent_by: list[int] = []
    state = {"phase": "join"}

    def flush(client: _Client) -> None:
        if client.outbuf:
            try:
                n = client.sock.send(client.outbuf)
                del client.outbuf[:n]
            except BlockingIOError:
                pass
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if client.outbuf else 0)
        sel.modify(client.sock, events, client)

    def on_line(client: _Client, line: bytes) -> None:
        nonlocal in_flight
        if not client.joined:
            if line == b"Hii":
                client.outbuf += f"c{client.index}\n".encode()
            elif line.startswith(b"*** Welcome"):
                client.joined = True
            return
        if line.startswith(b"*** ") or line.startswith(b"!!! "):
            return  # someone joined or left; not a chat line
        now = time.perf_counter_ns()
        nick, _, text = line.partition(b": ")
        sender, seq, stamp, _ = text.split(b" ", 3)
        sender, seq = int(sender), int(seq)
        if nick != f"c{sender}".encode():
            result.problems.append(f"c{client.index} got a line of c{sender} stamped {nick!r}")
        expected = client.last_seq.get(sender, -1) + 1
        if seq != expected:
            result.problems.append(f"c{client.index} got line {seq} of c{sender}, expected {expected}")
        client.last_seq[sender] = seq
        client.received += 1
        result.deliveries += 1
        latencies.append(now - int(stamp))
        if sender == client.index:
            in_flight -= 1

    def pump(deadline: float, done) -> None:
        while not done():
            if time.perf_counter() > deadline:
                raise LoadError(f"timed out in the {state['phase']} phase")
            for key, events in sel.select(timeout=0.5):
                client = key.data
                if events & selectors.EVENT_READ:
                    chunk = client.sock.recv(262144)
                    if not chunk:
                        raise LoadError(f"server closed c{client.index}")
                    *lines, client.inbuf = (client.inbuf + chunk).split(b"\n")
                    for line in lines:
                        on_line(client, line)
                if client.outbuf or events & selectors.EVENT_WRITE:
                    flush(client)
            if state["phase"] == "load":
                top_up()

    def sweep(clients: list[_Client]) -> None:
        """Read whatever waits for these clients, without waiting for more."""
        for client in clients:
            while True:
                try:
                    chunk = client.sock.recv(262144)
                except BlockingIOError:
                    break
                if not chunk:
                    raise LoadError(f"server closed c{client.index}")
                *lines, client.inbuf = (client.inbuf + chunk).split(b"\n")
                for line in lines:
                    on_line(client, line)

    # Join: at most `join_parallel` handshakes at a time (1: each waits for the previous
    # welcome), timed as a whole. Unless `read_while_joining`, members who are in already are
    # read in a sweep every JOIN_SWEEP joins instead of at every notice.
    join_start = time.perf_counter()
    join_cpu_server0, join_cpu_gen0 = _cpu(server), time.process_time()
    join_deadline = join_start + join_timeout
    joining: list[_Client] = []
    joined: list[_Client] = []  # in already, not watched by the selector while others join
    while len(members) < result.clients or joining:
        if time.perf_counter() > join_deadline:
            done = sum(c.joined for c in members)
            raise LoadError(f"only {done} of {result.clients} clients joined "
                            f"within {join_timeout:g} s")
        while len(members) < result.clients and len(joining) < join_parallel:
            sock = socket.create_connection(("127.0.0.1", port))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setblocking(False)
            client = _Client(len(members), sock)
            members.append(client)
            joining.append(client)
            sent_by.append(0)
            sel.register(sock, selectors.EVENT_READ, client)
        pump(min(time.perf_counter() + timeout, join_deadline),
             lambda joining=joining: any(c.joined for c in joining))
        if not read_while_joining:
            for c in joining:
                if c.joined:
                    sel.unregister(c.sock)
                    joined.append(c)
                    if len(joined) % JOIN_SWEEP == 0:
                        sweep(joined)
        joining = [c for c in joining if not c.joined]
    result.join_s = time.perf_counter() - join_start
    result.join_server_cpu_s = _cpu(server) - join_cpu_server0
    result.join_generator_cpu_s = time.process_time() - join_cpu_gen0
    for c in joined:
        sel.register(c.sock, selectors.EVENT_READ, c)
    result.server_kib_per_client = (server.memory_info().rss - rss_before) / 1024 / result.clients
    pad = b"x" * max(0, result.line_bytes - 40)
    turn = 0

    def top_up() -> None:
        nonlocal in_flight, turn
        while (in_flight < result.window and result.lines_sent < max_lines
               and time.perf_counter() < stop_at):
            client = members[turn]
            turn = (turn + 1) % len(members)
            seq = sent_by[client.index]
            sent_by[client.index] += 1
            client.outbuf += b"%d %d %d %s\n" % (client.index, seq, time.perf_counter_ns(), pad)
            in_flight += 1
            result.lines_sent += 1
            flush(client)

    # Load: keep the window full until the time or the line budget runs out, then drain.
    state["phase"] = "load"
    cpu_server0, system0 = _cpu(server), server.cpu_times().system
    cpu_gen0 = time.process_time()
    start = time.perf_counter()
    stop_at = start + duration
    expected = lambda: result.lines_sent * result.clients  # noqa: E731
    top_up()
    pump(stop_at + timeout, lambda: (time.perf_counter() >= stop_at or result.lines_sent >= max_lines)
         and result.deliveries >= expected())
    result.seconds = time.perf_counter() - start
    result.generator_cpu_s = time.process_time() - cpu_gen0
    server_cpu = _cpu(server) - cpu_server0
    server_system = server.cpu_times().system - system0
    for client in members:
        sel.unregister(client.sock)
        client.sock.close()
    sel.close()

    if result.deliveries != expected():
        result.problems.append(f"{result.deliveries} deliveries, expected {expected()}")
    for client in members:
        for sender, count in enumerate(sent_by):
            if count and client.last_seq.get(sender, -1) != count - 1:
                result.problems.append(f"c{client.index} missed lines of c{sender}")
                break
    latencies.sort()
    if latencies:
        result.p50_ms = latencies[len(latencies) // 2] / 1e6
        result.p99_ms = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] / 1e6
    if result.deliveries:
        result.deliveries_per_s = result.deliveries / result.seconds
        result.server_cpu_us_per_delivery = server_cpu * 1e6 / result.deliveries
    if server_cpu > 0:
        result.server_system_share = server_system / server_cpu
    result.generator_cpu_share = result.generator_cpu_s / result.seconds
