"""ask_nickname(client, nicknames) answers (exercise 05, part 2).

They run in the namespace of the notebook's given cell, where ``read_line`` exists.
CAUGHT lists the wrong ones, RIGHT the right ones written differently.
"""

import re

EMPTY = "!!! a nickname cannot be empty"
SPACES = "!!! a nickname cannot contain spaces"
TOO_LONG = "!!! a nickname can have at most 24 characters"


def _send(client, line):
    """Send one line; False if the client has gone."""
    try:
        client.sendall((line + "\n").encode("utf-8"))
    except OSError:
        return False
    return True


def _problem(nickname, nicknames):
    """The rules, right (the wrong answers below each break one thing)."""
    if not nickname:
        return EMPTY
    if any(c.isspace() for c in nickname):
        return SPACES
    if len(nickname) > 24:
        return TOO_LONG
    if nickname in nicknames:
        return f"!!! the nickname {nickname} is taken"
    return None


# --- Wrong ------------------------------------------------------------------------------


def forgets_hii(client, nicknames):
    while True:
        nickname = read_line(client)
        if nickname is None:
            return None
        problem = _problem(nickname, nicknames)
        if problem is None:
            return nickname
        if not _send(client, problem):
            return None


def hii_without_newline(client, nicknames):
    while True:
        try:
            client.sendall(b"Hii")
        except OSError:
            return None
        nickname = read_line(client)
        if nickname is None:
            return None
        problem = _problem(nickname, nicknames)
        if problem is None:
            return nickname
        if not _send(client, problem):
            return None


def accepts_anything(client, nicknames):
    client.sendall(b"Hii\n")
    return read_line(client)


def no_reason(client, nicknames):
    """Asks again, but never says why."""
    while True:
        if not _send(client, "Hii"):
            return None
        nickname = read_line(client)
        if nickname is None or _problem(nickname, nicknames) is None:
            return nickname


def asks_once(client, nicknames):
    """Says why, but never asks again."""
    if not _send(client, "Hii"):
        return None
    while True:
        nickname = read_line(client)
        if nickname is None:
            return None
        problem = _problem(nickname, nicknames)
        if problem is None:
            return nickname
        if not _send(client, problem):
            return None


def own_error_text(client, nicknames):
    while True:
        if not _send(client, "Hii"):
            return None
        nickname = read_line(client)
        if nickname is None:
            return None
        if _problem(nickname, nicknames) is None:
            return nickname
        if not _send(client, "!!! try another nickname"):
            return None


def error_without_newline(client, nicknames):
    while True:
        if not _send(client, "Hii"):
            return None
        nickname = read_line(client)
        if nickname is None:
            return None
        problem = _problem(nickname, nicknames)
        if problem is None:
            return nickname
        try:
            client.sendall(problem.encode("utf-8"))
        except OSError:
            return None


def _ask_with(rules):
    """An ask_nickname that applies ``rules(nickname, nicknames)`` instead of the right ones."""
    def ask_nickname(client, nicknames):
        while True:
            if not _send(client, "Hii"):
                return None
            nickname = read_line(client)
            if nickname is None:
                return None
            problem = rules(nickname, nicknames)
            if problem is None:
                return nickname
            if not _send(client, problem):
                return None
    return ask_nickname


def _only_taken(nickname, nicknames):
    return f"!!! the nickname {nickname} is taken" if nickname in nicknames else None


def _no_empty_rule(nickname, nicknames):
    problem = _problem(nickname, nicknames)
    return None if problem == EMPTY else problem


accepts_empty = _ask_with(_no_empty_rule)


def _no_space_rule(nickname, nicknames):
    if not nickname:
        return EMPTY
    if len(nickname) > 24:
        return TOO_LONG
    return _only_taken(nickname, nicknames)


no_space_rule = _ask_with(_no_space_rule)


def _space_character_only(nickname, nicknames):
    """Looks for " " only: a tab gets through."""
    if " " in nickname:
        return SPACES
    problem = _problem(nickname, nicknames)
    return None if problem == SPACES else problem


space_character_only = _ask_with(_space_character_only)


def _no_length_rule(nickname, nicknames):
    problem = _problem(nickname, nicknames)
    return None if problem == TOO_LONG else problem


no_length_rule = _ask_with(_no_length_rule)


def _counts_bytes(nickname, nicknames):
    if nickname and len(nickname.encode("utf-8")) > 24:
        return TOO_LONG
    return _problem(nickname, nicknames)


counts_bytes = _ask_with(_counts_bytes)


def _off_by_one(nickname, nicknames):
    if len(nickname) >= 24:
        return TOO_LONG
    return _problem(nickname, nicknames)


