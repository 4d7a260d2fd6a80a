#!/usr/bin/env python3
"""Run every engine side by side and print, save and plot the results.

    python benchmarks/run.py --quick                       # a tiny run, seconds
    python benchmarks/run.py                               # N = 10,100,1000 x W = 1,64,256
    python benchmarks/run.py --clients 100 --windows 1,64,256 --duration 3 --out results

Writes ``<out>/results.json`` (the machine described, every point) and ``<out>/results.png``
(deliveries per second and p99 latency per engine). Ratios are to ``selectors-ref``.
Engines that cannot run here (the event-loop server before it exists) are skipped with a reason.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

import psutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loadgen import LoadError, run

from servers import ENGINES, unavailable

REFERENCE = "selectors-ref"


def machine() -> dict:
    return {
        "cpu": platform.processor() or platform.machine(),
        "cores_logical": psutil.cpu_count(),
        "cores_physical": psutil.cpu_count(logical=False),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "load_average": list(psutil.getloadavg()),
        "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }


def ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",")]


def table(rows: list[dict]) -> str:
    ref = {(r["clients"], r["window"]): r for r in rows if r["engine"] == REFERENCE and "error" not in r}
    head = (f"{'engine':15} {'N':>5} {'W':>4} {'deliv/s':>9} {'x ref':>6} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'srv us/dl':>9} {'KiB/cli':>8} {'join s':>7} {'gen cpu':>7}")
    out = [head, "-" * len(head)]
    for r in rows:
        if "error" in r:
            out.append(f"{r['engine']:15} {r['clients']:>5} {r['window']:>4} ERROR {r['error']}")
            continue
        base = ref.get((r["clients"], r["window"]))
        ratio = f"{r['deliveries_per_s'] / base['deliveries_per_s']:.2f}" if base else "-"
        out.append(f"{r['engine']:15} {r['clients']:>5} {r['window']:>4} {r['deliveries_per_s']:>9.0f} "
                   f"{ratio:>6} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} "
                   f"{r['server_cpu_us_per_delivery']:>9.2f} {r['server_kib_per_client']:>8.1f} "
                   f"{r['join_s']:>7.2f} {r['generator_cpu_share']:>6.0%}")
    out.append("gen cpu: the generator's CPU time / wall time (it shares the machine with the server)")
    return "\n".join(out)


def plot(rows: list[dict], path: str) -> bool:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot", file=sys.stderr)
        return False
    good = [r for r in rows if "error" not in r]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for engine in dict.fromkeys(r["engine"] for r in good):
        mine = [r for r in good if r["engine"] == engine]
        labels = [f"N{r['clients']} W{r['window']}" for r in mine]
        ax1.plot(labels, [r["deliveries_per_s"] for r in mine], marker="o", label=engine)
        ax2.plot(labels, [r["p99_ms"] for r in mine], marker="o", label=engine)
    ax1.set_title("deliveries per second")
    ax2.set_title("p99 latency (ms)")
    ax2.set_yscale("log")
    for ax in (ax1, ax2):
        ax.tick_params(axis="x", rotation=45)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--clients", type=ints, default=[10, 100, 1000])
    parser.add_argument("--windows", type=ints, default=[1, 64, 256])
    parser.add_argument("--line-bytes", type=int, default=64)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds of load per point")
    parser.add_argument("--max-lines", type=int, default=200_000, help="line budget per point")
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--quick", action="store_true", help="N=3,10 W=1,8, 0.3 s: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.clients, args.windows, args.duration, args.max_lines = [3, 10], [1, 8], 0.3, 2000
    engines = []
    for engine in args.engines.split(","):
        reason = unavailable(engine)
        if reason:
            print(f"skipping {engine}: {reason}")
        else:
            engines.append(engine)
    rows = []
    for n in args.clients:
        for w in args.windows:
            for engine in engines:
                try:
                    r = run(engine, n, w, args.line_bytes, args.duration, args.max_lines).as_dict()
                except (LoadError, OSError) as exc:
                    r = {"engine": engine, "clients": n, "window": w, "error": str(exc)}
                rows.append(r)
                print(f"  {engine} N={n} W={w}: {r.get('deliveries_per_s', r.get('error'))}", flush=True)
    print(table(rows))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"machine": machine(), "args": vars(args), "results": rows}, f, indent=1)
    if plot(rows, os.path.join(args.out, "results.png")):
        print(f"plot: {os.path.join(args.out, 'results.png')}")
    print(f"results: {os.path.join(args.out, 'results.json')}")
    return rows


if __name__ == "__main__":
    main()
