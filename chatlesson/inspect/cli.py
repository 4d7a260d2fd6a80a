"""The ``chatlesson-inspect`` command: relay connections to a server and show every chunk.

    chatlesson-inspect --listen 11827 --to 127.0.0.1:11826

then connect a client to port 11827 instead of 11826 (``chatlesson-client --port 11827``, or
``nc 127.0.0.1 11827``). Everything still works as before; the terminal of
``chatlesson-inspect`` shows each piece of bytes as it crossed. Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import TextIO

from ..core.protocol import DEFAULT_HOST
from .chunks import Chunk
from .relay import Event, Relay
from .text import SHOW_BYTES, format_chunk, format_event

DESCRIPTION = """\
Relay TCP connections to a chat server and show every chunk of bytes as it crosses:
which way, when, how many bytes, the bytes as text and hex, where each line ends.

  chatlesson-inspect --listen 11827 --to 127.0.0.1:11826

then connect a client to port 11827 instead of 11826 (chatlesson-client --port 11827,
or nc 127.0.0.1 11827). Ctrl-C stops it."""

#: How often the waiting main thread wakes up to notice a Ctrl-C, in seconds.
WAKE_SECONDS = 0.25


def address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for an IPv6 address)."""
    host, colon, port = text.rpartition(":")
    host = host.strip("[]")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r}: give HOST:PORT, like 127.0.0.1:11826")
    return host, int(port)


def port_number(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r}: give a port from 0 to 65535 (0: any free one)")
    return int(text)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="chatlesson-inspect", description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--listen", type=port_number, required=True, metavar="PORT",
                   help="the port clients connect to (0: any free port; it is printed)")
    p.add_argument("--to", type=address, required=True, metavar="HOST:PORT",
                   help="the server to pass the connections on to")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help="the address to listen on (default %(default)s: this machine only)")
    p.add_argument("--show", type=int, default=SHOW_BYTES, metavar="BYTES",
                   help="bytes of each chunk to show (default %(default)s)")
    p.add_argument("--no-hex", action="store_true", help="show the bytes as text only")
    p.add_argument("--no-times", action="store_true", help="leave out the times")
    return p


class Printer:
    """Writes chunks and events to a stream, a whole chunk at a time (they come from the relay's thread)."""

    def __init__(self, out: TextIO, show: int, hex: bool, times: bool):
        self.out, self.show, self.hex, self.times = out, show, hex, times
        self._lock = threading.Lock()

    def chunk(self, chunk: Chunk) -> None:
        self._write(format_chunk(chunk, show=self.show, hex=self.hex, times=self.times))

    def event(self, event: Event) -> None:
        self._write(format_event(event, times=self.times))

    def _write(self, text: str) -> None:
        with self._lock:
            self.out.write(text + "\n")
            self.out.flush()


def run(argv: list[str] | None = None, out: TextIO | None = None,
        stop: threading.Event | None = None) -> int:
    """Run until Ctrl-C (or until ``stop`` is set: tests); return the exit status."""
    args = parser().parse_args(argv)
    out = out or sys.stdout
    printer = Printer(out, max(args.show, 0), not args.no_hex, not args.no_times)
    relay = Relay(args.to, (args.host, args.listen), on_chunk=printer.chunk,
                  on_event=printer.event)
    try:
        relay.start()
    except OSError as exc:
        print(f"chatlesson-inspect: cannot listen on {args.host}:{args.listen}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 1
    host, port = relay.address
    printer._write(f"chatlesson-inspect: listening on {host}:{port}, passing connections on to "
                   f"{args.to[0]}:{args.to[1]}; Ctrl-C stops")
    try:
        while relay.running and not (stop and stop.is_set()):
            if stop is not None:
                stop.wait(WAKE_SECONDS)
            else:
                time.sleep(WAKE_SECONDS)  # time.sleep, unlike a lock, lets Ctrl-C in on Windows
    except KeyboardInterrupt:
        pass
    finally:
        relay.stop()
    printer._write("chatlesson-inspect: stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Relay TCP connections to a server and show every chunk of bytes as it crosses."""
    if hasattr(sys.stdout, "reconfigure"):
        # Characters a console cannot show come out as \\N escapes instead of an error.
        sys.stdout.reconfigure(errors="backslashreplace")
    return run(argv)
