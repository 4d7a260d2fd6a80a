"""Level "robust": what a chat needs once real networks and real people use it.

TCP cuts and glues lines, characters take several bytes, people choose odd or
taken nicknames, pretend to be someone else, walk away in the middle of the
handshake, stop reading, or vanish mid-line. Each check does one of these to
the server and watches that everyone else is unharmed. PROTOCOL.md says what
the server must do; the package's servers pass.
"""

from __future__ import annotations

import threading

from .probe import CheckFailed, exact, like, pause
from .registry import check
from .run import joined_line, left_line

#: Seconds between the pieces of a line, so that each leaves as its own TCP segment.
GAP = 0.02

FRAMING_HINT = ("TCP keeps no message boundaries: one recv() may return part of a line, or "
                "several lines. Add what recv() returns to a buffer, and take out complete "
                "lines (up to b'\\n') only.")

UTF8_HINT = ("Decode with UTF-8, not ASCII, and only whole lines: a character of several "
             "bytes can be cut between two recv() calls, and decoding half of one fails or "
             "replaces it with '\\ufffd'.")

REFUSE_HINT = ("Check the nickname before recording it. A bad or taken one gets an error line "
               "starting with '!!! ', then Hii again, on the same connection; nobody is told "
               "anything until a good one arrives. Nicknames are compared ignoring case.")

ERROR = like(r"!!! .+", "!!! <why it was refused>")

#: Nicknames PROTOCOL.md refuses, and how the report names each.
BAD_NICKNAMES = {
    "": "an empty nickname",
    "two words": "a nickname with a space",
    "n" * 40: "a nickname of 40 characters (the limit is 24)",
    "*** x": "a nickname that starts like a notice",
    "colon:": "a nickname with ':' (a chat line is 'nick: text')",
}


def _everyone_gets(members, line: str, hint: str) -> None:
    for member in members:
        member.expect(exact(line), hint=hint)


@check("robust", "split_line", "a line that arrives in several TCP segments is one line")
def split_line(run):
    ada, bob = run.members("ada", "bob")
    for piece in (b"one line ", b"in three ", b"pieces\n"):
        ada.send_bytes(piece)
        pause(GAP)
    _everyone_gets((ada, bob), f"{ada.nick}: one line in three pieces", FRAMING_HINT)


@check("robust", "glued_lines", "two lines that arrive in one TCP segment are two lines")
def glued_lines(run):
    ada, bob = run.members("ada", "bob")
    ada.send_bytes(b"first line\nsecond line\n")
    for member in (ada, bob):
        member.expect(exact(f"{ada.nick}: first line"), hint=FRAMING_HINT)
        member.expect(exact(f"{ada.nick}: second line"), hint=FRAMING_HINT)


@check("robust", "utf8_split", "UTF-8 text survives being cut inside a character")
def utf8_split(run):
    ada, bob = run.members("ada", "bob")
    text = "héllo wörld: 日本語, ½ ✓ 🎉"
    data = (text + "\n").encode("utf-8")
    # Cut just after the first byte of every character of two bytes or more.
    cuts, position = [], 0
    for char in text:
        size = len(char.encode("utf-8"))
        if size > 1:
            cuts.append(position + 1)
        position += size
    start = 0
    for cut in cuts + [len(data)]:
        ada.send_bytes(data[start:cut])
        start = cut
        pause(GAP)
    _everyone_gets((ada, bob), f"{ada.nick}: {text}", UTF8_HINT)


@check("robust", "long_line", "a line of 2000 bytes arrives whole, and a line over 2048 is refused")
def long_line(run):
    ada, bob = run.members("ada", "bob")
    text = ("a long line " * 200)[:1990] + " the end"
    ada.send(text)
    _everyone_gets((ada, bob), f"{ada.nick}: {text}",
                   "A line can be longer than one recv(): keep receiving into a buffer until "
                   "b'\\n' arrives. " + FRAMING_HINT)
    ada.send("x" * 3000)
    ada.expect(ERROR, hint="A line longer than 2048 bytes is dropped, and its sender gets an "
                           "error line starting with '!!! '; the connection stays open.")
    ada.send("after the long line")
    _everyone_gets((ada, bob), f"{ada.nick}: after the long line",
                   "A line over the limit reaches nobody, and the sender can go on chatting.")


@check("robust", "impersonation", "nobody can send a line under someone else's name")
def impersonation(run):
    ada, bob = run.members("ada", "bob")
    ada.send(f"{bob.nick}: I owe you money")
    _everyone_gets((ada, bob), f"{ada.nick}: {bob.nick}: I owe you money",
                   "The server stamps every line with the name of the connection it came from, "
                   "whatever the text says; a client never adds its own name.")


@check("robust", "bad_nicknames", "bad nicknames are refused and asked again, the connection stays")
def bad_nicknames(run):
    (watcher,) = run.members("ada")
    newcomer = run.connect("newcomer")
    newcomer.expect(exact("Hii"), skip=None)
    for bad, what in BAD_NICKNAMES.items():
        newcomer.send(bad)
        try:
            newcomer.expect(ERROR, skip=None)
        except CheckFailed as failed:
            failed.problem = f"{what} was not refused: {failed.problem}"
            failed.hint = REFUSE_HINT
            raise
        newcomer.expect(exact("Hii"), skip=None, hint=REFUSE_HINT)
    good = run.nick("dee")
    newcomer.send(good)
    newcomer.expect(like(rf"\*\*\* .*{good}.*", f"*** ... {good} ..."), skip=None)
    bads = [bad for bad in BAD_NICKNAMES if bad]

    def not_about_them(line: str) -> bool:  # notices about other people may come first
        return line.startswith("*** ") and "***  " not in line and not any(b in line for b in bads)

    watcher.expect(joined_line(good), skip=not_about_them,
                   hint="Only the good nickname is announced: a refused one must not join.")


