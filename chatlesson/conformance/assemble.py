"""Your own server as a script: the functions you wrote in exercises 01-05, in one ``my_server.py``.

    python -m chatlesson.conformance.assemble ../exercises        # writes my_server.py
    python my_server.py --port 0                                  # prints the port it got
    python -m chatlesson.conformance 127.0.0.1:PORT --level tutorial

The idea is d2l's ``#@save``: the definitions are picked out of the notebooks,
not copied by hand. Each function comes from the exercise notebook that asks
for it (``make_server_socket`` from 01, ``broadcast`` from 02, ``handle`` from
03, ``receive`` and ``ask_nickname`` from 05, and the given ``read_line`` from
05), the last definition in that notebook, as running its cells in order would
leave it. The script holds the server's four functions and whatever they call,
the imports and constants of the same notebook that they use, and a ``main()``.

It lives in the package, not in tools/, so that a student can run it from a
notebook (lesson 05 does) after ``pip install``, where there is no tools/.
Only the standard library is needed; the notebooks are read as JSON.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import json
import queue
import re
import shlex
import subprocess
import symtable
import sys
import threading
import time
from collections import deque
from contextlib import contextmanager
from pathlib import Path

#: Where each function of the server is written: the exercise notebook that asks for it.
SOURCES = {
    "make_server_socket": "01_bind_and_listen_exercises.ipynb",
    "broadcast": "02_broadcast_exercises.ipynb",
    "handle": "03_handle_exercises.ipynb",
    "read_line": "05_handshake_exercises.ipynb",
    "receive": "05_handshake_exercises.ipynb",
    "ask_nickname": "05_handshake_exercises.ipynb",
}
#: What every server needs; other functions come in when one of these calls them.
REQUIRED = ("make_server_socket", "broadcast", "handle", "receive")
#: The lists the functions share; the script makes them, as the notebooks' given cells do.
SHARED_LISTS = ("clients", "nicknames")
#: Imported by the script's header already.
HEADER_IMPORTS = ("argparse", "socket", "threading")

#: Lines of the solutions notebooks (nbgrader) that are not code.
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "# YOUR CODE HERE")

LISTENING = re.compile(r"listening on (\S+):(\d+)")


class NotReady(Exception):
    """The notebooks do not hold a server yet; the message says what to write, and where."""


def _code_cells(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as file:
        notebook = json.load(file)
    cells = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            cells.append("".join(source) if isinstance(source, list) else source)
    return cells


class _Notebook:
    """The top-level definitions of one notebook: the last one of each name wins."""

    def __init__(self, path: Path):
        self.path = path
        self.statements: dict[str, tuple[str, int]] = {}   # name -> (source, cell number)
        self.unreadable: list[str] = []
        for number, source in enumerate(_code_cells(path), start=1):
            try:
                tree = ast.parse(source)
            except SyntaxError as error:                    # a typo, or an IPython magic
                self.unreadable.append(f"code cell {number}, line {error.lineno}: {error.msg}")
                continue
            for node in tree.body:
                for name in _bound_names(node):
                    segment = ast.get_source_segment(source, node) or ""
                    self.statements[name] = (_without_markers(segment), number)


def _without_markers(source: str) -> str:
    """The source without the solutions' and the stubs' marker lines."""
    return "\n".join(line for line in source.splitlines() if line.strip() not in MARKERS)


def _bound_names(node: ast.stmt) -> list[str]:
    """The names a top-level def, import or plain assignment defines."""
    if isinstance(node, ast.FunctionDef):
        return [node.name]
    if isinstance(node, ast.Import | ast.ImportFrom):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("chatlesson"):
            return []                                       # the checkers: not part of a server
        return [(alias.asname or alias.name).split(".")[0] for alias in node.names]
    if isinstance(node, ast.Assign):
        return [target.id for target in node.targets if isinstance(target, ast.Name)]
    return []


def _globals_used(source: str) -> set[str]:
    """The global names a definition reads (its own locals and arguments left out)."""
    names: set[str] = set()
    tables = [symtable.symtable(source, "<cell>", "exec")]
    while tables:
        table = tables.pop()
        module = table.get_type() == "module"
        for symbol in table.get_symbols():
            if symbol.is_referenced() if module else symbol.is_global():
                names.add(symbol.get_name())
        tables.extend(table.get_children())
    return names


def _is_stub(source: str) -> bool:
    """Still the placeholder: the student's copy raises NotImplementedError where the answer goes."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                return True
    return False


