"""Lesson 08: command handlers and the permission check.

The student writes ``me`` and ``msg`` (handlers with the package's signature
``handler(rules, who, args, out)``) and ``refusal(member, command)``, the
one place that decides who may run what. The checks drive them through a
real ``ChatRules``: whatever the student's code sends is in the ``Outbox``,
so every verdict can say exactly who received which line. The connections
are called ``conn-1``, ``conn-2``, ... and the members ada, bob and cy, so
code that mixes up a connection and a nickname shows at once.
"""

from __future__ import annotations

from dataclasses import replace

from ..core.commands import CommandError, UsageError
from ..core.outbox import Outbox
from ..core.rules import ChatRules, Member
from .core import Checker, checker, need_function, shown

ADA, BOB, CY = "conn-1", "conn-2", "conn-3"
NAMES = {ADA: "ada", BOB: "bob", CY: "cy"}

ROOM_HINT = ("Send to the members of the sender's room: "
             "out.send_all(rules.room_members(member.room), line), where "
             "member = rules.members[who].")
NICK_HINT = ("`who` is the connection, not the nickname. The nickname is "
             "rules.members[who].nick.")
USAGE_HINT = ('With nothing to work with, raise UsageError("...") (from chatlesson.core.commands); '
              "the dispatcher turns it into an error that shows how to use the command.")
FIND_HINT = ("Look the nickname up with rules.find(nick): it ignores case, and returns None "
             "when no one by that name is online.")
NOBODY_HINT = ('When rules.find(nick) returns None, raise CommandError(f"no one called {nick} '
               'is online") instead of sending anything.')
SPACES_HINT = ("Keep the text exactly as it was typed, every space inside it included: splitting it "
               "into words and joining them again loses spaces.")
NOTHING_HINT = ("Nothing was added to out. A handler replies only through the outbox: "
                "out.send(connection, line) or out.send_all(connections, line); a line it returns "
                "or prints goes nowhere.")
SPLIT_HINT = ("The text is everything after the nickname, spaces included: "
              "nick, _, text = args.partition(\" \"), or args.split(None, 1).")


def _chat_rules(admin_password: str | None = None) -> ChatRules:
    """ada and bob in #lobby, cy in #attic; flood control off so checks never throttle."""
    rules: ChatRules[str] = ChatRules(admin_password=admin_password, flood_limit=None)
    for who, nick in NAMES.items():
        rules.connect(who, ("127.0.0.1", 40000))
        rules.line(who, nick.encode())
    rules.line(CY, b"/join attic")
    return rules


def _call(handler, rules, who, args):
    """Run a handler; return its Outbox and the CommandError it raised (or None)."""
    out = Outbox()
    try:
        handler(rules, who, args, out)
    except CommandError as exc:
        return out, exc
    return out, None


def _shown_sends(out: Outbox) -> str:
    return "; ".join(_shown_entry(entry) for entry in out.sends) or "nothing"


def _shown_entry(entry) -> str:
    """One outbox entry as a verdict shows it, whatever the student put there."""
    if not (isinstance(entry, tuple) and len(entry) == 2):
        return shown(entry)
    to, line = entry
    name = NAMES.get(to, repr(to)) if isinstance(to, str) else repr(to)
    return f"{name} got {shown(line)}"


def _expected_text(expected: dict) -> str:
    return "; ".join(f"{NAMES[to]} gets {shown(line)}" for to, line in expected.items())


def _run(c: Checker, name, handler, rules, who, args, crash_hint: str | None = None):
    """Call the student's handler with a deadline; a crash is reported with ``crash_hint``."""
    label = f"{name}(rules, {who!r}, {args!r}, out)"
    step = f"{NAMES[who]} typed /{name} {args}".rstrip()
    call = c.start(_call, handler, rules, who, args, label=label)
    if not call.wait(c.timeout):
        c.fail(f"Timed out: {label} did not return while {step}.", status="timeout",
               hint="A handler only adds lines to out and returns: it never waits or loops.")
    if call.error is not None:
        c.crashed(call, step, hint=crash_hint if isinstance(call.error, LookupError | AttributeError
                                                            | TypeError | ValueError) else None)
    out, raised = call.returned
    return label, out, raised


