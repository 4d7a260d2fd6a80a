"""What the lessons copy, cite and call stays true (read from the notebooks' JSON; nothing runs).

* Helpers that a later notebook defines again ("from the lessons" cells, and the given code of
  the exercise notebooks) are the same as their first definition in the lesson sequence,
  docstrings aside. A copy that differs on purpose says so in a comment directly above its
  ``def``: ``# Changed from lesson NN: why``.
* Every package file a notebook cites exists, and no notebook reaches for a private name of the
  package.
* No notebook uses an API that exists on one operating system only (students bring macOS,
  Windows and Linux laptops).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
EXERCISES = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")) + sorted(
    (ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))
ALL = LESSONS + EXERCISES

#: The helpers later notebooks copy, and the lesson that defines each first.
SHARED = ("make_server_socket", "read_lines", "broadcast", "handle", "stop_server",
          "lesson_threads")
CHANGED = re.compile(r"#\s*Changed from lesson \d\d:")
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "# YOUR CODE HERE")


def code_cells(path: Path):
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            yield cell.source


def definitions(path: Path):
    """(name, normalised AST dump, says-it-changed) of each shared helper defined in ``path``.

    A cell holding an exercise (a solution, or the student's placeholder) is the student's
    answer, not a copy: it is skipped.
    """
    for source in code_cells(path):
        if any(marker in source for marker in SOLUTION_MARKERS):
            continue
        try:
            tree = ast.parse(source)
        except SyntaxError:  # IPython magics: not a helper cell
            continue
        lines = source.splitlines()
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name in SHARED:
                yield node.name, _normalised(node), bool(CHANGED.search(_comments_above(lines, node)))


def _comments_above(lines: list[str], node: ast.FunctionDef) -> str:
    """The block of comment lines directly above a ``def``."""
    block = []
    for line in reversed(lines[:node.lineno - 1]):
        if not line.lstrip().startswith("#"):
            break
        block.append(line)
    return "\n".join(reversed(block))


def _normalised(node: ast.FunctionDef) -> str:
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return ast.dump(ast.Module(body=body, type_ignores=[]))


def first_definitions() -> dict[str, tuple[str, str]]:
    first: dict[str, tuple[str, str]] = {}
    for path in LESSONS:
        for name, dump, _ in definitions(path):
            first.setdefault(name, (path.name, dump))
    return first


def test_every_shared_helper_is_defined_in_a_lesson():
    assert set(first_definitions()) == set(SHARED)


@pytest.mark.parametrize("path", ALL[1:], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_copies_match_their_first_definition_or_say_what_changed(path):
    first = first_definitions()
    for name, dump, says_changed in definitions(path):
        origin, original = first[name]
        if origin == path.name or says_changed:
            continue
        assert dump == original, (
            f"{path.name} defines {name} differently from {origin}, where it was first "
            f"written. Copy it exactly, or put '# Changed from lesson NN: why' above the def.")


CITED_FILE = re.compile(r"chatlesson/[\w/]+\.py")
PRIVATE = re.compile(r"\bchatlesson(?:\.\w+)*\._\w+|\b(?:server|rules|client|panel)\._[a-z]\w*"
                     r"|`_[a-z]\w*`")   # a bare `_name` in prose points into the package's insides


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_cited_package_files_exist_and_no_private_names(path):
    text = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
    for cited in set(CITED_FILE.findall(text)):
        assert (ROOT / cited).exists(), f"{path.name} cites {cited}, which does not exist"
    private = sorted(set(PRIVATE.findall(text)))
    assert not private, f"{path.name} uses private names of the package: {private}"


#: Calls that exist on one family of systems only, each with why it is listed.
ONE_OS_ONLY = {
    "/proc/": "Linux only",
    "os.fork": "not on Windows",
    "signal.SIGKILL": "not on Windows (use Popen.kill())",
    "signal.SIGALRM": "not on Windows",
    "import resource": "not on Windows",
    "import fcntl": "not on Windows",
    "select.epoll": "Linux only (use selectors)",
    "select.kqueue": "macOS and BSD only (use selectors)",
    "socket.AF_UNIX": "not on older Windows",
}


#: What a guard around a one-system call tests: the code then runs everywhere.
GUARDS = ("os.name", "sys.platform", "platform.system")


def is_guard(node: ast.AST) -> bool:
    """An ``if`` that tests which system this is, or a ``try`` that catches ImportError."""
    if isinstance(node, (ast.If, ast.IfExp)):
        return any(guard in ast.unparse(node.test) for guard in GUARDS)
    if isinstance(node, ast.Try):
        return any(handler.type is not None and "ImportError" in ast.unparse(handler.type)
                   for handler in node.handlers)
    return False


def unguarded_lines(source: str) -> list[str]:
    """The lines of a cell that run on every system: the lines inside a guard are left out."""
    lines = source.splitlines()
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: check every line
        return lines
    guarded = {number for node in ast.walk(tree) if is_guard(node)
               for number in range(node.lineno, (node.end_lineno or node.lineno) + 1)}
    return [line for number, line in enumerate(lines, 1) if number not in guarded]


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_notebook_needs_one_operating_system(path):
    for source in code_cells(path):
        runs_everywhere = "\n".join(unguarded_lines(source))
        for needle, why in ONE_OS_ONLY.items():
            assert needle not in runs_everywhere, f"{path.name} uses {needle} unguarded: {why}"


def test_a_one_system_call_under_a_guard_is_allowed():
    cell = ('import os\nif os.name == "posix":\n    import resource\nelse:\n    resource = None\n'
            "try:\n    import fcntl\nexcept ImportError:\n    fcntl = None\nimport resource\n")
    assert unguarded_lines(cell) == ["import os", "import resource"]


def test_the_checks_find_what_they_look_for(tmp_path):
    """The tests above would catch a drifted copy, a missing file and a Linux-only call."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(
        'def broadcast(clients, message):\n    """Docstrings may differ."""\n'
        '    for client in clients:\n        client.send(message)\n'
        'open("/proc/self/status")  # chatlesson/nowhere.py, server._lock\n'),
        nbformat.v4.new_markdown_cell("See `_handle` in the package.")]
    path = tmp_path / "99_drifted.ipynb"
    nbformat.write(notebook, path)
    (name, dump, says_changed), = definitions(path)
    assert name == "broadcast" and not says_changed
    assert dump != first_definitions()["broadcast"][1]
    with pytest.raises(AssertionError, match="does not exist"):
        test_cited_package_files_exist_and_no_private_names(path)
    text = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
    assert set(PRIVATE.findall(text)) == {"server._lock", "`_handle`"}
    with pytest.raises(AssertionError, match="/proc/"):
        test_no_notebook_needs_one_operating_system(path)
