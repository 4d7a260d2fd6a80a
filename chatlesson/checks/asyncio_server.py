"""Checker for lesson 10's exercise: ``serve_client``, one client's life in an asyncio server.

The student's ``async def serve_client(chat, reader, writer)`` serves every client of a real
``asyncio`` server, on an event loop in a background thread, with the package's ``ChatRules``
behind ``chat.rules``. Three real clients then join, chat in pieces, send too long a line,
close, reset and quit, and every line they receive is compared with what the same rules answer
when called by hand. When a line does not come, the checker says why: an exception in
``serve_client``, a loop that stood still (a blocking call), a loop that spins after the end
of the stream, or a call to the rules that went wrong (noted as it happened).
"""

from __future__ import annotations

import asyncio
import inspect
import socket
import threading
import time

from ..core.framing import LINE_TOO_LONG, LineTooLong
from ..core.outbox import Outbox
from ..core.protocol import CONNECTION_LOST, encode_line
from ..core.rules import ChatRules
from .core import Checker, checker, exception_hint, last_line, need_function, shown
from .sockets import HOST, LineTimeout, Peer, PeerClosed

#: The loop standing still this long while a line was awaited means a blocking call.
BLOCKED_SECONDS = 0.5
#: ... and this long at any moment of the check, even when every line came in the end.
STALL_SECONDS = 0.8
#: How often the loop notes that it is alive.
BEAT_SECONDS = 0.02
#: A reader that returned b"" this many times is being read in a loop after the end.
BUSY_READS = 3

AWAIT_HINT = ("reader.read(...) is a coroutine: it gives you bytes only when you await it, "
              "data = await reader.read(4096).")
BLOCKING_HINT = ("Something in serve_client blocks: while it runs, the event loop cannot serve "
                 "anyone. Use only awaited calls to wait (await reader.read(...)); never "
                 "time.sleep, input() or a plain socket's recv inside a coroutine.")
BUSY_HINT = ("await reader.read(...) returns b'' once the client has closed, and again at once "
             "every time after that. Leave the loop on b'' (if not data: break).")
BUFFER_HINT = ("TCP may cut a line anywhere. Make one LineBuffer() per client before the loop, "
               "and feed it every chunk: lines = buffer.feed(data) gives the lines that are "
               "complete, and keeps the rest for the next chunk.")


class RecordingRules:
    """What serve_client sees as ``chat.rules``: the package's rules, noting each call it makes."""

    def __init__(self, rules: ChatRules):
        self.real = rules
        self.calls: list[tuple[str, object, object]] = []

    def connect(self, who, address=None):
        self.calls.append(("connect", who, address))
        return self.real.connect(who, address)

    def line(self, who, data):
        self.calls.append(("line", who, data))
        return self.real.line(who, data)

    def disconnect(self, who, reason=None):
        self.calls.append(("disconnect", who, reason))
        return self.real.disconnect(who, reason)

    def __getattr__(self, name):
        return getattr(self.real, name)


class TappedReader:
    """The client's StreamReader, counting what arrived and what ``read`` returned."""

    def __init__(self, reader: asyncio.StreamReader):
        self._reader = reader
        self.bytes_read = 0
        self.bytes_received = 0  # what reached the server, however serve_client reads it
        feed = reader.feed_data

        def counted(data: bytes) -> None:
            self.bytes_received += len(data)
            feed(data)

        reader.feed_data = counted  # type: ignore[method-assign,assignment]  # asyncio calls it per chunk
        self.empty_reads = 0
        self.read_to_end = False  # read() or read(-1): waits for the end of the stream

    async def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            self.read_to_end = True
        data = await self._reader.read(n)
        self.bytes_read += len(data)
        if not data:
            self.empty_reads += 1
        return data

    def __getattr__(self, name):
        return getattr(self._reader, name)


