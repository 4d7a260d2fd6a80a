"""The checkers: solutions pass, unfinished copies are 'not done', wrong answers are caught."""

from __future__ import annotations

import importlib.util
import re
import socket
import time

import pytest

import chatlesson.checks
from chatlesson.checks import verdict
from chatlesson.checks.sockets import HOST
from exercise_notebooks import CHECKS, EXERCISES, SOLUTIONS, WRONG, is_check, namespace, read, run_check

pytestmark = pytest.mark.usefixtures("short_checker_steps")


@pytest.mark.parametrize("checker", CHECKS)
def test_solution_passes(checker):
    lesson = CHECKS[checker][0]
    result = run_check(checker, namespace(read(SOLUTIONS, lesson)))
    assert result.passed, result.text
    assert result.status == "passed"
    assert result.text.endswith("All checks passed. Well done!")
    assert "✘" not in result.text


@pytest.mark.parametrize("checker", CHECKS)
def test_verdict_is_the_same_every_run(checker):
    """nbval compares the printed verdict: no ports, no timings, no addresses."""
    lesson = CHECKS[checker][0]
    first = run_check(checker, namespace(read(SOLUTIONS, lesson))).text
    second = run_check(checker, namespace(read(SOLUTIONS, lesson))).text
    assert first == second
    assert not re.search(r"\b\d{4,5}\b|0x[0-9a-f]+|\d\.\d+ ?s\b", first), first


@pytest.mark.parametrize("checker", CHECKS)
def test_a_check_cell_calls_the_checker(checker):
    lesson, arguments = CHECKS[checker]
    cells = [cell for cell in read(SOLUTIONS, lesson).cells
             if is_check(cell) and f"{checker}({', '.join(arguments)})" in cell.source]
    assert len(cells) == 1
    assert checker in chatlesson.checks.__all__


@pytest.mark.parametrize("checker", CHECKS)
def test_unfilled_student_copy_is_not_done(checker):
    lesson = CHECKS[checker][0]
    result = run_check(checker, namespace(read(EXERCISES, lesson)))
    assert not result.passed
    assert result.status == "not done"
    assert "Not done yet:" in result.text
    assert "still raises NotImplementedError" in result.problem
    assert "# YOUR CODE HERE" in result.hint


def _answer_modules():
    """Each checker with its module of answers, tests/wrong/<checker without "check_">.py."""
    for checker in CHECKS:
        path = WRONG / f"{checker.removeprefix('check_')}.py"
        spec = importlib.util.spec_from_file_location(f"wrong_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield checker, path, module


def _wrong_answers():
    answers = []
    for checker, path, module in _answer_modules():
        for function, expected in module.CAUGHT.items():
            answers.append(pytest.param(checker, path, function, expected,
                                        id=f"{path.stem}-{function}"))
    return answers


def _right_answers():
    """The names in each module's ``RIGHT`` list: right answers written differently."""
    return [pytest.param(checker, path, function, id=f"{path.stem}-{function}")
            for checker, path, module in _answer_modules()
            for function in getattr(module, "RIGHT", [])]


def _run_answer(checker, path, function):
    """Run the check on one function of ``path``, in the namespace of the lesson's given code."""
    lesson = CHECKS[checker][0]
    names = namespace(read(SOLUTIONS, lesson), exercises=False)  # the given code only
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), names)
    return run_check(checker, names, names[function])


@pytest.mark.parametrize("checker, path, function, expected", _wrong_answers())
def test_wrong_answer_is_caught(checker, path, function, expected):
    status, problem, hint = expected
    result = _run_answer(checker, path, function)
    assert not result.passed
    assert result.status == status, result.text
    assert problem in result.problem, result.text
    assert hint in result.hint, result.text
    assert "✘" in result.text


@pytest.mark.parametrize("checker, path, function", _right_answers())
def test_right_answer_written_differently_passes(checker, path, function):
    result = _run_answer(checker, path, function)
    assert result.passed, result.text
    assert "✘" not in result.text


def test_right_and_wrong_answers_are_told_apart():
    """No function is listed both as right and as wrong."""
    for _, path, module in _answer_modules():
        both = set(getattr(module, "RIGHT", [])) & set(module.CAUGHT)
        assert not both, f"{path.name}: {both}"


def test_every_checker_has_several_wrong_answers():
    counts = {checker: 0 for checker in CHECKS}
    for param in _wrong_answers():
        counts[param.values[0]] += 1
    assert min(counts.values()) >= 5, counts


def test_an_exception_shows_the_last_line_of_its_traceback():
    def broadcast(clients, message):
        for client in clients:
            client.sendall(message)

    result = chatlesson.checks.check_broadcast(broadcast)
    assert result.status == "error"
    assert "TypeError: a bytes-like object is required, not 'str'" in result.text
    assert "raised an exception while sending to 3 clients" in result.problem


def test_a_failure_says_what_was_sent_expected_and_arrived():
    def broadcast(clients, message):
        for client in clients:
            client.sendall(message.encode("utf-8"))

    result = chatlesson.checks.check_broadcast(broadcast)
    text = result.text
    assert "sent:     broadcast(clients, 'hello everyone') with 3 clients" in text
    assert "expected: 'hello everyone\\n'" in text
    assert "arrived:  'hello everyone'" in text
    assert "Hint: Add a line ending" in text
    assert result.details[0].startswith("✘ Client 1 of 3 received the wrong bytes")


