"""How a verdict looks: coloured HTML in JupyterLab, the same words as plain text elsewhere.

A check's verdict is a list of text lines (see ``core.Checker``). In a
notebook it is shown as rich output carrying two versions: ``text/html``,
with ✔ and ✘ in colour and what was sent, expected and what arrived in a
small table whose differing part is marked; and ``text/plain``, exactly the
lines, which is what nbval compares and what a terminal shows. Outside
IPython the lines are printed.

Everything shown is escaped: what arrived is whatever the student's code
sent, and must never become markup.
"""

from __future__ import annotations

import sys
from html import escape

#: Lines of the sent/expected/arrived block start with four spaces and one of these labels.
LABELS = ("sent", "expected", "arrived")

GREEN = "var(--jp-success-color1, #2e7d32)"
RED = "var(--jp-error-color1, #c62828)"
MUTED = "var(--jp-ui-font-color2, #616161)"
MONO = "var(--jp-code-font-family, monospace)"
# Translucent, so the marks read on a light and a dark theme alike.
MISSING_MARK = "background: rgba(46, 125, 50, 0.25); border-radius: 2px"
WRONG_MARK = "background: rgba(198, 40, 40, 0.25); border-radius: 2px"
GAP_MARK = f"border-left: 2px solid {RED}; margin: 0 1px"


def _detail(line: str) -> tuple[str, str] | None:
    """``("arrived", "'hi'")`` for the line ``"    arrived:  'hi'"``, else None."""
    if not line.startswith("    "):
        return None
    label, colon, value = line[4:].partition(":")
    if colon and label in LABELS:
        return label, value.lstrip(" ")
    return None


def _split(expected: str, arrived: str) -> tuple[str, str, str, str]:
    """The common start, the differing middles of each, and the common end."""
    start = 0
    while start < min(len(expected), len(arrived)) and expected[start] == arrived[start]:
        start += 1
    end = 0
    while (end < min(len(expected), len(arrived)) - start
           and expected[-1 - end] == arrived[-1 - end]):
        end += 1
    return (expected[:start], expected[start:len(expected) - end],
            arrived[start:len(arrived) - end], expected[len(expected) - end:])


def _marked(start: str, middle: str, end: str, style: str, gap: str) -> str:
    """``start + middle + end`` with the middle marked (an empty one as a thin bar)."""
    mark = (f'<span style="{style}">{escape(middle)}</span>' if middle
            else f'<span style="{GAP_MARK}" title="{gap}"></span>')
    return escape(start) + mark + escape(end)


def _table(details: list[tuple[str, str]]) -> str:
    values = dict(details)
    cells = {label: escape(value) for label, value in details}
    if "expected" in values and "arrived" in values and values["expected"] != values["arrived"]:
        start, missing, wrong, end = _split(values["expected"], values["arrived"])
        cells["expected"] = _marked(start, missing, end, MISSING_MARK, "more arrived here")
        cells["arrived"] = _marked(start, wrong, end, WRONG_MARK, "something is missing here")
    rows = "".join(
        f'<tr><td style="text-align: right; padding: 1px 8px 1px 0; color: {MUTED}; '
        f'vertical-align: top">{label}</td>'
        f'<td style="text-align: left; padding: 1px 0; font-family: {MONO}; '
        f'white-space: pre-wrap; word-break: break-all">{cells[label]}</td></tr>'
        for label, _ in details)
    return f'<table style="margin: 2px 0 2px 24px; border-collapse: collapse">{rows}</table>'


def to_html(lines: list[str]) -> str:
    """The verdict's lines as HTML (the words are the same; only the look changes)."""
    parts = []
    details: list[tuple[str, str]] = []
    for index, line in enumerate(lines):
        detail = _detail(line)
        if detail is not None:
            details.append(detail)
            continue
        if details:
            parts.append(_table(details))
            details = []
        if index == 0:
            parts.append(f"<div><b>{escape(line)}</b></div>")
        elif line.startswith("✔ "):
            parts.append(f'<div><span style="color: {GREEN}; font-weight: bold">✔</span> '
                         f"{escape(line[2:])}</div>")
        elif line.startswith("✘ "):
            parts.append(f'<div><span style="color: {RED}; font-weight: bold">✘</span> '
                         f'<span style="color: {RED}">{escape(line[2:])}</span></div>')
        elif line.startswith("  Hint: "):
            parts.append(f'<div style="margin: 4px 0 2px 24px"><b>Hint:</b> '
                         f"{escape(line[8:])}</div>")
        elif line == "All checks passed. Well done!":
            parts.append(f'<div style="color: {GREEN}; font-weight: bold; margin-top: 4px">'
                         f"{escape(line)}</div>")
        else:
            parts.append(f'<div style="margin-top: 4px"><b>{escape(line)}</b></div>')
    if details:
        parts.append(_table(details))
    return ('<div class="chatlesson-verdict" style="line-height: 1.5">'
            + "".join(parts) + "</div>")


def show(text: str, lines: list[str]) -> None:
    """Display the verdict: rich output under IPython, printed text anywhere else."""
    ipython = sys.modules.get("IPython")
    if ipython is not None and ipython.get_ipython() is not None:
        from IPython.display import display

        display({"text/plain": text, "text/html": to_html(lines)}, raw=True)
    else:
        print(text)