def collect(folder: str | Path) -> list[tuple[str, str, str]]:
    """(name, source, where) of every definition the server needs, callees first.

    Raises NotReady naming each function still to write (or not found) and its notebook.
    """
    folder = Path(folder)
    notebooks: dict[str, _Notebook] = {}
    chosen: dict[str, tuple[str, str]] = {}
    missing: list[str] = []
    order: list[str] = []

    def notebook(filename: str) -> _Notebook | None:
        if filename not in notebooks and (folder / filename).is_file():
            notebooks[filename] = _Notebook(folder / filename)
        return notebooks.get(filename)

    def visit(name: str, home: str, trail: tuple[str, ...]) -> None:
        if name in chosen or name in trail:
            return
        book = notebook(home)
        if book is None:
            missing.append(f"{name}: {home} is not in {folder}")
            return
        if name not in book.statements:
            where = f"{name}: no cell of {home} defines it"
            if book.unreadable:
                where += " (Python could not read " + "; ".join(book.unreadable) + ")"
            missing.append(where)
            return
        source, cell = book.statements[name]
        if name in SOURCES and _is_stub(source):
            missing.append(f"{name}: not written yet (still 'raise NotImplementedError()' in {home})")
            return
        for used in sorted(_globals_used(source) - {name}):
            if used in SOURCES:
                visit(used, SOURCES[used], (*trail, name))
            elif used not in (*SHARED_LISTS, *HEADER_IMPORTS) and not hasattr(builtins, used):
                if used in book.statements:                 # an import or a constant of that notebook
                    visit(used, home, (*trail, name))
                else:
                    missing.append(f"{used}: {name} ({home}) uses it, but no cell there defines it")
        chosen[name] = (source, f"{home}, code cell {cell}")
        order.append(name)

    for name in REQUIRED:
        visit(name, SOURCES[name], ())
    if missing:
        raise NotReady("my_server.py needs these first (save the notebook after you change it):\n"
                       + "\n".join(f"  - {line}" for line in dict.fromkeys(missing)))
    return [(name, *chosen[name]) for name in order]


HEADER = '''\
"""my_server.py: the chat server you wrote in exercises 01 to 05, as a script.

Written by chatlesson.conformance.assemble from the notebooks in {folder}.
Run it:    python my_server.py --port 0      (0: any free port; it prints the one it got)
Check it:  python -m chatlesson.conformance 127.0.0.1:PORT --level tutorial
Stop it with Ctrl-C. Change the notebooks, not this file: it is written again each time.
"""

import argparse
import socket
import threading

clients = []     # the server's end of each connection
nicknames = []   # nicknames[i] is the nickname of clients[i]
'''

MAIN = '''

# --- written by the assembler: start the server from a terminal -------------------------


def listen(port):
    """make_server_socket(); for a port other than 0, a socket on the same address and that port."""
    server = make_server_socket()
    if port == 0:
        return server
    host = server.getsockname()[0]
    server.close()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if not hasattr(socket, "SO_EXCLUSIVEADDRUSE"):   # Linux, macOS: restart at once
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((host, port))
    server.listen()
    return server


def main():
    """Listen, run receive() in a thread, and wait until Ctrl-C."""
    parser = argparse.ArgumentParser(description="The chat server from exercises 01 to 05.")
    parser.add_argument("--port", type=int, default=0, help="the port (0, the default: any free one)")
    port = parser.parse_args().port
    server = listen(port)
    host, port = server.getsockname()[:2]
    print(f"listening on {host}:{port} (Ctrl-C stops the server)", flush=True)
    thread = threading.Thread(target=receive, args=(server,), daemon=True, name="receive")
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.5)   # short waits: Ctrl-C gets through between them, on Windows too
        print("receive() has returned: the server accepts nobody any more", flush=True)
        return 1
    except KeyboardInterrupt:
        print("stopped", flush=True)
        return 0
    finally:
        server.close()         # the daemon threads end with the process


if __name__ == "__main__":
    raise SystemExit(main())
'''


