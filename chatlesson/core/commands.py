"""How a command line becomes a call: parsing and dispatch.

A line that starts with ``/`` is a command: ``/msg bob see you`` is the
command ``msg`` with the argument text ``bob see you``. The dispatcher looks
the name up in a table of ``Command`` entries (``rules.commands``), asks
``rules.refusal`` (normally ``roles.refusal``) whether this member may run
it, then calls its handler. A handler either
does its work by adding lines to the ``Outbox``, or raises ``UsageError``
(bad arguments: the reply shows how to call the command) or
``CommandError`` (the reply is the error's text). Either way the member
gets an error line and stays connected.

Every handler has the same signature, ``handler(rules, who, args, out)``
(the ``Handler`` protocol), so a new command is one function and one table
entry. Handlers change the chat only through ``ChatRules`` methods
(``rename``, ``move``, ``make_admin``, ``set_muted``, ``ban``, ``remove``...).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from . import protocol as p
from .outbox import Outbox

if TYPE_CHECKING:  # rules.py imports this module: for the type checker only
    from .rules import ChatRules

#: What handlers are given. Any connection type: one table serves every server.
Rules: TypeAlias = "ChatRules[Any]"
Out: TypeAlias = Outbox[Any]


class Handler(Protocol):
    """A command handler: ``handler(rules, who, args, out)``, returning nothing.

    ``rules`` is the chat, ``who`` the connection that typed the command,
    ``args`` the text after the command's name and ``out`` the ``Outbox`` to
    add replies to. Trouble is raised as ``UsageError`` or ``CommandError``.
    """

    def __call__(self, rules: Rules, who: Any, args: str, out: Out, /) -> None: ...


class CommandError(Exception):
    """The command cannot be done; the message is sent to the member as an error."""


class UsageError(CommandError):
    """The arguments do not fit the command; the member is shown its usage."""


@dataclass(frozen=True)
class Command:
    name: str
    usage: str        # how to call it, e.g. "/msg NICK TEXT"
    summary: str      # what it does, for /help
    handler: Handler
    admin: bool = False   # only admins may run it
    speaks: bool = False  # it puts words in front of others, so muted members may not run it


def parse_command(text: str) -> tuple[str, str]:
    """``"/MSG bob  hi there"`` -> ``("msg", "bob  hi there")``: name in lower case, rest stripped."""
    parts = text[len(p.COMMAND_PREFIX):].split(None, 1)
    if not parts:
        return "", ""
    name = parts[0].lower()
    args = parts[1].strip() if len(parts) > 1 else ""
    return name, args


def dispatch(rules: Rules, who: Hashable, text: str, out: Out) -> None:
    """Run the command in ``text`` for ``who``; every problem becomes an error to ``who``."""
    name, args = parse_command(text)
    command = rules.commands.get(name)
    if command is None:
        shown = name if len(name) <= 30 else name[:30] + "..."
        out.send(who, p.error(f"unknown command /{shown}; type /help for the list"))
        return
    try:
        problem = rules.refusal(rules.members[who], command)
        if problem:
            out.send(who, p.error(problem))
            return
        command.handler(rules, who, args, out)
    except UsageError as exc:
        detail = f" ({exc})" if str(exc) else ""
        out.send(who, p.error(f"usage: {command.usage}{detail}"))
    except CommandError as exc:
        out.send(who, p.error(str(exc)))
    except Exception as exc:  # a bug in a handler or check must not cost the member its connection
        out.send(who, p.error(f"/{name} failed on the server and was not completed"))
        out.log.append(f"/{name} from {rules.nick_of(who)} failed: {exc!r}")


# --- Small helpers for handlers ---------------------------------------------


def no_arguments(args: str) -> None:
    if args:
        raise UsageError("it takes no arguments")


def one_word(args: str, what: str) -> str:
    """The single word a command needs (a nickname, a room)."""
    words = args.split()
    if len(words) != 1:
        raise UsageError(f"give one {what}")
    return words[0]


def word_and_rest(args: str, what: str) -> tuple[str, str]:
    """``"bob see you"`` -> ``("bob", "see you")``; the rest may be empty."""
    parts = args.split(None, 1)
    if not parts:
        raise UsageError(f"give a {what}")
    return parts[0], parts[1].strip() if len(parts) > 1 else ""
