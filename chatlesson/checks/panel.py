"""Lesson 07: the three ideas behind the chat panel, one exercise each.

* ``log_html(lines, limit)``: a log for an HTML widget, bounded to the last
  ``limit`` lines, every line escaped so that markup shows as text;
* ``follow_members(members, message)``: keep a room's member list right
  from the server's notices;
* ``start_receiving(sock, log)``: a background thread that shows each line
  from the server in a widget by setting its value, and never prints.
"""

from __future__ import annotations

import contextlib
import ctypes
import html
import io
import queue
import sys
import threading
import time
from html.parser import HTMLParser

from ..core.protocol import parse_line
from .core import (
    Checker,
    StudentCodeStopped,
    checker,
    exception_hint,
    last_line,
    need_function,
    shown,
)
from .sockets import shut

ESCAPE_HINT = ("Pass every line through html.escape before it goes into the HTML: "
               "then <script> arrives as the text '<script>' and never runs.")
LIMIT_HINT = "lines[-limit:] is the last `limit` lines (all of them if there are fewer)."
JOIN_HINT = ('Join the lines with "<br>". In HTML a newline is only a space, so "\\n" '
             "would run all the lines together.")


# --- log_html ----------------------------------------------------------------

class _Lines(HTMLParser):
    """Read HTML back as a browser would show it: text lines split at <br>, other tags noted."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines = [""]
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.lines.append("")
        else:
            self.tags.append(f"<{tag}>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag != "br":
            self.tags.append(f"</{tag}>")

    def handle_data(self, data):
        self.lines[-1] += data

    def handle_comment(self, data):
        self.tags.append("<!-- -->")


def _read_html(text: str) -> tuple[list[str], list[str]]:
    """The lines a browser shows (white space collapsed, a final <br> ignored), and the tags."""
    if text == "":
        return [], []
    parser = _Lines()
    parser.feed(text)
    parser.close()
    lines = [" ".join(line.split()) for line in parser.lines]
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()  # "a<br>b<br>" shows the same two lines as "a<br>b"
    return lines, parser.tags


def _check_log(c: Checker, log_html, lines: list[str], limit: int, step: str) -> None:
    given = list(lines)
    label = f"log_html(lines, {limit})"
    got = c.run(log_html, given, limit, label=label, step=step)
    sent = f"{label} with lines = {lines!r}"
    expected = lines[-limit:]
    if not isinstance(got, str):
        c.fail(f"{label} returned {shown(got)}, not a string of HTML.", sent=sent,
               expected=repr("<br>".join(expected)),
               hint="Return the HTML as one string (and do not forget the return).")
    if given != lines:
        c.fail(f"{label} changed the list it was given.", sent=sent,
               hint="Read the lines, build a new string: leave the list as it is.")
    shown_lines, tags = _read_html(got)
    if tags:
        name = tags[0].strip("</>")
        from_network = any(f"<{name}" in line for line in lines)
        c.fail(f"The HTML contains the tag {tags[0]}: a browser would treat it as markup.",
               sent=sent, arrived=repr(got),
               hint=ESCAPE_HINT if from_network else
               f"Put only <br> between the lines; leave out other tags such as {tags[0]}.")
    if shown_lines == expected:
        return
    if shown_lines == expected[::-1]:
        hint = "Keep the lines in order: the oldest first, the newest last."
    elif len(shown_lines) == 1 and len(expected) > 1:
        hint = JOIN_HINT
    elif shown_lines == lines[:limit]:
        hint = "Those are the first lines, but a log keeps the newest. " + LIMIT_HINT
    elif len(shown_lines) != len(expected):
        hint = LIMIT_HINT
    elif [html.unescape(line) for line in shown_lines] == expected:
        hint = "Escape each line once: html.escape(html.escape(line)) shows '&lt;' instead of '<'."
    else:
        hint = ("Escape with html.escape(line): it turns & into &amp; as well as < and > into "
                "&lt; and &gt;, so every character shows as itself.")
    c.fail(f"A browser would show the wrong lines ({step}).", sent=sent,
           expected=repr(expected), arrived=f"{shown_lines!r} from {got!r}", hint=hint)


@checker("log_html(lines, limit)")
def check_log_html(c: Checker, log_html) -> None:
    need_function(c, log_html, "log_html")
    _check_log(c, log_html, ["ada: hello", "bob: hi ada"], 10, "showing 2 lines")
    c.ok("the lines come out in order, one per line")

    hostile = ["eve: <script>alert(1)</script>", "eve: <img src=x onerror=alert(2)>",
               "bob: fish & chips < 5 €", "eve: &lt;b&gt; is how you write <b> in HTML"]
    _check_log(c, log_html, hostile, 10, "showing lines that contain markup")
    c.ok("markup from the network shows as text: no tag gets through")

    many = [f"line {number}" for number in range(1, 8)]
    _check_log(c, log_html, many, 3, "keeping the last 3 of 7 lines")
    c.ok("only the last 3 of 7 lines are kept")

    _check_log(c, log_html, many[:2], 5, "showing 2 lines with room for 5")
    _check_log(c, log_html, [], 5, "showing no lines at all")
    c.ok("fewer lines than the limit, or none, are fine")


# --- follow_members ----------------------------------------------------------

#: (members before, line from the server, members after, what it shows, hint if wrong)
_ROOM_STEPS = [
    ([], "*** Welcome, ada! You are in #lobby. Online: bob, @cleo, ada", ["bob", "cleo", "ada"],
     "the welcome gives the whole list",
     "For a welcome, the list is message.members (the admin mark @ is already removed)."),
    (["bob", "cleo", "ada"], "*** dan joined #lobby", ["bob", "cleo", "ada", "dan"],
     "a member who joins is added at the end",
     "For joined, add message.nick at the end: members + [message.nick]."),
    (["bob", "cleo", "ada", "dan"], "*** dan joined #lobby", ["bob", "cleo", "ada", "dan"],
     "a member already there is not added twice",
     "Add a member only if it is not in the list yet."),
    (["bob", "cleo", "ada", "dan"], "dan: hi everyone", ["bob", "cleo", "ada", "dan"],
     "chat lines leave the list alone",
     "Only the events named in the exercise change the list; return it unchanged otherwise."),
    (["bob", "cleo", "ada", "dan"], "*** dan is now an admin", ["bob", "cleo", "ada", "dan"],
     None, "Only the events named in the exercise change the list; return it unchanged otherwise."),
    (["bob", "cleo", "ada", "dan"], "!!! unknown command /foo; type /help for the list",
     ["bob", "cleo", "ada", "dan"], None,
     "Only the events named in the exercise change the list; return it unchanged otherwise."),
    (["bob", "cleo", "ada", "dan"], "*** bob left #lobby (quit)", ["cleo", "ada", "dan"],
     "a member who leaves is removed", "For left, remove message.nick from the list."),
    (["cleo", "ada", "dan"], "*** zed left #lobby", ["cleo", "ada", "dan"],
     "someone who is not in the list can leave without an error",
     "list.remove raises ValueError for a name that is not there: check with `in` first."),
    (["cleo", "ada", "dan"], "*** cleo is now known as cleopatra", ["cleopatra", "ada", "dan"],
     "a new nickname takes the old one's place",
     "For renamed, message.old_nick is the old name and message.nick the new one: "
     "put the new one at the old one's position."),
    (["cleopatra", "ada", "dan"], "*** dan was kicked by cleopatra (spam)", ["cleopatra", "ada"],
     "kicked and banned members are removed",
     "kicked and banned take message.nick out of the room, like left."),
    (["cleopatra", "ada", "zed"], "*** zed was banned by cleopatra", ["cleopatra", "ada"],
     None, "kicked and banned take message.nick out of the room, like left."),
    (["cleopatra", "ada"], "*** You are now in #games. Online: ada, @gus", ["ada", "gus"],
     "moving to another room gives the new room's list",
     "For moved, the list is message.members, like for a welcome."),
]


@checker("follow_members(members, message)")
def check_follow_members(c: Checker, follow_members) -> None:
    need_function(c, follow_members, "follow_members")
    for before, line, after, done, hint in _ROOM_STEPS:
        message = parse_line(line)
        label = f"follow_members({before!r}, parse_line({line!r}))"
        got = c.run(follow_members, list(before), message, label=label,
                    step=f"the server said {line!r}")
        if got is None:
            c.fail(f"{label} returned None.", expected=repr(after),
                   hint="Return the list of members, also when it did not change.")
        if not isinstance(got, list) or got != after:
            c.fail(f"The member list is wrong after {line!r}.", sent=label,
                   expected=repr(after), arrived=shown(got), hint=hint)
        if done:
            c.ok(done)


# --- start_receiving ---------------------------------------------------------

NEVER_PRINT_HINT = ("A background thread must never print in a notebook: the text lands in "
                    "whichever cell happens to run. Show lines by setting the widget's value.")
APPEND_HINT = 'Add each line to the log, keeping what it shows: log.value += line + "\\n".'
THREAD_HINT = ("Start the loop in a thread and return that thread at once: "
               "thread = threading.Thread(target=..., daemon=True); thread.start(); return thread.")


def _wait_value(c: Checker, watch, expected: str, step: str, sent: str,
                thread: threading.Thread) -> None:
    log, changes = watch.log, watch.changes
    until = time.monotonic() + c.timeout
    while log.value != expected:
        _crashed(c, watch, step, sent)
        left = until - time.monotonic()
        if left <= 0 or not thread.is_alive():
            break
        try:
            changes.get(timeout=min(left, 0.05))
        except queue.Empty:
            pass
    value = log.value
    if value == expected:
        return
    if watch.printed.getvalue():
        c.fail(f"The log shows the wrong text after {step}, and the lines were printed instead.",
               sent=sent, expected=f"log.value == {expected!r}", arrived=f"log.value == {value!r}",
               hint=NEVER_PRINT_HINT)
    if not value and not thread.is_alive():
        c.fail(f"The receiving thread ended before it showed anything ({step}).", sent=sent,
               expected=f"log.value == {expected!r}", arrived="an empty log",
               hint="Loop until recv() returns b'': one recv() is not the whole conversation.")
    if "b'" in value:
        hint = 'Decode each line before showing it: line.decode("utf-8").'
    elif expected.endswith(value) and value:
        hint = APPEND_HINT
    elif value == expected.replace("\n", ""):
        hint = 'End each line in the log with "\\n", so every message gets its own line.'
    elif "\ufffd" in value or not value:
        hint = ('Keep the bytes in a buffer until b"\\n" arrives, and decode whole lines only: '
                "a line can arrive in pieces, even cut inside a character.")
    else:
        hint = APPEND_HINT
    c.fail(f"The log shows the wrong text after {step}.", sent=sent,
           expected=f"log.value == {expected!r}", arrived=f"log.value == {value!r}", hint=hint)


def _crashed(c: Checker, watch, step: str, sent: str) -> None:
    """Report an exception that ended the student's thread."""
    if watch.crashes:
        error = watch.crashes[0]
        c.fail(f"The receiving thread raised an exception while {step}.", sent=sent,
               arrived=last_line(error), hint=exception_hint(error), status="error")


