"""What students type to join, and who can reach the server: the join card.

A card must be right for the address students actually use. A server bound to 127.0.0.1 is
reachable from this machine only (that includes every kernel of a JupyterHub that runs on
it); bound to one interface's address, from every computer that can route to that address;
bound to 0.0.0.0, from every network this machine is on, the café's Wi-Fi included.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from ..server.reach import is_loopback, is_wildcard, reach_warning

__all__ = ["JoinCard", "card_for", "is_loopback", "is_wildcard", "local_addresses", "reach_warning"]


def local_addresses() -> list[str]:
    """This machine's IPv4 addresses that others may use, best guess first.

    The first is the address of the interface that holds the default route: a UDP socket is
    "connected" to a public address (no packet is sent) and asked which local address it
    would use. Others come from the host name. Loopback addresses are left out.
    """
    found: list[str] = []
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed to anyone, nothing is sent
        found.append(probe.getsockname()[0])
    except OSError:
        pass  # no default route: an offline laptop
    finally:
        probe.close()
    try:
        found.extend(socket.gethostbyname_ex(socket.gethostname())[2])
    except OSError:
        pass
    unique: list[str] = []
    for address in found:
        if address not in unique and not is_loopback(address) and not is_wildcard(address):
            unique.append(address)
    return unique


@dataclass
class JoinCard:
    """The lines an instructor shows the class (``str(card)``, or ``print(card)``)."""

    host: str          # the address students type
    port: int
    bound: str         # the address the server listens on
    fingerprint: str | None = None  # the TLS certificate's SHA-256 fingerprint, if TLS

    @property
    def command(self) -> str:
        tls = f" --tls --fingerprint {self.fingerprint}" if self.fingerprint else ""
        return f"python -m chatlesson.client {self.host}:{self.port} --nick YOUR_NAME{tls}"

    @property
    def panel_cell(self) -> str:
        tls = f", fingerprint='{self.fingerprint}'" if self.fingerprint else ""
        return ("from chatlesson import ChatPanel\n"
                f"ChatPanel(('{self.host}', {self.port}), nick='YOUR_NAME'{tls})")

    def __str__(self) -> str:
        lines = [
            f"Join the class chat at {self.host}:{self.port}",
            "",
            "From a terminal:",
            f"    {self.command}",
            "",
            "From a notebook cell:",
            *("    " + line for line in self.panel_cell.splitlines()),
            "",
            "To have your own server checked, type in the chat:  /submit YOUR_SERVER_PORT",
            "(your server must listen on an address the instructor's machine can reach)",
        ]
        if self.fingerprint:
            lines += ["", "TLS: the client checks that the server's certificate has this SHA-256 "
                      "fingerprint,", "and refuses to talk if it does not (someone in between):",
                      f"    {self.fingerprint}"]
        others = [] if is_loopback(self.host) else local_addresses()
        lines += ["", reach_warning(self.bound, self.port)]
        if is_wildcard(self.bound) and others:
            lines.append("This machine's addresses: " + ", ".join(others))
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython shows the card, not a dataclass
        printer.text(str(self))


def card_for(bound: str, port: int, fingerprint: str | None = None,
             public_host: str | None = None) -> JoinCard:
    """The card for a server bound to ``bound``: the address students type is ``public_host``,
    else the bound address, else (bound to every interface) this machine's best guess."""
    host = public_host or bound
    if is_wildcard(host):
        host = next(iter(local_addresses()), "127.0.0.1")
    return JoinCard(host, port, bound, fingerprint)
