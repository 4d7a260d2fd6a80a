#!/usr/bin/env python3
"""Run every engine side by side and print, save and plot the results.

    python benchmarks/run.py --quick                       # a tiny run, seconds
    python benchmarks/run.py                               # N = 10,100,1000 x W = 1,64,256, + 2000 joining
    python benchmarks/run.py --clients 100 --windows 1,64,256 --duration 3 --out results
    python benchmarks/run.py --out benchmarks/stored       # the run lesson 10 plots (committed)

Writes ``<out>/results.json`` (the machine described, how busy it was, every point, the goals
of issue 9), ``<out>/results.png`` (throughput, server CPU per delivery, p99 latency and the
generator's CPU share per engine) and ``<out>/joins.png`` (time for N clients to join, server
memory per client). Ratios are to ``selectors-ref``. Clients join 64 at a time for the grid
(set up, not measured), and both 64 at a time and one after another in the join-only points.
Engines that cannot run here are skipped with a reason; an engine that cannot get N clients
joined in time is not tried at N again.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings

import psutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loadgen import LoadError, run

from servers import ENGINES, unavailable

REFERENCE = "selectors-ref"
THREADED = "threaded"
TARGET = "asyncio+uvloop"  # the engine issue 9's goals are about


def cpu_model() -> str:
    """The processor's name, as the OS tells it (best effort)."""
    if os.path.exists("/proc/cpuinfo"):  # Linux
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine() -> dict:
    return {
        "cpu": cpu_model(),
        "cores_logical": psutil.cpu_count(),
        "cores_physical": psutil.cpu_count(logical=False),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "load_average": [round(x, 2) for x in psutil.getloadavg()],
        "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }


def ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


def table(rows: list[dict]) -> str:
    def key(r: dict) -> tuple:
        return r["clients"], r["window"], r.get("join_parallel", 1), bool(r.get("join_only"))

    ref = {key(r): r for r in rows if r["engine"] == REFERENCE and "error" not in r}
    head = (f"{'engine':15} {'N':>5} {'W':>4} {'deliv/s':>9} {'x ref':>6} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'srv us/dl':>9} {'kernel':>6} {'KiB/cli':>8} {'join s':>7} {'at once':>7} {'gen cpu':>7}")
    out = [head, "-" * len(head)]
    for r in rows:
        if "error" in r:
            out.append(f"{r['engine']:15} {r['clients']:>5} {r['window']:>4} ERROR {r['error']}")
            continue
        base = ref.get(key(r))
        x = f"{r['deliveries_per_s'] / base['deliveries_per_s']:.2f}" if base else "-"
        out.append(f"{r['engine']:15} {r['clients']:>5} {r['window']:>4} {r['deliveries_per_s']:>9.0f} "
                   f"{x:>6} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} "
                   f"{r['server_cpu_us_per_delivery']:>9.2f} {r.get('server_system_share', 0):>6.0%} "
                   f"{r['server_kib_per_client']:>8.1f} "
                   f"{r['join_s']:>7.2f} {r.get('join_parallel', 1):>7} {r['generator_cpu_share']:>6.0%}")
    out.append("srv us/dl: server CPU time per delivery; kernel: its share spent in the kernel; "
               "at once: clients in their handshake at once "
               "while joining; gen cpu: the load generator's CPU time / wall time (it shares the "
               "machine with the server)")
    return "\n".join(out)


def goals(rows: list[dict], target: str = TARGET, clients: int = 100, join_clients: int = 2000) -> dict:
    """Issue 9's goals for ``target``, each with the measured values and whether it is met."""
    def point(engine: str, n: int, w: int) -> dict | None:
        found = [r for r in rows if r["engine"] == engine and r["clients"] == n
                 and r["window"] == w and "error" not in r]
        return found[0] if found else None

    result: dict = {}
    for w in (64, 256):
        me, ref, thr = point(target, clients, w), point(REFERENCE, clients, w), point(THREADED, clients, w)
        if not (me and ref):
            continue
        cpu, ref_cpu = me["server_cpu_us_per_delivery"], ref["server_cpu_us_per_delivery"]
        result[f"cpu_per_delivery_W{w}"] = {
            "us": round(cpu, 3), "reference_us": round(ref_cpu, 3),
            "threaded_us": round(thr["server_cpu_us_per_delivery"], 3) if thr else None,
            "ratio_to_reference": ratio(cpu, ref_cpu), "goal": "at most 0.5 x reference",
            "met": cpu <= 0.5 * ref_cpu}
        need = 1.8 if w == 256 else 1.0
        speed, ref_speed = me["deliveries_per_s"], ref["deliveries_per_s"]
        result[f"throughput_W{w}"] = {
            "deliveries_per_s": round(speed), "reference": round(ref_speed),
            "threaded": round(thr["deliveries_per_s"]) if thr else None,
            "ratio_to_reference": ratio(speed, ref_speed),
            "ratio_to_threaded": ratio(speed, thr["deliveries_per_s"]) if thr else None,
            "generator_cpu_share": round(me["generator_cpu_share"], 2),
            "goal": f"at least {need} x reference", "met": speed >= need * ref_speed}
    me = point(target, clients, 1)
    if me:
        result["p99_W1"] = {"ms": round(me["p99_ms"], 3), "goal": "at most 1 ms", "met": me["p99_ms"] <= 1.0}
    for j in rows:
        if j["engine"] == target and j["clients"] == join_clients and j.get("join_only"):
            how = "sequential" if j.get("join_parallel", 1) == 1 else f"{j['join_parallel']}_at_once"
            if "error" in j:
                result[f"join_{join_clients}_{how}"] = {"error": j["error"], "goal": "all joined "
                                                        "within 10 s, at most 5 KiB each", "met": False}
                continue
            result[f"join_{join_clients}_{how}"] = {
                "seconds": round(j["join_s"], 2), "kib_per_client": round(j["server_kib_per_client"], 2),
                "server_cpu_s": round(j["join_server_cpu_s"], 2),
                "generator_cpu_s": round(j["join_generator_cpu_s"], 2),
                "goal": "all joined within 10 s, at most 5 KiB each",
                "met": j["join_s"] <= 10 and j["server_kib_per_client"] <= 5}
    return result


def goals_text(found: dict) -> str:
    lines = [f"goals of issue 9 for {TARGET}, N=100 (join: N=2000):"]
    for name, g in found.items():
        values = ", ".join(f"{k}={v}" for k, v in g.items() if k not in ("goal", "met"))
        lines.append(f"  {'met ' if g['met'] else 'MISS'} {name}: {values} ({g['goal']})")
    return "\n".join(lines)


def plot(rows: list[dict], out: str) -> list[str]:
    """Draw results.png (the grid) and joins.png; returns the files written."""
    with warnings.catch_warnings():
        # A tiny run has one point per line: matplotlib warns that it widens flat axes.
        warnings.simplefilter("ignore", UserWarning)
        return _plot(rows, out)


def _plot(rows: list[dict], out: str) -> list[str]:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot", file=sys.stderr)
        return []
    good = [r for r in rows if "error" not in r and not r.get("join_only")]
    engines = list(dict.fromkeys(r["engine"] for r in rows))
    labels = list(dict.fromkeys(f"N{r['clients']} W{r['window']}" for r in good))
    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    panels = [("deliveries_per_s", "deliveries per second", "linear"),
              ("server_cpu_us_per_delivery", "server CPU per delivery (µs)", "log"),
              ("p99_ms", "p99 latency (ms)", "log"),
              ("generator_cpu_share", "load generator's CPU (share of one core)", "linear")]
    for ax, (key, title, scale) in zip(axes.flat, panels, strict=False):
        if not any(r[key] > 0 for r in good):
            scale = "linear"  # a tiny run: CPU time below the OS's resolution reads as 0
        for engine in engines:
            mine = {f"N{r['clients']} W{r['window']}": r[key] for r in good if r["engine"] == engine}
            ax.plot(range(len(labels)), [mine.get(label, float("nan")) for label in labels],
                    marker="o", label=engine)
        ax.set_title(title)
        ax.set_yscale(scale)
        ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
        ax.grid(alpha=0.3)
    axes.flat[0].legend()
    fig.tight_layout()
    written = [os.path.join(out, "results.png")]
    fig.savefig(written[0])
    plt.close(fig)

    joined = [r for r in rows if "error" not in r and r["join_s"] > 0]
    if joined:
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
        for engine in engines:
            for parallel in sorted({r.get("join_parallel", 1) for r in joined}):
                by_n = {r["clients"]: r for r in joined  # the last one per N
                        if r["engine"] == engine and r.get("join_parallel", 1) == parallel}
                ns = sorted(by_n)
                if ns:
                    label = f"{engine}, {'one at a time' if parallel == 1 else f'{parallel} at once'}"
                    style = {"linestyle": "--" if parallel == 1 else "-", "marker": "o",
                             "color": f"C{engines.index(engine)}", "label": label}
                    ax1.plot(ns, [by_n[n]["join_s"] for n in ns], **style)
                    ax2.plot(ns, [by_n[n]["server_kib_per_client"] for n in ns], **style)
        ax1.set_title("time for N clients to join (s)")
        ax1.set_yscale("log")
        ax2.set_title("server memory per client (KiB)")
        for ax in (ax1, ax2):
            ax.set_xscale("log")
            ax.set_xlabel("clients N")
            ax.grid(alpha=0.3)
            ax.legend(fontsize="small")
        fig.tight_layout()
        written.append(os.path.join(out, "joins.png"))
        fig.savefig(written[-1])
        plt.close(fig)
    return written


def measure(engine: str, n: int, w: int, args: argparse.Namespace, duration: float,
            max_lines: int, join_parallel: int, join_timeout: float | None = None) -> dict:
    try:
        return run(engine, n, w, args.line_bytes, duration, max_lines,
                   join_timeout=join_timeout or args.join_timeout, join_parallel=join_parallel,
                   read_while_joining=args.read_while_joining).as_dict()
    except (LoadError, OSError) as exc:
        return {"engine": engine, "clients": n, "window": w, "join_parallel": join_parallel,
                "error": str(exc)}


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--clients", type=ints, default=[10, 100, 1000])
    parser.add_argument("--windows", type=ints, default=[1, 64, 256])
    parser.add_argument("--join-clients", type=ints, default=[2000],
                        help="N for extra join-only points (event-loop engines and the reference)")
    parser.add_argument("--join-parallel", type=ints, default=[64, 1],
                        help="handshakes at once in the join-only points (1: one after another)")
    parser.add_argument("--read-while-joining", action="store_true",
                        help="the generator reads every member's join notices while others join "
                             "(then N=2000 joining measures mostly the generator)")
    parser.add_argument("--grid-join-parallel", type=int, default=64,
                        help="handshakes at once while the clients of a grid point join")
    parser.add_argument("--line-bytes", type=int, default=64)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds of load per point")
    parser.add_argument("--max-lines", type=int, default=200_000, help="line budget per point")
    parser.add_argument("--join-timeout", type=float, default=60.0,
                        help="seconds all N clients may take to join")
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--quick", action="store_true", help="N=3,10 W=1,8, 0.3 s: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.clients, args.windows, args.duration, args.max_lines = [3, 10], [1, 8], 0.3, 2000
        args.join_clients = []
    engines = []
    for engine in args.engines.split(","):
        reason = unavailable(engine)
        if reason:
            print(f"skipping {engine}: {reason}")
        else:
            engines.append(engine)
    described = machine()
    psutil.cpu_percent()  # starts the count: the busy share of every core until the end
    started = time.perf_counter()
    rows: list[dict] = []
    could_not_join: set[tuple[str, int]] = set()
    for n in args.clients:
        for w in args.windows:
            for engine in engines:
                if (engine, n) in could_not_join:
                    r = {"engine": engine, "clients": n, "window": w,
                         "error": f"not tried: {n} clients did not all join at a smaller window"}
                else:
                    r = measure(engine, n, w, args, args.duration, args.max_lines,
                                args.grid_join_parallel)
                    if "joined within" in r.get("error", "") or "join phase" in r.get("error", ""):
                        could_not_join.add((engine, n))
                rows.append(r)
                print(f"  {engine} N={n} W={w}: {r.get('deliveries_per_s', r.get('error'))}", flush=True)
    # Joins alone, for the event-loop engines and the reference; one after another (minutes
    # for N=2000) only for the engine the goals are about and the reference.
    joining = [e for e in engines if e.startswith("asyncio") or e == REFERENCE]
    for n in args.join_clients:
        for parallel in args.join_parallel:
            for engine in joining:
                if parallel == 1 and engine not in (TARGET, REFERENCE):
                    continue
                r = measure(engine, n, 1, args, min(args.duration, 1.0), 200, parallel,
                            join_timeout=max(args.join_timeout, 150.0))
                r["join_only"] = True
                rows.append(r)
                print(f"  {engine} N={n}, {parallel} at once: joined in "
                      f"{r.get('join_s', r.get('error'))} s", flush=True)
    described["load_average_after"] = [round(x, 2) for x in psutil.getloadavg()]
    described["busy_share_during_run"] = round(psutil.cpu_percent() / 100, 2)
    described["run_seconds"] = round(time.perf_counter() - started, 1)
    found = goals(rows)
    print(table(rows))
    print(goals_text(found))
    print(f"machine: {described['cpu']}, {described['cores_logical']} cores; load average "
          f"{described['load_average']} before, {described['load_average_after']} after; "
          f"all cores {described['busy_share_during_run']:.0%} busy during the run")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"machine": described, "args": vars(args), "goals": found, "results": rows}, f, indent=1)
    for path in plot(rows, args.out):
        print(f"plot: {path}")
    print(f"results: {os.path.join(args.out, 'results.json')}")
    return rows


if __name__ == "__main__":
    main()
