"""A throwaway JupyterLab for browser tests, and Debian's Chromium to look at it.

``JupyterLab(folder, scratch)`` starts ``python -m jupyterlab`` on 127.0.0.1, a
free port and a random token, serving only ``folder`` (``extra_args`` go on its
command line). Its settings, workspaces,
configuration and runtime files all live in a temporary directory, so the
test neither reads the developer's own settings nor leaves anything behind.
The "Jupyter news?" toast is switched off there, because it covers the
lower right of the page.

``stop()`` deletes every kernel session through the REST API first (kernels
outlive browser pages), then ends the server.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# dev.py sets CHATLESSON_CHROMIUM when it found or installed a browser.
CHROMIUM = Path(os.environ.get("CHATLESSON_CHROMIUM") or "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
MISSING_CHROMIUM = ("Chromium is not installed at {path}: run "
                    "`apt-get update && apt-get install -y chromium` (the README's test command "
                    "does this as root), or set CHATLESSON_CHROMIUM=/path/to/chromium. Never "
                    "`playwright install`: the tests use the system browser.")
NO_CHROMIUM_HERE = ("no Chromium at {path}, so the browser test is skipped on this system. To run "
                    "it, install Chromium (or Chrome) and set CHATLESSON_CHROMIUM=/path/to/it.")


def chromium_problem(path: Path, platform: str) -> tuple[str, str] | None:
    """Why the browser test cannot run with ``path`` on ``platform`` (``sys.platform``):
    ("fail", why) on Linux, where CI installs Chromium so a missing one is a broken setup;
    ("skip", why) elsewhere (macOS, Windows), where nothing installs it for the student."""
    if path.is_file():
        return None
    if platform.startswith("linux"):
        return "fail", MISSING_CHROMIUM.format(path=path)
    return "skip", NO_CHROMIUM_HERE.format(path=path)


NO_NEWS = {"fetchNews": "false", "checkForUpdates": False}
START_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class JupyterLab:
    def __init__(self, folder: Path, scratch: Path, extra_args: tuple[str, ...] = ()):
        self.folder = folder
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        settings = scratch / "user-settings"
        news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
        news.parent.mkdir(parents=True)
        news.write_text(json.dumps(NO_NEWS))
        env = dict(os.environ,
                   JUPYTER_CONFIG_DIR=str(scratch / "config"),
                   JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
                   PYTHONUNBUFFERED="1")
        self.log_path = scratch / "jupyterlab.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
             "--ip=127.0.0.1", f"--port={self.port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={self.token}", f"--notebook-dir={folder}",
             f"--LabApp.user_settings_dir={settings}",
             f"--LabApp.workspaces_dir={scratch / 'workspaces'}", *extra_args],
            stdout=self._log, stderr=subprocess.STDOUT, env=env)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}:\n{self.log()}")
            try:
                self.api("GET", "/api/status")
                return
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"JupyterLab did not answer in {START_TIMEOUT} s:\n"
                                       f"{self.log()}") from None
                time.sleep(0.1)  # polling a server that is starting, under a deadline

    def api(self, method: str, path: str):
        request = urllib.request.Request(self.url + path, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def page_url(self, notebook: str) -> str:
        return f"{self.url}/lab/tree/{notebook}?token={self.token}&reset"

    def delete_sessions(self) -> int:
        """Shut down every kernel session; return how many there were."""
        sessions = self.api("GET", "/api/sessions")
        for session in sessions:
            self.api("DELETE", f"/api/sessions/{session['id']}")
        return len(sessions)

    def kernels(self) -> list:
        return self.api("GET", "/api/kernels")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.delete_sessions()
            except (urllib.error.URLError, ConnectionError):
                pass
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
