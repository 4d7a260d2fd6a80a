"""ruff and mypy pass on the whole project (their settings are in pyproject.toml).

mypy is strict on ``chatlesson.core``, the sans-I/O rules every server shares,
and normal elsewhere. Both run from this Python's own environment, so the
versions are the ones the project pins.
"""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_tool(module, *args, timeout=300):
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (pip install -e .[test])")
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, check=False)
    return done.returncode, (done.stdout + done.stderr).strip()


def test_ruff_finds_nothing():
    code, output = run_tool("ruff", "check", "--no-cache", "chatlesson", "tests", "benchmarks")
    assert code == 0, f"ruff check found problems:\n{output}"


def test_mypy_finds_nothing(tmp_path):
    code, output = run_tool("mypy", "--cache-dir", str(tmp_path), "chatlesson")
    assert code == 0, f"mypy found problems:\n{output}"


def test_mypy_is_strict_on_the_core(tmp_path):
    """A core module with an untyped function fails; the same outside the core passes."""
    package = tmp_path / "chatlesson"
    (package / "core").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "core" / "__init__.py").write_text("")
    untyped = "def double(x):\n    return 2 * x\n"
    (package / "core" / "sloppy.py").write_text(untyped)
    (package / "elsewhere.py").write_text(untyped)
    config = ROOT / "pyproject.toml"
    code, output = run_tool("mypy", "--config-file", str(config), "--cache-dir", str(tmp_path / "cache"),
                            str(package / "core" / "sloppy.py"), str(package / "elsewhere.py"))
    assert code != 0
    assert "sloppy.py:1: error: Function is missing a type annotation" in output
    assert "elsewhere.py" not in output