class Server:
    """A real asyncio server whose clients are served by the student's ``serve_client``.

    It is the ``chat`` argument too: ``chat.rules`` and ``chat.carry_out(out)``.
    """

    def __init__(self, c: Checker, serve_client):
        self.serve_client = serve_client
        self.rules = RecordingRules(ChatRules(flood_limit=None))
        self.loop = asyncio.new_event_loop()
        self.loop.set_exception_handler(lambda loop, context: None)  # the verdict says it all
        self.errors: list[tuple[object, BaseException]] = []  # (writer, what serve_client raised)
        self.writers: list[asyncio.StreamWriter] = []
        self.readers: dict[object, TappedReader] = {}
        self.running: set[object] = set()  # writers whose serve_client has not returned yet
        self.last_beat = time.monotonic()
        self.longest_pause = 0.0
        self.listener: asyncio.AbstractServer | None = None
        self.address: tuple[str, int] | None = None
        self.ready = threading.Event()
        self.call = c.start(self._run, label="serve_client")

    # --- the loop's thread ---------------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.listener = self.loop.run_until_complete(asyncio.start_server(self._serve, HOST, 0))
        self.address = self.listener.sockets[0].getsockname()[:2]
        self.loop.call_soon(self._beat)
        self.ready.set()
        self.loop.run_forever()

    def _beat(self) -> None:
        now = time.monotonic()
        self.longest_pause = max(self.longest_pause, now - self.last_beat)
        self.last_beat = now
        self.loop.call_later(BEAT_SECONDS, self._beat)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tapped = TappedReader(reader)
        self.writers.append(writer)
        self.readers[writer] = tapped
        self.running.add(writer)
        try:
            await self.serve_client(self, tapped, writer)
        except asyncio.CancelledError:
            pass  # the check is over
        except Exception as exc:
            self.errors.append((writer, exc))
        finally:
            self.running.discard(writer)

    def carry_out(self, out) -> None:
        """Send each line the rules asked for, then close whom they said to close."""
        for who, line in out.sends:
            if not hasattr(who, "write"):
                raise TypeError(f"chat.carry_out: the rules were given {who!r} as who, "
                                "but who must be the client's writer")
            if not who.is_closing():
                who.write(encode_line(line))
        for who in out.closes:
            who.close()

    # --- the checker's thread ------------------------------------------------------------

    def sync(self) -> None:
        """Wait until the loop has finished what it was doing, so what it raised is noted."""
        if self.call.thread.is_alive() and not self.loop.is_closed():
            done = threading.Event()
            self.loop.call_soon_threadsafe(done.set)
            done.wait(BLOCKED_SECONDS)

    def blocked(self) -> bool:
        return time.monotonic() - self.last_beat > BLOCKED_SECONDS

    def close(self) -> None:
        """Close every connection and the listener, stop the loop, end its thread."""
        closed = False
        for _ in range(3):
            if not self.call.thread.is_alive():
                break
            if self.ready.is_set() and not self.blocked():
                try:
                    asyncio.run_coroutine_threadsafe(self._close_all(), self.loop).result(2)
                    closed = True
                except Exception:
                    pass
                self.loop.call_soon_threadsafe(self.loop.stop)
                if self.call.wait(2):
                    break
            self.call.stop()  # student code still looping: interrupt it, then try again
            self.call.wait(1)
        if self.call.thread.is_alive() or self.loop.is_closed():
            return
        if not closed:  # the loop's thread ended first: close what is left in a thread of ours
            # (not in this one: in a notebook, this thread already runs the kernel's loop)
            finisher = threading.Thread(target=self._finish, name="chatlesson-check cleanup")
            finisher.start()
            finisher.join(3)
        self.loop.close()

    def _finish(self) -> None:
        self.loop.run_until_complete(self._close_all())

    async def _close_all(self) -> None:
        if self.listener is not None:
            self.listener.close()
        for writer in self.writers:
            writer.transport.abort()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class Client:
    """One of the checker's clients, with the rules' answers it should get."""

    def __init__(self, c: Checker, server: Server, name: str):
        self.name = name
        assert server.address is not None  # the server is listening: Check waited for it
        sock = c.keep(socket.create_connection(server.address, timeout=c.timeout))
        sock.settimeout(None)
        self.peer = Peer(sock, name)
        self.writer: asyncio.StreamWriter | None = None  # the server's, once serve_client has it


