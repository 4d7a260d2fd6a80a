"""What a chat client knows about where it is: nickname, room, members, admins.

Pure bookkeeping with no widgets and no sockets. The chat panel feeds every
``Message`` it receives to ``RoomState.apply`` and redraws from the result,
so the rules for keeping the member list right can be tested line by line.

The server tells a client everything it needs: the welcome and ``moved``
notices carry the whole room (who is in it, who is an admin); ``joined``,
``left``, ``kicked``, ``banned``, ``renamed`` and ``admin`` notices change it
one member at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.protocol import Message, member_list

#: Events that take a member out of the room the client is in.
_REMOVING = ("left", "kicked", "banned")


@dataclass
class RoomState:
    nick: str | None = None
    room: str | None = None
    members: list[str] = field(default_factory=list)
    admins: set[str] = field(default_factory=set)

    def apply(self, message: Message) -> bool:
        """Update from one received line; return True if anything here changed."""
        event = message.event
        if event == "welcome":
            self.nick = message.nick
        if event in ("welcome", "moved") or (event == "members" and message.room == self.room):
            before = (self.room, self.members, self.admins)
            self.room = message.room
            self.members = list(message.members)
            self.admins = set(message.admins) & set(self.members)
            return before != (self.room, self.members, self.admins)
        if event == "joined" and self._here(message) and message.nick is not None \
                and message.nick not in self.members:
            self.members.append(message.nick)
            return True
        if event in _REMOVING and self._here(message) and message.nick in self.members:
            self.members.remove(message.nick)
            self.admins.discard(message.nick)
            return True
        if event == "renamed":
            return self._rename(message.old_nick, message.nick)
        if event == "admin" and message.nick in self.members and message.nick not in self.admins:
            self.admins.add(message.nick)
            return True
        return False

    def _here(self, message: Message) -> bool:
        # Kicks and bans name no room: they concern whoever is in ours.
        return message.room is None or message.room == self.room

    def _rename(self, old: str | None, new: str | None) -> bool:
        if new is None:  # a line that only looked like a rename
            return False
        changed = False
        if old is not None and old == self.nick:
            self.nick = new
            changed = True
        if old in self.members:
            self.members[self.members.index(old)] = new
            changed = True
        if old in self.admins:
            self.admins.discard(old)
            self.admins.add(new)
        return changed

    def labels(self) -> list[str]:
        """The member list as people read it: admins marked ``@``, you marked ``(you)``."""
        shown = member_list(self.members, self.admins)
        return [f"{label} (you)" if nick == self.nick else label
                for nick, label in zip(self.members, shown, strict=True)]

    def clear(self) -> None:
        """Forget the room (after a disconnect); the nickname stays for reconnecting."""
        self.room = None
        self.members = []
        self.admins = set()