def _check_outbox(c: Checker, label, out) -> None:
    """Every entry in ``out`` must be (a connection, one line of text): name what is not."""
    nicknames = {nick: who for who, nick in NAMES.items()}
    for entry in out.sends:
        to, line = entry if isinstance(entry, tuple) and len(entry) == 2 else (None, entry)
        if isinstance(to, str) and to in nicknames:
            c.fail(f"{label} sent a line to {to!r}, a nickname: the outbox takes connections.",
                   expected=f"out.send({nicknames[to]!r}, ...) for {to}",
                   arrived=f"out.send({to!r}, {shown(line)})",
                   hint="Send to connections: `who` is the sender's, rules.room_members(room) and "
                        "rules.find(nick) give the others'. A nickname is only for showing.")
        if not (isinstance(to, str) and to in NAMES):
            c.fail(f"{label} sent a line to {shown(to)}, which is not a connection.",
                   arrived=_shown_sends(out),
                   hint="out.send(connection, line) takes a connection first, then the line.")
        if isinstance(line, (bytes, bytearray)):
            c.fail(f"{label} put bytes in the outbox, not text.",
                   expected="a str, e.g. '* ada waves'", arrived=repr(bytes(line)),
                   hint="The outbox holds text: the server encodes each line and adds its line "
                        "ending when it sends it. Do not encode.")
        if not isinstance(line, str):
            c.fail(f"{label} put a {type(line).__name__} in the outbox, not a line of text.",
                   expected="a str, e.g. '* ada waves'", arrived=shown(line),
                   hint="out.send(connection, line): the line is one str, built with the protocol "
                        "module's functions.")
        if "\n" in line or "\r" in line:
            c.fail(f"{label} put a line ending in the outbox.",
                   expected="one line, without \\n", arrived=shown(line),
                   hint="The server adds the line ending when it sends; the outbox holds the line "
                        "without it.")


def _expect_sends(c: Checker, label, out, raised, expected: dict, hints) -> None:
    """``out`` must hold exactly the ``expected`` lines (one per recipient), nothing else."""
    _check_outbox(c, label, out)
    if raised is not None:
        c.fail(f"{label} raised {type(raised).__name__}({str(raised)!r}), but this call should work.",
               expected=_expected_text(expected), arrived=_shown_sends(out), hint=hints.get("raised"))
    got: dict = {}
    for to, line in out.sends:
        got.setdefault(to, []).append(line)
    if got == {to: [line] for to, line in expected.items()}:
        return
    missing = [to for to in expected if not got.get(to)]
    extra = [to for to in got if to not in expected]
    wrong = [to for to in expected if to in got and got[to] != [expected[to]]]
    if not out.sends:
        c.fail(f"{label} sent nothing.", expected=_expected_text(expected), arrived="nothing",
               hint=NOTHING_HINT)
    if missing:
        to = missing[0]
        problem = f"{NAMES[to]} received nothing from {label}."
        hint = hints.get("missing", {}).get(to) or hints.get("other")
    elif extra:
        problem = f"{NAMES.get(extra[0], extra[0])} received a line, but should not have."
        hint = hints.get("extra")
    else:
        to = wrong[0]
        problem = f"{NAMES[to]} received the wrong line from {label}."
        hint = hints["wrong"](to, got[to]) if "wrong" in hints else None
        hint = hint or hints.get("other")
    c.fail(problem, expected=_expected_text(expected), arrived=_shown_sends(out), hint=hint)


