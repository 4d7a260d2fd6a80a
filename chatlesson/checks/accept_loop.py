"""Driving a student's accept loop: what the checks of lessons 04 and 05 share.

``Run`` runs the student's ``receive(server)`` on a listening socket of the
checker's and waits, with deadlines, for what it should do: accept, fill
the two lists, start one daemon ``handle`` thread per client, go back to
``accept()``. ``StagedListener`` hands it sockets whose client can be made
to vanish at an exact moment (just before the server's next send to it), so
"a client died right then" happens the same way every run, on every system.
``ThreadWatch`` and ``PrintWatch`` note the threads student code starts, the
exceptions that end them and anything they print.
"""

from __future__ import annotations

import contextlib
import io
import select
import sys
import threading
import time
from typing import cast

from ..server import listening
from .core import Checker, StudentCall, last_line, need_function, phrase, shown
from .sockets import Peer, TappedListener, TappedSocket

LABEL = "receive(server)"

THREAD_HINT = ("receive must not wait for one client: run handle in its own thread, "
               "threading.Thread(target=handle, args=(client,), daemon=True).start(), "
               "and go straight back to accept().")
CHAT_HINT = ("Start a thread that runs handle(client) for every client: that loop is what "
             "reads the client's lines and broadcasts them.")
OWN_CLIENT_HINT = ("Each thread must serve the client accept() has just returned: start it with "
                   "args=(client,), not with another socket from the list.")
STOP_HINT = "When accept() raises OSError (the server socket was shut down), leave the loop."
LOOP_HINT = ("receive serves every client, one after another: call accept() again and again, "
             "in a loop, and leave the loop only when accept() raises OSError.")
DAEMON_HINT = ("Start the thread with daemon=True: handle waits in recv() for as long as its "
               "client stays, and a thread that is not a daemon keeps Python from exiting.")
ORDER_HINT = ("clients and nicknames go side by side: add the client and its nickname at the "
              "same position (append both), so nicknames[i] stays the name of clients[i].")
LISTS_HINT = ("When a client leaves, remove it and its nickname by position: index = "
              "clients.index(client), then pop that index from both lists. "
              "nicknames.remove(nickname) removes the first entry with that name, which may be "
              "someone else's.")


# --- Sockets whose client leaves at a chosen moment ---------------------------------


class StagedSocket(TappedSocket):
    """The server's end of a connection; ``leave_before_send`` makes its client vanish.

    Set it to a function returning True when the client should be gone: the
    next ``send``/``sendall`` for which it is True first resets the
    connection from the client's side and waits until this end has seen it.
    The send then fails as it would if the client had died a moment before.
    """

    leave_before_send = None
    client: Peer | None = None
    peers: dict | None = None  # the listener's clients, by address (see StagedListener)

    def _maybe_leave(self) -> None:
        when = self.leave_before_send
        if when is None or not when(self):
            return
        self.leave_before_send = None
        until = time.monotonic() + 2.0
        while self.client is None and self.peers is not None and time.monotonic() < until:
            # The checker registers its end right after connect(), which may return a moment
            # after the student's accept() did.
            self.client = self.peers.get(self.getpeername())
            time.sleep(0.001)
        if self.client is None:
            return
        self.client.reset()
        until = time.monotonic() + 2.0
        while time.monotonic() < until and self.fileno() != -1:
            try:
                if select.select([self], [], [], 0.01)[0]:
                    break  # the reset has arrived (or the handle thread has already closed us)
            except (OSError, ValueError):
                break

    def send(self, data, flags=0):
        self._maybe_leave()
        return super().send(data, flags)

    def sendall(self, data, flags=0):
        self._maybe_leave()
        return super().sendall(data, flags)


class StagedListener(TappedListener):
    """A listening socket that hands out ``StagedSocket`` objects and counts accept calls.

    ``shut_down()`` (from ``TappedListener``) makes a waiting ``accept()`` raise
    OSError on every system, as the exercises say it does once the server socket
    is shut down.
    """

    def __init__(self, on_accept):
        super().__init__(on_accept)
        self.waiting = 0  # how many times accept() has been called
        self._called = threading.Condition()
        self.peers: dict = {}  # the checker's end of each connection, by its address
        self.plan = None  # ``leave_before_send`` for the next connection accepted

    def accept(self):
        with self._called:
            self.waiting += 1
            self._called.notify_all()
        fd, address = self._accept_or_stop()
        sock = StagedSocket(self.family, self.type, self.proto, fileno=fd)
        sock.setblocking(True)
        sock.peers, sock.leave_before_send, self.plan = self.peers, self.plan, None
        self._on_accept(sock)
        self.accepted.append(sock)
        return sock, address

    def wait_accepting(self, count: int, timeout: float) -> bool:
        """Wait until accept() has been called ``count`` times."""
        with self._called:
            return self._called.wait_for(lambda: self.waiting >= count, timeout)


