#!/usr/bin/env python3
"""The chat panel under load, in a real JupyterLab and Chromium: numbers, never a pass/fail.

Opens the browser tests' harness notebook (a ``ChatServer`` with flood
control off and ``HBox([ada, bob])``), then measures, in the browser:

1. typing: keys at 0 ms spacing then Enter, ``--typed`` times (100): how many
   lines reach another client exactly as typed;
2. latency: ``--clients`` clients (30) each send a line a second for
   ``--seconds`` (20); the time from ``sendall`` to the line showing in bob's
   panel (a MutationObserver notes it; both clocks are this machine's wall
   clock), p50/p99/max (goal: p99 < 50 ms);
3. bursts: ``--burst`` lines (300) sent at once, three times: from the first
   send to the last line shown (goal: 0.5 s);
4. a long log: ``--long`` lines (10,000), then the DOM size of the panel and
   the time between frames while its log scrolls (bounded DOM, smooth scrolling).

    .venv/bin/python benchmarks/panel/run.py            # about a minute and a half
    .venv/bin/python benchmarks/panel/run.py --quick    # a smoke run, about 30 s

Prints a table and writes ``test-output/benchmarks/panel.json``. The load
generator, JupyterLab, its kernel and Chromium share this machine's cores, so
the numbers are upper bounds for a student's laptop talking to a local kernel.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))

from browser.harness import open_harness, write_notebook  # noqa: E402
from browser.jupyterlab import CHROMIUM, CHROMIUM_ARGS, JupyterLab  # noqa: E402
from browser.panelpage import (  # noqa: E402
    install,
    panel_js,
    part,
    scroll_frames,
    seen_lines,
    wait_in_log,
    watch_lines,
)
from chatlesson import ChatClient  # noqa: E402

OUT = REPO / "test-output" / "benchmarks"
WAIT_S = 120.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def summary(values: list[float]) -> dict:
    if not values:
        return {"count": 0}
    return {"count": len(values), "p50": round(statistics.median(values), 1),
            "p99": round(percentile(values, 0.99), 1), "max": round(max(values), 1)}


def quiet_client(port: int, nick: str) -> ChatClient:
    """A client that throws away what it receives (nobody reads its queue)."""
    return ChatClient(("127.0.0.1", port), nick, on_message=lambda message: None)


def wait_seen(page, names: set[str], timeout: float = WAIT_S) -> dict[str, float]:
    """Wait (polling the page every 50 ms, under a deadline) until all ``names`` showed."""
    deadline = time.monotonic() + timeout
    while True:
        seen = seen_lines(page)
        if names <= seen.keys() or time.monotonic() > deadline:
            return seen
        page.wait_for_timeout(50)


# --- 1. Typing -------------------------------------------------------------------

def typing(page, session, carol: ChatClient, count: int) -> dict:
    field = part(session.ada, "input")
    field.click()
    exact, wrong = 0, []
    for number in range(count):
        text = f"typed at full speed, line {number}: the quick brown fox jumps over the lazy dog"
        field.press_sequentially(text, delay=0)
        field.press("Enter")
        while True:
            message = carol.messages.get(timeout=WAIT_S)
            if message.kind == "chat" and message.nick == "ada":
                break
        if message.raw == f"ada: {text}":
            exact += 1
        else:
            wrong.append(message.raw)
    return {"typed": count, "exact": exact, "wrong": wrong[:5]}


# --- 2. Latency under a steady load -------------------------------------------------

def latency(page, session, clients: int, seconds: float) -> dict:
    watch_lines(page, 1, r"lat (\d+-\d+)")
    members = [quiet_client(session.port, f"load{n:02d}") for n in range(clients)]
    try:
        wait_in_log(page, 1, f"load{clients - 1:02d}")
        sent: dict[str, float] = {}
        # One line a second per client, the clients spread evenly over each second.
        schedule = sorted((second + n / clients, n, second)
                          for second in range(int(seconds)) for n in range(clients))
        start = time.monotonic()
        for at, n, second in schedule:
            pause = start + at - time.monotonic()
            if pause > 0:
                time.sleep(pause)  # a load generator keeping its schedule
            name = f"{n}-{second}"
            sent[name] = time.time() * 1000
            members[n].send(f"lat {name} from load{n:02d}")
        seen = wait_seen(page, set(sent))
    finally:
        for member in members:
            member.close()
    delays = [seen[name] - sent[name] for name in sent if name in seen]
    return {"clients": clients, "seconds": seconds, "lines": len(sent),
            "missing": len(sent) - len(delays), "ms": summary(delays)}


# --- 3. Bursts ------------------------------------------------------------------------

def bursts(page, session, size: int, repeat: int = 3) -> dict:
    times, missing = [], []
    with quiet_client(session.port, "burster") as burster:
        wait_in_log(page, 1, "burster")
        for round_ in range(repeat):
            watch_lines(page, 1, rf"burst {round_}-(\d+) ")
            names = {str(n) for n in range(size)}
            first = time.time() * 1000
            for n in range(size):
                burster.send(f"burst {round_}-{n} of {size}, one of many lines sent at once")
            seen = wait_seen(page, names)
            missing.append(len(names - seen.keys()))
            if seen:
                times.append(max(seen.values()) - first)
    return {"lines": size, "rounds": repeat, "ms_to_last_line": [round(t, 1) for t in times],
            "missing": missing}


# --- 4. A long log ----------------------------------------------------------------------

def long_log(page, session, count: int, chunk: int = 1000) -> dict:
    """Fill bob's log with ``count`` lines, ``chunk`` at a time (each chunk shown before the
    next is sent, so no reader falls behind far enough to be cut off), then scroll it."""
    before = scroll_frames(page, 1, frames=120)
    before["lines"] = panel_js(page, "P.lineCount(1)")
    watch_lines(page, 1, r"long (\d+):")
    started = time.time() * 1000
    with quiet_client(session.port, "talker") as talker:
        wait_in_log(page, 1, "talker")
        for first in range(0, count, chunk):
            last = min(count, first + chunk) - 1
            for n in range(first, last + 1):
                talker.send(f"long {n}: a line of an ordinary length, about as long as people write")
            seen = wait_seen(page, {str(last)})
    filled_ms = time.time() * 1000 - started
    dom = panel_js(page, "({nodes: P.panels()[1].querySelectorAll('*').length, "
                         "lines: P.lineCount(1)})")
    after = scroll_frames(page, 1, frames=240)
    after["lines"] = dom["lines"]
    frame_stats = {}
    for label, result in ((f"log before ({before['lines']} lines)", before),
                          (f"log after {count} more", after)):
        gaps = result["gaps"]
        frame_stats[label] = {**summary(gaps), "over_50ms": sum(gap > 50 for gap in gaps),
                              "scroll_height_px": result["scrollHeight"]}
    return {"lines_sent": count, "missing": count - len(seen), "fill_seconds": round(filled_ms / 1000, 1),
            "lines_per_second": round(count / (filled_ms / 1000)),
            "panel_dom_nodes": dom["nodes"], "lines_in_dom": dom["lines"],
            "frame_ms": frame_stats}


# --- Driver ------------------------------------------------------------------------------

def machine() -> dict:
    version = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True).stdout
    return {"python": platform.python_version(), "system": platform.platform(),
            "cpus": os.cpu_count(), "chromium": version.strip(),
            "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None}


def run(args) -> dict:
    from playwright.sync_api import sync_playwright

    results = {"machine": machine()}
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        folder = scratch / "notebooks"
        folder.mkdir()
        write_notebook(folder)
        lab = JupyterLab(folder, scratch / "lab")
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1366, "height": 900})
                session = open_harness(page, lab)
                install(page)
                session.ada.scroll_into_view_if_needed()
                with ChatClient(("127.0.0.1", session.port), "carol") as carol:
                    wait_in_log(page, 1, "carol")
                    for name, step in (("typing", lambda: typing(page, session, carol, args.typed)),
                                       ("latency", lambda: latency(page, session, args.clients,
                                                                   args.seconds)),
                                       ("bursts", lambda: bursts(page, session, args.burst)),
                                       ("long_log", lambda: long_log(page, session, args.long))):
                        print(f"... {name}", flush=True)
                        results[name] = step()
                browser.close()
            jupyterlab_log = lab.log_path.read_text(errors="replace")
            results["jupyterlab_dropped_messages"] = "IOPub message rate exceeded" in jupyterlab_log
        finally:
            lab.stop()
    return results


def report(results: dict) -> None:
    typed, lat, burst, long = (results[k] for k in ("typing", "latency", "bursts", "long_log"))
    print(f"\nChat panel in JupyterLab + Chromium ({results['machine']['chromium']}, "
          f"{results['machine']['cpus']} CPUs, load average {results['machine']['load_average']} "
          f"at the start, {results['machine'].get('load_average_end')} at the end)")
    print(f"  typing, keys at 0 ms then Enter: {typed['exact']}/{typed['typed']} lines exactly as typed")
    ms = lat["ms"]
    print(f"  {lat['clients']} clients x 1 line/s for {lat['seconds']:g} s ({lat['lines']} lines, "
          f"{lat['missing']} missing): send -> shown p50 {ms.get('p50')} ms, p99 {ms.get('p99')} ms, "
          f"max {ms.get('max')} ms  (goal p99 < 50 ms)")
    print(f"  burst of {burst['lines']} lines, first send -> last shown: {burst['ms_to_last_line']} ms "
          f"(missing {burst['missing']})  (goal 500 ms)")
    print(f"  {long['lines_sent']} lines, in chunks of 1000: shown in {long['fill_seconds']} s "
          f"({long['lines_per_second']} lines/s, {long['missing']} missing); panel DOM "
          f"{long['panel_dom_nodes']} nodes, {long['lines_in_dom']} lines in the DOM")
    for label, frames in long["frame_ms"].items():
        print(f"  scrolling the {label}, {frames['scroll_height_px']} px: frame p50 {frames.get('p50')} ms, "
              f"p99 {frames.get('p99')} ms, max {frames.get('max')} ms, "
              f"{frames['over_50ms']} of {frames['count']} frames over 50 ms")
    dropped = results["jupyterlab_dropped_messages"]
    print(f"  JupyterLab dropped kernel messages (IOPub rate limit): {dropped}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small numbers, a smoke run")
    parser.add_argument("--typed", type=int, default=100)
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--burst", type=int, default=300)
    parser.add_argument("--long", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if args.quick:
        args.typed, args.clients, args.seconds, args.long = 10, 10, 3, 1000
    results = run(args)
    if hasattr(os, "getloadavg"):
        results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    results["args"] = {k: str(v) for k, v in vars(args).items()}
    report(results)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "panel.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"  written: {path}")


if __name__ == "__main__":
    main()
