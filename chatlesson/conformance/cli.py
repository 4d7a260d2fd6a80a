"""The ``chatlesson-check`` command: check any chat server against PROTOCOL.md."""

from __future__ import annotations

import argparse
import ssl
import sys

from ..core.protocol import DEFAULT_HOST, DEFAULT_PORT
from .registry import LEVELS
from .run import RUN_BUDGET, STEP_TIMEOUT
from .runner import run_checks


def address(text: str) -> tuple[str, int]:
    """``HOST:PORT``, ``:PORT`` or ``PORT`` (host 127.0.0.1)."""
    host, colon, port = text.rpartition(":")
    if not colon:
        host, port = "", text
    try:
        number = int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT") from None
    if not 0 < number < 65536:
        raise argparse.ArgumentTypeError(f"port {number} is out of range")
    return host.strip("[]") or DEFAULT_HOST, number


def main(argv: list[str] | None = None) -> int:
    """Check a chat server; exit status 0 only when every chosen check passes."""
    parser = argparse.ArgumentParser(prog="chatlesson-check", description=main.__doc__)
    parser.add_argument("server", nargs="?", type=address, default=(DEFAULT_HOST, DEFAULT_PORT),
                        help=f"HOST:PORT of the server (default {DEFAULT_HOST}:{DEFAULT_PORT})")
    parser.add_argument("--level", choices=(*LEVELS, "all"), default="all",
                        help="run one level of checks: tutorial (the lessons' chat), robust, "
                             "commands (default: all)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--step-timeout", type=float, default=STEP_TIMEOUT, metavar="SECONDS",
                        help="how long one step may wait for the server (default %(default)g)")
    parser.add_argument("--budget", type=float, default=RUN_BUDGET, metavar="SECONDS",
                        help="how long the whole run may take (default %(default)g)")
    parser.add_argument("--tls", action="store_true", help="connect with TLS")
    parser.add_argument("--fingerprint", help="with --tls: accept only the server certificate with "
                        "this SHA-256 fingerprint (the instructor's join card shows it)")
    parser.add_argument("--cafile", help="with --tls: trust the certificate(s) in this PEM file")
    args = parser.parse_args(argv)
    if (args.fingerprint or args.cafile) and not args.tls:
        parser.error("--fingerprint and --cafile go with --tls")
    tls = ssl.create_default_context(cafile=args.cafile) if args.cafile else args.tls
    levels = LEVELS if args.level == "all" else (args.level,)
    host, port = args.server

    def progress(result) -> None:
        """One line per check while the run goes on, on a terminal only."""
        print(f"  {result.status:7} {result.level}/{result.name}", file=sys.stderr, flush=True)

    if args.step_timeout <= 0 or args.budget <= 0:
        parser.error("--step-timeout and --budget must be more than 0")

    report = run_checks(host, port, levels, step_timeout=args.step_timeout, budget=args.budget,
                        on_result=progress if sys.stderr.isatty() else None, tls=tls,
                        fingerprint=args.fingerprint)
    print(report.to_json() if args.json else report.to_text())
    return 0 if report.passed else 1
