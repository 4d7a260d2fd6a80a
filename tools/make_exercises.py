"""Make the student notebooks in exercises/ from the solutions in solutions/.

    python tools/make_exercises.py          # write exercises/
    python tools/make_exercises.py --check  # exit 1 if exercises/ is not what this would write

In a solutions notebook, each answer sits inside a code cell between the
nbgrader markers ``### BEGIN SOLUTION`` and ``### END SOLUTION``. The student
copy replaces each marked region by ``# YOUR CODE HERE`` and
``raise NotImplementedError()`` (nbgrader's convention, so instructors who
use nbgrader can take solutions/ as its source notebooks) and drops every
output. Only nbformat is needed.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import nbformat

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")

ROOT = Path(__file__).resolve().parent.parent

#: Cell metadata that belongs to one run of a notebook, not to its content.
RUN_METADATA = ("execution", "collapsed", "scrolled")


class MarkerError(ValueError):
    """A solutions notebook whose markers do not pair up, or sit where they cannot work."""


def strip_solutions(source: str, where: str) -> tuple[str, int]:
    """The source with each marked region replaced by the stub; and how many regions there were."""
    out: list[str] = []
    regions = 0
    inside_since = None
    for number, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        if marker == BEGIN:
            if inside_since is not None:
                raise MarkerError(f"{where}, line {number}: {BEGIN} inside the region "
                                  f"opened on line {inside_since}")
            inside_since = number
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + stub for stub in STUB)
            regions += 1
        elif marker == END:
            if inside_since is None:
                raise MarkerError(f"{where}, line {number}: {END} without {BEGIN}")
            inside_since = None
        elif inside_since is None:
            out.append(line)
    if inside_since is not None:
        raise MarkerError(f"{where}, line {inside_since}: {BEGIN} is never closed by {END}")
    return "\n".join(out), regions


def student_copy(solution: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """The student's notebook: answers replaced by stubs, no outputs."""
    notebook = copy.deepcopy(solution)
    regions = 0
    for index, cell in enumerate(notebook.cells):
        where = f"{name}, cell {index}"
        for key in RUN_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type != "code":
            if any(line.strip() in (BEGIN, END) for line in cell.source.splitlines()):
                raise MarkerError(f"{where}: solution markers belong in code cells only")
            continue
        cell.source, found = strip_solutions(cell.source, where)
        regions += found
        cell.outputs = []
        cell.execution_count = None
    if regions == 0:
        raise MarkerError(f"{name}: no {BEGIN} region, so there is nothing for the student to do")
    nbformat.validate(notebook)
    return notebook


def build(solutions: Path) -> dict[str, str]:
    """File name -> text of every student notebook, made from ``solutions``."""
    paths = sorted(solutions.glob("*.ipynb"))
    if not paths:
        raise MarkerError(f"no notebooks in {solutions}")
    built = {}
    for path in paths:
        solution = nbformat.read(path, as_version=4)
        text = nbformat.writes(student_copy(solution, path.name))
        built[path.name] = text if text.endswith("\n") else text + "\n"  # as nbformat.write
    return built


def stale(built: dict[str, str], exercises: Path) -> list[str]:
    """What differs between ``exercises`` and ``built``, one line per file."""
    problems = []
    for name, text in built.items():
        path = exercises / name
        if not path.exists():
            problems.append(f"missing: {path}")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"out of date: {path}")
    for path in sorted(exercises.glob("*.ipynb")):
        if path.name not in built:
            problems.append(f"no solution for: {path}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if exercises/ is out of date")
    parser.add_argument("--solutions", type=Path, default=ROOT / "solutions")
    parser.add_argument("--exercises", type=Path, default=ROOT / "exercises")
    args = parser.parse_args(argv)
    try:
        built = build(args.solutions)
    except (MarkerError, OSError, nbformat.ValidationError) as exc:
        print(f"make_exercises: {exc}", file=sys.stderr)
        return 2
    problems = stale(built, args.exercises)
    if args.check:
        for problem in problems:
            print(problem)
        if problems:
            print("exercises/ is out of date: run python tools/make_exercises.py", file=sys.stderr)
            return 1
        print(f"exercises/ is up to date ({len(built)} notebooks)")
        return 0
    args.exercises.mkdir(parents=True, exist_ok=True)
    for name, text in built.items():
        (args.exercises / name).write_text(text, encoding="utf-8")
    for problem in problems:
        if problem.startswith("no solution for: "):
            print(f"warning: {problem} (left alone)", file=sys.stderr)
    print(f"wrote {len(built)} notebooks to {args.exercises}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