class _Watch:
    """What the check watches while student code runs: the widget, prints, thread crashes.

    Only the student's threads are watched: the thread that runs ``start_receiving`` and any
    thread that holds the socket it was given. A print or a crash in a thread that other
    notebook code started meanwhile goes where it would have gone without the check.
    """

    def __init__(self, log, sock):
        self.log = log
        self.sock = sock
        self.changes: queue.Queue = queue.Queue()
        log.observe(lambda change: self.changes.put(change["new"]), names="value")
        self.crashes: list[BaseException] = []
        self.printed = io.StringIO()
        self.threads: set[threading.Thread] = set()  # the thread start_receiving returned

    def is_students(self, thread: threading.Thread) -> bool:
        return (thread in self.threads or thread.name.startswith("chatlesson-check")
                or _holds(thread, self.sock))

    def note_crash(self, args, previous) -> None:
        # A thread can crash before start_receiving has returned it: its frames, gone from
        # the stack by now, are still in the traceback.
        if args.thread is not None and (self.is_students(args.thread)
                                        or _in_traceback(args.exc_traceback, self.sock)):
            self.crashes.append(args.exc_value)
        else:
            previous(args)


class _ScopedStream:
    """Stands in for sys.stdout or sys.stderr: captures the student's threads' output only."""

    def __init__(self, original, watch: _Watch):
        self._original = original
        self._watch = watch

    def write(self, text: str) -> int:
        if self._watch.is_students(threading.current_thread()):
            return self._watch.printed.write(text)
        return self._original.write(text)

    def __getattr__(self, name):
        return getattr(self._original, name)


