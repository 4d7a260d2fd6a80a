"""Level "tutorial": what the tutorial's chat promises, as the lessons (01-05) build it.

A client connects and gets ``Hii``, answers with its nickname, everyone is
told who joined, every line reaches everyone stamped with its sender's name,
and everyone is told who left. The lessons' server from 05 passes this level.
"""

from __future__ import annotations

from .probe import exact
from .registry import check
from .run import left_line

STAMP_HINT = ("The server, not the client, puts the sender's nickname in front of each line "
              "(f'{nickname}: {text}') and sends the result to every client in the list, the "
              "sender included, each ended by \\n.")

LEFT_HINT = ("When recv() returns b'' (or raises ConnectionResetError) the client has gone: "
             "remove it from the lists, close its socket, tell the others '*** bob left', and "
             "leave the loop. A loop that carries on after b'' spins for ever and never tells "
             "anyone.")


@check("tutorial", "greeting", "a client that connects is asked for its nickname with Hii",
       needs=())
def greeting(run):
    newcomer = run.connect("newcomer")
    newcomer.expect(exact("Hii"), skip=None,
                    hint="As soon as it accepts a client, the server sends the line Hii, "
                         "ended by a newline: b'Hii\\n'.")


@check("tutorial", "join", "a newcomer is greeted by name and everyone is told who joined",
       needs=("greeting",))
def join(run):
    run.members("ada", "bob", "cy")


@check("tutorial", "chat", "every line reaches everyone, the sender too, stamped with the sender's name")
def chat(run):
    ada, bob, cy = run.members("ada", "bob", "cy")
    for sender, text in ((ada, "hello everyone"), (bob, "hi ada"), (cy, "hi all")):
        sender.send(text)
        for member in (ada, bob, cy):
            member.expect(exact(f"{sender.nick}: {text}"), hint=STAMP_HINT)


@check("tutorial", "leave", "when someone leaves, the others are told and the chat goes on")
def leave(run):
    ada, bob, cy = run.members("ada", "bob", "cy")
    cy.close()
    for member in (ada, bob):
        member.expect(left_line(cy.nick), hint=LEFT_HINT)
    ada.send("still here")
    for member in (ada, bob):
        member.expect(exact(f"{ada.nick}: still here"),
                      hint="After someone leaves, the others go on chatting: broadcast only to "
                           "the clients still connected.")
