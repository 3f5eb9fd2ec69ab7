"""Checks and failure messages of ``assert_delivered``.

A failed check lists what was delivered (keys, sizes, record counts), the
failed deliveries with their error codes, and what is still buffered, so that
the reader sees at once why the expectation did not hold.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

from emulator.inspection import LISTED_MAX, DeliveredObject

__all__ = ["check_delivered", "describe_target", "format_report"]


# Assertions -----------------------------------------------------------------


def check_delivered(
    found: Sequence[DeliveredObject],
    *,
    objects: int | None = None,
    records: int | None = None,
    key_pattern: str | re.Pattern[str] | None = None,
    contains: str | bytes | Iterable[str | bytes] | None = None,
    documents: Sequence[Any] | None = None,
    lines: Sequence[str] | None = None,
) -> list[str]:
    """Compare delivered objects with expectations and return what differs.

    With no ``objects`` count, at least one object is expected. ``documents``
    and ``lines`` are compared as multisets, because AWS does not document the
    order of records.
    """
    problems: list[str] = []
    if objects is not None and len(found) != objects:
        problems.append(f"expected {_count(objects, 'object')}, found {len(found)}")
    if objects is None and not found:
        problems.append("expected at least one object, found none")
    if records is not None:
        total = sum(obj.records for obj in found)
        if total != records:
            problems.append(f"expected {_count(records, 'record')}, found {total}")
    if key_pattern is not None:
        problems.extend(_check_keys(found, key_pattern))
    if contains is not None:
        problems.extend(_check_contains(found, contains))
    if documents is not None:
        delivered = [document for obj in found for document in obj.json()]
        problems.extend(
            _compare_multisets("JSON documents", documents, delivered, _canonical)
        )
    if lines is not None:
        delivered_lines = [line for obj in found for line in obj.lines()]
        problems.extend(_compare_multisets("lines", lines, delivered_lines, str))
    return problems


def _check_keys(
    found: Sequence[DeliveredObject], key_pattern: str | re.Pattern[str]
) -> list[str]:
    pattern = re.compile(key_pattern) if isinstance(key_pattern, str) else key_pattern
    mismatched = [obj.key for obj in found if not pattern.fullmatch(obj.key)]
    if not mismatched:
        return []
    return [
        (
            f"{len(mismatched)} of {len(found)} keys do not match {pattern.pattern!r}, "
            f"such as {mismatched[0]!r}"
        )
    ]


def _check_contains(
    found: Sequence[DeliveredObject], contains: str | bytes | Iterable[str | bytes]
) -> list[str]:
    needles = [contains] if isinstance(contains, (str, bytes)) else list(contains)
    content = b"".join(obj.body for obj in found)
    problems = []
    for needle in needles:
        encoded = needle.encode("utf-8") if isinstance(needle, str) else needle
        if encoded not in content:
            problems.append(f"no delivered object contains {needle!r}")
    return problems


def _canonical(document: Any) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def _compare_multisets(
    label: str, expected: Sequence[Any], delivered: Sequence[Any], canonical: Any
) -> list[str]:
    expected_counts = Counter(canonical(item) for item in expected)
    delivered_counts = Counter(canonical(item) for item in delivered)
    missing = list((expected_counts - delivered_counts).elements())
    unexpected = list((delivered_counts - expected_counts).elements())
    if not missing and not unexpected:
        return []
    detail = f"{label} differ ({len(delivered)} delivered, {len(expected)} expected)"
    if missing:
        detail += f"; missing {len(missing)}, such as {missing[0]}"
    if unexpected:
        detail += f"; not expected {len(unexpected)}, such as {unexpected[0]}"
    return [detail]


# Failure messages -----------------------------------------------------------


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def describe_target(
    stream: str | None, bucket: str | None, prefix: str, kind: str | None
) -> str:
    """Name what an assertion looked at, such as ``stream 'events' in bucket 'b'``."""
    parts = [f"stream {stream!r}" if stream is not None else "every stream"]
    if bucket is not None:
        parts.append(f"in bucket {bucket!r}")
    if prefix:
        parts.append(f"under prefix {prefix!r}")
    if kind != "data":
        parts.append(f"({kind or 'every'} objects)")
    return " ".join(parts)


def format_report(
    target: str,
    problems: Sequence[str],
    found: Sequence[DeliveredObject],
    deliveries: Sequence[dict[str, Any]],
    streams: Sequence[dict[str, Any]],
    stream: str | None,
) -> str:
    """Build the failure message: what differs, then what was delivered and what waits."""
    lines = [f"delivery check failed for {target}: " + "; ".join(problems)]
    lines.extend(_object_lines(found))
    lines.extend(_failure_lines(deliveries, stream))
    lines.extend(_buffer_lines(streams, stream))
    known = sorted(
        {state["name"] for state in streams} | {d["stream"] for d in deliveries}
    )
    if stream is not None and stream not in known:
        names = ", ".join(repr(name) for name in known) or "none"
        lines.append(
            f"no delivery stream named {stream!r} exists or delivered; streams: {names}"
        )
    return "\n".join(lines)


def _object_lines(found: Sequence[DeliveredObject]) -> list[str]:
    lines = [f"delivered objects ({len(found)}):"]
    for obj in found[:LISTED_MAX]:
        stored = f"{obj.size:,} bytes"
        if obj.compression != "UNCOMPRESSED":
            stored += f" {obj.compression} ({len(obj.body):,} bytes uncompressed)"
        when = datetime.fromtimestamp(obj.delivered_at, tz=timezone.utc)
        lines.append(
            f"  {obj.uri}  {stored}, {_count(obj.records, 'record')}, "
            f"delivered {when.isoformat().replace('+00:00', 'Z')}"
        )
    if len(found) > LISTED_MAX:
        lines.append(f"  ... and {len(found) - LISTED_MAX} more")
    if not found:
        lines[0] = "delivered objects: none"
    return lines


def _failure_lines(
    deliveries: Sequence[dict[str, Any]], stream: str | None
) -> list[str]:
    failed = [
        entry
        for entry in deliveries
        if entry["outcome"] != "delivered"
        and (stream is None or entry["stream"] == stream)
    ]
    if not failed:
        return []
    lines = [f"failed deliveries ({len(failed)}):"]
    for entry in failed[-LISTED_MAX:]:
        lines.append(
            f"  stream {entry['stream']!r} to s3://{entry['bucket']}: {entry['outcome']} on "
            f"attempt {entry['attempt']}, {_count(entry['records'], 'record')}, "
            f"{entry['error_code']}: {entry['error_message']}"
        )
    return lines


def _buffer_lines(streams: Sequence[dict[str, Any]], stream: str | None) -> list[str]:
    lines = []
    for state in streams:
        if stream is not None and state["name"] != stream:
            continue
        waiting = state["buffered_records"]
        retrying = sum(batch["records"] for batch in state.get("retrying", []))
        if waiting:
            due = min((b["due_in_seconds"] for b in state["buffers"]), default=0.0)
            lines.append(
                f"still buffered in stream {state['name']!r}: {_count(waiting, 'record')}, "
                f"{state['buffered_bytes']:,} bytes, due in {due:g} s; "
                f"call advance({due:g}) or flush() to deliver them"
            )
        if retrying:
            lines.append(
                f"waiting for a retry in stream {state['name']!r}: {_count(retrying, 'record')}"
            )
    return lines