def _expect_error(c: Checker, label, out, raised, kind, hint: str) -> None:
    """The call must raise ``kind`` (UsageError or CommandError) and send nothing."""
    if kind is CommandError and isinstance(raised, UsageError):
        c.fail(f"{label} raised UsageError, but the arguments were fine: this needs CommandError.",
               expected="raise CommandError(...)", arrived=f"UsageError({str(raised)!r})",
               hint="UsageError is only for bad or missing arguments (the member is shown the "
                    "usage); anything else that goes wrong raises CommandError with a message that "
                    "says what.")
    if raised is None or not isinstance(raised, kind):
        arrived = "no exception" if raised is None else f"{type(raised).__name__}({str(raised)!r})"
        c.fail(f"{label} should raise {kind.__name__}.", expected=f"raise {kind.__name__}(...)",
               arrived=f"{arrived}; sent {_shown_sends(out)}", hint=hint)
    _check_outbox(c, label, out)
    if out.sends:
        c.fail(f"{label} raised {kind.__name__} but also sent lines.", expected="nothing sent",
               arrived=_shown_sends(out), hint="Raise before sending anything.")


# --- /me -----------------------------------------------------------------------------------


def _me_hint(nick: str, text: str):
    def hint(to, lines):
        line = lines[0]
        if line == f"* {next(w for w, n in NAMES.items() if n == nick)} {text}":
            return NICK_HINT
        if line == f"{nick}: {text}":
            return 'An action is not chat: use protocol.action_line(nick, text), which gives "* ada waves".'
        if len(lines) > 1:
            return "Send the action to each member once."
        if line.split() == f"* {nick} {text}".split():
            return SPACES_HINT
        return f'Build the line with protocol.action_line(nick, text): "* {nick} {text}".'
    return hint


@checker("me(rules, who, args, out)")
def check_me(c: Checker, me) -> None:
    need_function(c, me, "me")
    rules = _chat_rules()
    label, out, raised = _run(c, "me", me, rules, ADA, "waves")
    _expect_sends(c, label, out, raised, {ADA: "* ada waves", BOB: "* ada waves"}, {
        "missing": {ADA: "The sender is in the room too, and sees its own action. " + ROOM_HINT,
                    BOB: ROOM_HINT},
        "extra": "cy is in #attic, not in ada's room. " + ROOM_HINT,
        "wrong": _me_hint("ada", "waves"),
        "raised": "/me waves should send the action; raise UsageError only when args is empty.",
        "other": ROOM_HINT})
    c.ok("/me waves reaches everyone in ada's room as '* ada waves', and nobody else")

    label, out, raised = _run(c, "me", me, rules, CY, "dusts off  the old books")
    line = "* cy dusts off  the old books"
    _expect_sends(c, label, out, raised, {CY: line}, {
        "missing": {CY: ROOM_HINT},
        "extra": "cy is alone in #attic: the lobby must not hear it. " + ROOM_HINT,
        "wrong": _me_hint("cy", "dusts off the old books"),
        "other": ROOM_HINT})
    c.ok("an action in another room stays in that room, whole")

    label, out, raised = _run(c, "me", me, rules, BOB, "")
    _expect_error(c, label, out, raised, UsageError, USAGE_HINT)
    c.ok("/me with nothing after it raises UsageError and sends nothing")

    rules.commands["me"] = replace(rules.commands["me"], handler=me)
    out = c.run(rules.line, BOB, b"/ME stretches", label="rules.line(conn-2, b'/ME stretches')",
                step="bob typed /ME stretches, through the dispatcher")
    if sorted(out.sends) != [(ADA, "* bob stretches"), (BOB, "* bob stretches")]:
        c.fail("Through the dispatcher, /ME stretches did not reach ada's room as expected.",
               expected="ada and bob get '* bob stretches'", arrived=_shown_sends(out),
               hint="Use only rules, who, args and out: no global variables.")
    c.ok("plugged into ChatRules, it works from a typed command")


# --- /msg ----------------------------------------------------------------------------------


