"""Helpers for tests that drive ChatRules directly, with strings as connections."""


def joined(rules, *nicks, host="127.0.0.1"):
    """Connect and join each nickname (the connection is named after it)."""
    for nick in nicks:
        rules.connect(nick, (host, 1000 + len(rules.members)))
        assert rules.line(nick, nick.encode()).lines_for(nick)[0].startswith("*** Welcome")
    return rules


def say(rules, who, text):
    """``who`` sends one line of text."""
    return rules.line(who, text.encode())


def only_to(out, who):
    """The one line ``out`` sends, checking it goes to ``who`` and nobody else."""
    assert [to for to, _ in out.sends] == [who], out.sends
    return out.sends[0][1]


class FakeClock:
    """Time that moves only when a test says so: ``clock.now += 10``."""

    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now
