#!/usr/bin/env python3
"""Set up chatlesson's environment, then open the lessons or run every test.

    python3 dev.py lab     # JupyterLab on the lessons (extra arguments go to jupyter lab)
    python3 dev.py test    # the full test suite (extra arguments go to every pytest run)

Needs only Python 3.10+. Creates ``.venv`` beside this file and installs the package with its
test dependencies into it (again only when pyproject.toml changes). ``test`` also needs
Debian's Chromium for the browser test: when it is missing and we are root, it is installed
with apt-get. Works as root: JupyterLab gets ``--allow-root``.
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
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
STAMP = VENV / ".chatlesson-installed"
CHROMIUM = Path("/usr/bin/chromium")
NBVAL_ARGS = ["--nbval", "--nbval-sanitize-with", "tests/nbval-sanitize.cfg",
              "--nbval-cell-timeout=60", "-p", "no:cacheprovider"]
NOTEBOOK_DIRS = ["notebooks", "solutions"]
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
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    say("installing chatlesson and its dependencies into .venv (about a minute the first time)")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]")
    STAMP.write_text(wanted)


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
    args = [BIN / "jupyter", "lab", f"--ServerApp.root_dir={ROOT}",
            "--LabApp.default_url=/lab/tree/notebooks/00_overview.ipynb"]
    if is_root():
        args.append("--allow-root")
    say("starting JupyterLab on the lessons (Ctrl-C to stop)")
    return subprocess.call([str(a) for a in args + extra], env=env, cwd=ROOT)


def test(extra: list[str]) -> int:
    env = setup()
    if not CHROMIUM.exists():
        apt_install("chromium")
    pytest = [PYTHON, "-m", "pytest"]
    steps = [
        ("unit, socket, command-line, exercise and browser tests", pytest + ["tests"] + extra),
        ("notebooks (nbval, first run)", pytest + NBVAL_ARGS + NOTEBOOK_DIRS + extra),
        ("notebooks (nbval, second run: outputs must be stable)", pytest + NBVAL_ARGS + NOTEBOOK_DIRS + extra),
    ]
    for title, args in steps:
        say(title)
        code = subprocess.call([str(a) for a in args], env=env, cwd=ROOT)
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
