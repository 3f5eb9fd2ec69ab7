"""Evaluate ``expect`` steps against what the emulator wrote and logged.

Each check yields a ``CheckResult``. A failed one carries what was expected
beside what was found, and a listing of the candidates it looked at.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from emulator.scenario import content
from emulator.scenario.matching import count_matches, describe_count
from emulator.scenario.s3view import ObjectInfo
from emulator.scenario.yamlfile import Path

__all__ = [
    "CheckResult",
    "FailedPut",
    "LogEvent",
    "Mismatch",
    "Observation",
    "evaluate",
    "named_buckets",
]


@dataclass
class Mismatch:
    """One field whose found value differs from the expected one."""

    field: str
    expected: str
    found: str


@dataclass
class CheckResult:
    """The outcome of one check of an ``expect`` step."""

    label: str
    path: Path
    line: int | None
    mismatches: list[Mismatch] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    observed: dict[Path, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.mismatches


@dataclass
class FailedPut:
    """A record that a put did not accept, with the error AWS returned for it."""

    stream: str
    error_code: str
    error_message: str
    time: float


@dataclass
class LogEvent:
    """An event in a CloudWatch Logs log stream."""

    group: str
    stream: str
    message: str


@dataclass
class Observation:
    """State checked by an ``expect`` step: objects, delivery log, failed puts, buffers."""

    objects: list[ObjectInfo]
    deliveries: list[Any]
    failed_puts: list[FailedPut]
    buffers: dict[str, dict[str, Any]]
    default_bucket: str | None
    log_events: list[LogEvent] = field(default_factory=list)
    # The buckets that exist, or None when they were not listed.
    buckets: list[str] | None = None


def evaluate(
    body: dict[str, Any], path: Path, lines: Any, seen: Observation
) -> list[CheckResult]:
    """Run every check of one ``expect`` step; ``lines`` maps a path to its line."""
    bucket = body.get("bucket", seen.default_bucket)
    results = _missing_buckets(body, path, lines, seen)
    for position, entry in enumerate(body.get("objects", [])):
        entry_path = path + ("objects", position)
        results.append(_objects(entry, bucket, entry_path, lines(entry_path), seen))
    for name in ("object_count", "record_count"):
        if name in body:
            results.append(
                _bucket_total(name, body[name], bucket, path + (name,), lines, seen)
            )
    for position, pattern in enumerate(body.get("no_objects", [])):
        entry_path = path + ("no_objects", position)
        results.append(
            _no_objects(pattern, bucket, entry_path, lines(entry_path), seen)
        )
    checkers = {
        "deliveries": _deliveries,
        "failed_puts": _failed_puts,
        "error_records": _error_records,
        "buffered": _buffered,
        "log_events": _log_events,
    }
    for name, checker in checkers.items():
        for position, entry in enumerate(body.get(name, [])):
            entry_path = path + (name, position)
            results.append(checker(entry, entry_path, lines(entry_path), seen, bucket))
    return results


def named_buckets(body: dict[str, Any], path: Path) -> list[tuple[str, Path]]:
    """Return each bucket that an ``expect`` step names, with the path of its field."""
    named = [(body["bucket"], path + ("bucket",))] if "bucket" in body else []
    for kind in ("objects", "error_records"):
        for position, entry in enumerate(body.get(kind, [])):
            if "bucket" in entry:
                named.append((entry["bucket"], path + (kind, position, "bucket")))
    return named


def _missing_buckets(
    body: dict[str, Any], path: Path, lines: Any, seen: Observation
) -> list[CheckResult]:
    """Return a failed check for each bucket that the step names but does not exist."""
    if seen.buckets is None:
        return []
    results = []
    for name, field_path in named_buckets(body, path):
        if name in seen.buckets:
            continue
        close = difflib.get_close_matches(name, seen.buckets, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        result = CheckResult(f"bucket s3://{name}", field_path, lines(field_path))
        result.mismatches.append(
            Mismatch("bucket", "an existing bucket", f"no bucket named {name!r}{hint}")
        )
        result.found = [f"  buckets: {', '.join(seen.buckets) or '(none)'}"]
        results.append(result)
    return results


def _listing(
    objects: list[ObjectInfo], marked: list[ObjectInfo] | None = None
) -> list[str]:
    if not objects:
        return ["(no objects)"]
    rows = []
    for obj in objects:
        mark = "* " if marked is not None and obj in marked else "  "
        reason = obj.reason or "-"
        rows.append(
            f"{mark}{obj.key}  {obj.size} bytes  {obj.records} records  {reason}"
        )
    return rows


def _check_count(
    result: CheckResult, name: str, expected: Any, found: int, path: Path
) -> None:
    result.observed[path + (name,)] = found
    if expected is not None and not count_matches(expected, found):
        result.mismatches.append(Mismatch(name, describe_count(expected), str(found)))


def _in_bucket(seen: Observation, bucket: str | None) -> list[ObjectInfo]:
    return [obj for obj in seen.objects if bucket is None or obj.bucket == bucket]


def _objects(
    entry: dict[str, Any], bucket: str | None, path: Path, line: Any, seen: Observation
) -> CheckResult:
    bucket = entry.get("bucket", bucket)
    candidates = _in_bucket(seen, bucket)
    if "stream" in entry:
        candidates = [obj for obj in candidates if obj.stream == entry["stream"]]
    pattern = re.compile(entry["key"])
    matched = [obj for obj in candidates if pattern.search(obj.key)]

    result = CheckResult(
        f"objects in s3://{bucket} with key ~ {entry['key']}", path, line
    )
    _check_count(result, "count", entry.get("count", 1), len(matched), path)
    if "records" in entry:
        total = sum(obj.records for obj in matched)
        _check_count(result, "records", entry["records"], total, path)
    if "size" in entry:
        total = sum(obj.size for obj in matched)
        _check_count(result, "size", entry["size"], total, path)
    _check_attributes(result, entry, matched, path)
    if "content" in entry:
        records = [record for obj in matched for record in obj.lines()]
        for problem in content.check(entry["content"], records):
            result.mismatches.append(
                Mismatch("content", problem.expected, problem.found)
            )

    if result.mismatches:
        result.found = _listing(candidates, matched)
    return result


def _check_attributes(
    result: CheckResult, entry: dict[str, Any], matched: list[ObjectInfo], path: Path
) -> None:
    # Every matching object must have the expected reason and encoding.
    for name in ("reason", "content_encoding"):
        if name not in entry:
            continue
        found = sorted({str(getattr(obj, name)) for obj in matched}) or ["(no object)"]
        result.observed[path + (name,)] = found[0] if len(found) == 1 else None
        if found != [str(entry[name])]:
            result.mismatches.append(Mismatch(name, str(entry[name]), ", ".join(found)))


def _bucket_total(
    name: str,
    expected: Any,
    bucket: str | None,
    path: Path,
    lines: Any,
    seen: Observation,
) -> CheckResult:
    objects = _in_bucket(seen, bucket)
    subject = "objects" if name == "object_count" else "records (lines)"
    result = CheckResult(f"{subject} in s3://{bucket}", path, lines(path))
    found = len(objects) if name == "object_count" else sum(o.records for o in objects)
    result.observed[path] = found
    if not count_matches(expected, found):
        result.mismatches.append(Mismatch(name, describe_count(expected), str(found)))
        result.found = _listing(objects)
    return result


def _no_objects(
    pattern: str, bucket: str | None, path: Path, line: Any, seen: Observation
) -> CheckResult:
    objects = _in_bucket(seen, bucket)
    matched = [obj for obj in objects if re.search(pattern, obj.key)]
    result = CheckResult(f"no object in s3://{bucket} with key ~ {pattern}", path, line)
    if matched:
        result.mismatches.append(Mismatch("count", "0", str(len(matched))))
        result.found = _listing(matched)
    return result


def _deliveries(
    entry: dict[str, Any], path: Path, line: Any, seen: Observation, bucket: str | None
) -> CheckResult:
    attempts = seen.deliveries
    filters = {
        k: entry[k]
        for k in ("stream", "kind", "outcome", "reason", "error_code")
        if k in entry
    }
    matched = [
        a for a in attempts if all(getattr(a, k) == v for k, v in filters.items())
    ]
    if "key" in entry:
        matched = [a for a in matched if re.search(entry["key"], a.key)]
    described = ", ".join(f"{k}={v}" for k, v in filters.items()) or "any"
    result = CheckResult(f"delivery attempts ({described})", path, line)
    _check_count(result, "count", entry.get("count", {"min": 1}), len(matched), path)
    if "records" in entry:
        _check_count(
            result, "records", entry["records"], sum(a.records for a in matched), path
        )
    if result.mismatches:
        result.found = [
            f"  {a.stream} {a.kind} {a.outcome} {a.reason} {a.records} records "
            f"{a.error_code or ''} {a.key}".rstrip()
            for a in attempts
        ] or ["(no delivery attempts)"]
    return result


def _failed_puts(
    entry: dict[str, Any], path: Path, line: Any, seen: Observation, bucket: str | None
) -> CheckResult:
    matched = [
        p
        for p in seen.failed_puts
        if entry.get("stream", p.stream) == p.stream
        and entry.get("error_code", p.error_code) == p.error_code
    ]
    result = CheckResult(
        f"failed puts to {entry.get('stream', 'any stream')}", path, line
    )
    _check_count(result, "count", entry.get("count", {"min": 1}), len(matched), path)
    if result.mismatches:
        result.found = [
            f"  {p.stream} {p.error_code}: {p.error_message}"
            for p in seen.failed_puts[:20]
        ] or ["(no failed puts)"]
    return result


def _error_records(
    entry: dict[str, Any], path: Path, line: Any, seen: Observation, bucket: str | None
) -> CheckResult:
    objects = _in_bucket(seen, entry.get("bucket", bucket))
    if "key" in entry:
        objects = [o for o in objects if re.search(entry["key"], o.key)]
    else:
        objects = [o for o in objects if o.kind == "error"]
    records = content.parse_records([line for o in objects for line in o.lines()])
    if "error_code" in entry:
        records = [
            r
            for r in records
            if isinstance(r, dict) and r.get("errorCode") == entry["error_code"]
        ]
    result = CheckResult(
        f"error output records in s3://{entry.get('bucket', bucket)}", path, line
    )
    _check_count(result, "count", entry.get("count", {"min": 1}), len(records), path)
    if result.mismatches:
        result.found = _listing(_in_bucket(seen, entry.get("bucket", bucket)), objects)
    return result


def _buffered(
    entry: dict[str, Any], path: Path, line: Any, seen: Observation, bucket: str | None
) -> CheckResult:
    state = seen.buffers.get(entry["stream"], {})
    result = CheckResult(f"records buffered in {entry['stream']}", path, line)
    for name, key in (("records", "buffered_records"), ("bytes", "buffered_bytes")):
        if name in entry:
            _check_count(result, name, entry[name], state.get(key, 0), path)
    return result


def _error_code(message: str) -> str | None:
    try:
        document = json.loads(message)
    except ValueError:
        return None
    return document.get("errorCode") if isinstance(document, dict) else None


def _log_events(
    entry: dict[str, Any], path: Path, line: Any, seen: Observation, bucket: str | None
) -> CheckResult:
    events = [e for e in seen.log_events if e.group == entry["group"]]
    if "stream" in entry:
        events = [e for e in events if e.stream == entry["stream"]]
    matched = [
        e
        for e in events
        if entry.get("contains", "") in e.message
        and entry.get("error_code", _error_code(e.message)) == _error_code(e.message)
    ]
    result = CheckResult(f"log events in {entry['group']}", path, line)
    _check_count(result, "count", entry.get("count", {"min": 1}), len(matched), path)
    if result.mismatches:
        result.found = [f"  {e.stream}: {e.message[:300]}" for e in events[:20]] or [
            "(no log events)"
        ]
    return result
