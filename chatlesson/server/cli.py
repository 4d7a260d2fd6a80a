"""The ``chatlesson-server`` command: run a chat server until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from ..core.protocol import DEFAULT_HOST, DEFAULT_PORT
from .threaded import ChatServer

#: The environment variable that holds the admin password (if --admin-password is not given).
ADMIN_PASSWORD_VARIABLE = "CHATLESSON_ADMIN_PASSWORD"

log = logging.getLogger("chatlesson.server")


def main(argv: list[str] | None = None) -> int:
    """Run a chat server until Ctrl-C (the chatlesson-server command)."""
    parser = argparse.ArgumentParser(prog="chatlesson-server", description=main.__doc__)
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to listen on (default %(default)s; 0.0.0.0 means every interface)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="port to listen on (default %(default)s; 0 picks a free one)")
    parser.add_argument("--admin-password", default=os.environ.get(ADMIN_PASSWORD_VARIABLE),
                        help=f"the password for /admin (better: set {ADMIN_PASSWORD_VARIABLE}, which "
                             "other users cannot see in the process list); without one, admin is off")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        datefmt="%H:%M:%S", stream=sys.stdout)
    try:
        server = ChatServer(args.host, args.port, admin_password=args.admin_password)
    except ValueError as exc:
        print(f"chatlesson-server: {exc}", file=sys.stderr)
        return 2
    try:
        server.start()
    except OSError as exc:
        print(f"chatlesson-server: cannot listen on {args.host}:{args.port}: {exc.strerror}",
              file=sys.stderr)
        return 1
    log.info("press Ctrl-C to stop")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("Ctrl-C: stopping")
    finally:
        server.stop()
    return 0
