"""``replay --report FILE.html``: a self-contained picture of each run.

Per stream the page draws when records arrived, how the buffer filled, and
when and why (size, interval, flush) each object was delivered, then lists the
objects and the checks. The page contains inline CSS and SVG only: no script, no
font, nothing fetched from a network.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from emulator.buffers import MIB
from emulator.scenario.render import format_time, outcome
from emulator.scenario.runner import ScenarioResult

__all__ = ["render_report", "write_report"]

WIDTH, HEIGHT, MARGIN = 880, 220, 48
REASON_COLOURS = {"size": "#c0392b", "interval": "#2471a3", "flush": "#7d3c98"}
STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:22px}h2{font-size:18px;margin-top:32px}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
td.n{text-align:right}code{font-size:12px}.passed{color:#1e8449}.failed,.error{color:#c0392b}
svg{background:#fafafa;border:1px solid #ddd}.legend span{margin-right:16px}
"""


def _e(value: Any) -> str:
    return html.escape(str(value))


def _hint_bytes(result: ScenarioResult, stream: str) -> int:
    for spec in result.scenario.streams:
        if spec.name == stream:
            for member in (
                "ExtendedS3DestinationConfiguration",
                "S3DestinationConfiguration",
            ):
                hints = spec.request.get(member, {}).get("BufferingHints")
                if hints:
                    return hints["SizeInMBs"] * MIB
    return 5 * MIB


def _scale(result: ScenarioResult, stream: str) -> tuple[float, float, float]:
    times = [result.scenario.start]
    times += [a.time for a in result.timeline.arrivals if a.stream == stream]
    times += [d.time for d in result.deliveries if d.stream == stream]
    times += [s.ended for s in result.steps]
    start, end = min(times), max(times)
    peak = max(
        [_hint_bytes(result, stream)]
        + [s.buffered_bytes for s in result.timeline.samples if s.stream == stream]
    )
    return start, max(end - start, 1.0), float(peak)


class _Axes:
    """Conversion of clock time (x) and buffered bytes (y) to the chart's pixels."""

    def __init__(self, start: float, span: float, peak: float):
        self.start, self.span, self.peak = start, span, peak

    def x(self, moment: float) -> float:
        return MARGIN + (moment - self.start) / self.span * (WIDTH - 2 * MARGIN)

    def y(self, nbytes: float) -> float:
        return HEIGHT - MARGIN - nbytes / self.peak * (HEIGHT - 2 * MARGIN)


def _buffer_line(result: ScenarioResult, stream: str, axes: _Axes) -> str:
    # A step line: the fill stays level between samples and jumps at each one.
    points = [f"{axes.x(axes.start):.1f},{axes.y(0):.1f}"]
    level = 0
    for sample in (s for s in result.timeline.samples if s.stream == stream):
        points.append(f"{axes.x(sample.time):.1f},{axes.y(level):.1f}")
        level = sample.buffered_bytes
        points.append(f"{axes.x(sample.time):.1f},{axes.y(level):.1f}")
    points.append(f"{axes.x(axes.start + axes.span):.1f},{axes.y(level):.1f}")
    return (
        '<polyline fill="none" stroke="#1e8449" stroke-width="2" '
        f'points="{" ".join(points)}"/>'
    )


def _marks(result: ScenarioResult, stream: str, axes: _Axes) -> list[str]:
    parts = []
    for arrival in (a for a in result.timeline.arrivals if a.stream == stream):
        x = axes.x(arrival.time)
        parts.append(
            f'<line class="arrival" x1="{x:.1f}" x2="{x:.1f}" '
            f'y1="{HEIGHT - MARGIN + 4}" y2="{HEIGHT - MARGIN + 14}" stroke="#555">'
            f"<title>{_e(format_time(arrival.time))}: {arrival.records} records, "
            f"{arrival.bytes} bytes</title></line>"
        )
    for attempt in (d for d in result.deliveries if d.stream == stream):
        x = axes.x(attempt.time)
        colour = REASON_COLOURS.get(attempt.reason, "#333")
        dash = "" if attempt.outcome == "delivered" else ' stroke-dasharray="2 2"'
        parts.append(
            f'<line class="delivery" x1="{x:.1f}" x2="{x:.1f}" y1="{MARGIN - 8}" '
            f'y2="{HEIGHT - MARGIN}" stroke="{colour}" stroke-width="2"{dash}><title>'
            f"{_e(format_time(attempt.time))}: {_e(attempt.reason)}, "
            f"{_e(attempt.outcome)}, {attempt.records} records, {_e(attempt.key)}"
            "</title></line>"
        )
    return parts


