"""The ``chatlesson-server`` command: run a chat server until Ctrl-C.

Two engines serve the same chat (the same ``ChatRules``): ``eventloop``, one thread for every
client (the default: it serves thousands), and ``threads``, the lessons' design with two
threads per client. The options set the limits a server on a classroom network needs.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

from ..core.flood import DEFAULT_FLOOD_LIMIT, FloodLimit
from ..core.limits import DEFAULT_LIMITS, Limits
from ..core.protocol import DEFAULT_HOST, DEFAULT_PORT
from .reach import is_loopback, reach_warning

#: The environment variable that holds the admin password (if --admin-password is not given).
ADMIN_PASSWORD_VARIABLE = "CHATLESSON_ADMIN_PASSWORD"

ENGINES = ("eventloop", "threads")

#: How often the waiting main thread wakes up to notice a Ctrl-C, in seconds.
WAKE_SECONDS = 0.25

log = logging.getLogger("chatlesson.server")


def flood_limit(text: str) -> FloodLimit | None:
    """``--flood-limit``: RATE/BURST, or off."""
    try:
        return FloodLimit.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def port_number(text: str) -> int:
    """``--port``: 0 to 65535 (a number outside makes the OS raise OverflowError, a traceback)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: give a port number from 0 to 65535 "
                                         "(0 picks a free one)")
    return value


def count_or_off(text: str) -> int | None:
    """A limit on connections: a whole number of at least 1, or off (no limit)."""
    if text.strip().lower() == "off":
        return None
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of at least 1, or off")
    return value


def seconds(text: str) -> float:
    """A time in seconds, above 0."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds above 0")
    return value


def seconds_or_off(text: str) -> float | None:
    """A time limit in seconds (above 0), or off (no limit)."""
    if text.strip().lower() == "off":
        return None
    try:
        return seconds(text)
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{exc}, or off") from None


def _shown(value) -> str:
    return "off" if value is None else f"{value:g}"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="chatlesson-server", description=main.__doc__)
    p.add_argument("--host", default=DEFAULT_HOST,
                   help="address to listen on (default %(default)s; 0.0.0.0 means every interface)")
    p.add_argument("--port", type=port_number, default=DEFAULT_PORT,
                   help="port to listen on (default %(default)s; 0 picks a free one)")
    p.add_argument("--admin-password", default=os.environ.get(ADMIN_PASSWORD_VARIABLE),
                   help=f"the password for /admin (better: set {ADMIN_PASSWORD_VARIABLE}, which "
                        "other users cannot see in the process list); without one, admin is off")
    p.add_argument("--engine", choices=ENGINES, default="eventloop",
                   help="eventloop: one thread serves every client, with uvloop when installed "
                        "(default); threads: the lessons' design, two threads per client")
    p.add_argument("--flood-limit", type=flood_limit, default=DEFAULT_FLOOD_LIMIT, metavar="RATE/BURST",
                   help=f"how fast each member may send: RATE lines a second after bursts of BURST "
                        f"lines (default {DEFAULT_FLOOD_LIMIT}), or off (for load tests)")
    limits = DEFAULT_LIMITS
    p.add_argument("--max-connections", type=count_or_off, default=limits.max_connections,
                   metavar="N", help="connections the whole server accepts, or off "
                                     f"(default {_shown(limits.max_connections)})")
    p.add_argument("--max-per-host", type=count_or_off, default=limits.max_per_host, metavar="N",
                   help="connections from one address, or off; a class behind one router shares "
                        f"one address (default {_shown(limits.max_per_host)})")
    p.add_argument("--handshake-seconds", type=seconds_or_off, default=limits.handshake_seconds,
                   metavar="SECONDS", help="time a new connection has to choose a nickname, or off "
                                           f"(default {_shown(limits.handshake_seconds)})")
    p.add_argument("--dead-peer-seconds", type=seconds, default=limits.dead_peer_seconds,
                   metavar="SECONDS", help="a vanished client (a laptop that slept) loses its "
                                           "nickname within about this time "
                                           f"(default {_shown(limits.dead_peer_seconds)})")
    return p


def server_class(engine: str) -> type:
    """The class for an engine, imported only when asked for (threads need no asyncio)."""
    if engine == "eventloop":
        from .eventloop import EventLoopServer
        return EventLoopServer
    from .threaded import ChatServer
    return ChatServer


def wait_until_stopped(server) -> None:
    """Block until the server stops, waking now and then.

    Ctrl-C raises KeyboardInterrupt in the main thread, but the OS may hand the signal to any
    thread of the process: one of the server's. Then a main thread asleep in a wait with no
    timeout never hears of it; one that wakes up every ``WAKE_SECONDS`` does.
    """
    while server.running:
        time.sleep(WAKE_SECONDS)


def main(argv: list[str] | None = None) -> int:
    """Run a chat server until Ctrl-C (the chatlesson-server command)."""
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        datefmt="%H:%M:%S", stream=sys.stdout)
    try:
        limits = Limits(max_connections=args.max_connections, max_per_host=args.max_per_host,
                        handshake_seconds=args.handshake_seconds,
                        dead_peer_seconds=args.dead_peer_seconds)
        server = server_class(args.engine)(args.host, args.port,
                                           admin_password=args.admin_password,
                                           flood_limit=args.flood_limit, limits=limits)
    except ValueError as exc:
        print(f"chatlesson-server: {exc}", file=sys.stderr)
        return 2
    try:  # from here on Ctrl-C stops the server, even in the middle of starting it
        try:
            server.start()
        except OSError as exc:
            print(f"chatlesson-server: cannot listen on {args.host}:{args.port}: {exc.strerror}",
                  file=sys.stderr)
            return 1
        log.info("engine %s; flood limit %s; at most %s connections, %s per address; "
                 "nickname within %s s", args.engine, args.flood_limit or "off",
                 _shown(limits.max_connections), _shown(limits.max_per_host),
                 _shown(limits.handshake_seconds))
        if not is_loopback(args.host):
            log.warning("%s", reach_warning(args.host, server.port))
        log.info("press Ctrl-C to stop")
        wait_until_stopped(server)
    except KeyboardInterrupt:
        log.info("Ctrl-C: stopping")
    finally:
        server.stop()
    return 0