def _msg_hint(expected: str):
    """A hint for a private line that is not ``expected``."""
    def hint(lines):
        line = lines[0]
        if len(lines) > 1:
            return "Send each of the two lines once."
        if "conn-" in line:
            return NICK_HINT
        if line[:3] != expected[:3]:
            return ("The sender sees [to <recipient>] and the recipient sees [from <sender>]: "
                    "protocol.private_to(recipient_nick, text) for the sender, "
                    "protocol.private_from(sender_nick, text) for the recipient.")
        if line.split() == expected.split():
            return SPACES_HINT
        if line.lower() == expected.lower():
            return ("Show nicknames as their owners spell them: rules.members[target].nick, "
                    "not what was typed.")
        if "] " in line and line.split("] ", 1)[1] == expected.split("] ", 1)[1]:
            return ("The name in brackets is the other end: the sender's copy names the recipient "
                    "([to cy]), the recipient's line names the sender ([from ada]).")
        if "] " in line and line.split("] ", 1)[1].endswith(expected.split("] ", 1)[1]):
            return SPLIT_HINT
        if expected.endswith(line.split("] ", 1)[-1]) or line.split("] ", 1)[-1] in expected:
            return SPLIT_HINT
        return (f"Expected {shown(expected)}: build it with protocol.private_to and "
                "protocol.private_from.")
    return hint


@checker("msg(rules, who, args, out)")
def check_msg(c: Checker, msg) -> None:
    need_function(c, msg, "msg")
    rules = _chat_rules()
    text = "meet me  upstairs at 5"
    label, out, raised = _run(c, "msg", msg, rules, ADA, f"cy {text}")
    sender, mine, theirs = ADA, f"[to cy] {text}", f"[from ada] {text}"
    _expect_sends(c, label, out, raised, {ADA: mine, CY: theirs}, {
        "missing": {ADA: "The sender gets a copy: out.send(who, protocol.private_to(...)).",
                    CY: "Send to the connection rules.find(nick) returns: "
                        "out.send(target, protocol.private_from(...))."},
        "extra": "A private message reaches only its two ends: out.send to each of them, "
                 "never send_all to a room.",
        "wrong": lambda to, lines: _msg_hint(mine if to == sender else theirs)(lines),
        "raised": FIND_HINT,
        "other": SPLIT_HINT})
    c.ok("ada's private message reaches cy in another room, and ada's copy, and no one else")

    label, out, raised = _run(c, "msg", msg, rules, BOB, "ADA are you there?")
    sender, mine, theirs = BOB, "[to ada] are you there?", "[from bob] are you there?"
    _expect_sends(c, label, out, raised, {BOB: mine, ADA: theirs}, {
        "missing": {ADA: FIND_HINT, BOB: "The sender gets a copy too."},
        "extra": "Only the two ends get a private message.",
        "wrong": lambda to, lines: _msg_hint(mine if to == sender else theirs)(lines),
        "raised": FIND_HINT,
        "other": FIND_HINT})
    c.ok("nicknames are found in any case, and shown as their owners spell them")

    label, out, raised = _run(c, "msg", msg, rules, ADA, "nobody hello?", NOBODY_HINT)
    _expect_error(c, label, out, raised, CommandError, NOBODY_HINT)
    c.ok("a message to someone not online raises CommandError")

    for args in ["bob", ""]:
        label, out, raised = _run(c, "msg", msg, rules, ADA, args, SPLIT_HINT)
        _expect_error(c, label, out, raised, UsageError,
                      "Without both a nickname and a text, raise UsageError(...). " + SPLIT_HINT)
    c.ok("a missing nickname or text raises UsageError")


# --- refusal ---------------------------------------------------------------------------------


