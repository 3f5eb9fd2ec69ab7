"""Text output of a replay: objects per stream, failed checks, and the summary table.

Every function returns lines; only the command line writes them out.
"""

from __future__ import annotations

from datetime import datetime, timezone

from emulator.scenario.expectations import CheckResult
from emulator.scenario.runner import ScenarioResult
from emulator.scenario.s3view import ObjectInfo

__all__ = [
    "format_time",
    "render_failure",
    "render_objects",
    "render_result",
    "render_summary",
]


def format_time(moment: float | None) -> str:
    """Format epoch seconds as ``2026-12-04T15:00:18Z`` (UTC, whole seconds shown)."""
    if moment is None:
        return "-"
    stamp = datetime.fromtimestamp(moment, tz=timezone.utc)
    text = stamp.strftime("%Y-%m-%dT%H:%M:%S")
    if stamp.microsecond:
        text += f".{stamp.microsecond // 1000:03d}"
    return text + "Z"


def _table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [
        max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))
    ]
    lines = []
    for row in [header, *rows]:
        cells = [
            str(cell).rjust(widths[i]) if i in right else str(cell).ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def _why(obj: ObjectInfo) -> str:
    if obj.reason is None:
        return "not written by a delivery stream"
    kind = "" if obj.kind in (None, "data") else f"{obj.kind} output, "
    return f"{kind}{obj.reason} at {format_time(obj.time)}"


def render_objects(objects: list[ObjectInfo]) -> list[str]:
    """List the objects of a run grouped by the stream that wrote them."""
    if not objects:
        return ["  No objects were written."]
    lines: list[str] = []
    streams: dict[str, list[ObjectInfo]] = {}
    for obj in objects:
        streams.setdefault(obj.stream or "(other writers)", []).append(obj)
    for stream, members in streams.items():
        buckets = sorted({obj.bucket for obj in members})
        total = sum(obj.records for obj in members)
        lines.append(
            f"  {stream} -> s3://{', s3://'.join(buckets)}: {len(members)} objects, {total} records"
        )
        rows = [
            [obj.key, str(obj.size), str(obj.records), _why(obj)] for obj in members
        ]
        table = _table(["key", "bytes", "records", "delivered by"], rows, right={1, 2})
        lines.extend(f"    {line}" for line in table)
    return lines


def render_failure(check: CheckResult, file: str) -> list[str]:
    """Show a failed check: where it is, each field expected beside found, what was found."""
    where = f"{file}:{check.line}" if check.line is not None else file
    lines = [f"  FAILED {where}: {check.label}"]
    rows = [[m.field, m.expected, m.found] for m in check.mismatches]
    lines.extend(
        f"    {line}"
        for line in _table(["field", "expected", "found"], rows, right=set())
    )
    if check.found:
        lines.append("    found:")
        lines.extend(f"      {line}" for line in check.found)
    return lines


def render_result(result: ScenarioResult, *, show_objects: bool = True) -> list[str]:
    """Render one run: its objects, its failed checks, and its outcome."""
    scenario = result.scenario
    lines = [f"Scenario {scenario.name} ({scenario.file})"]
    if show_objects:
        lines.append(" Objects written:")
        lines.extend(render_objects(result.objects))
    checks = result.checks
    failed = result.failed_checks
    lines.append(
        f" Expectations: {len(checks) - len(failed)} passed, {len(failed)} failed"
    )
    for check in failed:
        lines.extend(render_failure(check, scenario.file))
    if result.error is not None:
        lines.append(f"  STOPPED {result.error}")
    return lines


def outcome(result: ScenarioResult) -> str:
    """Return ``passed``, ``failed`` or ``error`` for a run."""
    if result.error is not None:
        return "error"
    return "passed" if result.passed else "failed"


def render_summary(results: list[ScenarioResult], malformed: list[str]) -> list[str]:
    """Render the table of every scenario of a replay, malformed files included."""
    rows = []
    for result in results:
        checks = result.checks
        passed = len(checks) - len(result.failed_checks)
        rows.append(
            [
                result.scenario.name,
                outcome(result),
                str(len(result.steps)),
                str(result.records_put),
                str(len(result.objects)),
                f"{passed}/{len(checks)}",
                result.scenario.file,
            ]
        )
    for file in malformed:
        rows.append(["-", "malformed", "-", "-", "-", "-", file])
    header = [
        "scenario",
        "result",
        "steps",
        "records put",
        "objects",
        "expectations",
        "file",
    ]
    return [
        "Summary",
        *(f"  {line}" for line in _table(header, rows, right={2, 3, 4, 5})),
    ]
