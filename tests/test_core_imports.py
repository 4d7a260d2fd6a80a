"""The core is sans-I/O: none of its modules imports sockets, threads or an event loop.

Each module is imported alone in a fresh interpreter (``-S``: no site packages,
so nothing else is imported first), which then lists the forbidden modules it
finds in ``sys.modules``. ``time`` is loaded by every interpreter at start, so
it is checked in the source instead: it may appear only as a default clock.
"""

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import chatlesson.core

ROOT = Path(__file__).resolve().parent.parent
CORE = Path(chatlesson.core.__file__).parent
FORBIDDEN = ("socket", "_socket", "threading", "asyncio", "selectors", "select", "ssl")
MODULES = ["chatlesson.core"] + [f"chatlesson.core.{info.name}"
                                 for info in pkgutil.iter_modules([str(CORE)])]

PROBE = """
import json, sys
sys.path.insert(0, {root!r})
import {module}
print(json.dumps([name for name in {forbidden!r} if name in sys.modules]))
"""


def forbidden_imports(module):
    """The forbidden modules loaded by importing ``module`` alone in a fresh interpreter."""
    code = PROBE.format(root=str(ROOT), module=module, forbidden=FORBIDDEN)
    done = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_every_core_module_is_checked():
    assert len(MODULES) > 10
    assert {"chatlesson.core.rules", "chatlesson.core.limits", "chatlesson.core.outbox"} <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_core_module_imports_no_io(module):
    assert forbidden_imports(module) == []


def test_the_probe_sees_a_module_that_does_io():
    assert {"socket", "selectors", "threading"} <= set(forbidden_imports("socketserver"))
    assert "asyncio" in forbidden_imports("asyncio")


def uses_of_time(tree):
    """Every place a module names ``time``, as ``(line, is_a_default_clock)``.

    ``time.monotonic`` is the default clock; ``time.time`` the default wall clock (history.py
    stamps the transcript with it).
    """
    defaults = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for default in [*node.args.defaults, *node.args.kw_defaults]:
                if (isinstance(default, ast.Attribute) and isinstance(default.value, ast.Name)
                        and default.value.id == "time" and default.attr in ("monotonic", "time")):
                    defaults.add(id(default.value))
    return [(node.lineno, id(node) in defaults) for node in ast.walk(tree)
            if isinstance(node, ast.Name) and node.id == "time"]


@pytest.mark.parametrize("path", sorted(CORE.glob("*.py")), ids=lambda path: path.name)
def test_time_is_only_a_default_clock(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.module != "time", f"{path.name}:{node.lineno}: import time, then use time.monotonic"
    wrong = [line for line, is_default in uses_of_time(tree) if not is_default]
    assert wrong == [], f"{path.name} reads the clock itself on lines {wrong}: take a clock parameter"


def test_the_time_check_can_fail():
    tree = ast.parse("import time\ndef f(clock=time.monotonic):\n    return time.time()\n")
    assert uses_of_time(tree) == [(2, True), (3, False)]
