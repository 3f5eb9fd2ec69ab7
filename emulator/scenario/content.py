"""Checks of decoded object content: records as JSON lines, matched as subsets."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from emulator.scenario.matching import subset_difference

__all__ = ["ContentProblem", "check", "parse_records"]

NOT_JSON = object()


@dataclass
class ContentProblem:
    """One content check that failed: what was expected and what was found."""

    expected: str
    found: str


def parse_records(lines: list[bytes]) -> list[Any]:
    """Parse each line as JSON; a line that is not JSON becomes ``NOT_JSON``."""
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            records.append(NOT_JSON)
    return records


def _short(value: Any) -> str:
    text = "(not JSON)" if value is NOT_JSON else json.dumps(value, sort_keys=True)
    return text if len(text) <= 200 else text[:197] + "..."


def _check_one(
    name: str, expected: Any, records: list[Any], position: int
) -> list[ContentProblem]:
    if not records:
        return [
            ContentProblem(f"{name} record matching {_short(expected)}", "no records")
        ]
    record = records[position]
    difference = (
        subset_difference(expected, record) if record is not NOT_JSON else "not JSON"
    )
    if difference:
        return [
            ContentProblem(
                f"{name} record matching {_short(expected)}",
                f"{_short(record)} ({difference})",
            )
        ]
    return []


def _check_every(expected: Any, records: list[Any]) -> list[ContentProblem]:
    for position, record in enumerate(records):
        difference = (
            subset_difference(expected, record)
            if record is not NOT_JSON
            else "not JSON"
        )
        if difference:
            return [
                ContentProblem(
                    f"every record matching {_short(expected)}",
                    f"record {position + 1}: {_short(record)} ({difference})",
                )
            ]
    return []


def _check_includes(subsets: list[Any], records: list[Any]) -> list[ContentProblem]:
    problems = []
    for subset in subsets:
        if not any(
            record is not NOT_JSON and subset_difference(subset, record) is None
            for record in records
        ):
            problems.append(
                ContentProblem(
                    f"a record matching {_short(subset)}",
                    f"none among {len(records)} records",
                )
            )
    return problems


def _check_keys(keys: list[str], records: list[Any]) -> list[ContentProblem]:
    for position, record in enumerate(records):
        missing = [k for k in keys if not isinstance(record, dict) or k not in record]
        if missing:
            return [
                ContentProblem(
                    f"every record with the fields {', '.join(keys)}",
                    f"record {position + 1} lacks {', '.join(missing)}: {_short(record)}",
                )
            ]
    return []


def check(spec: dict[str, Any], lines: list[bytes]) -> list[ContentProblem]:
    """Return the problems of ``lines`` (decoded records) against a ``content`` mapping."""
    problems: list[ContentProblem] = []
    if "lines" in spec:
        found = [line.decode("utf-8", "replace") for line in lines]
        if found != spec["lines"]:
            problems.append(
                ContentProblem(json.dumps(spec["lines"])[:200], json.dumps(found)[:200])
            )
    records = parse_records(lines) if set(spec) - {"lines"} else []
    if "first" in spec:
        problems += _check_one("first", spec["first"], records, 0)
    if "last" in spec:
        problems += _check_one("last", spec["last"], records, -1)
    if "every" in spec:
        problems += _check_every(spec["every"], records)
    if "includes" in spec:
        problems += _check_includes(spec["includes"], records)
    if "keys" in spec:
        problems += _check_keys(spec["keys"], records)
    return problems
