"""The results of a run, as text (a terminal), JSON (programs) and HTML (a notebook)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from html import escape

from .probe import shown

MARKS = {"passed": "✔", "failed": "✘", "skipped": "-", "error": "!"}

# JupyterLab's theme colours, with fallbacks, as in the exercise checkers' verdicts.
COLOURS = {"passed": "var(--jp-success-color1, #2e7d32)", "failed": "var(--jp-error-color1, #c62828)",
           "skipped": "var(--jp-ui-font-color2, #616161)", "error": "var(--jp-warn-color1, #e65100)"}
MUTED = "var(--jp-ui-font-color2, #616161)"


@dataclass
class Result:
    level: str
    name: str
    title: str
    status: str  # passed, failed, skipped (not run, or stopped by the budget), error (the checker's)
    problem: str | None = None
    sent: bytes | str | None = None
    expected: bytes | str | None = None
    arrived: bytes | str | None = None
    hint: str | None = None
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def evidence(self) -> list[tuple[str, str]]:
        """(label, value) pairs for what was sent, expected and what arrived."""
        if self.status != "failed":
            return []
        return [("sent", _as_text(self.sent) or "nothing yet"),
                ("expected", _as_text(self.expected) or "nothing"),
                ("arrived", shown(self.arrived))]

    def as_dict(self) -> dict:
        data = asdict(self)
        for key in ("sent", "expected", "arrived"):
            value = data[key]
            data[key] = value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else value
        data["seconds"] = round(self.seconds, 3)
        return data


@dataclass
class Report:
    server: str
    levels: tuple[str, ...]
    results: list[Result]
    seconds: float = 0.0
    opened: int = 0   # connections the run opened
    closed: int = 0   # and closed again: always all of them

    @property
    def passed(self) -> bool:
        """True only when every chosen check passed."""
        return bool(self.results) and all(r.passed for r in self.results)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(MARKS, 0)
        for r in self.results:
            counts[r.status] += 1
        return counts

    def summary(self, timing: bool = True) -> str:
        c = self.counts()
        text = f"{c['passed']} of {len(self.results)} checks passed"
        extra = [f"{c[s]} {s}" for s in ("failed", "skipped", "error") if c[s]]
        if extra:
            text += " (" + ", ".join(extra) + ")"
        if timing:
            text += f" in {self.seconds:.1f} s; {self.opened} connections opened, {self.closed} closed"
        return text

    def to_text(self, timing: bool = True) -> str:
        """The report for people; ``timing=False`` leaves out what changes run to run (port, times)."""
        where = f" {self.server}" if timing else ""
        lines = [f"chatlesson-check{where}: levels {', '.join(self.levels)}"]
        level = None
        for r in self.results:
            if r.level != level:
                level = r.level
                lines.append(f"{level}")
            lines.append(f"  {MARKS[r.status]} {r.name}: {r.title}")
            if r.problem:
                lines.append(f"      {r.problem}")
            for label, value in r.evidence():
                lines.append(f"        {label + ':':10}{value}")
            if r.hint:
                lines.append(f"      Hint: {r.hint}")
        lines.append(self.summary(timing))
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps({"server": self.server, "levels": list(self.levels),
                           "passed": self.passed, "counts": self.counts(),
                           "seconds": round(self.seconds, 3), "connections_opened": self.opened,
                           "connections_closed": self.closed,
                           "results": [r.as_dict() for r in self.results]},
                          indent=2, ensure_ascii=False)

    def to_html(self) -> str:
        """A table for JupyterLab; everything the server sent is escaped, never markup."""
        rows = []
        for r in self.results:
            details = "".join(
                f"<div style='margin-left: 1em'><span style='color: {MUTED}'>{label}</span> "
                f"<code style='white-space: pre-wrap; word-break: break-all'>{escape(value)}</code></div>"
                for label, value in r.evidence())
            if r.problem:
                details = f"<div>{escape(r.problem)}</div>" + details
            if r.hint:
                details += f"<div style='margin-top: 2px'><b>Hint:</b> {escape(r.hint)}</div>"
            rows.append(
                f"<tr><td style='text-align: left; vertical-align: top'>{escape(r.level)}</td>"
                f"<td style='text-align: left; vertical-align: top; white-space: nowrap; "
                f"color: {COLOURS[r.status]}; font-weight: bold'>{MARKS[r.status]} {escape(r.status)}</td>"
                f"<td style='text-align: left'><b>{escape(r.name)}</b>: {escape(r.title)}{details}</td></tr>")
        return ("<table class='chatlesson-conformance'>"
                "<tr><th style='text-align: left'>level</th><th style='text-align: left'>result</th>"
                "<th style='text-align: left'>check</th></tr>"
                + "".join(rows) + f"</table><p>{escape(self.summary(timing=False))}</p>")


def _as_text(value: bytes | str | None) -> str | None:
    """What was sent or expected: text as it is, bytes escaped as the report shows them."""
    return shown(value) if isinstance(value, bytes) else value