off_by_one = _ask_with(_off_by_one)


def _taken_as_substring(nickname, nicknames):
    if nickname and any(nickname in taken for taken in nicknames):
        return f"!!! the nickname {nickname} is taken"
    return _problem(nickname, nicknames)


taken_as_substring = _ask_with(_taken_as_substring)


def _strips_before_checking(nickname, nicknames):
    """Checks the stripped nickname, so ' zoe' passes (and is returned with its space)."""
    return _problem(nickname.strip(), nicknames) if nickname.strip() else EMPTY


strips_before_checking = _ask_with(_strips_before_checking)


def strips_what_it_returns(client, nicknames):
    """Strips the answer first, so ' zoe' becomes 'zoe' instead of being refused."""
    while True:
        if not _send(client, "Hii"):
            return None
        nickname = read_line(client)
        if nickname is None:
            return None
        nickname = nickname.strip()
        problem = _problem(nickname, nicknames)
        if problem is None:
            return nickname
        if not _send(client, problem):
            return None


def gives_up_after_three_tries(client, nicknames):
    for _ in range(3):
        if not _send(client, "Hii"):
            return None
        nickname = read_line(client)
        if nickname is None:
            return None
        problem = _problem(nickname, nicknames)
        if problem is None:
            return nickname
        if not _send(client, problem):
            return None
    return None


def adds_to_list(client, nicknames):
    while True:
        if not _send(client, "Hii"):
            return None
        nickname = read_line(client)
        if nickname is None:
            return None
        problem = _problem(nickname, nicknames)
        if problem is None:
            nicknames.append(nickname)
            return nickname
        if not _send(client, problem):
            return None


def decodes_pieces(client, nicknames):
    """Reads its own lines with recv(1024), decoding each piece at once."""
    buffer = ""
    if not _send(client, "Hii"):
        return None
    while True:
        data = client.recv(1024)
        if not data:
            return None
        buffer += data.decode("utf-8")
        while "\n" in buffer:
            nickname, buffer = buffer.split("\n", 1)
            problem = _problem(nickname, nicknames)
            if problem is None:
                return nickname
            _send(client, problem)
            _send(client, "Hii")


def keeps_line_ending(client, nicknames):
    buffer = b""
    _send(client, "Hii")
    while True:
        byte = client.recv(1)
        if not byte:
            return None
        buffer += byte
        if buffer.endswith(b"\n"):
            nickname = buffer.decode("utf-8")
            buffer = b""
            problem = _problem(nickname[:-1], nicknames)
            if problem is None:
                return nickname
            _send(client, problem)
            _send(client, "Hii")


def returns_bytes(client, nicknames):
    buffer = b""
    _send(client, "Hii")
    while True:
        byte = client.recv(1)
        if not byte:
            return None
        buffer += byte
        if buffer.endswith(b"\n"):
            nickname, buffer = buffer[:-1], b""
            problem = _problem(nickname.decode("utf-8"), nicknames)
            if problem is None:
                return nickname
            _send(client, problem)
            _send(client, "Hii")


def spins_when_gone(client, nicknames):
    """Skips empty reads instead of giving up: spins once the client has gone."""
    buffer = b""
    _send(client, "Hii")
    while True:
        data = client.recv(1024)
        buffer += data
        if b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            nickname = line.decode("utf-8")
            problem = _problem(nickname, nicknames)
            if problem is None:
                return nickname
            _send(client, problem)
            _send(client, "Hii")


def empty_string_when_gone(client, nicknames):
    while True:
        if not _send(client, "Hii"):
            return ""
        nickname = read_line(client)
        if nickname is None:
            return ""
        problem = _problem(nickname, nicknames)
        if problem is None:
            return nickname
        if not _send(client, problem):
            return ""


def sends_unguarded(client, nicknames):
    """A client that vanishes while it is refused makes sendall raise, and that escapes."""
    while True:
        client.sendall(b"Hii\n")
        nickname = read_line(client)
        if nickname is None:
            return None
        problem = _problem(nickname, nicknames)
        if problem is None:
            return nickname
        client.sendall((problem + "\n").encode("utf-8"))


