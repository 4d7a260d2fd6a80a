"""The chat panel in a real JupyterLab, driven by Debian's Chromium through Playwright.

Two kinds of test. Most use a small harness notebook (``browser/harness.py``:
a server with flood control off and ``HBox([ada, bob])``) and the test
process joins the same server as ``carol`` with a ``ChatClient``, to read
exactly what the panels sent and to send lines "from the network". They
check, like a person using the page would see it:

* typed text is never lost: keys at 0 ms spacing, then Enter or Send at once,
  also while another member's lines keep arriving;
* each line has its time and the sender's colour; a line naming you stands out;
* nothing from the network becomes markup or runs as script;
* long tokens wrap inside the log and never squeeze the side column, and
  ordinary words are not cut;
* a burst of lines stays under JupyterLab's message rate limit (above it,
  JupyterLab silently drops kernel messages, so lines would go missing);
* at 1100, 1366 and 1920 px, with the file browser open, no part of a panel
  is cut off and every box fits its placeholder (screenshots are saved and
  their paths printed);
* the log follows new lines only while you are at the bottom, and shows a
  "new messages" marker otherwise;
* the panel works from the keyboard alone, and shows where the focus is;
* axe-core finds no serious or critical problem in the panels, in the
  light and in the dark theme.

The last test runs lesson 07 itself (Run All Cells, as the lesson tells
students), chats, and presses the lesson's Stop button: the panels stay,
disabled, with their logs.

The browser is ``$CHATLESSON_CHROMIUM`` (dev.py sets it), else /usr/bin/chromium.
On Linux it is never skipped: without Chromium or Playwright it fails and says
what to install. On macOS and Windows, without Chromium it is skipped with a
message that says how to run it. Screenshots go to ``test-output/screenshots/``,
timings to ``test-output/browser/``. Numbers under load are measured by
``benchmarks/panel/run.py``, not here.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

import pytest

from browser.harness import open_harness, write_notebook
from browser.jupyterlab import CHROMIUM, CHROMIUM_ARGS, JupyterLab, chromium_problem
from browser.panelpage import (
    WAIT_MS,
    install,
    next_frame,
    open_file_browser,
    panel_js,
    part,
    run_menu,
    set_theme,
    wait_idle,
    wait_in_log,
)
from chatlesson import ChatClient

REPO = Path(__file__).resolve().parent.parent
LESSON = "07_chat_panel.ipynb"
OUTPUT = REPO / "test-output" / "browser"
SCREENSHOTS = REPO / "test-output" / "screenshots"

XSS = ["<img src=x onerror=alert(1)>",
       "<img src=x onerror=\"window.__chatlessonXss=1\">",
       "<script>window.__chatlessonXss=2; alert(2)</script>",
       "<svg onload=\"window.__chatlessonXss=3\"><circle r=5></svg>",
       "<iframe src=\"javascript:window.parent.__chatlessonXss=4\"></iframe>",
       "<a href=\"javascript:alert(5)\">click me</a> <b>bold?</b> &amp; &lt;",
       "$x^2$ \\(y\\) **not bold** `code` [link](javascript:alert(6))"]
#: Tags that only hostile text could have put in a log.
FOREIGN_TAGS = "img, script, svg, iframe, a, b, object, embed, math, mjx-container, code, strong, em"

#: Typed into a panel, each must reach the others exactly. Letters that are
#: JupyterLab shortcuts in command mode (a, b, d d, x, z, m, y) are in there on purpose.
TYPED = ["hello bob, how are you today?",
         "dd aa bb zz yy mm xx 00 11 ii",
         "quick brown fox jumps over the lazy dog 1234567890",
         "double  spaces,   triple too; tabs are not typed",
         "ünïcödé, 日本語 and ✓ survive",
         "<b>tags</b> & ampersands stay text",
         "punctuation: !@#$%^&*()_+-=[]{};':\",./<>?`~|\\"]

URL_190 = "https://example.org/" + "/".join(["a-rather-long-path-segment"] * 6) + "?q=" + "x" * 8
TOKEN_2000 = "Z" * 2000
WIDTHS = (1100, 1366, 1920)
SERIOUS = ("serious", "critical")


# --- Fixtures ----------------------------------------------------------------

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


@pytest.fixture(scope="module")
def browser(playwright_api):
    with playwright_api() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Chat:
    """The harness page, its two panels, and carol: a client the test drives."""

    def __init__(self, session, carol: ChatClient, dialogs: list[str], lab: JupyterLab):
        self.page, self.port = session.page, session.port
        self.lab = lab
        self.ada, self.bob = session.ada, session.bob
        self.carol = carol
        self.dialogs = dialogs

    def next_line_from(self, nick: str, timeout: float = 30) -> str:
        """The next chat line carol receives from ``nick`` (other lines are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.carol.messages.get(timeout=max(0.1, deadline - time.monotonic()))
            assert message is not None, "carol's connection closed"
            if message.kind == "chat" and message.nick == nick:
                return message.raw

    def drain(self) -> None:
        """Forget what carol has received so far."""
        while not self.carol.messages.empty():
            self.carol.messages.get_nowait()

    def heard(self, text: str) -> None:
        """Wait until both panels show ``text``."""
        for index in (0, 1):
            wait_in_log(self.page, index, text)


@contextlib.contextmanager
def harness_chat(browser, scratch: Path, extra_args: tuple[str, ...] = ()):
    """JupyterLab on the harness notebook, run in a new page, and carol joined."""
    folder = scratch / "notebooks"
    folder.mkdir()
    write_notebook(folder)
    lab = JupyterLab(folder, scratch / "lab", extra_args)
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        session = open_harness(page, lab)
        with ChatClient(("127.0.0.1", session.port), "carol") as carol:
            result = Chat(session, carol, dialogs, lab)
            result.heard("carol")
            yield result
    except BaseException:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUTPUT / "harness-failure.png"))
        (OUTPUT / "harness-jupyterlab.log").write_text(lab.log())
        raise
    finally:
        page.close()
        lab.stop()


