"""A chat client you can drive from code: tests, the chat panel, a notebook.

The tutorial's client has two threads, one receiving and one writing. Here
the writing thread is whoever calls ``send``; the receiving thread hands each
line, parsed into a ``Message``, to a callback or to the ``messages`` queue.

>>> from chatlesson import ChatServer, ChatClient
>>> with ChatServer() as server, ChatClient(server.address, "ada") as ada:
...     ada.send("hello")
...     print(ada.messages.get(timeout=5).raw)
ada: hello
"""

from __future__ import annotations

import hashlib
import logging
import queue
import socket
import ssl
import threading
from collections.abc import Callable

from ..core.framing import LineBuffer
from ..core.protocol import (
    ERROR_PREFIX,
    NICK_REQUEST,
    Message,
    encode_line,
    outgoing_problem,
    parse_line,
)
from ..server.wakeups import hang_up

log = logging.getLogger("chatlesson.client")

#: Seconds to wait for the server during the handshake.
HANDSHAKE_TIMEOUT = 10.0


class FingerprintMismatch(ssl.SSLError):
    """The server's certificate is not the one on the join card: someone may be in between."""


def normalise_fingerprint(fingerprint: str) -> str:
    """``"ab:cd..."`` or ``"ABCD..."`` -> ``"AB:CD:..."`` (how the join card shows it)."""
    digits = fingerprint.replace(":", "").replace(" ", "").upper()
    return ":".join(digits[i:i + 2] for i in range(0, len(digits), 2))


def tls_wrap(sock: socket.socket, host: str, tls: bool | ssl.SSLContext = True,
             fingerprint: str | None = None) -> ssl.SSLSocket:
    """The TLS handshake on a connected socket, before a byte of chat is sent.

    With ``fingerprint`` (a class's self-signed certificate, which no authority vouches
    for) the chain is not verified; instead the certificate's SHA-256 must be exactly the
    one given, or ``FingerprintMismatch`` is raised. Otherwise ``tls`` is the context to
    use, or True for the system's authorities and a host name check.
    """
    if isinstance(tls, ssl.SSLContext):
        context = tls
    elif fingerprint is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # checked below, against the fingerprint
    else:
        context = ssl.create_default_context()
    wrapped = context.wrap_socket(sock, server_hostname=host if context.check_hostname else None)
    if fingerprint is not None:
        der = wrapped.getpeercert(binary_form=True)
        found = normalise_fingerprint(hashlib.sha256(der).hexdigest()) if der else "none"
        if found != normalise_fingerprint(fingerprint):
            wrapped.close()
            raise FingerprintMismatch(
                f"the server's certificate fingerprint is {found}, not the "
                f"{normalise_fingerprint(fingerprint)} you were given: do not send anything")
    return wrapped


class NicknameRejected(Exception):
    """The server refused the nickname; ``reason`` says why. Try another one."""

    def __init__(self, nick: str, reason: str):
        super().__init__(f"nickname {nick!r} rejected: {reason}")
        self.nick = nick
        self.reason = reason


