"""Lesson 07 in a real JupyterLab, driven by Debian's Chromium through Playwright.

The test copies the lesson to a temporary folder (so nothing can save over
``notebooks/07_chat_panel.ipynb``), starts JupyterLab on it, runs every cell
(Run All Cells, as the lesson tells students), and then uses the two chat panels like a person:
type, click Send or press Enter, read the other panel. It checks that markup
sent as chat shows as literal text and that no script ran, measures in the
browser how long a line takes from the Send click to the other panel, takes
a screenshot, presses the lesson's Stop button, and shuts down the kernel and the server.

The browser is ``$CHATLESSON_CHROMIUM`` (dev.py sets it), else /usr/bin/chromium.
On Linux it is never skipped: without Chromium or Playwright it fails and says
what to install. On macOS and Windows, without Chromium it is skipped with a
message that says how to run it. Output (screenshot, timings) goes to
``test-output/browser/``.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

import pytest

from browser.jupyterlab import CHROMIUM, CHROMIUM_ARGS, JupyterLab, chromium_problem
from chatlesson import ChatClient

REPO = Path(__file__).resolve().parent.parent
LESSON = "07_chat_panel.ipynb"
OUTPUT = REPO / "test-output" / "browser"
WAIT_MS = 60_000  # for anything that involves the kernel; a passing run never waits this long

XSS = ["<img src=x onerror=alert(1)>",
       "<img src=x onerror=\"window.__chatlessonXss=1\">",
       "<script>window.__chatlessonXss=2; alert(2)</script>"]

# Resolves with the milliseconds from the Send click in panel 0 to `text`
# showing in panel 1's log, watched by a MutationObserver (no polling).
MEASURE_JS = """
([text]) => new Promise((resolve, reject) => {
    const panels = document.querySelectorAll('.chatlesson-panel');
    const log = panels[1].querySelector('.chatlesson-log');
    const send = panels[0].querySelector('.chatlesson-send');
    const give_up = setTimeout(() => reject(new Error('the line never arrived')), 10000);
    let start = 0;
    const observer = new MutationObserver(() => {
        if (log.textContent.includes(text)) {
            observer.disconnect();
            clearTimeout(give_up);
            resolve(performance.now() - start);
        }
    });
    observer.observe(log, {childList: true, subtree: true, characterData: true});
    start = performance.now();
    send.click();
})
"""


# What each code cell shows under it (widget views by type only), to prove that
# chatting through the panels adds no output to any cell.
CELL_OUTPUTS_JS = """
() => Array.from(document.querySelectorAll('.jp-CodeCell')).map(cell => {
    const area = cell.querySelector('.jp-OutputArea');
    return area ? Array.from(area.children).map(child => {
        const output = child.querySelector('.jp-OutputArea-output');
        if (!output) return '';
        if (output.querySelector('.jupyter-widgets')) return 'a widget';
        return (output.getAttribute('data-mime-type') || '') + ': ' + output.textContent;
    }) : [];
})
"""


@pytest.fixture(scope="module")
def playwright_api():
    problem = chromium_problem(CHROMIUM, sys.platform)
    if problem is not None:
        verdict, why = problem
        (pytest.skip if verdict == "skip" else pytest.fail)(why)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the Python package playwright is missing: pip install -e '.[test]'")
    return sync_playwright


@pytest.fixture
def lab(tmp_path, playwright_api):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copy(REPO / "notebooks" / LESSON, folder / LESSON)
    server = JupyterLab(folder, tmp_path / "lab")
    try:
        assert server.delete_sessions() == 0
        yield server
    finally:
        server.stop()


def run_menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def wait_idle(page) -> None:
    page.wait_for_function(
        "() => (document.querySelector('#jp-main-statusbar')?.textContent || '').includes('| Idle')",
        timeout=WAIT_MS)


@pytest.mark.timeout(300)
def test_lesson_07_chat_in_jupyterlab(lab, playwright_api):
    started = time.monotonic()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with playwright_api() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        dialogs: list[str] = []

        def on_dialog(dialog):
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        try:
            measured = drive_the_lesson(page, lab, dialogs)
        except BaseException:
            page.screenshot(path=str(OUTPUT / "failure.png"))
            (OUTPUT / "jupyterlab.log").write_text(lab.log())
            raise
        finally:
            browser.close()

    assert lab.delete_sessions() == 1, "the lesson's kernel session should still have been there"
    assert lab.kernels() == []
    measured["test_seconds"] = round(time.monotonic() - started, 1)
    (OUTPUT / "timings.json").write_text(json.dumps(measured, indent=2) + "\n")
    print(f"\nSend click to the other panel: median {measured['median_ms']} ms, "
          f"max {measured['max_ms']} ms over {len(measured['delays_ms'])} lines; "
          f"whole browser test {measured['test_seconds']} s")


def drive_the_lesson(page, lab, dialogs) -> dict:
    page.goto(lab.page_url(LESSON))
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook", timeout=WAIT_MS)
    wait_idle(page)
    page.evaluate("() => { window.__chatlessonXss = 0; }")

    # Run All, as a student would: the chat must stay usable afterwards.
    run_menu(page, "Run", "Run All Cells")
    page.locator(".chatlesson-lesson-stop").wait_for(timeout=WAIT_MS)
    command = page.locator(".jp-OutputArea-output",
                           has_text=re.compile(r"-m chatlesson.client --port \d+ --nick carol"))
    command.wait_for(timeout=WAIT_MS)
    wait_idle(page)
    assert page.locator('[data-mime-type="application/vnd.jupyter.error"]').count() == 0
    port = int(re.search(r"--port (\d+)", command.inner_text())[1])

    panels = page.locator(".chatlesson-panel")
    assert panels.count() == 2
    ada, bob = panels.nth(0), panels.nth(1)
    outputs_before = page.evaluate(CELL_OUTPUTS_JS)
    side_by_side = ada.locator("xpath=..")
    side_by_side.scroll_into_view_if_needed()
    for panel, nick in ((ada, "ada"), (bob, "bob")):
        status = panel.locator(".chatlesson-status.chatlesson-connected")
        assert f"connected as {nick}" in status.text_content()
    assert "ada: Hello bob! This line was sent by code." in bob.locator(".chatlesson-log").text_content()

    # Type in ada's panel, click Send, and time the line until it shows in bob's.
    ada_input = ada.locator(".chatlesson-input input")
    delays = []
    for number in range(1, 6):
        text = f"browser line {number}"
        ada_input.fill(text)
        delays.append(round(page.evaluate(MEASURE_JS, [text]), 1))
        assert ada_input.input_value() == ""

    # Markup is shown as text: typed with Enter this time.
    for text in XSS:
        ada_input.fill(text)
        ada_input.press("Enter")
        page.wait_for_function(
            "([text]) => document.querySelectorAll('.chatlesson-log')[1].textContent.includes(text)",
            arg=[text], timeout=WAIT_MS)
    # A later line from a terminal-style client proves the earlier ones had time to act.
    with ChatClient(("127.0.0.1", port), "carol") as carol:
        bob_log = bob.locator(".chatlesson-log")
        page.wait_for_function(
            "() => document.querySelectorAll('.chatlesson-log')[1].textContent.includes('carol joined')",
            timeout=WAIT_MS)
        carol.send("hello from a terminal client")
        page.wait_for_function(
            "() => document.querySelectorAll('.chatlesson-log')[0].textContent"
            ".includes('carol: hello from a terminal client')", timeout=WAIT_MS)
        bob.locator(".chatlesson-input input").fill("hi carol")
        bob.locator(".chatlesson-send").click()
        seen = [carol.messages.get(timeout=10).raw for _ in range(2)]
        assert "bob: hi carol" in seen
    bob_text = bob_log.text_content()
    for text in XSS:
        assert f"ada: {text}" in bob_text
    assert page.locator(".chatlesson-panel img, .chatlesson-panel script").count() == 0
    assert page.evaluate("() => window.__chatlessonXss") == 0
    assert dialogs == []

    # Errors look different from chat: JupyterLab turns our colour codes into classes.
    ada_input.fill("/nosuchcommand")
    ada.locator(".chatlesson-send").click()
    error = ada.locator(".chatlesson-log span[class*='ansi-red']", has_text="unknown command")
    error.wait_for(timeout=WAIT_MS)
    assert "ansi-bold" in error.get_attribute("class")

    # Switching rooms with the mouse: bob types a room and presses Join.
    bob.locator(".chatlesson-room-input input").fill("games")
    bob.locator(".chatlesson-join").click()
    bob.locator(".chatlesson-room", has_text="#games").wait_for(timeout=WAIT_MS)
    page.wait_for_function(
        "() => document.querySelectorAll('.chatlesson-log')[0].textContent.includes('bob left #lobby')",
        timeout=WAIT_MS)
    assert "bob" not in ada.locator(".chatlesson-members").inner_text()

    assert page.evaluate(CELL_OUTPUTS_JS) == outputs_before, "chatting put output in a cell"
    side_by_side.screenshot(path=str(OUTPUT / "07_chat_panels.png"))
    page.screenshot(path=str(OUTPUT / "07_chat_panel_page.png"))

    # The Stop button closes the panels and stops the server; nothing is left.
    page.locator(".chatlesson-lesson-stop").click()
    page.locator(".chatlesson-lesson-stop-report",
                 has_text="server running: False; chat threads still running: []").wait_for(
        timeout=WAIT_MS)
    wait_idle(page)
    assert page.locator(".chatlesson-panel").count() == 0
    return {"delays_ms": delays, "median_ms": statistics.median(delays), "max_ms": max(delays)}
