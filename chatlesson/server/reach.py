"""Who can connect to a server, from the address it is bound to.

127.0.0.1 (loopback) is this machine only; one interface's address is every computer that
can route to it; 0.0.0.0 is every network the machine is on, the café's Wi-Fi included. A
server says which when it starts, so nobody opens a chat to the world by accident.
"""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def is_wildcard(host: str) -> bool:
    return host in ("", "0.0.0.0", "::")


def reach_warning(host: str, port: int) -> str:
    """Who can now connect to a server bound to ``host``, in one or two sentences."""
    if is_loopback(host):
        return ("Bound to loopback: only programs on this machine can join (on a JupyterHub, "
                "every kernel on the hub's machine).")
    if is_wildcard(host):
        return (f"WARNING: bound to every interface: anyone who can reach this machine on TCP port "
                f"{port}, on any network it is on (the room's Wi-Fi, a VPN, a public network), "
                "can join. Unless the server runs with TLS, what is typed crosses the network "
                "unencrypted.")
    return (f"WARNING: bound to {host}: anyone who can route to {host} on TCP port {port} (usually "
            "everyone on that network) can join. Unless the server runs with TLS, what is "
            "typed crosses the network unencrypted.")