@pytest.fixture(scope="module")
def chat(tmp_path_factory, browser):
    with harness_chat(browser, tmp_path_factory.mktemp("harness")) as result:
        yield result


@pytest.fixture
def shown(capsys):
    """``shown(path)`` prints a path in the test output, captured or not."""
    def show(label: str, path: Path) -> None:
        with capsys.disabled():
            print(f"\n  {label}: {path.relative_to(REPO)}", end="")
    return show


def screenshot(chat, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    chat.ada.locator("xpath=..").screenshot(path=str(path))
    return path


# --- Typed text is never lost --------------------------------------------------

@pytest.mark.timeout(300)
@pytest.mark.parametrize("how", ["Enter", "Send", "Enter while lines arrive"])
def test_what_is_typed_is_what_is_sent(chat, how):
    chat.drain()
    field = part(chat.ada, "input")
    stop = threading.Event()
    chatter = threading.Thread(target=keep_talking, args=(chat.port, stop), daemon=True)
    if how == "Enter while lines arrive":
        chatter.start()
    try:
        for number, text in enumerate(TYPED):
            text = f"{text} ({how} {number})"
            field.click()
            field.press_sequentially(text, delay=0)
            if how == "Send":
                part(chat.ada, "send").click()
            else:
                field.press("Enter")
            assert chat.next_line_from("ada") == f"ada: {text}"
            wait_in_log(chat.page, 1, text)
            assert field.input_value() == "", "the sent text stayed in the box"
    finally:
        stop.set()
        if chatter.is_alive():
            chatter.join(timeout=30)


def keep_talking(port: int, stop: threading.Event) -> None:
    """Another member who sends a line every 20 ms until ``stop`` is set."""
    with ChatClient(("127.0.0.1", port), "talkative", on_message=lambda message: None) as talker:
        number = 0
        while not stop.wait(0.02):
            talker.send(f"chatter {number}")
            number += 1


# --- Text from the network stays text ------------------------------------------

@pytest.mark.timeout(300)
def test_markup_from_the_network_is_shown_as_text(chat):
    page = chat.page
    chat.drain()
    # Plain lines first, from carol and typed by ada: the kinds of element a line is made of.
    chat.carol.send("a plain line from the network")
    part(chat.ada, "input").fill("a plain line typed")
    part(chat.ada, "input").press("Enter")
    chat.heard("a plain line typed")
    assert chat.next_line_from("ada") == "ada: a plain line typed"
    plain_tags = [panel_js(page, "P.logTags(arg)", index) for index in (0, 1)]
    for text in XSS:
        chat.carol.send(text)          # from the network
        field = part(chat.ada, "input")  # and typed
        field.fill(text)
        field.press("Enter")
    for text in XSS:
        assert chat.next_line_from("ada") == f"ada: {text}"
    chat.carol.send("the last line")  # the earlier lines had all the time they need to act
    chat.heard("the last line")
    for index in (0, 1):
        log_text = panel_js(page, "P.logText(arg)", index)
        for text in XSS:
            assert log_text.count(text) >= 2, f"panel {index} does not show {text!r} twice as text"
        assert panel_js(page, "P.logTags(arg)", index) == plain_tags[index]
        for tag in FOREIGN_TAGS.split(", "):
            assert part((chat.ada, chat.bob)[index], "log").locator(tag).count() == 0, tag
    assert page.evaluate("() => window.__chatlessonXss") == 0
    assert chat.dialogs == []


# --- Long tokens, and words that must stay whole ---------------------------------

@pytest.mark.timeout(300)
def test_long_tokens_wrap_in_the_log_and_never_squeeze_the_side_column(chat, shown):
    page = chat.page
    page.set_viewport_size({"width": 1366, "height": 900})
    chat.ada.scroll_into_view_if_needed()
    chat.carol.send("before the long ones")
    chat.heard("before the long ones")
    before = [panel_js(page, "P.rect(arg, 'side')", index) for index in (0, 1)]
    chat.carol.send(URL_190)
    chat.carol.send(TOKEN_2000)
    chat.carol.send("after the long ones")
    chat.heard("after the long ones")
    next_frame(page)
    shown("long tokens", screenshot(chat, "panel-long-tokens.png"))
    for index in (0, 1):
        after = panel_js(page, "P.rect(arg, 'side')", index)
        assert after["width"] >= before[index]["width"] - 1, (
            f"panel {index}: the side column went from {before[index]['width']:.0f} px "
            f"to {after['width']:.0f} px")
        assert panel_js(page, "P.overflowingLines(arg)", index) == []
    assert panel_js(page, "P.clipped()") == []
    assert panel_js(page, "P.cutWords(arg)", 16) == []


# --- Bursts within JupyterLab's message rate limit ------------------------------------

#: JupyterLab drops kernel output above ``--ServerApp.iopub_msg_rate_limit``
#: messages a second (1000 by default, averaged over 3 s), custom widget
#: messages included, and says so only in its own log. A panel that sent one
#: message per line lost hundreds of lines in a 3000-line burst at the default
#: limit; under a limit of 100, 600 lines are enough to show it. The panel
#: sends the lines that pile up during a burst together, so none is lost.
RATE_LIMIT = 100
BURST = 600


@pytest.mark.timeout(300)
def test_a_burst_loses_no_line_under_jupyterlabs_message_rate_limit(tmp_path, browser):
    limit = (f"--ServerApp.iopub_msg_rate_limit={RATE_LIMIT}",)
    with harness_chat(browser, tmp_path, limit) as chat:
        for number in range(BURST):
            chat.carol.send(f"burst {number}.")
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        try:
            for index in (0, 1):
                wait_in_log(chat.page, index, f"burst {BURST - 1}.", timeout=30_000)
        except PlaywrightTimeout:
            pass  # the last line was lost: the assertion below says which ones are
        log = chat.lab.log_path.read_text(errors="replace")
        for index in (0, 1):
            text = panel_js(chat.page, "P.logText(arg)", index)
            missing = sorted(set(range(BURST)) - {int(n) for n in re.findall(r"burst (\d+)\.", text)})
            assert missing == [], (f"panel {index} lost {len(missing)} of {BURST} lines, "
                                   f"{missing[:5]}...{missing[-5:]}; JupyterLab's log says: "
                                   + ("IOPub message rate exceeded" if "rate exceeded" in log else "nothing"))
        assert "rate exceeded" not in log


# --- Nothing cut off, at every usual width ----------------------------------------

@pytest.mark.timeout(300)
@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_is_cut_off_with_the_file_browser_open(chat, width, shown):
    page = chat.page
    page.set_viewport_size({"width": width, "height": 900})
    open_file_browser(page)
    chat.ada.scroll_into_view_if_needed()
    next_frame(page)
    shot = screenshot(chat, f"panel-{width}px.png")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    whole = SCREENSHOTS / f"page-{width}px.png"
    page.screenshot(path=str(whole))
    shown(f"{width} px, panels", shot)
    shown(f"{width} px, page", whole)
    problems = panel_js(page, "P.clipped()") + panel_js(page, "P.shortBoxes()")
    assert problems == []
    assert panel_js(page, "P.cutWords(arg)", 16) == []


# --- The keyboard alone ----------------------------------------------------------

def tab_to(page, wanted: str, panel_index: int, limit: int = 40) -> list[str]:
    """Press Tab until a part named ``wanted`` of panel ``panel_index`` has the focus."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        where = panel_js(page, "[P.focusedPanel(), P.focused()]")
        seen.append(f"{where[0]}:{where[1]}")
        if where == [panel_index, wanted]:
            assert panel_js(page, "P.focusRing()"), f"{wanted} has the focus but does not show it"
            return seen
    raise AssertionError(f"Tab never reached {wanted} of panel {panel_index}; the focus went {seen}")


@pytest.mark.timeout(300)
def test_the_panel_works_from_the_keyboard_alone(chat):
    page = chat.page
    chat.drain()
    page.set_viewport_size({"width": 1366, "height": 900})
    install(page)
    # Start on the first thing one can focus in bob's panel: no mouse from here on.
    page.evaluate("""() => window.__chatlesson.panels()[1].querySelector(
        'button:not([disabled]), input:not([disabled]), textarea, select,'
        + ' [tabindex]:not([tabindex="-1"])').focus()""")
    visited = []
    for wanted in ("input", "send", "room box", "join"):
        visited += tab_to(page, wanted, 1)
    # Type a line and send it with Enter, then with the Send button (Space).
    page.keyboard.press("Shift+Tab")
    while panel_js(page, "[P.focusedPanel(), P.focused()]") != [1, "input"]:
        page.keyboard.press("Shift+Tab")
        assert len(visited) < 200
        visited.append("back")
    page.keyboard.type("typed without a mouse")
    page.keyboard.press("Enter")
    assert chat.next_line_from("bob") == "bob: typed without a mouse"
    page.keyboard.type("and sent with the Send button")
    tab_to(page, "send", 1)
    page.keyboard.press("Space")
    assert chat.next_line_from("bob") == "bob: and sent with the Send button"
    # Go to another room with the room box and Join, then back with Enter.
    tab_to(page, "room box", 1)
    page.keyboard.type("keys")
    tab_to(page, "join", 1)
    page.keyboard.press("Enter")
    part(chat.bob, "room").filter(has_text="keys").wait_for(timeout=WAIT_MS)
    tab_to(page, "room box", 1)
    page.keyboard.type("lobby")
    page.keyboard.press("Enter")
    part(chat.bob, "room").filter(has_text="lobby").wait_for(timeout=WAIT_MS)


# --- The log follows new lines only at the bottom -----------------------------------

LOG_JS = """(i) => { const log = window.__chatlesson.part(window.__chatlesson.panels()[i], 'log');
    return {top: log.scrollTop, bottom: log.scrollHeight - log.scrollTop - log.clientHeight}; }"""


@pytest.mark.timeout(300)
def test_the_log_follows_new_lines_only_while_at_the_bottom(chat):
    page = chat.page
    page.set_viewport_size({"width": 1366, "height": 900})
    chat.bob.scroll_into_view_if_needed()
    install(page)
    for number in range(40):
        chat.carol.send(f"filler line {number}, enough of them to scroll")
    chat.heard("filler line 39,")
    next_frame(page)
    assert page.evaluate(LOG_JS, 1)["bottom"] <= 2, "a new line did not scroll into view"
    marker = part(chat.bob, "new-messages")
    assert not marker.is_visible()

    # Scrolled up to read: a new line neither moves the text nor hides itself.
    part(chat.bob, "log").hover()
    page.mouse.wheel(0, -600)
    page.wait_for_function(f"() => ({LOG_JS})(1).bottom > 100", timeout=WAIT_MS)
    next_frame(page)
    reading = page.evaluate(LOG_JS, 1)
    chat.carol.send("a line that arrives while bob reads")
    chat.heard("a line that arrives while bob reads")
    next_frame(page)
    assert abs(page.evaluate(LOG_JS, 1)["top"] - reading["top"]) <= 1, "the log jumped while bob read"
    marker.wait_for(state="visible", timeout=WAIT_MS)
    assert part(chat.ada, "new-messages").is_hidden(), "ada is at the bottom: no marker for her"

    # The marker brings bob back to the bottom, and the log follows again.
    marker.click()
    marker.wait_for(state="hidden", timeout=WAIT_MS)
    assert page.evaluate(LOG_JS, 1)["bottom"] <= 2
    chat.carol.send("and the log follows again")
    chat.heard("and the log follows again")
    next_frame(page)
    assert page.evaluate(LOG_JS, 1)["bottom"] <= 2


# --- Time, sender colour and mentions on each line ------------------------------------

LINES_JS = """(i) => Array.from(window.__chatlesson.lines(window.__chatlesson.panels()[i])).map(line => ({
    text: line.textContent,
    time: (line.querySelector('.chatlesson-time, [data-part=time]') || {}).textContent || '',
    sender: (line.querySelector('.chatlesson-sender, [data-part=sender]') || {}).className || '',
    mention: line.classList.contains('chatlesson-mention')}))"""


@pytest.mark.timeout(300)
def test_each_line_has_a_time_a_sender_colour_and_mentions_stand_out(chat):
    page = chat.page
    install(page)
    chat.carol.send("bob, a question for you")
    chat.carol.send("nothing for anyone in particular")
    chat.heard("nothing for anyone in particular")
    for index, nick in ((0, "ada"), (1, "bob")):
        lines = page.evaluate(LINES_JS, index)
        assert all(re.search(r"\d", line["time"]) for line in lines), "a line without its time"
        question = next(line for line in lines if "a question for you" in line["text"])
        other = next(line for line in lines if "nothing for anyone" in line["text"])
        assert question["mention"] == (nick == "bob") and not other["mention"]
        colours = re.findall(r"chatlesson-c\d", question["sender"])
        assert len(colours) == 1 and colours == re.findall(r"chatlesson-c\d", other["sender"])
        if index == 0:
            carol_colour = colours
        else:
            assert colours == carol_colour, "carol has another colour in bob's panel"


# --- Accessibility: axe-core on the panels ------------------------------------------

def fill_with_every_kind_of_line(chat) -> None:
    """Chat from several senders, an action, a private message, a mention, notices, an error."""
    address = ("127.0.0.1", chat.port)
    with ChatClient(address, "dave") as dave, ChatClient(address, "erin") as erin:
        chat.heard("erin")
        dave.send("hello everyone")
        erin.send("/me waves at ada")
        chat.carol.send("ada, did you see this? a mention")
        erin.send("/msg ada just between us")
    chat.heard("a mention")
    wait_in_log(chat.page, 0, "just between us")
    field = part(chat.ada, "input")
    field.fill("/nosuchcommand")
    field.press("Enter")
    part(chat.bob, "input").fill("a line of bob's own")
    part(chat.bob, "input").press("Enter")
    chat.heard("a line of bob's own")
    wait_in_log(chat.page, 0, "nosuchcommand")


@pytest.mark.timeout(300)
def test_axe_finds_no_serious_problem_in_light_and_dark_themes(chat, shown):
    from axe_playwright_python.sync_playwright import Axe

    page = chat.page
    page.set_viewport_size({"width": 1366, "height": 900})
    fill_with_every_kind_of_line(chat)
    found = {}
    try:
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            set_theme(page, theme)
            chat.ada.scroll_into_view_if_needed()
            next_frame(page)
            name = "panel-" + theme.split()[-1].lower() + ".png"
            shown(theme, screenshot(chat, name))
            results = Axe().run(page, context={"include": [[".chatlesson-panel"]]})
            found[theme] = [f"{v['id']} ({v['impact']}): {v['help']}; "
                            + "; ".join(" ".join(node["target"]) + " " + node.get("failureSummary", "")
                                        for node in v["nodes"][:3])
                            for v in results.response["violations"] if v["impact"] in SERIOUS]
    finally:
        set_theme(page, "JupyterLab Light")
    assert found == {"JupyterLab Light": [], "JupyterLab Dark": []}


# --- Lesson 07 itself, up to its Stop button -----------------------------------------

# Resolves with the milliseconds from the Send click in panel 0 to `text`
# showing in panel 1's log, watched by a MutationObserver (no polling).
MEASURE_JS = """
([text]) => new Promise((resolve, reject) => {
    const P = window.__chatlesson;
    const log = P.part(P.panels()[1], 'log');
    const send = P.part(P.panels()[0], 'send');
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
        if (output.querySelector('.jupyter-widgets, .chatlesson-panel')) return 'a widget';
        return (output.getAttribute('data-mime-type') || '') + ': ' + output.textContent;
    }) : [];
})
"""


@pytest.fixture
def lesson_lab(tmp_path, playwright_api):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copy(REPO / "notebooks" / LESSON, folder / LESSON)
    server = JupyterLab(folder, tmp_path / "lab")
    try:
        assert server.delete_sessions() == 0
        yield server
    finally:
        server.stop()


@pytest.mark.timeout(300)
def test_lesson_07_chat_in_jupyterlab(lesson_lab, browser, shown):
    started = time.monotonic()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        measured = drive_the_lesson(page, lesson_lab, dialogs, shown)
    except BaseException:
        page.screenshot(path=str(OUTPUT / "failure.png"))
        (OUTPUT / "jupyterlab.log").write_text(lesson_lab.log())
        raise
    finally:
        page.close()

    assert lesson_lab.delete_sessions() == 1, "the lesson's kernel session should still have been there"
    assert lesson_lab.kernels() == []
    measured["test_seconds"] = round(time.monotonic() - started, 1)
    (OUTPUT / "timings.json").write_text(json.dumps(measured, indent=2) + "\n")
    print(f"\nSend click to the other panel: median {measured['median_ms']} ms, "
          f"max {measured['max_ms']} ms over {len(measured['delays_ms'])} lines; "
          f"whole browser test {measured['test_seconds']} s")


def drive_the_lesson(page, lab, dialogs, shown) -> dict:
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
        assert nick in part(panel, "status").text_content()
    wait_in_log(page, 1, "Hello bob! This line was sent by code.")

    # Type in ada's panel, click Send, and time the line until it shows in bob's.
    ada_input = part(ada, "input")
    delays = []
    install(page)
    for number in range(1, 6):
        text = f"browser line {number}"
        ada_input.fill(text)
        delays.append(round(page.evaluate(MEASURE_JS, [text]), 1))
        assert ada_input.input_value() == ""

    # Markup is shown as text: typed with Enter this time.
    for text in XSS[:3]:
        ada_input.fill(text)
        ada_input.press("Enter")
        wait_in_log(page, 1, text)
    # A later line from a terminal-style client proves the earlier ones had time to act.
    with ChatClient(("127.0.0.1", port), "carol") as carol:
        wait_in_log(page, 1, "carol")
        carol.send("hello from a terminal client")
        wait_in_log(page, 0, "hello from a terminal client")
        part(bob, "input").fill("hi carol")
        part(bob, "send").click()
        seen = [carol.messages.get(timeout=10).raw for _ in range(2)]
        assert "bob: hi carol" in seen
    for text in XSS[:3]:
        assert text in panel_js(page, "P.logText(1)")
    assert page.locator(".chatlesson-panel :is(img, script)").count() == 0
    assert page.evaluate("() => window.__chatlessonXss") == 0
    assert dialogs == []

    # Switching rooms with the mouse: bob types a room and presses Join.
    part(bob, "room box").fill("games")
    part(bob, "join").click()
    part(bob, "room").filter(has_text="games").wait_for(timeout=WAIT_MS)
    wait_in_log(page, 0, "bob left")
    assert "bob" not in part(ada, "members").inner_text()

    assert page.evaluate(CELL_OUTPUTS_JS) == outputs_before, "chatting put output in a cell"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    side_by_side.screenshot(path=str(SCREENSHOTS / "lesson-07-panels.png"))
    shown("lesson 07", SCREENSHOTS / "lesson-07-panels.png")
    log_before_stop = [panel_js(page, "P.logText(arg)", index) for index in (0, 1)]

    # The Stop button stops the server; the panels stay, disabled, with their logs.
    page.locator(".chatlesson-lesson-stop").click()
    page.locator(".chatlesson-lesson-stop-report",
                 has_text="server running: False; chat threads still running: []").wait_for(
        timeout=WAIT_MS)
    wait_idle(page)
    assert panels.count() == 2
    for index, panel in enumerate((ada, bob)):
        for name in ("input", "send", "room box", "join"):
            part(panel, name).wait_for(timeout=WAIT_MS)
            assert part(panel, name).is_disabled(), f"panel {index}: {name} still enabled after Stop"
        assert log_before_stop[index] in panel_js(page, "P.logText(arg)", index)
    side_by_side.screenshot(path=str(SCREENSHOTS / "lesson-07-stopped.png"))
    shown("lesson 07 after Stop", SCREENSHOTS / "lesson-07-stopped.png")
    return {"delays_ms": delays, "median_ms": statistics.median(delays), "max_ms": max(delays)}
