"""``replay --update``: rewrite failed expectations with the values a run observed.

Only the text of each failed value changes; comments, layout and every other
line of the file stay as they were. A failed check with nothing to rewrite
(a key pattern that matched nothing, a content match, ``no_objects``) is
reported and left for a person to fix.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path as FilePath
from typing import Any

from emulator.scenario.expectations import CheckResult
from emulator.scenario.runner import ScenarioResult
from emulator.scenario.yamlfile import Path, format_path

logger = logging.getLogger(__name__)

__all__ = ["planned_updates", "update_file"]

# Fields whose observed value can replace the expected one.
UPDATABLE = (
    "count",
    "records",
    "size",
    "bytes",
    "reason",
    "content_encoding",
    "object_count",
    "record_count",
)


def _target(check: CheckResult, field: str) -> Path:
    # object_count and record_count checks sit at the field itself.
    return check.path if check.path[-1] == field else check.path + (field,)


def planned_updates(result: ScenarioResult) -> tuple[list[tuple[Path, Any]], list[str]]:
    """Return the (path, observed value) pairs to write, and the checks left unchanged."""
    index = result.scenario.index
    updates: list[tuple[Path, Any]] = []
    skipped: list[str] = []
    for check in result.failed_checks:
        for mismatch in check.mismatches:
            path = _target(check, mismatch.field)
            where = (
                f"{result.scenario.file}:{check.line}: {check.label}: {mismatch.field}"
            )
            if mismatch.field not in UPDATABLE or path not in index.values:
                skipped.append(f"{where} (not updated: write it by hand)")
            elif check.observed.get(path) is None:
                skipped.append(f"{where} (not updated: the objects found differ in it)")
            else:
                updates.append((path, check.observed[path]))
    return updates, skipped


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, str):
        return (
            value
            if value.replace("-", "").replace("_", "").isalnum()
            else json.dumps(value)
        )
    return json.dumps(value)


def update_file(result: ScenarioResult) -> tuple[list[str], list[str]]:
    """Rewrite the failed values in the scenario file.

    Returns a line per value changed, and a line per failed check left as it was.
    """
    updates, skipped = planned_updates(result)
    if not updates:
        return [], skipped
    text = result.scenario.text
    index = result.scenario.index
    changes = []
    for path, value in sorted(
        updates, key=lambda item: index.values[item[0]].start, reverse=True
    ):
        span = index.values[path]
        old = text[span.start : span.end]
        new = _yaml_scalar(value)
        text = text[: span.start] + new + text[span.end :]
        changes.append(
            f"{result.scenario.file}:{span.line}: {format_path(path)}: {old.strip()} -> {new}"
        )
    FilePath(result.scenario.file).write_text(text, encoding="utf-8")
    logger.info("updated %d expectations in %s", len(changes), result.scenario.file)
    return sorted(changes), skipped
