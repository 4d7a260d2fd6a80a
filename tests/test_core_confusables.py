"""Nicknames that look the same as one in use, or as the instructor's, are refused
(UTS #39 confusable skeletons, ``chatlesson/core/confusables.py``)."""

import pytest

from chatlesson import ChatRules
from chatlesson.core.confusables import confusable_key, skeleton
from rulesutil import joined, only_to, say

CYRILLIC_A = "\u0430"  # looks exactly like a Latin a
GREEK_TAU = "\u03a4"   # looks exactly like a Latin T


@pytest.mark.parametrize("lookalike", [
    f"te{CYRILLIC_A}cher",       # issue 10's example
    f"{GREEK_TAU}eacher",
    "TEACHER",
    "\uff54eacher",              # a fullwidth t
])
def test_the_same_look_has_the_same_key(lookalike):
    assert confusable_key(lookalike) == confusable_key("teacher")


@pytest.mark.parametrize("a, b", [("bob1", "bobl"), ("b0b", "bob"), ("rnary", "mary")])
def test_classic_lookalikes(a, b):
    assert confusable_key(a) == confusable_key(b)


@pytest.mark.parametrize("a, b", [("alice", "alicia"), ("zoë", "zoe"), ("ana", "ama"), ("bob", "rob")])
def test_different_names_stay_different(a, b):
    assert confusable_key(a) != confusable_key(b)


def test_skeleton_maps_to_the_prototype():
    assert skeleton(f"p{CYRILLIC_A}ypal") == "paypal"


def test_a_student_cannot_join_under_a_lookalike_of_a_nickname_in_use():
    """Issue 10: ``te\\u0430cher`` (a Cyrillic a) was accepted and looked identical."""
    rules = joined(ChatRules(), "teacher", "ada")
    rules.connect("eve", ("10.0.0.66", 1))
    out = say(rules, "eve", f"te{CYRILLIC_A}cher")
    assert out.sends == [("eve", f"!!! the nickname te{CYRILLIC_A}cher looks the same as teacher, "
                                 "who is online; choose another"), ("eve", "Hii")]
    assert say(rules, "eve", "eve").lines_for("eve")[0].startswith("*** Welcome, eve!")
    assert only_to(say(rules, "eve", "/nick ad\u0430"), "eve") == (
        "!!! the nickname ad\u0430 looks the same as ada, who is online; choose another")
    assert rules.nicks() == ["teacher", "ada", "eve"]


def test_a_lookalike_comes_free_when_its_owner_leaves():
    rules = joined(ChatRules(), "bob1")
    rules.disconnect("bob1")
    joined(rules, "bobl")


def test_a_member_may_rename_to_a_lookalike_of_their_own_nickname():
    rules = joined(ChatRules(), "bob", "ada")
    say(rules, "bob", "/nick B0B")
    assert rules.nicks() == ["B0B", "ada"]


def test_without_the_package_a_built_in_table_still_catches_the_common_lookalikes(monkeypatch):
    from chatlesson.core import confusables

    real = confusables.resources.files

    def missing(name):
        if name == "confusable_homoglyphs":
            raise ModuleNotFoundError(name)
        return real(name)

    monkeypatch.setattr(confusables.resources, "files", missing)
    confusables._table.cache_clear()
    try:
        assert len(confusables._table()) < 100  # the fallback, not the package's table
        for a, b in [("teacher", f"te{CYRILLIC_A}cher"), ("teacher", f"{GREEK_TAU}EACHER"),
                     ("bob1", "bobl"), ("b0b", "bob"), ("mary", "rnary")]:
            assert confusable_key(a) == confusable_key(b), (a, b)
        assert skeleton(f"p{CYRILLIC_A}ypal") == "paypal"
    finally:
        confusables._table.cache_clear()
