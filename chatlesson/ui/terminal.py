"""``chatlesson-client``: chat from a terminal.

The tutorial's client uses ``print`` in one thread and ``input`` in another,
so a line that arrives while you type is printed straight through what you
are typing. prompt_toolkit keeps the prompt on the bottom line and prints
incoming lines above it. When standard input is not a terminal (a pipe, a
test), the client falls back to plain lines in and plain lines out.
"""

from __future__ import annotations

import argparse
import ssl
import sys
import threading

from ..client.chat_client import ChatClient, NicknameRejected
from ..core.protocol import DEFAULT_HOST, DEFAULT_PORT, Message

#: How each kind of line looks in a terminal (prompt_toolkit style strings).
STYLES = {
    "chat": "",
    "action": "italic",
    "private": "ansimagenta",
    "notice": "ansicyan",
    "error": "ansired bold",
    "request": "ansicyan",
}

QUIT_WAIT = 5.0  # seconds to wait for the server's goodbye after /quit


def _server_port(text: str) -> int:
    """``--port``: 1 to 65535 (outside, the OS raises OverflowError: a traceback, not a hint)."""
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r}: give the server's port, a number from 1 to 65535")
    return int(text)


def _parse_args(argv):
    parser = argparse.ArgumentParser(prog="chatlesson-client",
                                     description="Chat with a chatlesson server from a terminal.")
    parser.add_argument("server", nargs="?", help="HOST:PORT of the server (the join card's form; "
                        "or use --host and --port)")
    parser.add_argument("--host", default=DEFAULT_HOST, help="server address (default %(default)s)")
    parser.add_argument("--port", type=_server_port, default=DEFAULT_PORT,
                        help="server port (default %(default)s)")
    parser.add_argument("--nick", help="your nickname (asked for if not given)")
    parser.add_argument("--tls", action="store_true", help="connect with TLS")
    parser.add_argument("--fingerprint", help="with --tls: accept only the server certificate with "
                        "this SHA-256 fingerprint (the instructor's join card shows it)")
    parser.add_argument("--cafile", help="with --tls: trust the certificate(s) in this PEM file")
    args = parser.parse_args(argv)
    if args.server:
        host, colon, port = args.server.rpartition(":")
        if not colon or not port.isdigit() or not 0 < int(port) < 65536:
            parser.error(f"{args.server!r} is not HOST:PORT")
        args.host, args.port = host.strip("[]") or DEFAULT_HOST, int(port)
    if (args.fingerprint or args.cafile) and not args.tls:
        parser.error("--fingerprint and --cafile go with --tls")
    return args


def _tls(args) -> bool | ssl.SSLContext:
    """What ``ChatClient``'s ``tls`` gets from the options."""
    if args.tls and args.cafile:
        return ssl.create_default_context(cafile=args.cafile)
    return bool(args.tls)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    ui = _PromptUI() if interactive else _PlainUI()
    try:
        client = ChatClient((args.host, args.port), None, on_message=ui.show, on_close=ui.closed,
                            tls=_tls(args), fingerprint=args.fingerprint)
    except OSError as exc:
        print(f"chatlesson-client: cannot connect to {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    try:
        if not _join(client, args.nick, ui):
            return 1
        ui.run(client)
    finally:
        client.close()
    return 0


def _join(client: ChatClient, nick: str | None, ui) -> bool:
    """The handshake, from the user's side: ask for nicknames until one is accepted."""
    while True:
        if nick is None:
            nick = ui.ask_nick()
            if nick is None:
                return False
        try:
            welcome = client.join(nick)
        except NicknameRejected as exc:
            ui.say_error(f"{exc.reason}; try another nickname")
            if not ui.can_ask:
                return False
            nick = None
        except OSError as exc:
            ui.say_error(f"connection lost during the handshake: {exc}")
            return False
        else:
            ui.show(welcome)
            return True


class _PlainUI:
    """Lines in from standard input, lines out to standard output."""

    can_ask = False

    def __init__(self):
        self._done = threading.Event()

    def ask_nick(self) -> str | None:
        line = sys.stdin.readline()
        return line.strip() or None

    def say_error(self, text: str) -> None:
        print(f"chatlesson-client: {text}", file=sys.stderr, flush=True)

    def show(self, message: Message) -> None:
        print(message.raw, flush=True)

    def closed(self) -> None:
        self._done.set()

    def run(self, client: ChatClient) -> None:
        def pump():
            try:
                for line in sys.stdin:
                    line = line.rstrip("\r\n")
                    if line:
                        try:
                            client.send(line)
                        except ValueError as exc:
                            self.say_error(str(exc))
                    if line.split(" ", 1)[0] == "/quit":
                        return
                client.send("/quit")
            except OSError:
                pass  # the server went away; closed() ends the client

        threading.Thread(target=pump, daemon=True, name="chatlesson-stdin").start()
        self._done.wait()


class _PromptUI:
    """A prompt on the last line; incoming lines printed above it."""

    can_ask = True

    def __init__(self):
        from prompt_toolkit import PromptSession
        self.nick_session = PromptSession()
        # The server echoes every line stamped with our nickname: erase what we typed.
        self.session = PromptSession(erase_when_done=True)
        self._closed = threading.Event()

    def ask_nick(self) -> str | None:
        try:
            return self.nick_session.prompt("Nickname: ").strip() or None
        except (EOFError, KeyboardInterrupt):
            return None

    def say_error(self, text: str) -> None:
        self._print("error", text)

    def show(self, message: Message) -> None:
        self._print(message.kind, message.raw)

    def _print(self, kind: str, text: str) -> None:
        from prompt_toolkit import print_formatted_text
        from prompt_toolkit.formatted_text import FormattedText
        print_formatted_text(FormattedText([(STYLES.get(kind, ""), text)]))

    def closed(self) -> None:
        self._closed.set()
        app = self.session.app
        if app.is_running:  # wake the prompt: the server has gone away
            app.loop.call_soon_threadsafe(lambda: app.exit(exception=EOFError()))

    def run(self, client: ChatClient) -> None:
        from prompt_toolkit.patch_stdout import patch_stdout
        with patch_stdout(raw=True):
            self._print("notice", "Type a message and press Enter. "
                                  "/help lists commands; /quit or Ctrl-D leaves.")
            unsent = ""  # a line the client refused, given back for editing
            while not self._closed.is_set():
                try:
                    text = self.session.prompt(f"{client.nick}> ", default=unsent)
                    unsent = ""
                except KeyboardInterrupt:
                    text = "/quit"
                except EOFError:
                    if self._closed.is_set():
                        break
                    text = "/quit"
                if not text.strip():
                    continue
                try:
                    client.send(text)
                except ValueError as exc:
                    self._print("error", str(exc))
                    unsent = text
                    continue
                except OSError:
                    break
                if text.split(" ", 1)[0] == "/quit":
                    client.wait_closed(QUIT_WAIT)
                    break
            if self._closed.is_set():
                self._print("notice", "Disconnected from the server.")


if __name__ == "__main__":
    sys.exit(main())
