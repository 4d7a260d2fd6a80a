"""A small notebook that puts two chat panels on a page, for browser tests and benchmarks.

The lesson notebook teaches; this one only sets the stage, so the tests can
measure the panel without depending on the lesson's prose or cell order:
a ``ChatServer`` on a free port with flood control off (the tests type and
send faster than a person), and ``HBox([ada, bob])``, exactly as a student
writes it. The test process joins the same server with ``ChatClient`` to
send lines "from the network" and to read what the panels sent.

``ChatSession`` opens the notebook in JupyterLab, runs all cells, and
hands back the page, the server's port and the two panels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from browser.jupyterlab import JupyterLab
from browser.panelpage import WAIT_MS, run_menu, wait_idle

NOTEBOOK = "panel_harness.ipynb"

CELLS = [
    """\
from ipywidgets import HBox
from chatlesson import ChatPanel, ChatRules, ChatServer

server = ChatServer(host="127.0.0.1", port=0, rules=ChatRules(flood_limit=None)).start()
print(f"harness port {server.port}")""",
    """\
ada = ChatPanel(server, nick="ada")
bob = ChatPanel(server, nick="bob")
HBox([ada, bob])""",
]


def write_notebook(folder: Path, cells: list[str] = CELLS, name: str = NOTEBOOK) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    path = folder / name
    nbformat.write(notebook, path)
    return path


@dataclass
class ChatSession:
    """A page showing the harness notebook, run, with both panels connected."""

    page: object
    port: int

    @property
    def panels(self):
        return self.page.locator(".chatlesson-panel")

    @property
    def ada(self):
        return self.panels.nth(0)

    @property
    def bob(self):
        return self.panels.nth(1)


def open_harness(page, lab: JupyterLab) -> ChatSession:
    """Open and run the harness notebook; return once both panels show in the page."""
    page.goto(lab.page_url(NOTEBOOK))
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook", timeout=WAIT_MS)
    wait_idle(page)
    page.evaluate("() => { window.__chatlessonXss = 0; }")
    run_menu(page, "Run", "Run All Cells")
    printed = page.locator(".jp-OutputArea-output", has_text=re.compile(r"harness port \d+"))
    printed.wait_for(timeout=WAIT_MS)
    port = int(re.search(r"harness port (\d+)", printed.inner_text())[1])
    page.locator(".chatlesson-panel").nth(1).wait_for(timeout=WAIT_MS)
    wait_idle(page)
    errors = page.locator('[data-mime-type="application/vnd.jupyter.error"]')
    if errors.count():
        raise AssertionError("the harness notebook failed:\n" + errors.first.inner_text())
    return ChatSession(page, port)
