"""The student notebooks: generated from solutions/, up to date, no answers in them, and runnable."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from exercise_notebooks import EXERCISES, LESSONS, ROOT, SOLUTIONS, is_check, is_exercise, notebook_name, read

spec = importlib.util.spec_from_file_location("make_exercises", ROOT / "tools" / "make_exercises.py")
make_exercises = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_exercises)

#: Every exercise notebook, including those of lessons whose checks live elsewhere.
ALL = sorted(path.name.removesuffix("_exercises.ipynb") for path in SOLUTIONS.glob("*.ipynb"))

STUB = re.compile(r"^( *)# YOUR CODE HERE\n\1raise NotImplementedError\(\)$", re.MULTILINE)


def solution_lines(source: str) -> tuple[list[str], list[str]]:
    """Lines inside solution regions, and lines outside them."""
    inside, outside, in_region = [], [], False
    for line in source.splitlines():
        marker = line.strip()
        if marker == make_exercises.BEGIN:
            in_region = True
        elif marker == make_exercises.END:
            in_region = False
        else:
            (inside if in_region else outside).append(line.strip())
    return inside, outside


def test_exercises_are_up_to_date():
    built = make_exercises.build(SOLUTIONS)
    assert make_exercises.stale(built, EXERCISES) == []


def test_check_flag_passes_on_this_repository():
    done = subprocess.run([sys.executable, "tools/make_exercises.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "up to date" in done.stdout


def test_check_flag_fails_on_a_stale_missing_or_extra_notebook(tmp_path, capsys):
    exercises = tmp_path / "exercises"
    assert make_exercises.main(["--solutions", str(SOLUTIONS), "--exercises", str(exercises)]) == 0
    check = ["--check", "--solutions", str(SOLUTIONS), "--exercises", str(exercises)]
    assert make_exercises.main(check) == 0

    first = exercises / notebook_name(LESSONS[0])
    first.write_text(first.read_text(encoding="utf-8").replace("YOUR CODE HERE", "done"),
                     encoding="utf-8")
    capsys.readouterr()
    assert make_exercises.main(check) == 1
    assert f"out of date: {first}" in capsys.readouterr().out

    first.unlink()
    assert make_exercises.main(check) == 1
    assert f"missing: {first}" in capsys.readouterr().out

    make_exercises.main(["--solutions", str(SOLUTIONS), "--exercises", str(exercises)])
    shutil.copy(exercises / notebook_name(LESSONS[1]), exercises / "99_extra_exercises.ipynb")
    capsys.readouterr()
    assert make_exercises.main(check) == 1
    assert "no solution for:" in capsys.readouterr().out


@pytest.mark.parametrize("lesson", ALL)
def test_student_copy_keeps_everything_but_the_answers(lesson):
    solution, exercise = read(SOLUTIONS, lesson), read(EXERCISES, lesson)
    assert len(solution.cells) == len(exercise.cells)
    regions = 0
    for theirs, ours in zip(solution.cells, exercise.cells, strict=True):
        assert (theirs.cell_type, theirs.id) == (ours.cell_type, ours.id)
        if ours.cell_type != "code":
            assert ours.source == theirs.source
            continue
        assert ours.outputs == [] and ours.execution_count is None
        assert "execution" not in ours.metadata
        regions += theirs.source.count(make_exercises.BEGIN)
        if not is_exercise(theirs):
            assert ours.source == theirs.source
    assert regions >= 1
    assert sum(len(STUB.findall(cell.source)) for cell in exercise.cells) == regions


@pytest.mark.parametrize("lesson", ALL)
def test_student_copy_holds_no_solution_text(lesson):
    solution, exercise = read(SOLUTIONS, lesson), read(EXERCISES, lesson)
    answers, given = set(), []
    for cell in solution.cells:
        if cell.cell_type == "code":
            inside, outside = solution_lines(cell.source)
            answers.update(inside)
            given.extend(outside)
        else:
            given.append(cell.source)
    # Lines of an answer that the instructions or the given code show anyway may stay.
    given_text = "\n".join(given)
    secret = {line for line in answers if len(line) > 12 and line not in given_text}
    assert len(secret) >= 3, "the check below would prove little"
    student_code = "\n".join(cell.source for cell in exercise.cells if cell.cell_type == "code")
    assert make_exercises.BEGIN not in student_code and make_exercises.END not in student_code
    leaked = [line for line in secret if line in student_code]
    assert leaked == []


def test_markers_are_replaced_at_their_indentation():
    source = "def f():\n    x = 1\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
    stripped, regions = make_exercises.strip_solutions(source, "test")
    assert regions == 1
    assert stripped == "def f():\n    x = 1\n    # YOUR CODE HERE\n    raise NotImplementedError()"


@pytest.mark.parametrize("source, message", [
    ("### BEGIN SOLUTION\nx = 1\n", "line 1: ### BEGIN SOLUTION is never closed"),
    ("x = 1\n### END SOLUTION\n", "line 2: ### END SOLUTION without ### BEGIN SOLUTION"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n",
     "line 2: ### BEGIN SOLUTION inside the region opened on line 1"),
])
def test_unbalanced_markers_are_a_clear_error(source, message):
    with pytest.raises(make_exercises.MarkerError, match=message):
        make_exercises.strip_solutions(source, "nb.ipynb, cell 3")


def test_bad_solutions_are_refused_and_nothing_is_written(tmp_path, capsys):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("### BEGIN SOLUTION\nanswer\n### END SOLUTION")])
    nbformat.write(notebook, solutions / "01_x_exercises.ipynb")
    assert make_exercises.main(["--solutions", str(solutions), "--exercises", str(exercises)]) == 2
    assert "solution markers belong in code cells only" in capsys.readouterr().err
    assert not exercises.exists()

    notebook.cells = [nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(notebook, solutions / "01_x_exercises.ipynb")
    assert make_exercises.main(["--solutions", str(solutions), "--exercises", str(exercises)]) == 2
    assert "nothing for the student to do" in capsys.readouterr().err


@pytest.mark.parametrize("lesson", ALL)
def test_solutions_are_stored_executed_with_the_python3_kernel(lesson):
    solution = read(SOLUTIONS, lesson)
    assert solution.metadata.kernelspec.name == "python3"
    assert solution.metadata.kernelspec.display_name == "Python 3 (ipykernel)"
    code = [cell for cell in solution.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    checks = [cell for cell in code if is_check(cell)]
    assert checks
    for cell in checks:
        (output,) = cell.outputs  # the verdict, as HTML and as the plain text nbval compares
        assert output.output_type == "display_data"
        assert output.data["text/plain"].endswith("All checks passed. Well done!")
        assert "All checks passed. Well done!" in output.data["text/html"]


@pytest.mark.parametrize("lesson", ALL)
def test_student_copy_runs_until_its_first_exercise(lesson):
    """A fresh kernel runs the student copy: nothing fails, except an unfilled exercise."""
    notebook = read(EXERCISES, lesson)
    client = NotebookClient(notebook, timeout=60, kernel_name="python3",
                            resources={"metadata": {"path": str(EXERCISES)}})
    try:
        client.execute()
    except CellExecutionError as error:
        assert error.ename == "NotImplementedError", str(error)
        failed = [cell for cell in notebook.cells if cell.cell_type == "code"
                  and any(out.output_type == "error" for out in cell.outputs)]
        assert len(failed) == 1 and is_exercise(failed[0])
    for cell in notebook.cells:
        if is_check(cell) and cell.execution_count is not None:
            text = "".join(out.get("text", "") + out.get("data", {}).get("text/plain", "")
                           for out in cell.outputs)
            assert "Not done yet:" in text, text
            assert not any(out.output_type == "error" for out in cell.outputs)
