"""How much time the relay adds to each chunk: ``python -m chatlesson.inspect.bench``.

A client sends a short line to an echo server and waits for it to come back, many times:
once directly, once through the relay with nobody watching, once through the relay with every
chunk formatted as ``chatlesson-inspect`` prints it (to a stream that keeps nothing). A round
trip through the relay crosses it twice (there and back), so the time it adds to one chunk is
half the difference of the round trips. Medians and 99th percentiles are printed; they vary
with the machine and its load.
"""

from __future__ import annotations

import argparse
import io
import socket
import statistics
import threading
import time

from .cli import Printer
from .relay import Relay

LINE = b"ada: hello everyone, this is a chat line\n"


class _Echo:
    """An echo server on 127.0.0.1, one thread per connection, stopped by closing the clients."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = self.listener.getsockname()
        self.threads: list[threading.Thread] = []

    def serve(self) -> None:
        conn, _ = self.listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def echo():
            with conn:
                while data := conn.recv(65536):
                    conn.sendall(data)
        thread = threading.Thread(target=echo, daemon=True)
        thread.start()
        self.threads.append(thread)

    def close(self) -> None:
        self.listener.close()
        for thread in self.threads:
            thread.join(5)


def round_trips(address, echo: _Echo, count: int) -> list[float]:
    """Seconds for each of ``count`` round trips of LINE."""
    accepting = threading.Thread(target=echo.serve)
    accepting.start()
    sock = socket.create_connection(address, timeout=5)
    accepting.join(5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    times = []
    with sock:
        for _ in range(count):
            start = time.perf_counter()
            sock.sendall(LINE)
            got = b""
            while len(got) < len(LINE):
                got += sock.recv(65536)
            times.append(time.perf_counter() - start)
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(65536):
            pass
    return times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(count: int = 2000) -> dict[str, list[float]]:
    echo = _Echo()
    results = {}
    try:
        results["direct"] = round_trips(echo.address, echo, count)
        with Relay(echo.address) as relay:
            results["relay"] = round_trips(relay.address, echo, count)
        printer = Printer(_Nowhere(), 256, True, True)
        with Relay(echo.address, on_chunk=printer.chunk, on_event=printer.event) as relay:
            results["relay, printing"] = round_trips(relay.address, echo, count)
    finally:
        echo.close()
    return results


class _Nowhere(io.StringIO):
    def write(self, text: str) -> int:
        return len(text)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m chatlesson.inspect.bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=2000, help="round trips per setup (default 2000)")
    args = p.parse_args(argv)
    results = measure(args.count)
    base = statistics.median(results["direct"])
    print(f"{args.count} round trips of a {len(LINE)}-byte line on 127.0.0.1")
    print(f"{'setup':<18} {'median':>10} {'p99':>10} {'added per chunk (median)':>26}")
    for name, times in results.items():
        median = statistics.median(times)
        added = "" if name == "direct" else f"{(median - base) / 2 * 1e6:.1f} µs"
        print(f"{name:<18} {median * 1e6:>7.1f} µs {percentile(times, 0.99) * 1e6:>7.1f} µs {added:>26}")


if __name__ == "__main__":
    main()
