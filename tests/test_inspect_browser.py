"""WireInspector in a real JupyterLab (Debian's Chromium through Playwright, like test_browser.py).

A notebook starts a chat server and an inspector; the test connects through the inspector
and sends bytes that look like markup, a terminal escape and a cut UTF-8 character. The page
must show each chunk as text (nothing becomes markup), mark the line ends and the cut
character, keep only the last ``max_chunks`` chunks, and pass axe-core with no serious or
critical problem in the light and the dark theme.
"""

from __future__ import annotations

import re
import socket
import sys
from pathlib import Path

import pytest

from browser.harness import write_notebook
from browser.jupyterlab import CHROMIUM, CHROMIUM_ARGS, JupyterLab, chromium_problem
from browser.panelpage import WAIT_MS, next_frame, run_menu, set_theme, wait_idle

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "test-output" / "screenshots"
NOTEBOOK = "inspect_harness.ipynb"
CELLS = [
    """\
from chatlesson import ChatServer
from chatlesson.inspect import WireInspector

server = ChatServer(host="127.0.0.1", port=0).start()
inspector = WireInspector(server, max_chunks=6)
print(f"inspector port {inspector.address[1]}")""",
    "inspector",
]
MARKUP = b'<img src=x onerror="window.__wireXss=1">\x1b[31m\n'


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    problem = chromium_problem(CHROMIUM, sys.platform)
    if problem is not None:
        verdict, why = problem
        (pytest.skip if verdict == "skip" else pytest.fail)(why)
    from playwright.sync_api import sync_playwright

    scratch = tmp_path_factory.mktemp("inspect")
    folder = scratch / "notebooks"
    folder.mkdir()
    write_notebook(folder, CELLS, NOTEBOOK)
    lab = JupyterLab(folder, scratch / "lab")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1366, "height": 900})
                page.goto(lab.page_url(NOTEBOOK))
                page.wait_for_selector(".jp-NotebookPanel .jp-Notebook", timeout=WAIT_MS)
                wait_idle(page)
                run_menu(page, "Run", "Run All Cells")
                printed = page.locator(".jp-OutputArea-output",
                                       has_text=re.compile(r"inspector port \d+"))
                printed.wait_for(timeout=WAIT_MS)
                page.port = int(re.search(r"inspector port (\d+)", printed.inner_text())[1])
                page.wait_for_selector(".chatlesson-wire-status", timeout=WAIT_MS)
                yield page
            finally:
                browser.close()
    finally:
        lab.stop()


CHUNK_COUNT = "(n) => document.querySelectorAll('.chatlesson-wire-item[data-direction]').length >= n"
SHOWS_TEXT = ("(t) => [...document.querySelectorAll('.chatlesson-wire-text')]"
              ".some(e => e.textContent === t)")


def chunks_shown(page, count: int):
    page.wait_for_function(CHUNK_COUNT, arg=count, timeout=WAIT_MS)


def test_chunks_show_as_text_with_line_ends_and_cut_characters_marked(page):
    with socket.create_connection(("127.0.0.1", page.port), timeout=10) as client:
        assert client.recv(4) == b"Hii\n"
        chunks_shown(page, 1)
        client.sendall(MARKUP)
        chunks_shown(page, 2)
        client.sendall("caf\u00e9".encode()[:-1])
        chunks_shown(page, 3)
        rows = page.locator(".chatlesson-wire-row")
        texts = rows.locator(".chatlesson-wire-text").all_inner_texts()
        assert '"Hii\\n"' in texts
        assert '"<img src=x onerror=\\"window.__wireXss=1\\">\\x1b[31m\\n"' in texts
        assert '"caf\\xc3"' in texts
        assert page.locator(".chatlesson-wire-item img").count() == 0
        assert page.evaluate("() => window.__wireXss") is None
        cut = page.locator(".chatlesson-wire-cut .chatlesson-wire-note").last.inner_text()
        assert "ends inside a UTF-8 character: 1 of its 2 bytes" in cut
        assert page.locator(".chatlesson-wire-line-end").count() >= 2
        OUTPUT.mkdir(parents=True, exist_ok=True)
        page.locator(".chatlesson-wire").screenshot(path=str(OUTPUT / "wire-inspector.png"))


def test_only_the_last_chunks_stay_on_the_page(page):
    with socket.create_connection(("127.0.0.1", page.port), timeout=10) as client:
        assert client.recv(4) == b"Hii\n"
        for n in range(10):
            client.sendall(b"x" * (n + 1))
            page.wait_for_function(SHOWS_TEXT, arg='"' + "x" * (n + 1) + '"', timeout=WAIT_MS)
        assert page.locator(".chatlesson-wire-item").count() == 6
        assert "older items not shown" in page.locator(".chatlesson-wire-dropped").inner_text()


def test_axe_finds_no_serious_problem_in_light_and_dark_themes(page):
    from axe_playwright_python.sync_playwright import Axe

    found = {}
    try:
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            set_theme(page, theme)
            next_frame(page)
            results = Axe().run(page, context={"include": [[".chatlesson-wire"]]})
            found[theme] = [f"{v['id']} ({v['impact']}): {v['help']}; "
                            + "; ".join(" ".join(node["target"]) + " " + node.get("failureSummary", "")
                                        for node in v["nodes"][:3])
                            for v in results.response["violations"]
                            if v["impact"] in ("serious", "critical")]
    finally:
        set_theme(page, "JupyterLab Light")
    assert found == {"JupyterLab Light": [], "JupyterLab Dark": []}
