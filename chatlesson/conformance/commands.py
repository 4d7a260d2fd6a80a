"""Level "commands": rooms, private messages, renaming, actions, as PROTOCOL.md lists them.

The tutorial leaves these as "add your own features"; the package has them.
Each check reads the replies in the protocol's exact words, and uses a last
public line as a marker to prove that what should reach nobody else did not.
"""

from __future__ import annotations

import re

from .probe import CheckFailed, exact, like
from .registry import check
from .run import joined_line, left_line

COMMAND_HINT = "PROTOCOL.md (section Commands) gives the exact reply of each command."


def _room(run) -> str:
    return run.nick("room")


@check("commands", "who", "/who lists the members of your room")
def who(run):
    ada, bob = run.members("ada", "bob")
    ada.send("/who")
    reply = ada.expect(like(r"\*\*\* Online in #lobby: .*", "*** Online in #lobby: <nick>, ..."),
                       hint=COMMAND_HINT)
    names = [name.lstrip("@") for name in reply.split(": ", 1)[1].split(", ")]
    for member in (ada, bob):
        if member.nick not in names:
            raise CheckFailed(f"/who does not name {member.label}", sent="ada: '/who\\n'",
                              expected=f"a list with {ada.nick} and {bob.nick}",
                              arrived=reply + "\n",
                              hint="/who names everyone in the room, you included.")


@check("commands", "rooms", "/join moves you to a room; lines stay in their room")
def rooms(run):
    ada, bob, cy = run.members("ada", "bob", "cy")
    room = _room(run)
    ada.send(f"/join {room}")
    ada.expect(exact(f"*** You are now in #{room}. Online: {ada.nick}"), hint=COMMAND_HINT)
    for member in (bob, cy):
        member.expect(left_line(ada.nick), hint="The old room is told that you left.")
    bob.send(f"/join #{room}")
    bob.expect(exact(f"*** You are now in #{room}. Online: {ada.nick}, {bob.nick}"),
               hint=COMMAND_HINT)
    ada.expect(joined_line(bob.nick), hint="The new room is told who joined.")
    cy.expect(left_line(bob.nick))
    cy.send("in the lobby")
    cy.expect(exact(f"{cy.nick}: in the lobby"))
    ada.send("in the room")
    for member in (ada, bob):
        member.expect(exact(f"{ada.nick}: in the room"),
                      hint="A chat line goes to the members of the sender's room only.")
    cy.send("still in the lobby")
    cy.expect(exact(f"{cy.nick}: still in the lobby"),
              hint="A chat line goes to the members of the sender's room only.")
    cy.send("/rooms")
    cy.expect(like(rf"\*\*\* Rooms: #lobby \(\d+\), .*#{re.escape(room)} \(2\).*",
                   f"*** Rooms: #lobby (<n>), ..., #{room} (2), ..."), hint=COMMAND_HINT)


@check("commands", "msg", "/msg reaches its two ends and nobody else")
def msg(run):
    ada, bob, cy = run.members("ada", "bob", "cy")
    ada.send(f"/msg {bob.nick} just between us")
    ada.expect(exact(f"[to {bob.nick}] just between us"), hint=COMMAND_HINT)
    bob.expect(exact(f"[from {ada.nick}] just between us"), hint=COMMAND_HINT)
    ada.send("in public")
    for member in (ada, cy):
        member.expect(exact(f"{ada.nick}: in public"),
                      hint="A private message goes to its two ends only, nobody else.")
    ada.send("/msg")
    ada.expect(like(r"!!! usage: /msg .*", "!!! usage: /msg NICK TEXT ..."),
               hint="A command with bad arguments gets its usage, and the connection stays open.")


@check("commands", "nick", "/nick renames you, and your next lines carry the new name")
def nick(run):
    ada, bob = run.members("ada", "bob")
    new = run.nick("ann")
    ada.send(f"/nick {new}")
    for member in (ada, bob):
        member.expect(exact(f"*** {ada.nick} is now known as {new}"), hint=COMMAND_HINT)
    ada.send("new name")
    for member in (ada, bob):
        member.expect(exact(f"{new}: new name"), hint="After /nick, lines carry the new name.")
    bob.send(f"/nick {new.upper()}")
    bob.expect(like(r"!!! .+", "!!! <the nickname is taken>"),
               hint="/nick refuses a nickname in use, like the handshake does.")


@check("commands", "me", "/me sends an action to the room")
def me(run):
    ada, bob = run.members("ada", "bob")
    ada.send("/me waves at everyone")
    for member in (ada, bob):
        member.expect(exact(f"* {ada.nick} waves at everyone"), hint=COMMAND_HINT)


@check("commands", "unknown", "an unknown command gets an error, and // sends a line starting with /")
def unknown(run):
    ada, bob = run.members("ada", "bob")
    ada.send("/nosuchcommand now")
    ada.expect(like(r"!!! unknown command /nosuchcommand.*", "!!! unknown command /nosuchcommand; ..."),
               hint=COMMAND_HINT)
    ada.send("//shrug")
    for member in (ada, bob):
        member.expect(exact(f"{ada.nick}: /shrug"),
                      hint="A line starting with // is chat with the first / removed; a "
                           "command's error goes to its sender only.")


@check("commands", "help", "/help lists the commands")
def help_(run):
    (ada,) = run.members("ada")
    ada.send("/help")
    ada.expect(like(r"\*\*\* /msg .+", "*** /msg NICK TEXT - ..."), hint=COMMAND_HINT)
    ada.send("after help")
    ada.expect(exact(f"{ada.nick}: after help"))


@check("commands", "quit", "/quit says goodbye, closes, and tells the room why")
def quit_(run):
    ada, bob = run.members("ada", "bob")
    bob.send("/quit see you")
    bob.expect(exact("*** Bye!"), hint=COMMAND_HINT)
    bob.expect_closed(hint="After *** Bye! the server closes the connection.")
    ada.expect(like(rf"\*\*\* {re.escape(bob.nick)} left #lobby \(see you\)",
                    f"*** {bob.nick} left #lobby (see you)"), hint=COMMAND_HINT)
