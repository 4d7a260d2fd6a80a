"""TLS for a class: the server's context, certificate fingerprints, a self-signed certificate.

A classroom server usually has a self-signed certificate: no authority vouches for it, so a
client cannot verify it the usual way. What a student can do instead is compare the
certificate's SHA-256 fingerprint with the one the instructor shows on the join card (read
aloud, or on the projector): if they match, nobody is in between. The client's side of that
(``tls_wrap``, ``FingerprintMismatch``) lives with the client, which must not need this
package; with a ``cafile`` (or a certificate from a real authority) the usual verification
applies instead.

The standard library cannot make certificates: ``make_self_signed`` runs the ``openssl``
command if it is installed.
"""

from __future__ import annotations

import hashlib
import shutil
import ssl
import subprocess
from pathlib import Path

from ..client.chat_client import FingerprintMismatch, normalise_fingerprint, tls_wrap

__all__ = ["FingerprintMismatch", "certificate_fingerprint", "fingerprint_of_der",
           "make_self_signed", "normalise_fingerprint", "server_context", "tls_wrap"]


def server_context(certfile: str | Path, keyfile: str | Path | None = None) -> ssl.SSLContext:
    """A server-side context holding the certificate and its private key."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(certfile), None if keyfile is None else str(keyfile))
    return context


def fingerprint_of_der(der: bytes) -> str:
    return normalise_fingerprint(hashlib.sha256(der).hexdigest())


def certificate_fingerprint(certfile: str | Path) -> str:
    """The SHA-256 fingerprint of the (first) certificate in a PEM file."""
    pem = Path(certfile).read_text(encoding="ascii")
    end = "-----END CERTIFICATE-----"
    first = pem[:pem.index(end) + len(end)]
    return fingerprint_of_der(ssl.PEM_cert_to_DER_cert(first))


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