def staged_listener(c: Checker) -> StagedListener:
    sock = c.keep(StagedListener(on_accept=c.keep))
    listening.prepare(sock)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


# --- Watching the threads student code starts ----------------------------------------


class ThreadWatch:
    """The threads student code starts during a check, and the exceptions that end them."""

    def __init__(self):
        self.before = set(threading.enumerate())
        self.errors: list[tuple[threading.Thread, BaseException]] = []
        self._previous = None

    def __enter__(self):
        self._previous = threading.excepthook

        def hook(args):
            # Only threads started during this check: one left over from an earlier run of
            # it may end now, and its error is not about the code being checked.
            if (args.thread is not None and args.thread not in self.before
                    and not args.thread.name.startswith("chatlesson-check")
                    and args.exc_type is not SystemExit and args.exc_value is not None):
                self.errors.append((args.thread, args.exc_value))
                return
            self._previous(args)

        threading.excepthook = hook
        return self

    def __exit__(self, *exc):
        threading.excepthook = self._previous

    def started(self) -> list[threading.Thread]:
        """Threads student code started that are still running."""
        return [t for t in threading.enumerate()
                if t not in self.before and not t.name.startswith("chatlesson-check")
                and t.is_alive()]


class PrintWatch:
    """Notes what threads other than the check's own print while it runs (and lets it through).

    The exercises ask receive not to print: it runs in a background thread, and
    in a notebook its output lands in whatever cell happens to be running.
    """

    def __init__(self):
        self.printed: list[str] = []
        self._checker = threading.current_thread()
        self._stdout = None

    def __enter__(self):
        self._stdout = sys.stdout
        watch = self

        class Tee(io.TextIOBase):
            def write(self, text):
                if threading.current_thread() is not watch._checker and str(text).strip():
                    watch.printed.append(str(text).strip())
                return watch._stdout.write(text)

            def flush(self):
                return watch._stdout.flush()

        sys.stdout = Tee()
        return self

    def __exit__(self, *exc):
        sys.stdout = self._stdout

    def report(self, c: Checker, label: str) -> None:
        if self.printed:
            c.fail(f"{label} printed while it ran.", expected="no output",
                   arrived=shown(self.printed[0]),
                   hint="Do not print from receive: it runs in a background thread, and in a "
                        "notebook its output lands in whatever cell is running. Keep what you "
                        "want to see in a list, and print that list from a cell.")


def thread_error_hint(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, TypeError) and ("iterable" in text or "positional argument" in text):
        return ("args must be a tuple holding the client: args=(client,), with the comma. "
                "(client) without a comma is just the socket.")
    if isinstance(exc, ValueError) and "not in list" in text:
        return ("handle looked for its client in clients and it was not there: add the client "
                "to clients (and its nickname to nicknames) before you start its thread.")
    if isinstance(exc, IndexError):
        return ORDER_HINT
    return "Read the error line above: the thread that runs handle stopped because of it."


# --- Driving the accept loop -----------------------------------------------------------


