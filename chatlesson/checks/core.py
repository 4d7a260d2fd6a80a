"""The shared core of the checkers: run student code safely, report clearly.

A checker is a function decorated with ``@checker(title)``. It receives a
``Checker`` and the student's function(s), drives the student's code over
real sockets, notes what went right with ``c.ok(...)`` and stops at the
first problem with ``c.fail(...)``. The decorator turns that into a
``Result``, shows the verdict (``verdict.py``: coloured in JupyterLab) and
cleans up: every socket the checker made is shut down, and student code
still running is stopped. So a notebook cell never freezes, whatever the
student wrote.

Verdicts never mention ports, addresses or timings: the solutions notebooks
are compared run to run by nbval.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import socket
import sys
import sysconfig
import threading
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar

from ..server import listening
from . import verdict
from .sockets import (
    HOST,
    LineTimeout,
    Peer,
    PeerClosed,
    TappedListener,
    TappedSocket,
    shut,
)

_Socket = TypeVar("_Socket", bound=socket.socket)

#: Seconds student code gets for one step before the checker calls it a hang.
#: A passing solution never waits this long; tests may lower it.
STEP_TIMEOUT = 2.0

#: A loop that reads ``b''`` this many times after the other side left is spinning.
BUSY_READS = 3

BUSY_LOOP_HINT = ("recv() returns b'' once the other side has closed the connection, and then "
                  "again at once every time you call it. Stop the loop when you get b'' "
                  "(if not data: break) instead of going round again.")

NOT_DONE_HINT = ("Replace the lines `# YOUR CODE HERE` and `raise NotImplementedError()` "
                 "with your code, run that cell, then run this check again.")


@dataclass
class Result:
    """What a check found. ``passed`` says it all; ``text`` is the printed verdict."""

    name: str
    status: str  # "passed", "failed", "not done", "timeout" or "error"
    lines: list[str] = field(default_factory=list)
    problem: str | None = None
    hint: str | None = None

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def details(self) -> list[str]:
        """The ✔ and ✘ lines (with what was sent, expected and arrived, and the hint)."""
        return self.lines[1:-1] if self.status != "not done" else self.lines[1:]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return self.passed

    @property
    def html(self) -> str:
        """The verdict as HTML: the same words, ✔ and ✘ in colour, differences marked."""
        return verdict.to_html(self.lines)

    def _ipython_display_(self) -> None:
        """Show nothing: the check has already displayed its verdict."""


class StudentCodeStopped(BaseException):
    """Raised inside a student thread that is still running when its check ends."""


class _Stop(Exception):
    """Ends a check early (a failure, a hang, an unfinished exercise)."""


class StudentCall:
    """Student code running in a daemon thread, so that a hang cannot freeze the notebook."""

    def __init__(self, function, args, label: str):
        self.function = function
        self.args = args
        self.label = label
        self.returned: Any = None
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True,
                                       name=f"chatlesson-check {label}")
        self.thread.start()

    def _run(self) -> None:
        try:
            self.returned = self.function(*self.args)
        except StudentCodeStopped:
            pass
        except BaseException as exc:  # anything the student's code raised, even SystemExit
            self.error = exc
        finally:
            self.done.set()

    @property
    def crashed(self) -> bool:
        return self.done.is_set() and self.error is not None

    def wait(self, timeout: float) -> bool:
        return self.done.wait(timeout)

    def stop(self) -> None:
        """End a thread that outlived its check.

        A thread blocked in a socket call (say ``accept`` on a socket the
        student made and never returned) is woken by shutting down the sockets
        its frames hold. A thread looping in Python gets StudentCodeStopped
        raised inside it.
        """
        ident = self.thread.ident
        if not self.thread.is_alive() or ident is None:
            return
        frame = sys._current_frames().get(ident)
        while frame is not None:
            for value in list(frame.f_locals.values()):
                if isinstance(value, socket.socket):
                    shut(value)
            frame = frame.f_back
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident),
                                                   ctypes.py_object(StudentCodeStopped))


def last_line(exc: BaseException) -> str:
    """The last line of the traceback, and where in the student's code it happened.

    e.g. ``TypeError: a bytes-like object is required (in broadcast, line 4:
    client.sendall(message))``.
    """
    text = traceback.format_exception_only(type(exc), exc)[-1].strip()
    frame = _student_frame(exc)
    if frame is None:
        return text
    source = f": {frame.line.strip()}" if frame.line and frame.line.strip() else ""
    return f"{text} (in {frame.name}, line {frame.lineno}{source})"


def _student_frame(exc: BaseException) -> traceback.FrameSummary | None:
    """The innermost frame of the traceback that is the student's code, not ours or Python's."""
    ours = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    library = (sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"])
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = os.path.abspath(frame.filename)
        if not path.startswith(ours) and not path.startswith(library):
            return frame
    return None


def exception_hint(exc: BaseException) -> str:
    """A hint for the errors students meet most often in socket code."""
    message = str(exc)
    if isinstance(exc, TypeError) and "bytes-like" in message:
        return ('Sockets carry bytes, not str. Encode the text before sending it, '
                'e.g. (message + "\\n").encode("utf-8").')
    if isinstance(exc, UnicodeDecodeError):
        return ("TCP may cut a message anywhere, even in the middle of a character. Keep the "
                'bytes in a buffer until a whole line (ending in b"\\n") has arrived, and only '
                "then decode that line.")
    if isinstance(exc, UnicodeEncodeError):
        return 'Encode with "utf-8", not "ascii": chat messages may contain any character.'
    if isinstance(exc, (BrokenPipeError, ConnectionResetError)):
        return ("The other side has gone and your code still used its socket. Remove a client "
                "that left before sending to the others, and treat an error from recv() like "
                "an empty read.")
    if isinstance(exc, OSError) and exc.errno in (errno.EADDRINUSE,
                                                  getattr(errno, "WSAEADDRINUSE", 10048)):
        return ("That port is already in use (by another program or kernel, or by a socket of "
                "yours still open). Bind to port 0: the system then picks a free port, and "
                "getsockname() tells you which.")
    if isinstance(exc, OSError) and exc.errno == errno.EBADF:
        return "A socket was used after it was closed. Close a socket last, once you are done with it."
    if isinstance(exc, ValueError) and "not in list" in message:
        return ("Something was looked up or removed in a list that no longer holds it. "
                "Find the client's position once, then remove the client and its nickname once.")
    if isinstance(exc, TypeError) and "positional argument" in message:
        return ("The check calls your function with the arguments the exercise shows: keep "
                "its parameters as they are given.")
    if isinstance(exc, NameError):
        return ("Your code uses a name that is not defined here. Check the spelling, and run "
                "the cells above this one first.")
    return "Read the error line above: it says what Python could not do, and where to look."


def phrase(name: str) -> str:
    """A peer's name inside a sentence: "The client" becomes "the client"."""
    return "t" + name[1:] if name.startswith("The ") else name


