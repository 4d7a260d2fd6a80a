"""Shared by the exercise tests: where the notebooks are, and how to run their code.

The tests take the code straight from the notebooks (no copies): the given
cells, the exercise cells (answers in solutions/, stubs in exercises/), and
the check cell, which is recognised by its import from chatlesson.checks.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

import chatlesson.checks

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
WRONG = Path(__file__).resolve().parent / "wrong"

#: checker in chatlesson.checks -> (lesson, names from the notebook it is called with).
#: Its wrong answers are in tests/wrong/<checker name without "check_">.py.
CHECKS = {
    "check_bind_and_listen": ("01_bind_and_listen", ["make_server_socket"]),
    "check_broadcast": ("02_broadcast", ["broadcast"]),
    "check_handle": ("03_handle", ["handle", "clients", "nicknames"]),
    "check_receive": ("04_receive", ["receive", "clients", "nicknames"]),
    "check_handshake": ("05_handshake", ["receive", "clients", "nicknames"]),
    "check_ask_nickname": ("05_handshake", ["ask_nickname"]),
    "check_client": ("06_client", ["receive_messages"]),
    "check_event_loop_read": ("09_one_thread_many_clients", ["on_readable", "Client", "clients"]),
    "check_event_loop_write": ("09_one_thread_many_clients", ["on_writable", "Client", "clients"]),
    "check_event_loop_drop": ("09_one_thread_many_clients", ["drop", "Client", "clients"]),
    "check_event_loop": ("09_one_thread_many_clients", ["serve", "clients"]),
    "check_asyncio_server": ("10_asyncio_and_measuring", ["serve_client"]),
}
LESSONS = sorted({lesson for lesson, _ in CHECKS.values()})


def notebook_name(lesson: str) -> str:
    return f"{lesson}_exercises.ipynb"


def read(folder: Path, lesson: str) -> nbformat.NotebookNode:
    return nbformat.read(folder / notebook_name(lesson), as_version=4)


def is_check(cell) -> bool:
    return cell.cell_type == "code" and re.search(r"^from chatlesson\.checks(\.\w+)? import",
                                                  cell.source, re.MULTILINE) is not None


def is_exercise(cell) -> bool:
    return cell.cell_type == "code" and ("### BEGIN SOLUTION" in cell.source
                                         or "# YOUR CODE HERE" in cell.source)


def namespace(notebook, *, exercises: bool = True) -> dict:
    """Run the notebook's code cells except the check cell (and the exercises, if asked)."""
    names: dict = {"__name__": "__notebook__"}
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or is_check(cell) or (is_exercise(cell) and not exercises):
            continue
        exec(compile(cell.source, f"<cell {index}>", "exec"), names)
    return names


def run_check(checker: str, names: dict, function=None):
    """Call a checker the way its check cell does; ``function`` replaces the first name."""
    first, *others = CHECKS[checker][1]
    values = [names[first] if function is None else function, *(names[n] for n in others)]
    return getattr(chatlesson.checks, checker)(*values)