class Run:
    """A student's accept loop running on a listening socket of the checker's."""

    def __init__(self, c: Checker, receive, clients, nicknames, watch: ThreadWatch,
                 label: str = LABEL):
        self.c = c
        self.clients = clients
        self.nicknames = nicknames
        self.watch = watch
        self.server = staged_listener(c)
        self.address = self.server.getsockname()
        self.call: StudentCall = c.start(receive, self.server, label=label)
        self.label = label
        self.crash_hint: str | None = None  # what an OSError from student code means now

    # What went wrong in student threads is reported first: it is the real cause.
    def alive(self, step: str) -> None:
        if self.call.crashed and isinstance(self.call.error, OSError) and self.crash_hint:
            self.c.crashed(self.call, step, self.crash_hint)
        self.c.alive(self.call, step)
        if self.watch.errors:
            _, exc = self.watch.errors[0]
            self.c.fail(f"The thread that runs handle raised an exception while {step}.",
                        arrived=last_line(exc), hint=thread_error_hint(exc), status="error")

    def connect(self, name: str, leave=None) -> tuple[Peer, StagedSocket]:
        """A new client; returns its peer and, once accepted, the server's end of it.

        ``leave(sock)`` returning True before a send makes the client vanish then.
        """
        self._settle()
        count = len(self.server.accepted)
        self.server.plan = leave
        peer = self.c.connect(self.address, name)
        self.server.peers[peer.sock.getsockname()] = peer
        step = f"{phrase(name)} connected"
        until = time.monotonic() + self.c.timeout
        while len(self.server.accepted) <= count:
            self.alive(step)
            if self.call.done.is_set():
                self.c.fail(f"{self.label} returned {shown(self.call.returned)} before "
                            f"{phrase(name)} connected.", hint=LOOP_HINT)
            if time.monotonic() > until:
                self.c.fail(f"Timed out: {self.label} did not accept {phrase(name)}.",
                            status="timeout", hint=THREAD_HINT)
            time.sleep(0.005)  # a deadline loop: accept() gives no other signal
        sock = cast(StagedSocket, self.server.accepted[count])  # all a StagedListener hands out
        sock.client = peer
        return peer, sock

    def _settle(self) -> None:
        """Wait until every member's handle thread is back in ``recv`` (bounded, no verdict).

        broadcast may loop over ``clients`` itself, not a copy: a thread that is still
        between two sends when a newcomer is appended hands it a line sent before it came.
        That is the lessons' design, not a mistake, so the checker does not race it.
        """
        until = time.monotonic() + self.c.timeout
        for sock in list(self.clients):
            if isinstance(sock, TappedSocket) and sock.fileno() != -1:
                sock.tap.wait_reading(max(0.0, until - time.monotonic()))

    def back_to_accept(self, step: str, hint: str = THREAD_HINT) -> None:
        """Wait until the loop calls accept() again (it has finished with the last client)."""
        count = len(self.server.accepted) + 1
        until = time.monotonic() + self.c.timeout
        while not self.server.wait_accepting(count, 0.02):
            self.alive(step)
            if self.call.done.is_set():
                self.c.fail(f"{self.label} returned {shown(self.call.returned)} after {step}; "
                            "it should go on accepting clients.",
                            hint=LOOP_HINT if hint is THREAD_HINT else hint)
            if time.monotonic() > until:
                self.c.fail(f"Timed out: {self.label} did not go back to accept() after {step}.",
                            status="timeout", hint=hint)

    def still_open(self, sock, step: str) -> None:
        """The server's end of a client that joined must stay open: handle reads from it."""
        if sock.fileno() == -1:
            self.alive(step)
            self.c.fail(f"{self.label} closed the new client's socket while {step}.",
                        expected="the connection open", arrived="closed by the server",
                        hint="Leave the socket open: handle uses it until the client leaves "
                             "(no client.close(), no `with client:` in receive).")

    def wait_lists(self, expected: list, socks: list, step: str, hint) -> None:
        """Wait until ``nicknames == expected`` and ``clients`` holds ``socks`` in that order."""
        clients, nicknames = self.clients, self.nicknames

        def right() -> bool:
            return (list(nicknames) == expected and len(clients) == len(socks)
                    and all(a is b for a, b in zip(clients, socks, strict=False)))

        until = time.monotonic() + self.c.timeout
        while not right() and time.monotonic() < until:
            self.alive(step)
            time.sleep(0.005)  # a deadline loop: the lists give no signal when they change
        if right():
            return
        self.alive(step)
        names = list(nicknames)
        if any(isinstance(n, bytes) for n in names):
            self.c.fail(f"After {step}, nicknames holds bytes.", expected=shown(expected),
                        arrived=shown(names),
                        hint='Decode the nickname before you store it: line.decode("utf-8").')
        if len(names) != len(expected):
            self.c.fail(f"After {step}, nicknames should hold {len(expected)} "
                        f"name{'s' if len(expected) != 1 else ''}.",
                        expected=shown(expected), arrived=shown(names),
                        hint=hint(names, expected) if callable(hint) else hint)
        if len(clients) != len(socks) or any(s not in clients for s in socks):
            extra = len(clients) > len(socks)
            self.c.fail(f"After {step}, clients does not hold the right sockets.",
                        expected=f"{len(socks)} client{'s' if len(socks) != 1 else ''}, "
                                 "one per nickname",
                        arrived=f"{len(clients)} client{'s' if len(clients) != 1 else ''}",
                        hint="Add a client to clients only once it has joined, together with "
                             "its nickname: one that leaves before must not stay in the list."
                        if extra else
                        "Add the client's socket to clients when you add its nickname.")
        # A step-specific hint (a string) says why the lists fell out of step here.
        order_hint = hint if isinstance(hint, str) else ORDER_HINT
        if sorted(map(str, names)) == sorted(map(str, expected)) and names != expected:
            self.c.fail(f"After {step}, clients and nicknames are out of step.",
                        expected=f"nicknames == {expected!r}", arrived=shown(names),
                        hint=order_hint)
        if list(clients) != socks:
            self.c.fail(f"After {step}, clients and nicknames are out of step: a nickname "
                        "is beside another person's socket.",
                        expected=f"nicknames == {expected!r}, each beside its own client",
                        arrived=shown(names), hint=order_hint)
        self.c.fail(f"After {step}, nicknames is not right.", expected=shown(expected),
                    arrived=shown(names), hint=hint(names, expected) if callable(hint) else hint)

    def line(self, peer: Peer, expected: str, step: str, hint, *, skip_notices=False,
             mismatch_hint=None, sent=None) -> None:
        """The next line ``peer`` receives must be exactly ``expected``."""
        for _ in range(6):
            self.alive(step)
            got = self.c.line(peer, step, call=self.call, expected=shown(expected + "\n"),
                              sent=sent, hint=hint)
            if got == expected:
                return
            if skip_notices and got.startswith("*** ") and not expected.startswith("*** "):
                continue  # a joined or left line: not what this step is about
            self.alive(step)
            if callable(mismatch_hint):
                mismatch_hint = mismatch_hint(got)
            self.c.fail(f"{peer.name} received the wrong line while {step}.", sent=sent,
                        expected=shown(expected + "\n"), arrived=shown(got + "\n"),
                        hint=mismatch_hint or hint)
        self.c.fail(f"{peer.name} received too many notices while {step}.", sent=sent,
                    expected=shown(expected + "\n"), hint=hint)

    def threads(self, count: int, step: str) -> None:
        """``count`` handle threads run (one per client in the lists), each a daemon."""
        until = time.monotonic() + self.c.timeout
        while len(self.watch.started()) != count and time.monotonic() < until:
            self.alive(step)
            time.sleep(0.005)  # a deadline loop: threads end when their client has left
        self.alive(step)
        started = self.watch.started()
        if len(started) > count:
            self.c.fail(f"After {step}, {len(started)} threads that receive started are "
                        f"running, for {count} client{'s' if count != 1 else ''}.",
                        expected=f"{count} (one handle thread per client)",
                        arrived=f"{len(started)}",
                        hint="Start exactly one thread per client, and only for a client "
                             "that joined: the one that runs handle(client).")
        if len(started) < count and self.server.waiting <= len(self.server.accepted):
            self.c.fail(f"After {step}, {self.label} did not go back to accept(): it is still "
                        "busy with the last client.", hint=THREAD_HINT)
        if len(started) < count:
            self.c.fail(f"After {step}, fewer threads are running than clients are online.",
                        expected=f"{count} (one handle thread per client)",
                        arrived=f"{len(started)}", hint=CHAT_HINT)
        if not all(t.daemon for t in started):
            self.c.fail("The thread that runs handle is not a daemon thread.",
                        expected="daemon=True", arrived="daemon=False", hint=DAEMON_HINT)

    def stop(self) -> None:
        self.server.shut_down()
        step = "the server socket was shut down"
        if not self.call.wait(self.c.timeout):
            self.c.fail(f"Timed out: {self.label} did not stop when {step}.", status="timeout",
                        hint=STOP_HINT)
        if self.call.error is not None and not isinstance(self.call.error, OSError):
            self.c.crashed(self.call, step)  # an OSError from accept() is one way to end


