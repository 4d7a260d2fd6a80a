"""A whole class on loopback: 30 students from several 127.0.0.x addresses.

12 join with chat panels (through the panel's Python API) and 3 with the terminal client, all
from 127.0.0.1 (one JupyterHub: every kernel shares the hub's address); 15 join with
``ChatClient`` from 127.0.0.10 ... 127.0.0.24 (a room of laptops). Every one submits a server:
the package's (both engines), the tutorial's design, lesson 05's, a port where nothing
listens, or a port of someone else's server at another address. The board must show the right
grid; the dashboard's buttons must mute, kick (no instant rejoin) and ban. Linux only: other
systems do not route all of 127.0.0.0/8 to loopback.
"""

from __future__ import annotations

import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from chatlesson.classroom import Classroom, Dashboard, ProgressBoard
from chatlesson.client.chat_client import ChatClient, NicknameRejected
from chatlesson.server.eventloop import EventLoopServer
from chatlesson.server.threaded import ChatServer
from chatlesson.ui.panel import ChatPanel
from netutil import DEADLINE, next_message

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="needs 127.0.0.x addresses besides 127.0.0.1 (Linux)")

SERVERS = Path(__file__).parent / "servers"


def free_port(host: str) -> int:
    """A port where nothing listens (bound, then closed again)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class Script:
    """A server script from tests/servers in a subprocess (it prints where it listens)."""

    def __init__(self, name: str):
        self.process = subprocess.Popen([sys.executable, str(SERVERS / name), "0"],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.port = int(_first_line(self.process, 30).rsplit(":", 1)[1])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=DEADLINE)
        self.process.stdout.close()


class Terminal:
    """``python -m chatlesson.client HOST:PORT --nick NICK`` with its standard input piped."""

    def __init__(self, address, nick: str):
        host, port = address
        self.process = subprocess.Popen(
            [sys.executable, "-m", "chatlesson.client", f"{host}:{port}", "--nick", nick],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put("")

    def wait_for(self, text: str) -> str:
        while True:
            line = self.lines.get(timeout=60)
            assert line, f"the terminal client ended before {text!r}"
            if text in line:
                return line

    def type(self, text: str) -> None:
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.type("/quit")
                self.process.stdin.close()
                self.process.wait(timeout=DEADLINE)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(timeout=DEADLINE)
        self.process.stdout.close()


def _first_line(process, timeout: float) -> str:
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        process.kill()
        raise AssertionError("a server script did not say where it listens") from None



def test_a_class_of_30_joins_submits_and_is_moderated():
    started: list = []  # everything to stop, in reverse order
    try:
        room = Classroom("127.0.0.1", 0, board=ProgressBoard(workers=4))
        room.start()
        started.append(room)
        address = room.address

        # --- The students' own servers ---
        expected: dict[str, str] = {}   # nick -> "commands" / "tutorial" / "" / "unreachable"
        submissions: dict[str, int] = {}
        scripts: dict[str, Script] = {}
        for n in range(3):
            scripts[f"p{n}"] = Script("tutorial_server.py")
            expected[f"p{n}"] = ""
            scripts[f"p{n + 3}"] = Script("lesson05_server.py")
            expected[f"p{n + 3}"] = "tutorial"
        started.extend(scripts.values())
        for nick, script in scripts.items():
            submissions[nick] = script.port
        for n in range(6, 12):
            submissions[f"p{n}"] = free_port("127.0.0.1")
            expected[f"p{n}"] = "unreachable"
        good = EventLoopServer("127.0.0.1", 0).start()
        started.append(good)
        submissions["t0"], expected["t0"] = good.port, "commands"
        for n in (1, 2):
            submissions[f"t{n}"], expected[f"t{n}"] = free_port("127.0.0.1"), "unreachable"
        laptops = {f"c{n}": f"127.0.0.{10 + n}" for n in range(15)}
        for n in range(15):
            nick, ip = f"c{n}", laptops[f"c{n}"]
            if n < 8 or n >= 13:
                server = (ChatServer if n % 2 else EventLoopServer)(ip, 0).start()
                started.append(server)
                submissions[nick], expected[nick] = server.port, "commands"
            elif n < 12:
                submissions[nick], expected[nick] = free_port(ip), "unreachable"
            else:  # the port of c0's server, which is at another address
                submissions[nick], expected[nick] = submissions["c0"], "unreachable"

        # --- 30 students join ---
        panels = {f"p{n}": ChatPanel(address, nick=f"p{n}") for n in range(12)}
        started.extend(panels.values())
        terminals = {f"t{n}": Terminal(address, f"t{n}") for n in range(3)}
        started.extend(terminals.values())
        clients = {nick: ChatClient(address, nick, source_address=(ip, 0)) for nick, ip in laptops.items()}
        started.extend(clients.values())
        assert all(panel.connected for panel in panels.values())
        for nick, terminal in terminals.items():
            terminal.wait_for(f"Welcome, {nick}!")
        online = room.online()
        assert len(online) == 31
        hosts = {person["nick"]: person["host"] for person in online}
        assert all(hosts[nick] == ip for nick, ip in laptops.items())

        # --- Everyone submits; the board checks them all ---
        begin = time.monotonic()
        for nick, panel in panels.items():
            panel.say(f"/submit {submissions[nick]}")
        for nick, terminal in terminals.items():
            terminal.type(f"/submit {submissions[nick]}")
        for nick, client in clients.items():
            client.send(f"/submit {submissions[nick]}")
        for panel in panels.values():
            panel.wait_for("the board will check")
        for terminal in terminals.values():
            terminal.wait_for("the board will check")
        for client in clients.values():
            next_message(client, "the board will check")
        deadline = begin + 170
        while not room.board.wait_idle(0.2):
            for nick, script in scripts.items():  # the tutorial's design spins once checked
                row = next(r for r in room.board.grid() if r["nick"] == nick)
                if row["state"] not in ("waiting", "checking"):
                    script.stop()
            assert time.monotonic() < deadline, room.board.text()
        took = time.monotonic() - begin
        print(f"\nthe board checked 30 students in {took:.1f} s (4 workers)\n{room.board.text()}")

        grid = {row["nick"]: row for row in room.board.grid()}
        assert len(grid) == 30
        for nick, want in expected.items():
            row = grid[nick]
            found = "unreachable" if row["state"] == "unreachable" else row["reached"]
            assert found == want, (nick, row)
        assert grid["p0"]["tutorial"] == "failed"
        assert (grid["p3"]["tutorial"], grid["p3"]["robust"]) == ("passed", "failed")
        assert grid["c12"]["address"] == f"127.0.0.22:{submissions['c0']}"

        # --- The dashboard's buttons ---
        dashboard = Dashboard(room, interval=None)
        started.append(dashboard)
        dashboard.handle_browser_message({"type": "mute", "nick": "p7"})
        panels["p7"].say("am I heard?")
        panels["p7"].wait_for("you are muted")
        dashboard.handle_browser_message({"type": "kick", "nick": "c1"})
        assert clients["c1"].wait_closed(DEADLINE)
        dashboard.handle_browser_message({"type": "ban", "nick": "c2"})
        assert clients["c2"].wait_closed(DEADLINE)
        with pytest.raises(NicknameRejected, match="banned"):
            ChatClient(address, "c2", source_address=(laptops["c3"], 0))  # from any address
        with pytest.raises(NicknameRejected):  # a kick holds: c1 cannot rejoin at once
            ChatClient(address, "c1", source_address=(laptops["c1"], 0))
        dashboard.handle_browser_message({"type": "announce", "text": "five minutes left"})
        for panel in panels.values():
            panel.wait_for("pinned by teacher: five minutes left")
        terminals["t2"].wait_for("five minutes left")
        for nick, client in clients.items():
            if nick not in ("c1", "c2"):
                next_message(client, "five minutes left")
        assert "am I heard?" not in panels["p8"].log_text
        assert len(dashboard.online) == 29
        assert next(p for p in dashboard.online if p["nick"] == "p7")["muted"]
    finally:
        for thing in reversed(started):
            if isinstance(thing, ChatPanel | Dashboard):
                thing.close()
            else:
                thing.stop() if hasattr(thing, "stop") else thing.close()
