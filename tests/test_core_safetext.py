"""The fast check of a whole line agrees with the character-by-character rule, everywhere."""

import sys

from chatlesson.core.safetext import has_unsafe, is_unsafe, printable


def test_has_unsafe_agrees_with_is_unsafe_on_every_code_point():
    disagree = [hex(code) for code in range(sys.maxunicode + 1)
                if not 0xD800 <= code <= 0xDFFF and has_unsafe(chr(code)) != is_unsafe(chr(code))]
    assert disagree == []


def test_a_line_is_unsafe_if_any_character_is():
    assert not has_unsafe("tabs\tand emoji 👩\u200d💻 are fine")
    for bad in ("\x1b[2J", "\r", "\x7f", "\x85", "\u2028", "\u2029", "\u202e", "\u2066"):
        assert has_unsafe(f"before {bad} after"), repr(bad)
    assert printable("a\x1bb\u202ec") == "a\ufffdb\ufffdc"