def _holds(thread: threading.Thread, sock) -> bool:
    """Whether one of the thread's running frames has ``sock`` in a local variable."""
    frame = sys._current_frames().get(thread.ident) if thread.ident is not None else None
    return _frames_hold(frame, sock)


def _in_traceback(tb, sock) -> bool:
    """Whether a frame the exception passed through had ``sock`` in a local variable."""
    while tb is not None:
        if _frames_hold(tb.tb_frame, sock):
            return True
        tb = tb.tb_next
    return False


def _frames_hold(frame, sock) -> bool:
    while frame is not None:
        if frame.f_code.co_filename == __file__:  # the check's own frames hold it too
            frame = frame.f_back
            continue
        for value in list(frame.f_locals.values()):
            if value is sock or any(item is sock for item in list(getattr(value, "__dict__", {}).values())):
                return True
        frame = frame.f_back
    return False


@checker("start_receiving(sock, log)")
def check_start_receiving(c: Checker, start_receiving) -> None:
    import ipywidgets  # only this exercise needs it

    need_function(c, start_receiving, "start_receiving")
    threads_before = set(threading.enumerate())
    sock, server = c.tapped_client("The server")
    watch = _Watch(ipywidgets.Textarea(), sock)
    previous_hook = threading.excepthook
    threading.excepthook = lambda args: watch.note_crash(args, previous_hook)
    try:
        with contextlib.redirect_stdout(_ScopedStream(sys.stdout, watch)), \
                contextlib.redirect_stderr(_ScopedStream(sys.stderr, watch)):
            _receiving(c, start_receiving, sock, server, watch)
    finally:
        students = [t for t in set(threading.enumerate()) - threads_before if watch.is_students(t)]
        _stop_threads(students, sock)
        threading.excepthook = previous_hook
        watch.log.close()
    if watch.printed.getvalue():
        c.fail("Something was printed while the thread received lines.",
               expected="nothing printed", arrived=repr(watch.printed.getvalue()[:200]),
               hint=NEVER_PRINT_HINT)
    c.ok("nothing was printed: every line went into the widget")


