"""The checker of exercise 10 (serve_client in an asyncio server): wrong answers caught, right ones pass.

Once ``check_asyncio_server`` is listed in tests/exercise_notebooks.py's CHECKS, tests/test_checks.py
runs the same answers (tests/wrong/asyncio_server.py) and the cases here are skipped.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from chatlesson.checks.asyncio_server import check_asyncio_server
from exercise_notebooks import CHECKS, EXERCISES, SOLUTIONS, namespace, read

LESSON = "10_asyncio_and_measuring"
ANSWERS = Path(__file__).resolve().parent / "wrong" / "asyncio_server.py"


pytestmark = pytest.mark.usefixtures("short_checker_steps")


def answers() -> dict:
    """The exercise's given code, then every answer in tests/wrong/asyncio_server.py."""
    names = namespace(read(SOLUTIONS, LESSON), exercises=False)
    exec(compile(ANSWERS.read_text(encoding="utf-8"), str(ANSWERS), "exec"), names)
    return names


NAMES = answers()


def test_solution_passes_and_says_the_same_every_run():
    solution = namespace(read(SOLUTIONS, LESSON))["serve_client"]
    first, second = check_asyncio_server(solution), check_asyncio_server(solution)
    assert first.passed, first.text
    assert first.text == second.text
    assert first.text.endswith("All checks passed. Well done!")


def test_unfilled_student_copy_is_not_done():
    result = check_asyncio_server(namespace(read(EXERCISES, LESSON))["serve_client"])
    assert result.status == "not done", result.text
    assert "still raises NotImplementedError" in result.problem


# The wrong and right answers themselves run in tests/test_checks.py, with every checker's.


def test_right_and_wrong_are_told_apart_and_there_are_many():
    assert "check_asyncio_server" in CHECKS  # so test_checks.py runs every answer below
    assert not set(NAMES["RIGHT"]) & set(NAMES["CAUGHT"])
    assert len(NAMES["CAUGHT"]) >= 20 and len(NAMES["RIGHT"]) >= 4


@pytest.mark.parametrize("function", ["with_finally", "busy_after_end", "sleeps_in_the_loop"])
def test_works_from_a_thread_that_runs_an_event_loop(function):
    """A notebook cell runs inside the kernel's loop: the check must not need this thread's loop."""
    async def cell():
        return check_asyncio_server(NAMES[function])

    result = asyncio.run(cell())
    expected = "passed" if function in NAMES["RIGHT"] else NAMES["CAUGHT"][function][0]
    assert result.status == expected, result.text
