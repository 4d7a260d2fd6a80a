"""``check_server(host, port)``: the suite's results as a table in a notebook."""

from __future__ import annotations

import ssl
import sys

from .registry import LEVELS
from .run import RUN_BUDGET, STEP_TIMEOUT
from .runner import run_checks


def check_server(host: str = "127.0.0.1", port: int = 11826, level: str = "all", *,
                 step_timeout: float = STEP_TIMEOUT, budget: float = RUN_BUDGET,
                 tag: str | None = None, tls: bool | ssl.SSLContext = False,
                 fingerprint: str | None = None):
    """Check the server at ``host:port`` and show a table of the results; returns the Report.

    The table is HTML in JupyterLab, with the same results as plain text beside it, without
    the port or timings. Give a ``tag`` (say ``"x"``) for the same words every run: the
    checker's nicknames are ``ada<tag><n>``, with a random tag by default. ``tls`` and
    ``fingerprint`` as for ``run_checks``.
    """
    levels = LEVELS if level == "all" else (level,)
    report = run_checks(host, port, levels, step_timeout=step_timeout, budget=budget, tag=tag,
                        tls=tls, fingerprint=fingerprint)
    ipython = sys.modules.get("IPython")
    if ipython is not None and ipython.get_ipython() is not None:
        from IPython.display import display

        display({"text/plain": report.to_text(timing=False), "text/html": report.to_html()},
                raw=True)
    else:
        print(report.to_text(timing=False))
    return report
