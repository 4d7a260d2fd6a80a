"""The project's own files agree with each other."""

import re
from pathlib import Path

import pytest

# Python 3.10 has no tomllib; these checks of the project's files run on 3.11+ (as CI does).
tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parent.parent


def _name_and_spec(requirement: str) -> tuple[str, str]:
    m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", requirement)
    return m[1].lower().replace("_", "-"), m[2].replace(" ", "")


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return dict(_name_and_spec(r) for r in reqs)


def environment_requirements() -> dict[str, str]:
    """The entries of environment.yml's dependency lists (conda and pip), minus python, pip and the project."""
    found = {}
    text = (ROOT / "environment.yml").read_text()
    for line in text.split("\ndependencies:", 1)[1].splitlines():
        m = re.fullmatch(r"\s*-\s+([^:#\s][^:#]*?)\s*", line)
        if not m or m[1].startswith("-e"):
            continue
        name, spec = _name_and_spec(m[1])
        if name not in ("python", "pip"):
            found[name] = spec
    return found


def test_environment_yml_and_pyproject_name_the_same_dependencies():
    assert environment_requirements() == pyproject_requirements()


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = "python3 dev.py test"
    assert command in readme and command in ci


def test_console_scripts_point_at_real_functions():
    import importlib
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    for name, target in scripts.items():
        module, func = target.split(":")
        assert callable(getattr(importlib.import_module(module), func)), name