class Check:
    """The steps of the check, sharing the server, the clients and the mirror rules."""

    def __init__(self, c: Checker, serve_client):
        self.c = c
        self.server = Server(c, serve_client)
        if not self.server.ready.wait(5):
            c.fail("The check could not start its server.", status="error")
        self.mirror: ChatRules[str] = ChatRules(flood_limit=None)  # the same rules, called by hand
        self.clients: dict[str, Client] = {}
        self.gone: set[str] = set()  # clients that left or were told to leave

    # --- what the clients do, and what the rules say they should receive -----------------

    def connect(self, name: str) -> None:
        client = Client(self.c, self.server, name)
        self.clients[name] = client
        step = f"{name} connected"
        self.expect(self.mirror.connect(name, (HOST, 0)), step, sent=f"{name} connects")
        writers = [w for w in self.server.writers if w not in
                   {other.writer for other in self.clients.values()}]
        client.writer = writers[-1] if writers else None

    def say(self, name: str, data: bytes, mirror_lines, step: str, pieces=None) -> None:
        """``name`` sends ``data`` (in ``pieces``, each once the server read the one before)."""
        client = self.clients[name]
        out = self.mirror_outbox(name, mirror_lines)
        if pieces is None:
            client.peer.send(data)
        else:
            self.send_in_pieces(client, pieces, step)
        self.expect(out, step, sent=shown(data))

    def mirror_outbox(self, name: str, lines) -> Outbox[str]:
        out: Outbox[str] = Outbox()
        for line in lines:
            out.extend(self.mirror.line(name, line))
        return out

    def send_in_pieces(self, client: Client, pieces: list[bytes], step: str) -> None:
        reader = self.server.readers.get(client.writer)
        total = reader.bytes_received if reader else 0
        for index, piece in enumerate(pieces):
            if index and reader is not None:
                deadline = time.monotonic() + self.c.timeout
                while reader.bytes_received < total and time.monotonic() < deadline:
                    if self.trouble():
                        self.diagnose(step)
                    time.sleep(0.005)
            client.peer.send(piece)
            total += len(piece)

    # --- reading and judging ---------------------------------------------------------------

    def trouble(self) -> bool:
        return bool(self.server.errors) or self.server.blocked() or not self.server.call.thread.is_alive()

    def expect(self, out, step: str, *, sent=None) -> None:
        """Every client gets exactly the lines ``out`` has for it, in order; no client gets more."""
        for name, client in self.clients.items():
            for line in out.lines_for(name):
                self.expect_line(client, line, step, sent=sent)
        for name in out.closes:
            if not self.closed(self.clients[name]):
                self.diagnose(step)
                self.c.fail(f"{name}'s connection stayed open after the rules asked to close it, "
                            f"while {step}.", sent=sent,
                            hint="Carry out every Outbox with chat.carry_out(out): it closes the "
                                 "connections the rules name.")
        self.server.sync()
        self.diagnose(step)  # an exception, a bad call or a stall, even when the lines came

    def expect_line(self, client: Client, expected: str, step: str, *, sent=None) -> None:
        try:
            raw = client.peer.read_line(self.c.timeout, self.trouble)
        except (LineTimeout, PeerClosed) as why:
            self.diagnose(step)
            arrived = shown(client.peer.buffer)
            if isinstance(why, PeerClosed):
                arrived += ", then the connection was closed"
            self.c.fail(f"{client.name} received no line while {step}.", sent=sent,
                        expected=shown(expected + "\n"), arrived=arrived,
                        hint=self.missing_hint(step))
        got = raw[:-1].decode("utf-8", errors="replace")
        if got != expected:
            self.diagnose(step)
            self.c.fail(f"{client.name} received the wrong line while {step}.", sent=sent,
                        expected=shown(expected + "\n"), arrived=shown(got + "\n"),
                        hint=self.wrong_hint(expected, got))

    def closed(self, client: Client) -> bool:
        """True once the server has closed this client's connection (it reads the end)."""
        try:
            raw = client.peer.read_line(self.c.timeout, self.trouble)
        except PeerClosed:
            return True
        except LineTimeout:
            return False
        self.c.fail(f"{client.name} received one line too many.", arrived=shown(raw),
                    hint="Carry out each Outbox once: every line the rules return is sent once.")

    def returned(self, client: Client, step: str, hint: str) -> None:
        """serve_client must have returned for this client, and closed its writer."""
        deadline = time.monotonic() + self.c.timeout
        while client.writer in self.server.running and time.monotonic() < deadline:
            if self.trouble():
                break
            time.sleep(0.005)
        self.diagnose(step)
        if client.writer in self.server.running:
            self.c.fail(f"serve_client did not return after {step}.", hint=hint, status="timeout")
        if client.writer is not None and not client.writer.is_closing():
            self.c.fail(f"serve_client returned without closing the connection after {step}.",
                        hint="End serve_client with writer.close(): the server must not keep the "
                             "socket of a client that is gone (a finally: block is a good place).")

    # --- why something went wrong ----------------------------------------------------------

    def diagnose(self, step: str) -> None:
        """Fail with the real cause when there is one: a bad call, an exception, a stuck loop."""
        server = self.server
        if server.errors and isinstance(server.errors[0][1], NotImplementedError):
            self.c.not_done("serve_client")
        self.check_calls(step)
        if server.errors:
            exc = server.errors[0][1]
            self.c.fail(f"serve_client raised an exception while {step}.", arrived=last_line(exc),
                        hint=self.exception_hint(exc), status="error")
        if any(r.empty_reads >= BUSY_READS for r in server.readers.values()):
            self.c.fail(f"serve_client kept reading after the client closed: it is stuck in a busy "
                        f"loop ({step}).", hint=BUSY_HINT, status="timeout")
        if server.blocked() or server.longest_pause > STALL_SECONDS:
            self.c.fail(f"The event loop stood still while {step}: serve_client made a call "
                        f"that blocks.", hint=BLOCKING_HINT, status="timeout")
        if not any(kind == "connect" for kind, _, _ in server.rules.calls):
            self.c.fail(f"serve_client never told the rules about the new connection ({step}).",
                        hint="Start with chat.carry_out(chat.rules.connect(writer, "
                             "writer.get_extra_info('peername'))): the rules then greet the "
                             "client with Hii.")
        for name, client in self.clients.items():
            if name not in self.gone and client.writer is not None \
                    and client.writer not in server.running:
                hint = ("Keep serving the client in a loop until await reader.read(...) returns "
                        "b'' (or raises ConnectionError): for each line from the LineBuffer, "
                        "chat.carry_out(chat.rules.line(writer, line)).")
                if "3000 bytes" in step:
                    hint = ("What too long a line means is the rules' decision: pass LINE_TOO_LONG "
                            "to chat.rules.line like any other line; the client stays connected.")
                self.c.fail(f"serve_client returned while {name} was still connected ({step}).",
                            hint=hint)

    def check_calls(self, step: str) -> None:
        calls = self.server.rules.calls
        connected = [who for kind, who, _ in calls if kind == "connect"]
        for kind, who, data in calls:
            if kind == "connect" and not hasattr(who, "write"):
                what = "the reader" if isinstance(who, TappedReader) else f"a {type(who).__name__}"
                self.c.fail(f"serve_client called chat.rules.connect with {what} as who ({step}).",
                            hint="Use the writer as who, everywhere: carry_out writes the rules' "
                                 "lines to it.")
            if kind in ("line", "disconnect") and not any(who is w for w in connected):
                self.c.fail(f"serve_client called chat.rules.{kind} with a who the rules were "
                            f"never told about in connect ({step}).",
                            hint="Pass the same object, the writer, as who to connect, line and "
                                 "disconnect.")
            if kind == "line" and not isinstance(data, (bytes, LineTooLong)):
                self.c.fail(f"serve_client gave chat.rules.line a {type(data).__name__}, not "
                            f"bytes ({step}).",
                            hint="Pass each line as the bytes LineBuffer gives you: the rules "
                                 "decode it themselves.")
            if kind == "line" and isinstance(data, bytes) and data.endswith((b"\n", b"\r")):
                self.c.fail(f"serve_client gave chat.rules.line a line that still ends with its "
                            f"line ending ({step}).", arrived=shown(data),
                            hint="The rules want the line without b'\\n': feed the bytes to a "
                                 "LineBuffer, which removes the line ending (b'\\r\\n' too).")
        if any(r.read_to_end for r in self.server.readers.values()):
            self.c.fail(f"serve_client waited for the end of the stream before passing on any "
                        f"line ({step}).",
                        hint="reader.read() without a size reads until the client closes. Read "
                             "what has arrived with await reader.read(4096), in a loop.")

    def exception_hint(self, exc: BaseException) -> str:
        text = str(exc)
        if "can't be used in 'await' expression" in text:
            return ("chat.carry_out and the rules' methods are plain functions that return at once: "
                    "call them without await. Only the reader's methods need await.")
        if "coroutine" in text:
            return AWAIT_HINT
        if isinstance(exc, AttributeError) and "decode" in text:
            return ("chat.rules.line wants the line as bytes, as LineBuffer gives it: do not "
                    "decode it yourself.")
        if isinstance(exc, ConnectionError):
            return ("A client whose connection is reset makes await reader.read(...) raise "
                    "ConnectionError (ConnectionResetError is one). Catch it, end the loop, and "
                    "tell the rules with chat.rules.disconnect(writer, CONNECTION_LOST).")
        if "who must be the client's writer" in text:
            return "Use the writer as who, everywhere: carry_out writes the rules' lines to it."
        return exception_hint(exc)

    def missing_hint(self, step: str) -> str:
        if "connected" in step:
            return ("Carry out what the rules answer: chat.carry_out(chat.rules.connect(writer, "
                    "writer.get_extra_info('peername'))).")
        if "closed" in step or "reset" in step:
            return ("When the client is gone, tell the rules: chat.carry_out(chat.rules."
                    "disconnect(writer, reason)); they announce who left.")
        if "pieces" in step or "split" in step:
            return BUFFER_HINT
        return ("Every line the client sends must reach the rules, and their answer must be "
                "carried out: for each line from the LineBuffer, "
                "chat.carry_out(chat.rules.line(writer, line)).")

    @staticmethod
    def wrong_hint(expected: str, got: str) -> str:
        if expected.endswith("(connection lost)") and not got.endswith("(connection lost)"):
            return ("A reset connection is not a clean goodbye: pass CONNECTION_LOST as the reason "
                    "to chat.rules.disconnect when reading raised ConnectionError.")
        if got.endswith("(connection lost)") and not expected.endswith("(connection lost)"):
            return ("A client that closed cleanly (await reader.read(...) returned b'') left "
                    "without an error: pass reason None (the default) to chat.rules.disconnect.")
        if got.startswith("!!!") and "control characters" in got:
            return ("The rules received the line with its line ending: feed the bytes to a "
                    "LineBuffer, which removes it.")
        if got.strip() == expected.strip() or got.replace(" ", "") == expected.replace(" ", ""):
            return ("The spaces in a line are the sender's: pass the line to the rules exactly as "
                    "LineBuffer gives it (no strip()).")
        if expected.startswith("!!! line too long"):
            return ("A line longer than the limit must reach the rules as LINE_TOO_LONG, which is "
                    "what LineBuffer().feed(...) gives in its place: read with LineBuffer, not "
                    "readline().")
        return BUFFER_HINT


