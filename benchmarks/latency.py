#!/usr/bin/env python3
"""Delivery delay of one chat line from one client to another, on loopback.

Starts a server in this process (the threaded ChatServer or the EventLoopServer), joins a sender
and a receiver, then sends one line at a time and times how long it takes to reach the other
client (the next line is sent only after the previous one arrived, so each sample is one line's
own trip). Prints the median and the worst.

    python benchmarks/latency.py [--count 1000] [--engine threads|eventloop]
"""

from __future__ import annotations

import argparse
import statistics
import time

from chatlesson import ChatClient, ChatServer
from chatlesson.server.eventloop import EventLoopServer

ENGINES = {"threads": ChatServer, "eventloop": EventLoopServer}


def measure(count: int, engine: str = "threads") -> list[float]:
    # Flood control is off: it would (rightly) throttle a client sending this fast.
    with ENGINES[engine](flood_limit=None) as server:
        with ChatClient(server.address, "sender") as sender, \
                ChatClient(server.address, "receiver") as receiver:
            assert sender.messages.get(timeout=5).event == "joined"
            delays = []
            for n in range(count):
                text = f"ping {n}"
                start = time.perf_counter()
                sender.send(text)
                while True:
                    message = receiver.messages.get(timeout=5)
                    if message.text == text:
                        break
                delays.append(time.perf_counter() - start)
                assert sender.messages.get(timeout=5).text == text  # its own copy
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--engine", choices=sorted(ENGINES), default="threads")
    args = parser.parse_args()
    delays = measure(args.count, args.engine)
    ms = sorted(d * 1000 for d in delays)
    print(f"lines: {len(ms)}")
    print(f"median: {statistics.median(ms):.3f} ms")
    print(f"p99: {ms[int(len(ms) * 0.99) - 1]:.3f} ms")
    print(f"worst: {ms[-1]:.3f} ms")


if __name__ == "__main__":
    main()
