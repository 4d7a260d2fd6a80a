"""A flooder's lines wait in its own socket: the rules say when to read it again."""

from chatlesson.core.flood import FloodLimit, TokenBucket
from chatlesson.core.rules import ChatRules
from rulesutil import FakeClock, joined, say


def flooded():
    clock = FakeClock()
    rules = ChatRules(clock=clock, flood_limit=FloodLimit(burst=3, per_second=2.0))
    joined(rules, "ada", "bob")
    return rules, clock


def test_a_member_within_its_limit_is_read_at_once():
    rules, _ = flooded()
    for _ in range(3):
        say(rules, "ada", "hi")
        assert rules.resume_reading_at("ada") is None


def test_a_flooder_is_read_again_when_its_next_line_would_pass():
    rules, clock = flooded()
    for _ in range(4):
        say(rules, "ada", "hi")                     # the fourth is dropped: ada is throttled
    assert rules.resume_reading_at("ada") == 0.5    # one token at 2 a second
    assert rules.resume_reading_at("bob") is None   # nobody else waits
    clock.now = 0.5
    out = say(rules, "ada", "back again")
    assert "ada: back again" in out.lines_for("bob")
    assert rules.resume_reading_at("ada") is None


def test_without_flood_control_or_for_a_stranger_nothing_waits():
    rules = ChatRules(flood_limit=None)
    joined(rules, "ada")
    for _ in range(50):
        say(rules, "ada", "hi")
    assert rules.resume_reading_at("ada") is None
    assert rules.resume_reading_at("nobody") is None


def test_the_bucket_names_the_time_of_its_next_token():
    clock = FakeClock(10.0)
    bucket = TokenBucket(FloodLimit(burst=1, per_second=4.0), clock)
    assert bucket.next_token_at() is None
    assert bucket.take() and not bucket.take()
    assert bucket.next_token_at() == 10.25


def test_once_the_time_has_come_the_flooder_is_read_even_before_it_sends_again():
    """A server asks again when the pause ends, with no new line yet: the answer is "now"."""
    rules, clock = flooded()
    for _ in range(4):
        say(rules, "ada", "hi")
    clock.now = 0.2
    assert rules.resume_reading_at("ada") == 0.5   # still waiting, the same instant
    clock.now = 0.5
    assert rules.resume_reading_at("ada") is None  # not a time in the past: a server would spin
    clock.now = 7.0
    assert rules.resume_reading_at("ada") is None