def assemble(folder: str | Path) -> str:
    """The text of my_server.py, built from the exercise notebooks in ``folder``."""
    parts = [HEADER.format(folder=Path(folder).as_posix())]
    done = set()
    for name, source, where in collect(folder):
        if (source, where) not in done:                     # `import a, b` is one statement
            done.add((source, where))
            parts.append(f"\n\n# --- {name}, from {where}\n{source}\n")
    parts.append(MAIN)
    return "".join(parts)


def write_my_server(folder: str | Path = "../exercises", path: str | Path = "my_server.py") -> Path | None:
    """Write my_server.py from the notebooks in ``folder``; print what to type, or what is missing.

    Returns the script's path, or None (after saying why) when an exercise is not done yet.
    """
    try:
        text = assemble(folder)
    except NotReady as why:
        print(why)
        return None
    path = Path(path).resolve()
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"could not write {path}: {error.strerror}")
        return None
    print(f"wrote {path.name}, {text.count(chr(10))} lines. To run it, type in a terminal")
    print("  " + _command(sys.executable, str(path), "--port", "0"))
    print("and to check it, in a second terminal, with the port it prints in place of PORT")
    print("  " + _command(sys.executable, "-m", "chatlesson.conformance", "127.0.0.1:PORT",
                          "--level", "tutorial"))
    return path


def _command(*words: str) -> str:
    """A command line to copy into this system's terminal (quoted where a path has spaces)."""
    if sys.platform == "win32":
        return subprocess.list2cmdline(words)
    return shlex.join(words)


@contextmanager
def running(path: str | Path, timeout: float = 20.0):
    """Run the script in a subprocess with ``--port 0``; yield its port; always stop it.

    Whatever the script prints is kept (the last lines), so that a server that dies on the
    way shows its traceback in the error.
    """
    process = subprocess.Popen([sys.executable, str(path), "--port", "0"], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               encoding="utf-8", errors="replace")
    output = process.stdout
    assert output is not None                               # stdout=PIPE
    lines: queue.Queue[str | None] = queue.Queue()
    tail: deque[str] = deque(maxlen=30)

    def read() -> None:
        for line in output:
            tail.append(line)
            lines.put(line)
        lines.put(None)                                     # end of output: the process is gone

    reader = threading.Thread(target=read, daemon=True, name="my-server-output")
    reader.start()
    try:
        deadline = time.monotonic() + timeout
        found = None
        while found is None:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:                                # it ended, or took too long
                reader.join(timeout=1)
                raise RuntimeError(f"{Path(path).name} did not say where it listens. "
                                   "It printed:\n" + "".join(tail))
            found = LISTENING.search(line)
        yield int(found.group(2))
    finally:
        process.terminate()                                 # TerminateProcess on Windows
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=10)
        output.close()


def check_my_server(path: str | Path = "my_server.py", level: str = "tutorial", tag: str | None = None):
    """Start the script, run ``check_server`` on it (the table), stop it; returns the Report.

    A script that does not start is the student's mistake, not the checker's: it is reported
    with what the script printed (its traceback), and None is returned.
    """
    from .notebook import check_server

    try:
        with running(path) as port:
            return check_server("127.0.0.1", port, level=level, tag=tag)
    except RuntimeError as why:
        print(why)
        return None


def main(argv: list[str] | None = None) -> int:
    """Write my_server.py from your exercise notebooks; --check also runs the checker on it."""
    parser = argparse.ArgumentParser(prog="python -m chatlesson.conformance.assemble",
                                     description=main.__doc__)
    parser.add_argument("folder", nargs="?", default="exercises",
                        help="the folder of your exercise notebooks (default: exercises)")
    parser.add_argument("-o", "--output", default="my_server.py", help="default: my_server.py")
    parser.add_argument("--check", action="store_true",
                        help="then run it and check it at the tutorial level")
    args = parser.parse_args(argv)
    path = write_my_server(args.folder, args.output)
    if path is None:
        return 1
    if args.check:
        report = check_my_server(path)
        return 0 if report is not None and report.passed else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