CAUGHT = {
    "forgets_hii": ("failed", "while the client connected", 'send exactly the line "Hii"'),
    "hii_without_newline": ("failed", "The client received no complete line while the client "
                            "connected", 'must end with "\\n"'),
    "accepts_anything": ("failed", "returned 'ada'", "!!! the nickname ada is taken"),
    "no_reason": ("failed", "received the wrong line", "say why first"),
    "asks_once": ("failed", "a nickname that is taken", 'ask again with "Hii"'),
    "own_error_text": ("failed", "received the wrong line", "Use exactly the error line"),
    "error_without_newline": ("failed", "received the wrong line", 'End the error line'),
    "accepts_empty": ("failed", "returned ''", EMPTY),
    "no_space_rule": ("failed", "returned 'ada lovelace'", SPACES),
    "space_character_only": ("failed", "returned 'zo\\te'", SPACES),
    "no_length_rule": ("failed", "returned 'xxxxxxxx", TOO_LONG),
    "counts_bytes": ("failed", "refused a nickname it should accept", "not bytes"),
    "off_by_one": ("failed", "refused a nickname it should accept", "only more than 24"),
    "taken_as_substring": ("failed", "refused a nickname it should accept",
                           "Compare the whole nickname"),
    "strips_before_checking": ("failed", "returned ' zoe'", SPACES),
    "strips_what_it_returns": ("failed", "returned 'zoe'", SPACES),
    "gives_up_after_three_tries": ("failed", "returned None before the client received a line",
                                   "as many times as it takes"),
    "adds_to_list": ("failed", "changed the list of nicknames", "Only return the nickname"),
    "decodes_pieces": ("error", "raised an exception while the client answered 'Zoë'",
                       "Keep the bytes in a buffer"),
    "keeps_line_ending": ("failed", "returned the wrong value", "nothing added"),
    "returns_bytes": ("failed", "returned the wrong value", "not bytes"),
    "spins_when_gone": ("timeout", "busy loop", "if not data: break"),
    "empty_string_when_gone": ("failed", "returned the wrong value", "return None"),
    "sends_unguarded": ("error", "the client vanished while its nickname was refused",
                        "sendall raises OSError"),
}


# --- Right, written differently ------------------------------------------------------------


def recursive(client, nicknames):
    """Asks again by calling itself."""
    try:
        client.sendall(b"Hii\n")
    except OSError:
        return None
    nickname = read_line(client)
    if nickname is None:
        return None
    problem = _problem(nickname, nicknames)
    if problem is None:
        return nickname
    if not _send(client, problem):
        return None
    return recursive(client, nicknames)


def rules_table(client, nicknames):
    rules = [
        (lambda n: n == "", "a nickname cannot be empty"),
        (lambda n: re.search(r"\s", n) is not None, "a nickname cannot contain spaces"),
        (lambda n: len(n) > 24, "a nickname can have at most 24 characters"),
        (lambda n: n in nicknames, "the nickname {} is taken"),
    ]
    while True:
        if not _send(client, "Hii"):
            return None
        nickname = read_line(client)
        if nickname is None:
            return None
        broken = [text for test, text in rules if test(nickname)]
        if not broken:
            return nickname
        if not _send(client, "!!! " + broken[0].format(nickname)):
            return None


def split_compares(client, nicknames):
    """White space found by comparing split() with the nickname; error and Hii sent together."""
    try:
        client.sendall(b"Hii\n")
        while (nickname := read_line(client)) is not None:
            if nickname == "":
                error = EMPTY
            elif nickname.split() != [nickname]:
                error = SPACES
            elif len(nickname) > 24:
                error = TOO_LONG
            elif nickname in nicknames:
                error = "!!! the nickname %s is taken" % nickname
            else:
                return nickname
            client.sendall(f"{error}\nHii\n".encode("utf-8"))
    except OSError:
        pass
    return None


def own_buffer(client, nicknames):
    """Reads lines itself, with a bytes buffer and partition, instead of read_line."""
    buffer = b""
    try:
        client.sendall(b"Hii\n")
        while True:
            while b"\n" not in buffer:
                data = client.recv(1024)
                if not data:
                    return None
                buffer += data
            line, _, buffer = buffer.partition(b"\n")
            nickname = line.decode("utf-8")
            problem = _problem(nickname, nicknames)
            if problem is None:
                return nickname
            client.sendall(problem.encode("utf-8") + b"\nHii\n")
    except OSError:
        return None


def for_loop_with_else(client, nicknames):
    import itertools

    for _ in itertools.count():
        if not _send(client, "Hii"):
            break
        nickname = read_line(client)
        if nickname is None:
            break
        if not nickname:
            why = "a nickname cannot be empty"
        elif any(map(str.isspace, nickname)):
            why = "a nickname cannot contain spaces"
        elif len(nickname) > 24:
            why = "a nickname can have at most 24 characters"
        elif nickname in nicknames:
            why = f"the nickname {nickname} is taken"
        else:
            return nickname
        if not _send(client, f"!!! {why}"):
            break
    return None


RIGHT = ["recursive", "rules_table", "split_compares", "own_buffer", "for_loop_with_else"]
