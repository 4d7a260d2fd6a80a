"""The project's own files agree with each other."""

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from browser.jupyterlab import chromium_problem

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = None

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "test.yml"
needs_tomllib = pytest.mark.skipif(tomllib is None, reason="Python 3.10 has no tomllib")


def load_dev():
    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    return dev


def _name_and_spec(requirement: str) -> tuple[str, str]:
    m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", requirement)
    return m[1].lower().replace("_", "-"), m[2].replace(" ", "")


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return dict(_name_and_spec(r) for r in reqs)


def environment_requirements() -> dict[str, str]:
    """The entries of environment.yml's dependency lists (conda and pip), minus python, pip, the project."""
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


@needs_tomllib
def test_environment_yml_and_pyproject_name_the_same_dependencies():
    assert environment_requirements() == pyproject_requirements()


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = "python3 dev.py test"
    assert command in readme and command in ci


@needs_tomllib
def test_console_scripts_point_at_real_functions():
    import importlib
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    for name, target in scripts.items():
        module, func = target.split(":")
        assert callable(getattr(importlib.import_module(module), func)), name


def uv_command() -> list[str] | None:
    if importlib.util.find_spec("uv") is not None:
        return [sys.executable, "-m", "uv"]
    return [shutil.which("uv")] if shutil.which("uv") else None


def test_uv_lock_is_up_to_date_with_pyproject():
    uv = uv_command()
    if uv is None:
        pytest.skip("uv is not installed (python3 dev.py test installs it)")
    done = subprocess.run(uv + ["lock", "--check", "--offline", "--project", str(ROOT)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, f"uv.lock is out of date: run `uv lock`\n{done.stderr}"


def test_github_workflow_matches_githubs_schema():
    pytest.importorskip("check_jsonschema")
    done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                           "vendor.github-workflows", str(WORKFLOW)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_github_workflow_runs_the_test_command_on_three_systems_and_four_pythons():
    yaml = pytest.importorskip("yaml")
    job = yaml.safe_load(WORKFLOW.read_text())["jobs"]["test"]
    matrix = job["strategy"]["matrix"]
    assert job["strategy"]["fail-fast"] is False
    assert matrix["os"] == ["ubuntu-latest", "macos-latest", "windows-latest"]
    assert matrix["python"] == ["3.10", "3.11", "3.12", "3.13"]
    assert job["steps"][-1]["run"] == "python dev.py test"


def test_dev_py_finds_the_venv_python_on_every_system():
    dev = load_dev()
    assert dev.venv_python(Path("v"), windows=True) == Path("v", "Scripts", "python.exe")
    assert dev.venv_python(Path("v"), windows=False) == Path("v", "bin", "python")


@pytest.mark.parametrize("platform, found, root, apt, step", [
    ("linux", True, True, True, "use"),
    ("linux", False, True, True, "apt-get"),       # CI: installs Debian's chromium
    ("linux", False, False, True, "go-without"),   # no root: the browser test then fails
    ("linux", False, True, False, "go-without"),
    ("darwin", False, True, False, "go-without"),  # the browser test is then skipped
    ("win32", False, False, False, "go-without"),
    ("win32", True, False, False, "use"),
])
def test_dev_py_decides_what_to_do_about_chromium(platform, found, root, apt, step):
    assert load_dev().chromium_step(platform, found, root, apt) == step


def test_dev_py_finds_chromium_by_variable_then_on_path():
    dev = load_dev()
    on_path = {"chromium-browser": "/opt/bin/chromium-browser"}.get
    assert dev.find_chromium("linux", {"CHATLESSON_CHROMIUM": "/x/chrome"}, on_path) == Path("/x/chrome")
    assert dev.find_chromium("linux", {}, on_path) == Path("/opt/bin/chromium-browser")
    assert dev.find_chromium("win32", {}, lambda name: None) is None


@pytest.mark.parametrize("platform, verdict", [("linux", "fail"), ("darwin", "skip"), ("win32", "skip")])
def test_a_missing_browser_fails_on_linux_and_is_skipped_elsewhere(tmp_path, platform, verdict):
    got, why = chromium_problem(tmp_path / "no-chromium", platform)
    assert got == verdict and "CHATLESSON_CHROMIUM" in why and str(tmp_path) in why


def test_an_existing_browser_is_no_problem_anywhere():
    for platform in ("linux", "darwin", "win32"):
        assert chromium_problem(Path(__file__), platform) is None


def test_dev_py_passes_the_browser_to_the_tests_in_the_variable_they_read():
    assert 'env["CHATLESSON_CHROMIUM"]' in (ROOT / "dev.py").read_text()
    assert 'os.environ.get("CHATLESSON_CHROMIUM")' in (ROOT / "tests/browser/jupyterlab.py").read_text()
