"""Noticing a peer that vanished without closing: TCP keepalive, set the right way on each system.

A laptop that sleeps or leaves the Wi-Fi sends neither FIN nor RST. Its connection looks alive
for ever, the server keeps its nickname, and its owner gets "nickname taken" on coming back.
TCP keepalive makes the kernel probe a connection that has been silent for a while; when
several probes in a row go unanswered, ``recv()`` fails (ETIMEDOUT, Python's ``TimeoutError``)
and the server forgets the member like any other lost connection.

The defaults are far too slow for a chat (Linux waits two hours before the first probe) and
the option names differ:

* Linux: ``TCP_KEEPIDLE``, ``TCP_KEEPINTVL``, ``TCP_KEEPCNT`` (seconds, seconds, probes). Also
  ``TCP_USER_TIMEOUT``: keepalive only probes a connection with nothing in flight, and lines
  that wait unacknowledged for a dead peer would be retransmitted for about 15 minutes.
* macOS: ``TCP_KEEPALIVE`` is the idle time; ``TCP_KEEPINTVL`` and ``TCP_KEEPCNT`` since 10.8.
* Windows 10 (1709 and later): ``TCP_KEEPIDLE``, ``TCP_KEEPINTVL``, ``TCP_KEEPCNT``. Older
  versions only have ``ioctl(SIO_KEEPALIVE_VALS)``, in milliseconds, with the number of probes
  fixed at 10.

``enable_keepalive(sock, seconds)`` picks the options the system has, and times the probes so
that idle time + probes x interval stays within ``seconds`` (not below a few seconds: the
options count whole seconds).
"""

from __future__ import annotations

import socket
import sys
from dataclasses import dataclass

#: Probes sent before giving up, where the count can be set.
PROBES = 3

#: Windows' fixed probe count when only ``SIO_KEEPALIVE_VALS`` is available.
WINDOWS_FIXED_PROBES = 10

#: macOS's value of TCP_KEEPALIVE (the idle time), for Pythons that do not define it.
_MACOS_TCP_KEEPALIVE = 0x10


@dataclass(frozen=True)
class Plan:
    """When the kernel probes a silent connection, and how often before giving up."""

    idle: float       # seconds of silence before the first probe
    interval: float   # seconds between unanswered probes
    probes: int       # unanswered probes before the connection is declared dead

    @property
    def total(self) -> float:
        """Seconds from the last sign of life to the connection failing."""
        return self.idle + self.interval * self.probes


def plan(seconds: float, probes: int = PROBES, whole_seconds: bool = True) -> Plan:
    """Half the time for the probes, the rest waiting in silence; steps of a second (or ms)."""
    unit = 1 if whole_seconds else 1000  # steps per second
    interval = max(1, int(seconds * unit / (2 * probes)))
    idle = max(1, int(seconds * unit - probes * interval))
    return Plan(idle / unit, interval / unit, probes)


def enable_keepalive(sock: socket.socket, seconds: float, platform: str | None = None) -> Plan:
    """Make the OS notice within about ``seconds`` that ``sock``'s peer has vanished.

    Returns the plan it set. ``platform`` is for tests that simulate another system.
    """
    platform = platform or sys.platform
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    idle_option = getattr(socket, "TCP_KEEPIDLE", None)
    if platform == "darwin":
        idle_option = getattr(socket, "TCP_KEEPALIVE", _MACOS_TCP_KEEPALIVE)
    interval_option = getattr(socket, "TCP_KEEPINTVL", None)
    count_option = getattr(socket, "TCP_KEEPCNT", None)
    if idle_option is None and platform == "win32":
        return _windows_ioctl(sock, seconds)
    chosen = plan(seconds, PROBES if count_option is not None else WINDOWS_FIXED_PROBES)
    try:
        if idle_option is not None:
            sock.setsockopt(socket.IPPROTO_TCP, idle_option, int(chosen.idle))
        if interval_option is not None:
            sock.setsockopt(socket.IPPROTO_TCP, interval_option, int(chosen.interval))
        if count_option is not None:
            sock.setsockopt(socket.IPPROTO_TCP, count_option, chosen.probes)
    except OSError:
        if platform != "win32":
            raise
        return _windows_ioctl(sock, seconds)  # Windows before 1709 defines but refuses them
    user_timeout = getattr(socket, "TCP_USER_TIMEOUT", None)
    if user_timeout is not None and platform.startswith("linux"):
        sock.setsockopt(socket.IPPROTO_TCP, user_timeout, int(chosen.total * 1000))
    return chosen


def _windows_ioctl(sock: socket.socket, seconds: float) -> Plan:
    """Older Windows: one ioctl with on/off, idle and interval in milliseconds; 10 probes."""
    chosen = plan(seconds, WINDOWS_FIXED_PROBES, whole_seconds=False)
    sock.ioctl(socket.SIO_KEEPALIVE_VALS,  # type: ignore[attr-defined]  # Windows only
               (1, int(chosen.idle * 1000), int(chosen.interval * 1000)))
    return chosen