def _chart(result: ScenarioResult, stream: str) -> str:
    axes = _Axes(*_scale(result, stream))
    hint = _hint_bytes(result, stream)
    label = f"buffer of {_e(stream)}"
    parts = [
        f'<svg width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{label}">',
        f'<line x1="{MARGIN}" x2="{WIDTH - MARGIN}" y1="{axes.y(hint):.1f}" '
        f'y2="{axes.y(hint):.1f}" stroke="#999" stroke-dasharray="4 3">'
        f"<title>size hint {hint} bytes</title></line>",
        _buffer_line(result, stream, axes),
        *_marks(result, stream, axes),
        f'<text x="{MARGIN}" y="{HEIGHT - 8}" font-size="11">'
        f"{_e(format_time(axes.start))}</text>",
        f'<text x="{WIDTH - MARGIN}" y="{HEIGHT - 8}" font-size="11" '
        f'text-anchor="end">{_e(format_time(axes.start + axes.span))}</text>',
        f'<text x="4" y="{MARGIN - 12}" font-size="11">{axes.peak / MIB:.2f} MiB</text>',
        "</svg>",
    ]
    return "".join(parts)


def _legend() -> str:
    items = [
        f'<span style="color:{c}">&#9474; {_e(r)}</span>'
        for r, c in REASON_COLOURS.items()
    ]
    items.append('<span style="color:#1e8449">&#9473; buffered bytes</span>')
    items.append('<span style="color:#999">- - size hint</span>')
    items.append("<span>&#9589; put call</span>")
    return f'<p class="legend">{"".join(items)}</p>'


def _objects_table(result: ScenarioResult, stream: str) -> str:
    rows = [
        f"<tr><td><code>{_e(o.key)}</code></td><td class=n>{o.size}</td>"
        f"<td class=n>{o.records}</td>"
        f"<td>{_e(o.reason or '-')}</td><td>{_e(format_time(o.time))}</td></tr>"
        for o in result.objects
        if o.stream == stream
    ]
    if not rows:
        return "<p>No objects.</p>"
    header = "<tr><th>key</th><th>bytes</th><th>records</th><th>delivered by</th><th>at</th></tr>"
    return f'<table class="objects">{header}{"".join(rows)}</table>'


def _checks_table(result: ScenarioResult) -> str:
    rows = []
    for check in result.checks:
        state = "passed" if check.passed else "failed"
        details = "; ".join(
            f"{m.field}: expected {m.expected}, found {m.found}"
            for m in check.mismatches
        )
        rows.append(
            f"<tr><td class=n>{check.line}</td><td>{_e(check.label)}</td>"
            f'<td class="{state}">{state}</td><td>{_e(details)}</td></tr>'
        )
    if result.error is not None:
        rows.append(
            f'<tr><td></td><td>run</td><td class="error">error</td><td>{_e(result.error)}</td></tr>'
        )
    header = "<tr><th>line</th><th>check</th><th>result</th><th>difference</th></tr>"
    return f"<table>{header}{''.join(rows)}</table>"


def _section(result: ScenarioResult) -> str:
    scenario = result.scenario
    state = outcome(result)
    parts = [
        f'<section class="scenario"><h2>{_e(scenario.name)} '
        f'<span class="{state}">{state}</span></h2>',
        f"<p><code>{_e(scenario.file)}</code>. {_e(scenario.description)}</p>",
        f"<p>Account {_e(scenario.account)}, region {_e(scenario.region)}, start "
        f"{_e(format_time(scenario.start))}, seed {scenario.seed}, "
        f"{result.records_put} records put.</p>",
    ]
    for stream in scenario.stream_names():
        parts.append(f"<h3>Stream {_e(stream)}</h3>{_legend()}{_chart(result, stream)}")
        parts.append(_objects_table(result, stream))
    parts.append(f"<h3>Checks</h3>{_checks_table(result)}</section>")
    return "".join(parts)


def render_report(results: list[ScenarioResult]) -> str:
    """Return the HTML page of a replay."""
    sections = "".join(_section(result) for result in results)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>firehose-emulator replay</title>"
        f"<style>{STYLE}</style></head><body><h1>firehose-emulator replay</h1>"
        f"{sections}</body></html>\n"
    )


def write_report(results: list[ScenarioResult], path: str | Path) -> None:
    """Write the HTML report of a replay to ``path``."""
    Path(path).write_text(render_report(results), encoding="utf-8")