@checker("serve_client")
def check_asyncio_server(c: Checker, serve_client) -> None:
    need_function(c, serve_client, "serve_client")
    if not inspect.iscoroutinefunction(serve_client):
        c.fail("serve_client is a plain function: asyncio needs a coroutine function.",
               hint="Define it with async def serve_client(chat, reader, writer):, so that it "
                    "can await reader.read(...).")
    check = Check(c, serve_client)
    try:
        _steps(c, check)
    finally:
        check.server.close()


def _steps(c: Checker, check: Check) -> None:
    check.connect("ada")
    c.ok("a client that connects is greeted by the rules (Hii)")
    check.say("ada", b"ada\n", [b"ada"], "ada answered Hii with her nickname")
    c.ok("ada's nickname reached the rules, and their welcome reached her")
    for name in ("bob", "cy"):
        check.connect(name)
        check.say(name, f"{name}\n".encode(), [name.encode()], f"{name} chose a nickname")
    c.ok("three clients are served at once, each by its own serve_client")

    check.say("ada", b"hello,  bob \n", [b"hello,  bob "], "ada sent a line in two pieces",
              pieces=[b"hel", b"lo,  bob \n"])
    c.ok("a line sent in two pieces reached everyone once, spaces and all")
    text = "café ☕\n".encode()
    check.say("ada", text, [text[:-1]], "ada sent a line split inside its characters",
              pieces=[text[:4], text[4:7], text[7:]])
    c.ok("a line split inside a character arrived whole")
    check.say("ada", b"one\ntwo\n", [b"one", b"two"], "ada sent two lines at once")
    check.say("bob", b"crlf\r\n", [b"crlf"], 'bob ended his line with "\\r\\n"')
    c.ok('two lines in one chunk, and a line ending in "\\r\\n", went through')
    check.say("ada", b"x" * 3000 + b"\n", [LINE_TOO_LONG], "ada sent a line of 3000 bytes")
    check.say("ada", b"still here\n", [b"still here"], "ada wrote again after her too long line")
    c.ok("too long a line reached the rules as LINE_TOO_LONG, and the client stayed connected")

    cy = check.clients["cy"]
    check.gone.add("cy")
    cy.peer.sock.shutdown(socket.SHUT_WR)
    check.expect(check.mirror.disconnect("cy"), "cy closed the connection", sent="cy closes")
    check.returned(cy, "cy closed the connection",
                   hint="Leave the loop when await reader.read(...) returns b'', tell the rules "
                        "(disconnect), close the writer, and return.")
    c.ok("when cy closed, the rules were told, the others heard it, and serve_client returned")

    bob = check.clients["bob"]
    check.gone.add("bob")
    bob.peer.reset()
    del check.clients["bob"]
    check.expect(check.mirror.disconnect("bob", CONNECTION_LOST), "bob's connection was reset",
                 sent="bob's connection is reset")
    check.returned(bob, "bob's connection was reset",
                   hint="Catch ConnectionError around await reader.read(...), then tell the "
                        "rules (disconnect with CONNECTION_LOST), close the writer and return.")
    c.ok("when bob's connection was reset, the rules were told it was lost")

    ada = check.clients["ada"]
    check.gone.add("ada")
    check.say("ada", b"/quit goodnight\n", [b"/quit goodnight"], "ada typed /quit")
    check.returned(ada, "ada typed /quit (the rules closed her connection)",
                   hint="When the rules close a connection, the next await reader.read(...) "
                        "returns b'': leave the loop then, as when the client closes.")
    c.ok("when the rules closed ada's connection, serve_client returned")
    check.diagnose("the whole check")  # a loop that stood still at any moment
    c.ok("the event loop was never blocked")
