"""The chat itself, with no I/O: the sans-I/O core every server and client shares.

Nothing here imports ``socket``, ``threading``, ``selectors`` or ``asyncio``
(a test checks it). The servers feed ``ChatRules`` events and carry out the
``Outbox`` it answers with; time comes in through an injected clock.

* ``protocol.py``: the wire format (PROTOCOL.md) and the line kinds;
* ``framing.py``: bytes to lines; ``safetext.py``: what text may be shown;
* ``rules.py``: who is connected and what each line means, answering with an ``Outbox`` (``outbox.py``);
* ``commands.py`` with ``member_commands.py`` and ``moderation.py``: the slash commands;
* ``roles.py``, ``rooms.py``, ``nicknames.py``, ``flood.py``: the policies the rules apply;
* ``confusables.py``: nicknames that look the same (UTS #39); ``penalties.py``: mutes and kick
  cool-downs that outlast a connection; ``history.py``: room history and the transcript;
* ``limits.py``: connections, the handshake deadline and slow readers (``Limits``, ``SlowReader``).
"""
