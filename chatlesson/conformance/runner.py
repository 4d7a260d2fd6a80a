"""Run the chosen levels against a server, one check at a time, never past the budget."""

from __future__ import annotations

import ssl
import time

from .probe import CheckFailed, OutOfTime
from .registry import LEVELS, checks_of
from .report import Report, Result
from .run import RUN_BUDGET, STEP_TIMEOUT, Run

DEAF_HINT = ("Earlier in this run the server greeted newcomers, and now it does not: its accept "
             "loop probably ended with an exception (look for a traceback in its output: e.g. "
             "send() to a client that has left raises BrokenPipeError) or waits for something. "
             "Catch errors about one client so that they end that client only.")


def run_checks(host: str, port: int, levels=LEVELS, *, step_timeout: float = STEP_TIMEOUT,
               budget: float = RUN_BUDGET, on_result=None, tag: str | None = None,
               tls: bool | ssl.SSLContext = False, fingerprint: str | None = None) -> Report:
    """Check the server at ``host:port``; ``on_result(result)`` is called after each check.

    The checker's nicknames end with a random ``tag`` unless one is given (a notebook that
    stores its output gives one, so that a failure reads the same every run). ``tls`` (True, or
    a context) and ``fingerprint`` (the SHA-256 on a class's join card) speak TLS, as
    ``ChatClient`` does.
    """
    levels = tuple(level for level in LEVELS if level in levels)
    started = time.monotonic()
    run = Run(host, port, step_timeout=step_timeout, budget=budget, tag=tag, tls=tls,
              fingerprint=fingerprint)
    results: list[Result] = []
    status_of: dict[str, str] = {}
    for item in checks_of(levels):
        found = _run_one(run, item, status_of)
        status_of[item.name] = found[0].status
        for result in found:
            results.append(result)
            if on_result is not None:
                on_result(result)
    return Report(f"{host}:{port}", levels, results, seconds=time.monotonic() - started,
                  opened=run.opened, closed=run.closed)


def _run_one(run: Run, item, status_of: dict[str, str]) -> list[Result]:
    """The check's result, followed by a ``still_serving`` failure if the server died meanwhile."""
    result = Result(item.level, item.name, item.title, "skipped")
    blocked = [name for name in item.needs if status_of.get(name, "passed") != "passed"]
    if blocked:
        result.problem = f"not run: it needs the check {blocked[0]!r}, which did not pass"
        return [result]
    if run.unreachable:
        result.problem = "not run: the server refused the connection"
        return [result]
    if run.stopped:
        result.problem = f"not run: {run.stopped}"
        return [result]
    if run.deaf:
        result.problem = "not run: the server no longer greets new clients"
        return [result]
    if time.monotonic() >= run.ends_at:
        result.problem = "not run: the run's time budget was used up"
        return [result]
    started = time.monotonic()
    try:
        item.run(run)
        result.status = "passed"
    except CheckFailed as failed:
        result.status = "failed"
        result.problem = failed.problem
        result.sent, result.expected, result.arrived = failed.sent, failed.expected, failed.arrived
        result.hint = failed.hint or None
    except OutOfTime:
        result.problem = "stopped: the run's time budget was used up"
    except Exception as exc:  # a bug of the checker's must not hide the other results
        result.status = "error"
        result.problem = f"the checker failed: {type(exc).__name__}: {exc}"
    finally:
        run.close_all(run.probes, failed=result.status != "passed")
    result.seconds = time.monotonic() - started
    if result.status == "failed" and run.greeted_once and not (run.unreachable or run.stopped):
        diagnosis = _still_serving(run, item.level)
        if diagnosis is not None:
            return [result, diagnosis]
    return [result]


def _still_serving(run: Run, level: str) -> Result | None:
    """After a failure: does the server still greet a newcomer? A failure result if not.

    A server whose accept loop died (or is stuck) fails every later check in ways that hide
    the cause; saying it once, and skipping the rest, is what a student can act on.
    """
    result = Result(level, "still_serving", "after the check above, a newcomer is still greeted",
                    "failed", expected="'Hii\\n'")
    try:
        newcomer = run.connect("newcomer")
        newcomer.starts_with(b"Hii", "'Hii\\n'")
        return None
    except OutOfTime:
        return None
    except CheckFailed as failed:
        if run.unreachable:
            result.problem = "a new connection was refused: the server has stopped"
            result.hint = failed.hint
        else:
            run.deaf = True
            result.problem = "a new client got no Hii: the server's accept loop has stopped or is stuck"
            result.hint = DEAF_HINT
        result.arrived = failed.arrived
        return result
    finally:
        run.close_all(run.probes, failed=True)
