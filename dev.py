#!/usr/bin/env python3
"""Set up chatlesson's environment, then open the lessons or run every test.

    python3 dev.py lab     # JupyterLab on the lessons (extra arguments go to jupyter lab)
    python3 dev.py test    # the full test suite (extra arguments go to every pytest run)

Needs only Python 3.10+ (Linux, macOS or Windows) and PyPI. Creates ``.venv`` beside this file,
puts uv in it, and installs the package with its test dependencies at the versions in uv.lock,
the ones CI tested (again only when pyproject.toml or uv.lock changes).

``test`` also wants Chromium for the browser test, found on PATH or named by
CHATLESSON_CHROMIUM, and passed to the tests in that variable. When it is missing on Linux as
root, Debian's chromium is installed with apt-get; elsewhere the suite runs and the browser test
says how to run it (skipped on macOS and Windows, an error on Linux). Works as root: JupyterLab
gets ``--allow-root``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"


def venv_python(venv_dir: Path, windows: bool) -> Path:
    """Where venv puts the interpreter: Scripts\\python.exe on Windows, bin/python elsewhere."""
    return venv_dir / "Scripts" / "python.exe" if windows else venv_dir / "bin" / "python"


PYTHON = venv_python(VENV, os.name == "nt")
BIN = PYTHON.parent
STAMP = VENV / ".chatlesson-installed"
LOCK = ROOT / "uv.lock"
UV = "uv>=0.9"  # reads uv.lock's format
CHROMIUM_NAMES = ["chromium", "chromium-browser"]
MAC_BROWSERS = [Path("/Applications/Chromium.app/Contents/MacOS/Chromium"),
                Path("/Applications/Google Chrome.app/Contents/MacOS/Google Chrome")]
NBVAL_ARGS = ["--nbval", "--nbval-sanitize-with", "tests/nbval-sanitize.cfg",
              "--nbval-cell-timeout=60", "-p", "no:cacheprovider"]
NOTEBOOK_DIRS = ["notebooks", "solutions"]
NO_TESTS_COLLECTED = 5  # pytest's exit code
# JupyterLab's news and update checks want the internet and cover the lower right corner.
LAB_OVERRIDES = {"@jupyterlab/apputils-extension:notification":
                 {"fetchNews": "false", "checkForUpdates": False}}


def say(text: str) -> None:
    print(f"[dev.py] {text}", flush=True)


def run(*args, **kwargs) -> None:
    subprocess.run([str(a) for a in args], check=True, **kwargs)


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def apt_install(*packages: str) -> None:
    if not (is_root() and shutil.which("apt-get")):
        sys.exit(f"[dev.py] please install {' '.join(packages)} (e.g. sudo apt-get install "
                 f"{' '.join(packages)}) and run this again")
    say(f"installing {' '.join(packages)} with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run("apt-get", "update", "-q", env=env)
    run("apt-get", "install", "-y", "-q", *packages, env=env)


def make_venv() -> None:
    if PYTHON.exists():
        return
    say(f"creating {VENV.relative_to(ROOT)}")
    try:
        venv.create(VENV, with_pip=True)
    except subprocess.CalledProcessError:  # Debian's python3 without python3-venv
        shutil.rmtree(VENV, ignore_errors=True)
        apt_install("python3-venv")
        venv.create(VENV, with_pip=True)


def install_package() -> None:
    """uv installs exactly uv.lock's versions; --inexact leaves pip and uv themselves in place."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + LOCK.read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    say("installing uv, then chatlesson and the versions in uv.lock into .venv")
    run(PYTHON, "-m", "pip", "install", "--quiet", UV)
    env = dict(os.environ, UV_PROJECT_ENVIRONMENT=str(VENV))
    run(PYTHON, "-m", "uv", "sync", "--quiet", "--frozen", "--inexact", "--extra", "test",
        "--project", ROOT, env=env, cwd=ROOT)
    STAMP.write_text(wanted)


def find_chromium(platform: str, environ: dict, which=shutil.which) -> Path | None:
    """The browser named by CHATLESSON_CHROMIUM, else a Chromium on PATH or in /Applications."""
    if environ.get("CHATLESSON_CHROMIUM"):
        return Path(environ["CHATLESSON_CHROMIUM"])
    for name in CHROMIUM_NAMES:
        if which(name):
            return Path(which(name))
    if platform == "darwin":
        return next((app for app in MAC_BROWSERS if app.is_file()), None)
    return None


def chromium_step(platform: str, found: bool, root: bool, has_apt: bool) -> str:
    """What ``test`` does about the browser: "use" it, "apt-get" it (Linux as root, as in CI),
    or "go-without" (the browser test then skips, or fails on Linux, saying what to do)."""
    if found:
        return "use"
    if platform.startswith("linux") and root and has_apt:
        return "apt-get"
    return "go-without"


def quiet_jupyterlab() -> None:
    settings = VENV / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "overrides.json").write_text(json.dumps(LAB_OVERRIDES, indent=2))


def setup() -> dict[str, str]:
    make_venv()
    install_package()
    quiet_jupyterlab()
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               VIRTUAL_ENV=str(VENV))
    env.pop("PYTHONHOME", None)
    return env


def lab(extra: list[str]) -> int:
    env = setup()
    args = [PYTHON, "-m", "jupyterlab", f"--ServerApp.root_dir={ROOT}",
            "--LabApp.default_url=/lab/tree/notebooks/00_overview.ipynb"]
    if is_root():
        args.append("--allow-root")
    say("starting JupyterLab on the lessons (Ctrl-C to stop)")
    command = [str(a) for a in args + extra]
    if os.name == "posix":  # become JupyterLab, so a signal sent to this process reaches it
        os.chdir(ROOT)
        os.execve(command[0], command, env)
    return subprocess.call(command, env=env, cwd=ROOT)  # Windows has no exec that keeps the console


def test(extra: list[str]) -> int:
    env = setup()
    chromium = find_chromium(sys.platform, os.environ)
    step = chromium_step(sys.platform, chromium is not None, is_root(), bool(shutil.which("apt-get")))
    if step == "apt-get":
        apt_install("chromium")
        chromium = find_chromium(sys.platform, os.environ)
    if chromium is not None:
        env["CHATLESSON_CHROMIUM"] = str(chromium)
    else:
        say("no Chromium found: the browser test will say how to run it "
            "(install Chromium and set CHATLESSON_CHROMIUM=/path/to/it)")
    pytest = [PYTHON, "-m", "pytest"]
    steps = [
        ("unit, socket, command-line, exercise and browser tests", pytest + ["tests"] + extra),
        ("notebooks (nbval, first run)", pytest + NBVAL_ARGS + NOTEBOOK_DIRS + extra),
        ("notebooks (nbval, second run: outputs must be stable)",
         pytest + NBVAL_ARGS + NOTEBOOK_DIRS + extra),
    ]
    for title, args in steps:
        say(title)
        code = subprocess.call([str(a) for a in args], env=env, cwd=ROOT)
        if code == NO_TESTS_COLLECTED and extra:  # e.g. -k picked no notebook cell
            continue
        if code != 0:
            say(f"FAILED: {title}")
            return code
    say("all tests passed")
    return 0


def main(argv: list[str]) -> int:
    commands = {"lab": lab, "test": test}
    if not argv or argv[0] not in commands:
        print(__doc__.strip())
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