def test_the_verdict_is_printed(capsys):
    result = chatlesson.checks.check_broadcast(lambda clients, message: None)
    assert capsys.readouterr().out == result.text + "\n"


def test_in_ipython_the_verdict_is_shown_as_html_with_the_text_as_fallback(monkeypatch, capsys):
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(IPython.display, "display",
                        lambda bundle, raw: shown.append((bundle, raw)))
    result = chatlesson.checks.check_broadcast(lambda clients, message: None)
    assert capsys.readouterr().out == ""
    ((bundle, raw),) = shown
    assert raw and set(bundle) == {"text/plain", "text/html"}
    assert bundle["text/plain"] == result.text  # what nbval compares, and what tests assert
    assert bundle["text/html"] == result.html


def test_the_html_verdict_escapes_what_the_student_sent_and_marks_the_difference():
    def broadcast(clients, message):
        for client in clients:
            client.sendall(f"<script>alert(1)</script> & {message}\n".encode("utf-8"))

    html = chatlesson.checks.check_broadcast(broadcast).html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; " in html
    # The arrived line marks the part that differs: what came before the expected text.
    assert ('<span style="background: rgba(198, 40, 40, 0.25); border-radius: 2px">'
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; </span>hello everyone") in html
    assert "color: var(--jp-error-color1, #c62828)\">Client 1 of 3 received the wrong bytes." in html


def test_the_html_verdict_marks_what_is_missing():
    html = verdict.to_html(["Checking x", "✘ wrong", "    expected: 'hi\\n'",
                            "    arrived:  'hi'", "  Hint: add it", "Not passed yet: fix it"])
    assert "&#x27;hi<span style=\"background: rgba(46, 125, 50, 0.25)" in html  # \n is missing
    assert 'title="something is missing here"></span>&#x27;' in html
    assert "<b>Hint:</b> add it" in html


def test_a_passing_verdict_in_html_has_every_line_in_green_ticks():
    result = chatlesson.checks.check_broadcast(
        lambda clients, message: [client.sendall(f"{message}\n".encode()) for client in clients])
    assert result.passed
    assert result.html.count("✔</span>") == result.text.count("✔")
    assert "All checks passed. Well done!</div>" in result.html


def test_something_that_is_not_a_function_gets_a_clear_verdict():
    result = chatlesson.checks.check_broadcast(None)
    assert result.status == "failed"
    assert "Expected the function broadcast" in result.problem
    assert "without calling it" in result.hint


def test_a_hang_is_a_timeout_that_names_its_step():
    def make_server_socket():
        while True:  # for ever; the check stops this thread when it gives up
            pass

    started = time.monotonic()
    result = chatlesson.checks.check_bind_and_listen(make_server_socket)
    assert time.monotonic() - started < 3
    assert result.status == "timeout"
    assert "did not return while creating the server socket" in result.problem


def test_a_fixed_port_gets_the_same_verdict_run_after_run():
    """The checker's own test connection leaves no TIME_WAIT behind on the student's port."""
    with socket.create_server((HOST, 0)) as probe:  # a port that is free right now
        port = probe.getsockname()[1]

    def make_server_socket():  # the tutorial's way: a fixed port, no SO_REUSEADDR
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.bind((HOST, port))
        server.listen()
        return server

    verdicts = [chatlesson.checks.check_bind_and_listen(make_server_socket) for _ in range(3)]
    assert [v.text for v in verdicts] == [verdicts[0].text] * 3
    assert "while creating a second server socket: the port is already in use" in \
        verdicts[0].problem


def test_passing_a_socket_instead_of_the_function_shows_no_port():
    with socket.create_server((HOST, 0)) as server:
        result = chatlesson.checks.check_bind_and_listen(server)
    assert result.problem == ("Expected the function make_server_socket, "
                              "but got a value of type socket.")


def test_a_crash_is_reported_with_the_line_of_student_code_that_raised():
    source = (
        "def broadcast(clients, message):\n"
        "    for client in clients:\n"
        "        client.sendall(message + '\\n')\n"
    )
    student = {}
    exec(compile(source, "<student cell>", "exec"), student)
    result = chatlesson.checks.check_broadcast(student["broadcast"])
    assert not result.passed
    assert "TypeError" in result.text
    assert "(in broadcast, line 3" in result.text, result.text


@pytest.mark.parametrize("checker", ["check_receive", "check_handshake"])
def test_a_broadcast_slowed_between_sends_does_not_fail_the_solution(checker):
    """The given broadcast loops over ``clients`` itself, not a copy.

    A handle thread held up between two sends (as a busy machine may hold it) would hand
    a client that joins meanwhile a line sent before it came. That is the lessons' design,
    so the checker waits for every handle thread to be back in ``recv`` before the next
    client connects. The pause here stands in for the scheduler, not for synchronisation.
    """
    names = namespace(read(SOLUTIONS, CHECKS[checker][0]))
    given = names["broadcast"]

    def held_up_broadcast(clients, message):
        data = (message + "\n").encode("utf-8")
        for client in clients:
            client.sendall(data)
            time.sleep(0.1)

    assert given.__code__.co_varnames[:2] == ("clients", "message")  # the same shape
    names["broadcast"] = held_up_broadcast
    result = run_check(checker, names)
    assert result.passed, result.text
