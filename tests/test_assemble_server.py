"""The student's own server as a script: chatlesson.conformance.assemble.

The functions come out of the exercise notebooks (solutions/ has them all, exercises/ none);
the script runs in a subprocess that is stopped whatever happens, and chatlesson-check's
tutorial level is run against it over real sockets.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from chatlesson.conformance import run_checks
from chatlesson.conformance.assemble import NotReady, assemble, collect, running, write_my_server
from netutil import RawClient

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
LESSONS = ("01_bind_and_listen", "02_broadcast", "03_handle", "05_handshake")


def refused(port: int) -> bool:
    """Nothing listens on the port any more (the script's process is gone)."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


def notebooks(tmp_path: Path, *, unfinished=(), replace: dict[str, list[str]] | None = None) -> Path:
    """A folder of exercise notebooks: solutions, except the lessons taken from exercises/ or
    replaced by notebooks with the given code cells."""
    folder = tmp_path / "nb"
    folder.mkdir()
    for lesson in LESSONS:
        name = f"{lesson}_exercises.ipynb"
        if lesson in (replace or {}):
            cells = [nbformat.v4.new_code_cell(code) for code in replace[lesson]]
            nbformat.write(nbformat.v4.new_notebook(cells=cells), folder / name)
        else:
            shutil.copy((EXERCISES if lesson in unfinished else SOLUTIONS) / name, folder / name)
    return folder


def solution_cells(lesson: str) -> list[str]:
    notebook = nbformat.read(SOLUTIONS / f"{lesson}_exercises.ipynb", as_version=4)
    return [cell.source for cell in notebook.cells
            if cell.cell_type == "code" and "chatlesson" not in cell.source]


# --- the solutions make a server that passes ----------------------------------------------


def test_the_solutions_make_a_server_that_passes_the_tutorial_level(tmp_path, capsys):
    path = write_my_server(SOLUTIONS, tmp_path / "my_server.py")
    said = capsys.readouterr().out
    assert path == (tmp_path / "my_server.py").resolve() and path.is_file()
    assert f"{path} --port 0" in said and "-m chatlesson.conformance 127.0.0.1:PORT --level tutorial" in said
    with running(path) as port:
        report = run_checks("127.0.0.1", port, ("tutorial",))
    print(f"\nassembled solutions (tutorial level): {report.summary()}")
    assert report.passed, report.to_text()
    assert report.opened == report.closed
    assert refused(port)


def test_the_script_holds_the_server_in_dependency_order_and_not_what_it_does_not_use():
    names = [name for name, _, _ in collect(SOLUTIONS)]
    assert sorted(names) == ["broadcast", "handle", "make_server_socket", "read_line", "receive"]
    assert names.index("broadcast") < names.index("handle") < names.index("receive")
    assert names.index("read_line") < names.index("receive")
    text = assemble(SOLUTIONS)
    assert "def ask_nickname" not in text            # 05's receive does not call it
    assert "### BEGIN SOLUTION" not in text and "chatlesson" not in text.split('"""', 2)[2]
    compile(text, "my_server.py", "exec")


def test_the_script_listens_on_the_port_it_is_given(tmp_path):
    path = write_my_server(SOLUTIONS, tmp_path / "my_server.py")
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    process = subprocess.Popen([sys.executable, str(path), "--port", str(port)],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().startswith(f"listening on 127.0.0.1:{port} ")
        client = RawClient(("127.0.0.1", port))
        assert client.line() == "Hii"
        client.close()
    finally:
        process.kill()
        process.wait(timeout=10)
        process.stdout.close()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is how a POSIX terminal sends Ctrl-C")
def test_ctrl_c_stops_the_script(tmp_path):
    path = write_my_server(SOLUTIONS, tmp_path / "my_server.py")
    process = subprocess.Popen([sys.executable, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        port = int(process.stdout.readline().split(":")[1].split()[0])
        client = RawClient(("127.0.0.1", port))
        assert client.line() == "Hii"                # a client in the middle of the handshake
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        assert process.stdout.read() == "stopped\n"
        client.close()
    finally:
        process.kill()
        process.wait(timeout=10)
        process.stdout.close()


def test_the_subprocess_is_stopped_when_the_check_fails_on_the_way(tmp_path):
    path = write_my_server(SOLUTIONS, tmp_path / "my_server.py")
    with pytest.raises(RuntimeError, match="on the way"):
        with running(path) as port:
            raise RuntimeError("a check failed on the way")
    assert refused(port)


def test_a_server_that_dies_at_once_shows_why(tmp_path):
    crash = "import socket\n\ndef make_server_socket():\n    raise OSError('no socket for you')\n"
    folder = notebooks(tmp_path, replace={"01_bind_and_listen": [crash]})
    path = write_my_server(folder, tmp_path / "my_server.py")
    with pytest.raises(RuntimeError) as error:
        with running(path):
            pass
    assert "did not say where it listens" in str(error.value)
    assert "OSError: no socket for you" in str(error.value)
    # From the notebook or with --check: the same words, no traceback of the checker's own.
    done = subprocess.run([sys.executable, "-m", "chatlesson.conformance.assemble", str(folder),
                           "-o", str(tmp_path / "again.py"), "--check"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stderr == ""
    assert "again.py did not say where it listens" in done.stdout
    assert done.stdout.rstrip().endswith("OSError: no socket for you")


# --- unfinished notebooks: a message, not a traceback ---------------------------------------


def test_unfinished_exercises_name_every_function_to_write_without_a_traceback(tmp_path):
    out = tmp_path / "my_server.py"
    done = subprocess.run([sys.executable, "-m", "chatlesson.conformance.assemble", str(EXERCISES),
                           "-o", str(out)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == ""
    for name, lesson in [("make_server_socket", "01_bind_and_listen"), ("broadcast", "02_broadcast"),
                         ("handle", "03_handle"), ("receive", "05_handshake")]:
        assert f"- {name}: not written yet" in done.stdout
        assert f"{lesson}_exercises.ipynb" in done.stdout
    assert "Traceback" not in done.stdout
    assert not out.exists()


def test_one_unfinished_exercise_is_the_only_one_named(tmp_path):
    folder = notebooks(tmp_path, unfinished=("05_handshake",))
    with pytest.raises(NotReady) as error:
        collect(folder)
    lines = str(error.value).splitlines()[1:]
    assert lines == ["  - receive: not written yet (still 'raise NotImplementedError()' in "
                     "05_handshake_exercises.ipynb)"]


def test_a_missing_notebook_a_missing_helper_and_a_typo_are_named(tmp_path):
    given = solution_cells("05_handshake")[0]
    receive = ("def receive(server):\n    while True:\n        client, _ = server.accept()\n"
               "        name = ask_nickname(client, nicknames)\n        greet(client, name)\n")
    ask = "def ask_nickname(client, nicknames):\n    return read_line(client)\n"
    folder = notebooks(tmp_path, replace={
        "05_handshake": [given, receive, ask],
        "03_handle": ["def handle(client)\n    pass\n"]})
    (folder / "02_broadcast_exercises.ipynb").unlink()
    with pytest.raises(NotReady) as error:
        collect(folder)
    message = str(error.value)
    assert f"broadcast: 02_broadcast_exercises.ipynb is not in {folder}" in message
    assert "handle: no cell of 03_handle_exercises.ipynb defines it" in message
    assert "Python could not read code cell 1, line 1: expected ':'" in message
    assert "greet: receive (05_handshake_exercises.ipynb) uses it, but no cell there defines it" in message
    assert "ask_nickname" not in message and "read_line" not in message


def test_helpers_imports_and_constants_the_student_uses_come_along(tmp_path):
    given = solution_cells("05_handshake")[0]
    receive = ("import time\nPAUSE = 0.0\n\ndef receive(server):\n    while True:\n"
               "        client, _ = server.accept()\n        name = ask_nickname(client, nicknames)\n"
               "        time.sleep(PAUSE)\n        clients.append(client)\n        nicknames.append(name)\n"
               "        threading.Thread(target=handle, args=(client,), daemon=True).start()\n"
               "        broadcast(clients, f'*** {name} joined')\n")
    ask = next(source for source in solution_cells("05_handshake") if "def ask_nickname" in source)
    folder = notebooks(tmp_path, replace={"05_handshake": [given, receive, ask]})
    names = [name for name, _, _ in collect(folder)]
    assert {"ask_nickname", "read_line", "time", "PAUSE"} <= set(names)
    assert names.index("read_line") < names.index("ask_nickname") < names.index("receive")
    path = write_my_server(folder, tmp_path / "my_server.py")
    with running(path) as port:
        report = run_checks("127.0.0.1", port, ("tutorial",))
    assert report.passed, report.to_text()
