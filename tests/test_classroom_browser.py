"""The instructor's dashboard in a real JupyterLab, driven by Debian's Chromium (Playwright).

A small notebook starts a ``Classroom`` and shows its ``Dashboard``; the test process joins as
students with ``ChatClient`` and clicks the dashboard's buttons as an instructor would: Mute,
Kick, Ban, the announcement box (Enter), Refresh. What the students receive shows the buttons
worked; the page shows the new state. A student's hostile line stays text in the page.
Same browser rules as tests/test_browser.py (fails on Linux without Chromium, skips elsewhere);
a screenshot goes to test-output/screenshots/classroom_dashboard.png.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from browser.harness import write_notebook
from browser.jupyterlab import CHROMIUM, CHROMIUM_ARGS, JupyterLab, chromium_problem
from browser.panelpage import WAIT_MS, run_menu, wait_idle
from chatlesson.client.chat_client import ChatClient
from netutil import DEADLINE, next_message

NOTEBOOK = "dashboard_harness.ipynb"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-output" / "screenshots"
CELLS = [
    """\
from chatlesson.classroom import Classroom, Dashboard
classroom = Classroom("127.0.0.1", 0).start()
print(f"classroom port {classroom.port}")""",
    "dashboard = Dashboard(classroom, interval=0.3)\ndashboard",
]



@pytest.fixture
def browser():
    problem = chromium_problem(CHROMIUM, sys.platform)
    if problem is not None:
        verdict, why = problem
        (pytest.skip if verdict == "skip" else pytest.fail)(why)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def lab(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    write_notebook(folder, CELLS, NOTEBOOK)
    server = JupyterLab(folder, tmp_path / "lab")
    try:
        yield server
    finally:
        server.stop()


def test_the_dashboard_moderates_from_the_page(browser, lab):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(lab.page_url(NOTEBOOK))
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook", timeout=WAIT_MS)
    wait_idle(page)
    run_menu(page, "Run", "Run All Cells")
    printed = page.locator(".jp-OutputArea-output", has_text=re.compile(r"classroom port \d+"))
    printed.wait_for(timeout=WAIT_MS)
    port = int(re.search(r"classroom port (\d+)", printed.inner_text())[1])
    dashboard = page.locator(".chatlesson-dashboard")
    dashboard.wait_for(timeout=WAIT_MS)
    clients = []
    try:
        ada, bob, cleo = (ChatClient(("127.0.0.1", port), nick) for nick in ("ada", "bob", "cleo"))
        clients += [ada, bob, cleo]
        row = {nick: dashboard.locator(f'.chatlesson-dash-member[data-nick="{nick}"]')
               for nick in ("ada", "bob", "cleo")}
        row["cleo"].wait_for(timeout=WAIT_MS)  # the dashboard refreshed by itself

        ada.send("<img src=x onerror=\"window.__dashXss=1\"> hello")
        page.locator(".chatlesson-dash-log", has_text="<img src=x").wait_for(timeout=WAIT_MS)
        assert dashboard.locator("img").count() == 0
        assert page.evaluate("() => window.__dashXss") is None

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        dashboard.screenshot(path=str(SCREENSHOTS / "classroom_dashboard.png"))
        row["bob"].locator(".chatlesson-dash-mute").click()
        assert next_message(ada, "muted") == "*** bob was muted by teacher (for 10 min)"
        row["bob"].locator(".chatlesson-dash-unmute").wait_for(timeout=WAIT_MS)
        assert "muted" in row["bob"].inner_text()

        row["cleo"].locator(".chatlesson-dash-kick").click()
        assert cleo.wait_closed(DEADLINE)
        row["cleo"].wait_for(state="detached", timeout=WAIT_MS)

        box = dashboard.locator(".chatlesson-dash-announce")
        box.fill("quiz in five minutes")
        box.press("Enter")
        assert next_message(bob, "pinned") == "*** pinned by teacher: quiz in five minutes"
        page.locator(".chatlesson-dash-notice", has_text="pinned for 2 students").wait_for(timeout=WAIT_MS)

        dashboard.locator(".chatlesson-dash-slow").select_option("15")
        assert next_message(ada, "slow mode") == \
            "*** slow mode: one line per 15 s for members (set by teacher)"
        dashboard.locator(".chatlesson-dash-slow").select_option("0")
        assert next_message(ada, "slow mode") == "*** slow mode is off (set by teacher)"

        dashboard.locator(".chatlesson-dash-transcript").click()
        saved = page.locator(".chatlesson-dash-notice", has_text="transcript saved to")
        saved.wait_for(timeout=WAIT_MS)
        path = lab.folder / saved.inner_text().rsplit(" ", 1)[1]
        assert "quiz in five minutes" in path.read_text(encoding="utf-8")

        row["bob"].locator(".chatlesson-dash-ban").click()
        assert bob.wait_closed(DEADLINE)
        dashboard.locator(".chatlesson-dash-refresh").click()
        row["bob"].wait_for(state="detached", timeout=WAIT_MS)
        assert dashboard.locator(".chatlesson-dash-member").count() == 2  # teacher and ada
    finally:
        for client in clients:
            client.close()
        page.close()