@check("robust", "taken_nickname", "a nickname in use is refused, in any case, until a free one comes")
def taken_nickname(run):
    (ada,) = run.members("ada")
    newcomer = run.connect("newcomer")
    newcomer.expect(exact("Hii"), skip=None)
    for taken, what in ((ada.nick, "the same nickname"), (ada.nick.upper(), "the same in capitals")):
        newcomer.send(taken)
        try:
            newcomer.expect(ERROR, skip=None)
        except CheckFailed as failed:
            failed.problem = f"{what} as someone online was not refused: {failed.problem}"
            failed.hint = REFUSE_HINT
            raise
        newcomer.expect(exact("Hii"), skip=None, hint=REFUSE_HINT)
    free = run.nick("eve")
    newcomer.send(free)
    newcomer.expect(like(rf"\*\*\* .*{free}.*", f"*** ... {free} ..."), skip=None)
    def not_about_ada(line: str) -> bool:
        return line.startswith("*** ") and ada.nick.lower() not in line.lower()

    ada.expect(joined_line(free), skip=not_about_ada,
               hint="Only the free nickname is announced: two people never share a name.")
    ada.send("who am I")
    for member in (ada, newcomer):
        member.expect(exact(f"{ada.nick}: who am I"),
                      hint="Lines keep their sender's own name after a nickname was refused.")


@check("robust", "silent_client", "a client that never answers Hii keeps nobody else waiting",
       needs=())
def silent_client(run):
    quiet = run.connect("quiet")
    quiet.starts_with(b"Hii", "'Hii\\n'", hint="On connect the server sends Hii.")
    other = run.connect("bob")
    other.starts_with(b"Hii", "'Hii\\n' while quiet still has not answered",
                      hint="The handshake runs in the accept loop: while it waits for one "
                           "client's nickname, accept() is not called and nobody else gets in. "
                           "Start the client's thread first and ask for the nickname there.")


@check("robust", "stopped_reader", "a client that stops reading holds nobody else up")
def stopped_reader(run):
    sleeper = run.join("zed", rcvbuf=2048)   # a small window fills fast; it never reads again
    ada, bob = run.members("ada", "bob")
    text = "filling the buffers of someone who stopped reading ".ljust(1900, ".")
    hint = ("broadcast() waits in sendall() on a client that stopped reading, once that "
            "client's buffers are full, and everyone waits with it. Give each client its own "
            "queue and writer thread (the package does), or a bounded buffer in an event loop.")
    for round_ in range(4):
        for sender in (ada, bob):
            sender.send(f"{round_} {text}")
            _everyone_gets((ada, bob), f"{sender.nick}: {round_} {text}", hint)
    sleeper.kill()


@check("robust", "killed_mid_line", "a client killed in the middle of a line: it is said to have left, "
       "the half line is not delivered")
def killed_mid_line(run):
    ada, bob, ghost = run.members("ada", "bob", "ghost")
    ghost.send_bytes(b"half a li")
    pause(GAP)
    ghost.kill()
    for member in (ada, bob):
        member.expect(left_line(ghost.nick),
                      hint="A connection that ends in a reset raises ConnectionResetError in "
                           "recv(): treat it as the client leaving. Bytes without b'\\n' are "
                           "not a line: drop them when the connection ends.")
    ada.send("still here")
    _everyone_gets((ada, bob), f"{ada.nick}: still here",
                   "After someone vanishes, the others go on chatting.")


@check("robust", "one_order", "everyone sees the same lines in the same order")
def one_order(run):
    members = run.members("ada", "bob", "cy")
    start = threading.Barrier(len(members))
    errors: list[BaseException] = []

    def talk(member) -> None:
        try:
            start.wait(timeout=run.step_time())
            for number in range(3):
                member.send(f"line {number}")
        except BaseException as exc:  # reported below, in the checking thread
            errors.append(exc)

    talkers = [threading.Thread(target=talk, args=(m,), daemon=True) for m in members]
    for thread in talkers:
        thread.start()
    for thread in talkers:
        thread.join(timeout=run.step_time())
    if errors:
        raise errors[0]
    heard = {}
    for member in members:
        lines = [member.expect(like(r"[^*!].*: line \d", "<nick>: line <n>"))
                 for _ in range(3 * len(members))]
        heard[member.label] = lines
    first = heard[members[0].label]
    for member in members:
        lines = heard[member.label]
        own = [line for line in lines if line.startswith(member.nick + ":")]
        if own != [f"{member.nick}: line {n}" for n in range(3)]:
            raise CheckFailed(f"{member.label}'s own lines came back out of the order it sent them",
                              sent=f"{member.label}: line 0, line 1, line 2",
                              expected="its lines in that order", arrived="\n".join(own),
                              hint="Handle each client's lines one after the other, in one thread.")
        for index, (mine, theirs) in enumerate(zip(first, lines, strict=False)):
            if mine != theirs:
                raise CheckFailed(f"{members[0].label} and {member.label} saw the lines in "
                                  f"different orders (line {index + 1} of {len(lines)})",
                                  sent="ada, bob and cy: 3 lines each, all at the same moment",
                                  expected=f"{mine!r} (what {members[0].label} saw)",
                                  arrived=theirs,
                                  hint="Two handle threads broadcast at the same time, and each "
                                       "sends to the clients one by one. Hold one lock around "
                                       "the whole broadcast (or queue every line under one "
                                       "lock), so lines go to everyone in one order.")