class ChatClient:
    """A connection to a chat server.

    ``ChatClient(address, nick)`` connects and joins at once. Pass
    ``nick=None`` to connect only, then call ``join(nick)`` until it works
    (that is what the terminal client does). Incoming lines go to
    ``on_message(message)`` if given, else to the ``messages`` queue; the
    ``None`` message, or a call to ``on_close()``, says the connection ended.

    TLS: ``tls=True`` verifies the server with the system's authorities, ``tls=context``
    uses an ``ssl.SSLContext``; ``fingerprint="AB:CD:..."`` (a class's self-signed
    certificate) accepts exactly the certificate with that SHA-256 fingerprint, as the
    instructor's join card shows it, and refuses to talk to any other.
    ``source_address=(ip, 0)`` picks the local address to connect from (a machine with
    several networks; tests that play a class from 127.0.0.x).
    """

    def __init__(self, address: tuple[str, int], nick: str | None = None, *,
                 on_message: Callable[[Message], None] | None = None,
                 on_close: Callable[[], None] | None = None,
                 timeout: float = HANDSHAKE_TIMEOUT,
                 tls: bool | ssl.SSLContext = False, fingerprint: str | None = None,
                 source_address: tuple[str, int] | None = None):
        host, port = address
        self.address = (host, port)
        self.nick: str | None = None
        self.welcome: Message | None = None
        self.messages: queue.Queue[Message | None] = queue.Queue()
        self.on_message = on_message
        self.on_close = on_close
        self.timeout = timeout
        self._lines = LineBuffer(max_line_bytes=1 << 20)
        self._ready: list[bytes] = []
        self._receiver: threading.Thread | None = None
        self._send_lock = threading.Lock()
        self._closed = threading.Event()
        sock = socket.create_connection(self.address, timeout=timeout,
                                        source_address=source_address)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls or fingerprint is not None:
            try:
                sock = tls_wrap(sock, host, tls, fingerprint)
            except BaseException:
                sock.close()
                raise
        self.sock = sock
        try:
            self._expect_request()
            if nick is not None:
                self.join(nick)
        except BaseException:
            self.sock.close()
            raise

    # --- The handshake -----------------------------------------------------

    def _read_line(self) -> str:
        """Read one line synchronously (only before the receiving thread runs)."""
        while not self._ready:
            data = self.sock.recv(4096)
            if not data:
                raise ConnectionError("the server closed the connection")
            self._ready.extend(line for line in self._lines.feed(data) if isinstance(line, bytes))
        return self._ready.pop(0).decode("utf-8", errors="replace")

    def _expect_request(self) -> None:
        line = self._read_line()
        if line.startswith(ERROR_PREFIX):  # e.g. a banned address: the server says why, then hangs up
            raise ConnectionRefusedError(f"the server refused us: {line[len(ERROR_PREFIX):]}")
        if line != NICK_REQUEST:
            raise ConnectionError(f"expected the nickname request {NICK_REQUEST!r}, got {line!r}")

    def join(self, nick: str) -> Message:
        """Answer the nickname request; raise ``NicknameRejected`` if refused."""
        if self.nick is not None:
            raise RuntimeError(f"already joined as {self.nick}")
        self.sock.sendall(encode_line(nick))
        reply = parse_line(self._read_line())
        if reply.kind == "error":
            self._expect_request()  # the server asks again; the connection stays usable
            raise NicknameRejected(nick, reply.text)
        if reply.event != "welcome":
            raise ConnectionError(f"expected a welcome, got {reply.raw!r}")
        self.nick = reply.nick
        self.welcome = reply
        self.sock.settimeout(None)
        self._receiver = threading.Thread(target=self._receive_loop, daemon=True,
                                          name=f"chatlesson-receiver-{nick}")
        self._receiver.start()
        return reply

    # --- Talking -----------------------------------------------------------

    def send(self, text: str) -> None:
        """Send one line of chat (or a /command). The server adds our nickname."""
        problem = outgoing_problem(text)
        if problem:
            raise ValueError(problem)
        with self._send_lock:
            self.sock.sendall(encode_line(text))

    def _receive_loop(self) -> None:
        try:
            pending, self._ready = self._ready, []
            for line in pending:
                self._hand_over(line)
            while True:
                data = self.sock.recv(4096)
                if not data:
                    break
                for item in self._lines.feed(data):
                    if isinstance(item, bytes):  # not LINE_TOO_LONG
                        self._hand_over(item)
        except OSError:
            pass  # closed by us, or the connection broke: both end the conversation
        finally:
            self._closed.set()
            if self.on_close is not None:
                self.on_close()
            else:
                self.messages.put(None)

    def _hand_over(self, line: bytes) -> None:
        message = parse_line(line.decode("utf-8", errors="replace"))
        if message.event == "renamed" and message.old_nick == self.nick:
            self.nick = message.nick  # our own /nick went through
        if self.on_message is None:
            self.messages.put(message)
            return
        try:
            self.on_message(message)
        except Exception:  # a bug in the callback must not end the conversation
            log.exception("on_message failed for %r", message.raw)

    # --- Ending ------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return not self._closed.is_set() and self.sock.fileno() != -1

    def wait_closed(self, timeout: float | None = None) -> bool:
        """Block until the connection has ended; True if it did within ``timeout``."""
        return self._closed.wait(timeout)

    def close(self) -> None:
        """Hang up and stop the receiving thread."""
        hang_up(self.sock)  # wakes the receiving thread on every system (see wakeups.py)
        receiver = self._receiver
        if receiver is not None and receiver is not threading.current_thread():
            receiver.join()
        self.sock.close()
        self._closed.set()

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "connected" if self.connected else "closed"
        return f"<ChatClient {self.nick or '(no nickname)'} {state}>"