def _refusal_cases(rules: ChatRules):
    member = Member(nick="bob")
    admin = Member(nick="ada", admin=True)
    muted = Member(nick="cy", muted=True)
    commands = rules.commands
    yield "a member", member, commands["kick"], True, ("Refuse admin commands to members: "
                                                       "if command.admin and not member.admin: return ...")
    for name in ["ban", "unban", "mute", "unmute"]:
        yield "a member", member, commands[name], True, (
            "Every command with command.admin set is for admins, not only /kick: test "
            "command.admin, not the command's name.")
    yield "an admin", admin, commands["kick"], False, "Admins may run admin commands: return None for them."
    for name in ["who", "msg", "join", "help"]:
        yield "a member", member, commands[name], False, (
            "Commands without command.admin are for everyone: return None unless a rule refuses.")
    for name in ["me", "msg", "nick"]:
        yield "a muted member", muted, commands[name], True, (
            "A muted member may not run commands that speak: if command.speaks and member.muted: "
            "return ...")
    yield "a muted member", muted, commands["who"], False, (
        "Muting only stops speaking: /who, /join and /help stay allowed.")
    for name in ["who", "me", "msg", "join"]:
        yield "an admin", admin, commands[name], False, (
            "Admins may run every command a member may: the admin rule only refuses admin "
            "commands to members.")
    muted_admin = Member(nick="ada", admin=True, muted=True)
    yield "a muted admin", muted_admin, commands["me"], True, (
        "Being an admin does not lift a mute: refuse commands that speak to every muted member.")
    yield "a muted admin", muted_admin, commands["kick"], False, (
        "A muted admin may still run admin commands: muting only stops speaking.")
    yield "a muted member", muted, commands["kick"], True, (
        "Refuse admin commands to every member that is not an admin, muted or not.")


@checker("refusal(member, command)")
def check_refusal(c: Checker, refusal) -> None:
    need_function(c, refusal, "refusal")
    rules: ChatRules[str] = ChatRules(admin_password="lesson", flood_limit=None)
    for who_text, member, command, refused, hint in _refusal_cases(rules):
        answer = c.run(refusal, member, command, label=f"refusal(<{who_text}>, /{command.name})",
                       step=f"asking whether {who_text} may run /{command.name}")
        if refused and not (isinstance(answer, str) and answer):
            c.fail(f"{who_text.capitalize()} may not run /{command.name}, but refusal allowed it.",
                   expected="a reason, as a str", arrived=shown(answer), hint=hint)
        if not refused and answer is not None:
            c.fail(f"{who_text.capitalize()} may run /{command.name}, but refusal refused it.",
                   expected="None", arrived=shown(answer), hint=hint)
    c.ok("members are refused every admin command, admins are not")
    c.ok("muted members are refused the commands that speak, and only those")

    rules = _chat_rules(admin_password="lesson")
    rules.refusal = refusal
    out = c.run(rules.line, BOB, b"/kick ada", label="rules.line(conn-2, b'/kick ada')",
                step="bob, a member, typed /kick ada")
    if out.closes or rules.nick_of(ADA) is None or [to for to, _ in out.sends] != [BOB] \
            or not out.sends[0][1].startswith("!!! "):
        c.fail("Through the dispatcher, bob (a member) typed /kick ada and was not refused.",
               expected="one error line to bob, and nobody kicked", arrived=_shown_sends(out),
               hint="Refuse admin commands to members.")
    c.run(rules.line, ADA, b"/admin lesson", label="rules.line(conn-1, b'/admin lesson')",
          step="ada typed /admin and the right password")
    out = c.run(rules.line, ADA, b"/kick bob", label="rules.line(conn-1, b'/kick bob')",
                step="ada, now an admin, typed /kick bob")
    if out.closes != [BOB]:
        c.fail("Through the dispatcher, ada (an admin) could not kick bob.",
               expected="bob's connection closed", arrived=_shown_sends(out),
               hint="Return None when the member may run the command.")
    c.ok("plugged into ChatRules, /kick is refused to bob and works for ada")
