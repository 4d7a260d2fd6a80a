"""LineBuffer: bytes in, whole lines out, however TCP cuts them."""

from chatlesson.core.framing import LINE_TOO_LONG, LineBuffer


def test_one_line_in_pieces():
    buf = LineBuffer()
    assert buf.feed(b"hel") == []
    assert buf.feed(b"lo") == []
    assert buf.feed(b"\n") == [b"hello"]


def test_several_lines_in_one_piece_and_a_partial_one():
    buf = LineBuffer()
    assert buf.feed(b"a\nb\nc") == [b"a", b"b"]
    assert buf.pending == b"c"
    assert buf.feed(b"\n") == [b"c"]


def test_crlf_is_accepted():
    assert LineBuffer().feed(b"telnet\r\nnext\n") == [b"telnet", b"next"]


def test_crlf_split_between_pieces():
    buf = LineBuffer(max_line_bytes=4)
    assert buf.feed(b"abcd\r") == []
    assert buf.feed(b"\n") == [b"abcd"]


def test_utf8_character_split_across_pieces_survives():
    data = "é🎉中".encode("utf-8") + b"\n"
    buf = LineBuffer()
    lines = []
    for i in range(len(data)):  # one byte at a time: every character is cut
        lines += buf.feed(data[i:i + 1])
    assert [line.decode("utf-8") for line in lines] == ["é🎉中"]


def test_line_at_the_limit_passes_and_one_byte_more_does_not():
    buf = LineBuffer(max_line_bytes=5)
    assert buf.feed(b"12345\n123456\nok\n") == [b"12345", LINE_TOO_LONG, b"ok"]


def test_overlong_line_is_reported_once_and_memory_stays_bounded():
    buf = LineBuffer(max_line_bytes=10)
    results = []
    for _ in range(1000):
        results += buf.feed(b"x" * 100)
        assert len(buf.pending) <= 11
    results += buf.feed(b"tail\nafter\n")
    assert results == [LINE_TOO_LONG, b"after"]