def _stop_threads(threads, sock) -> None:
    """End the student's thread if the check ended while it still ran (a failed check)."""
    shut(sock)  # wakes a thread blocked in recv()
    for thread in threads:
        if thread.name.startswith("chatlesson-check"):
            continue  # the core stops its own
        thread.join(0.5)
        if thread.is_alive() and thread.ident is not None:  # a loop that never blocks
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident),
                                                       ctypes.py_object(StudentCodeStopped))


def _receiving(c: Checker, start_receiving, sock, server, watch: _Watch) -> None:
    label = "start_receiving(sock, log)"
    thread = c.run(start_receiving, sock, watch.log, label=label, step="starting",
                   hint=THREAD_HINT)
    if isinstance(thread, threading.Thread):
        watch.threads.add(thread)
    if not isinstance(thread, threading.Thread):
        c.fail(f"{label} returned {shown(thread)}, not the thread it started.",
               expected="a threading.Thread", arrived=shown(thread), hint=THREAD_HINT)
    if thread.ident is None:
        c.fail("The thread was never started.", hint="Call thread.start() before returning it.")
    c.ok("it returns at once, with the receiving thread running")

    server.send(b"ada: hello\n")
    _wait_value(c, watch, "ada: hello\n", "the server sent one line", "'ada: hello\\n'", thread)
    c.ok("a line from the server appears in the log")

    server.send(b"bob: hi ada\n*** cleo joined #lobby\n")
    expected = "ada: hello\nbob: hi ada\n*** cleo joined #lobby\n"
    _wait_value(c, watch, expected, "two lines arrived together",
                "'bob: hi ada\\n*** cleo joined #lobby\\n' in one piece", thread)
    c.ok("two lines that arrive together are both added, after what was there")

    data = "cleo: café ☕\n".encode("utf-8")
    cut1, cut2 = data.index("é".encode()) + 1, data.index("☕".encode()) + 1
    pieces = [data[:cut1], data[cut1:cut2], data[cut2:]]
    total = sock.tap.bytes_read
    for index, piece in enumerate(pieces):
        if index and not sock.tap.wait_bytes(total, c.timeout):
            _crashed(c, watch, "a line arrived in pieces", f"{shown(data)} in 3 pieces")
            c.fail("Timed out: the thread did not read the first part of a line.",
                   hint="Keep calling recv() in a loop.", status="timeout")
        server.send(piece)
        total += len(piece)
    _wait_value(c, watch, expected + "cleo: café ☕\n",
                "a line arrived in 3 pieces, cut inside 'é' and '☕'",
                f"{shown(data)} in 3 pieces", thread)
    c.ok("a line that arrives in pieces, cut inside a character, is shown whole")

    shut(server.sock)
    thread.join(c.timeout)
    if watch.crashes:
        c.fail("The receiving thread raised an exception when the server closed the connection.",
               arrived=last_line(watch.crashes[0]), status="error",
               hint="When recv() returns b'' (or raises OSError), leave the loop quietly.")
    if thread.is_alive():
        c.fail("The thread kept running after the server closed the connection.",
               status="timeout",
               hint="recv() returns b'' once the server has gone: leave the loop then.")
    if sock.fileno() != -1:
        c.fail("The thread ended without closing its socket.", expected="sock closed",
               arrived="sock still open", hint="Close the socket when the loop ends: sock.close().")
    c.ok("when the server hangs up, the thread closes the socket and ends")