def shown(data) -> str:
    """How bytes or text appear in a verdict: as text when they are valid UTF-8."""
    if isinstance(data, (bytes, bytearray)):
        if not data:
            return "nothing"
        try:
            return repr(bytes(data).decode("utf-8"))
        except UnicodeDecodeError:
            return repr(bytes(data))
    return repr(data)


#: Threads that student code started during a check and that were still running when it
#: ended. Closing the check's sockets ends them, often with an error that says nothing
#: useful to the student, so ``_quiet_excepthook`` does not print it.
_leftover_threads: weakref.WeakSet = weakref.WeakSet()
_previous_excepthook: Callable[[threading.ExceptHookArgs], object] | None = None


def _quiet_excepthook(args) -> None:
    if args.thread in _leftover_threads or _previous_excepthook is None:
        return
    _previous_excepthook(args)


def _silence(threads) -> None:
    global _previous_excepthook
    if _previous_excepthook is None:
        _previous_excepthook = threading.excepthook
        threading.excepthook = _quiet_excepthook
    _leftover_threads.update(threads)


class Checker:
    """Collects the verdict of one check and everything that must be cleaned up."""

    def __init__(self, title: str):
        self._threads_before = set(threading.enumerate())
        self.title = title
        self.lines: list[str] = [f"Checking {title}"]
        self.status = "passed"
        self.problem: str | None = None
        self.hint: str | None = None
        self.timeout = STEP_TIMEOUT
        self._sockets: list[socket.socket] = []
        self._calls: list[StudentCall] = []
        self._lock = threading.Lock()
        self._listener: TappedListener | None = None

    # --- Reporting ---------------------------------------------------------

    def ok(self, text: str) -> None:
        self.lines.append(f"✔ {text}")

    def fail(self, problem: str, *, sent=None, expected=None, arrived=None,
             hint: str | None = None, status: str = "failed") -> NoReturn:
        """Stop the check here, saying what was sent, expected and what arrived."""
        self.status = status
        self.problem = problem
        self.hint = hint
        self.lines.append(f"✘ {problem}")
        for label, value in (("sent", sent), ("expected", expected), ("arrived", arrived)):
            if value is not None:
                self.lines.append(f"    {label + ':':<10}{value}")
        if hint:
            self.lines.append(f"  Hint: {hint}")
        raise _Stop()

    def not_done(self, label: str) -> NoReturn:
        self.status = "not done"
        self.problem = f"Not done yet: {label} still raises NotImplementedError."
        self.hint = NOT_DONE_HINT
        self.lines.append(self.problem)
        self.lines.append(f"  Hint: {NOT_DONE_HINT}")
        raise _Stop()

    def crashed(self, call: StudentCall, step: str, hint: str | None = None):
        """Report an exception raised by student code (never let it crash the cell)."""
        error = call.error
        if isinstance(error, NotImplementedError):
            self.not_done(call.label)
        assert error is not None, "crashed() is only called for a call that raised"
        self.fail(f"{call.label} raised an exception while {step}.",
                  arrived=last_line(error),
                  hint=hint or exception_hint(error), status="error")

    def result(self) -> Result:
        if self.status == "passed":
            self.lines.append("All checks passed. Well done!")
        elif self.status != "not done":
            self.lines.append("Not passed yet: fix what the ✘ line says, then run this check again.")
        return Result(self.title, self.status, self.lines, self.problem, self.hint)

    # --- Running student code ---------------------------------------------

    def start(self, function, *args, label: str) -> StudentCall:
        """Run ``function(*args)`` in a daemon thread; the check goes on meanwhile."""
        call = StudentCall(function, args, label)
        self._calls.append(call)
        return call

    def finish(self, call: StudentCall, step: str, *, taps=(), hint: str | None = None):
        """Wait for student code to return; report a hang, a busy loop or an exception."""
        if not call.wait(self.timeout):
            if any(tap.empty_reads >= BUSY_READS for tap in taps):
                self.fail(f"{call.label} kept running after the other side closed the "
                          f"connection: it is stuck in a busy loop ({step}).",
                          hint=BUSY_LOOP_HINT, status="timeout")
            self.fail(f"Timed out: {call.label} did not return while {step}.",
                      hint=hint, status="timeout")
        if call.error is not None:
            self.crashed(call, step)
        return call.returned

    def run(self, function, *args, label: str, step: str, hint: str | None = None):
        """Call student code that should return soon, with a deadline."""
        return self.finish(self.start(function, *args, label=label), step, hint=hint)

    def alive(self, call: StudentCall, step: str) -> None:
        """Report now if the student's code has already crashed."""
        if call.crashed:
            self.crashed(call, step)

    # --- Sockets -----------------------------------------------------------

    def keep(self, sock: _Socket) -> _Socket:
        """Remember a socket so the cleanup closes it."""
        with self._lock:
            self._sockets.append(sock)
        return sock

    def listener(self) -> TappedListener:
        """A socket listening on 127.0.0.1, on a free port, whose accept gives TappedSockets."""
        sock = self.keep(TappedListener(on_accept=self.keep))
        listening.prepare(sock)
        sock.bind((HOST, 0))
        sock.listen()
        return sock

    def connect(self, address, name: str) -> Peer:
        """A connection from the checker to ``address``."""
        sock = self.keep(socket.create_connection(address, timeout=self.timeout))
        sock.settimeout(None)
        return Peer(sock, name)

    def pair(self, name: str) -> tuple[TappedSocket, Peer]:
        """A connected pair: the end student code gets, and the checker's ``Peer``."""
        if self._listener is None:
            self._listener = self.listener()
        peer = self.connect(self._listener.getsockname(), name)
        sock, _ = self._listener.accept()
        return sock, peer

    def tapped_client(self, name: str) -> tuple[TappedSocket, Peer]:
        """A client socket (for student code) connected to a server end the checker holds."""
        if self._listener is None:
            self._listener = self.listener()
        sock = self.keep(TappedSocket(socket.AF_INET, socket.SOCK_STREAM))
        sock.connect(self._listener.getsockname())
        server_end, _ = self._listener.accept()
        return sock, Peer(server_end, name)

    # --- Reading what arrived ---------------------------------------------

    def line(self, peer: Peer, step: str, *, call: StudentCall | None = None,
             expected=None, sent=None, hint: str | None = None, status: str = "failed") -> str:
        """The next line ``peer`` receives, decoded and without its ``\\n``; fails if none comes."""
        stop = call.done.is_set if call is not None else None
        try:
            raw = peer.read_line(self.timeout, stop)
        except (LineTimeout, PeerClosed) as why:
            if call is not None and call.done.is_set():
                self.alive(call, step)
                self.fail(f"{call.label} returned {shown(call.returned)} before {phrase(peer.name)} "
                          f"received a line, while {step}.",
                          sent=sent, expected=expected, arrived=shown(peer.buffer), hint=hint)
            arrived = shown(peer.buffer)
            if peer.buffer and b"\n" not in peer.buffer:
                arrived += ' (no "\\n" at the end)'
                hint = ('A line must end with "\\n": the other side waits for it before it '
                        'reads the line. Send (text + "\\n").encode("utf-8").')
            if isinstance(why, PeerClosed):
                arrived += ", then the connection was closed"
            self.fail(f"{peer.name} received no complete line while {step}.",
                      sent=sent, expected=expected, arrived=arrived, hint=hint, status=status)
        try:
            return raw[:-1].decode("utf-8")
        except UnicodeDecodeError:
            self.fail(f"{peer.name} received a line that is not valid UTF-8 while {step}.",
                      sent=sent, expected=expected, arrived=shown(raw),
                      hint='Encode text with "utf-8" before sending it.')

    def expect_line(self, peer: Peer, expected: str, step: str, *, call=None, sent=None,
                    hint: str | None = None, mismatch_hint=None) -> str:
        """The next line ``peer`` receives must be exactly ``expected``."""
        got = self.line(peer, step, call=call, expected=shown(expected + "\n"), sent=sent,
                        hint=hint)
        if got != expected:
            if callable(mismatch_hint):
                mismatch_hint = mismatch_hint(got)
            self.fail(f"{peer.name} received the wrong line while {step}.",
                      sent=sent, expected=shown(expected + "\n"), arrived=shown(got + "\n"),
                      hint=mismatch_hint or hint)
        return got

    def send_in_pieces(self, peer: Peer, sock: TappedSocket, pieces: list[bytes], step: str,
                       call: StudentCall) -> None:
        """Send ``pieces`` one by one, each only once student code has read the one before.

        The pieces then reach the student's ``recv`` separately, as they would
        over a slow network, however fast the student's loop runs.
        """
        total = sock.tap.bytes_read
        for index, piece in enumerate(pieces):
            if index and not sock.tap.wait_bytes(total, self.timeout):
                self.alive(call, step)
                self.fail(f"Timed out: {call.label} did not read what was sent so far "
                          f"while {step}.", status="timeout")
            peer.send(piece)
            total += len(piece)

    # --- Cleaning up -------------------------------------------------------

    def cleanup(self) -> None:
        """Close every socket made for this check and stop student code still running."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
        _silence(set(threading.enumerate()) - self._threads_before)
        for sock in sockets:
            shut(sock)
        for call in self._calls:
            if not call.wait(0.5):
                call.stop()


def checker(title: str):
    """Make ``body(c, *args)`` a checker: it shows its verdict and returns a ``Result``."""

    def decorate(body):
        @functools.wraps(body)
        def check(*args, **kwargs) -> Result:
            c = Checker(title)
            try:
                body(c, *args, **kwargs)
            except _Stop:
                pass
            except Exception as exc:  # a case the checker did not foresee: say so, never crash
                c.status = "error"
                c.problem = f"The checker could not finish: {last_line(exc)}"
                c.lines.append(f"✘ {c.problem}")
            finally:
                c.cleanup()
            result = c.result()
            verdict.show(result.text, result.lines)
            return result

        return check

    return decorate


def need_function(c: Checker, function, name: str) -> None:
    """Fail clearly when a check is given something that is not a function."""
    if not callable(function):
        got = "None" if function is None else f"a value of type {type(function).__name__}"
        c.fail(f"Expected the function {name}, but got {got}.",
               hint=f"Pass the function itself, without calling it: check(...) gets {name}, not {name}().")