def check_accept_loop(c: Checker, receive, clients, nicknames, name: str, body) -> None:
    """Drive a student's accept loop through ``body(c, run)``, then stop it and sum up.

    Shared by the checks of lessons 04 and 05: the lists start and end empty, errors and
    prints in student threads are watched, and the loop is stopped on every system.
    """
    need_function(c, receive, "receive")
    need_lists(c, clients, nicknames, name)
    with emptied(clients, nicknames), ThreadWatch() as watch, PrintWatch() as printed:
        run = Run(c, receive, clients, nicknames, watch)
        try:
            body(c, run)
        finally:
            run.server.shut_down()  # wakes an accept() still waiting, on every system
        printed.report(c, LABEL)


def need_lists(c: Checker, clients, nicknames, name: str) -> None:
    if not isinstance(clients, list) or not isinstance(nicknames, list):
        c.fail(f"{name} needs your two lists.", expected=f"{name}(receive, clients, nicknames)",
               hint=f"Pass the lists receive uses: {name}(receive, clients, nicknames).")


@contextlib.contextmanager
def emptied(clients, nicknames):
    """Run a check on empty lists, and leave the student's lists empty afterwards."""
    clients.clear()
    nicknames.clear()
    try:
        yield
    finally:
        clients.clear()
        nicknames.clear()
