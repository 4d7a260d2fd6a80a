"""TLS for a class: the server's context, the clients' context, and a fingerprint to check.

A classroom server usually has a self-signed certificate: no authority vouches for it, so a
client cannot verify it the usual way. What a student can do instead is compare the
certificate's SHA-256 fingerprint with the one the instructor shows on the join card (read
aloud, or on the projector): if they match, nobody is in between. ``client_context`` and
``check_fingerprint`` do exactly that; with a ``cafile`` (or a certificate from a real
authority) the usual verification applies instead.

The standard library cannot make certificates: ``make_self_signed`` runs the ``openssl``
command if it is installed.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import ssl
import subprocess
from pathlib import Path


class FingerprintMismatch(ssl.SSLError):
    """The server's certificate is not the one on the join card: someone may be in between."""


def server_context(certfile: str | Path, keyfile: str | Path | None = None) -> ssl.SSLContext:
    """A server-side context holding the certificate and its private key."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(certfile), None if keyfile is None else str(keyfile))
    return context


def client_context(cafile: str | Path | None = None, fingerprint: str | None = None) -> ssl.SSLContext:
    """A client-side context: the system's authorities, or ``cafile``, or a pinned fingerprint.

    With ``fingerprint`` the certificate chain is not verified (it is self-signed): the
    caller must call ``check_fingerprint`` on the connected socket, as ``wrap`` does.
    """
    if fingerprint is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=None if cafile is None else str(cafile))


def normalise(fingerprint: str) -> str:
    """``"AB:cd:..."`` or ``"abcd..."`` -> ``"AB:CD:..."`` (how the join card shows it)."""
    digits = fingerprint.replace(":", "").replace(" ", "").upper()
    return ":".join(digits[i:i + 2] for i in range(0, len(digits), 2))


def fingerprint_of_der(der: bytes) -> str:
    return normalise(hashlib.sha256(der).hexdigest())


def certificate_fingerprint(certfile: str | Path) -> str:
    """The SHA-256 fingerprint of the (first) certificate in a PEM file."""
    pem = Path(certfile).read_text(encoding="ascii")
    end = "-----END CERTIFICATE-----"
    first = pem[:pem.index(end) + len(end)]
    return fingerprint_of_der(ssl.PEM_cert_to_DER_cert(first))


def check_fingerprint(sock: ssl.SSLSocket, expected: str) -> None:
    """Raise ``FingerprintMismatch`` unless the peer's certificate has this fingerprint."""
    der = sock.getpeercert(binary_form=True)
    found = fingerprint_of_der(der) if der else "no certificate"
    if found != normalise(expected):
        raise FingerprintMismatch(f"the server's certificate fingerprint is {found}, not the "
                                  f"{normalise(expected)} you were given: do not send anything")


def wrap(sock: socket.socket, host: str, context: ssl.SSLContext,
         fingerprint: str | None = None) -> ssl.SSLSocket:
    """Do the TLS handshake on a connected socket (and check the fingerprint, if given)."""
    server_hostname = host if context.check_hostname else None
    tls = context.wrap_socket(sock, server_hostname=server_hostname)
    if fingerprint is not None:
        try:
            check_fingerprint(tls, fingerprint)
        except BaseException:
            tls.close()
            raise
    return tls


def make_self_signed(folder: str | Path, name: str = "chatlesson-classroom",
                     days: int = 30) -> tuple[Path, Path]:
    """Write ``cert.pem`` and ``key.pem`` into ``folder`` with the ``openssl`` command.

    Raises ``FileNotFoundError`` when ``openssl`` is not installed (it is on macOS and most
    Linux systems; on Windows it comes with Git for Windows).
    """
    openssl = shutil.which("openssl")
    if openssl is None:
        raise FileNotFoundError("the openssl command is not installed")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
                    "-days", str(days), "-subj", f"/CN={name}", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return cert, key
