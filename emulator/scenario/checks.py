"""Checks of each step's body that the JSON Schema cannot express."""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Any

from emulator.scenario.expectations import named_buckets
from emulator.scenario.generators import (
    GENERATORS,
    GeneratorOptionError,
    make_generator,
)
from emulator.scenario.records import decode_base64
from emulator.scenario.yamlfile import Path

if TYPE_CHECKING:
    from emulator.scenario.loader import _Context
    from emulator.scenario.model import Scenario

__all__ = ["check_step", "default_bucket"]

COUNT_FIELDS = ("count", "records", "size", "bytes", "object_count", "record_count")


def check_step(
    kind: str, body: Any, path: Path, scenario: Scenario, context: _Context
) -> None:
    """Raise ``ScenarioFormatError`` when a step refers to something that does not exist."""
    path = path + (kind,)
    if kind == "put":
        _check_put(body, path, scenario, context)
    elif kind in ("flush", "delete_stream"):
        stream = body.get("stream") if isinstance(body, dict) else body
        if stream is not None:
            field = path + ("stream",) if isinstance(body, dict) else path
            _check_stream(stream, field, scenario, context)
    elif kind == "update_destination":
        _check_stream(body["stream"], path + ("stream",), scenario, context)
        updates = [
            k
            for k in ("S3DestinationUpdate", "ExtendedS3DestinationUpdate")
            if k in body
        ]
        if len(updates) != 1:
            raise context.error(
                path,
                "expected one of S3DestinationUpdate and ExtendedS3DestinationUpdate, "
                f"got {updates}",
                "give exactly one of them, as UpdateDestination takes it",
            )
    elif kind == "fault":
        _check_fault(body, path, scenario, context)
    elif kind == "expect":
        _check_expect(body, path, scenario, context)


def _check_stream(name: str, path: Path, scenario: Scenario, context: _Context) -> None:
    known = scenario.stream_names()
    if name not in known:
        raise context.error(
            path,
            f"unknown delivery stream {name!r}",
            f"use a stream created in setup.streams ({', '.join(known) or 'none yet'})",
        )


def _check_put(
    body: dict[str, Any], path: Path, scenario: Scenario, context: _Context
) -> None:
    _check_stream(body["stream"], path + ("stream",), scenario, context)
    sources = [key for key in ("records", "file", "generate") if key in body]
    if len(sources) != 1:
        raise context.error(
            path,
            f"expected exactly one source of records, got {sources or 'none'}",
            "give one of records (a list), file (an NDJSON file) or generate (a generator)",
        )
    if "file" in body:
        context.resolve(body["file"], path + ("file",))
    if body.get("encoding") == "base64":
        _check_base64(body, path, context)
    if "generate" in body:
        _check_generator(body["generate"], path + ("generate",), context)


def _check_base64(body: dict[str, Any], path: Path, context: _Context) -> None:
    if "records" not in body:
        raise context.error(
            path + ("encoding",),
            "encoding: base64 applies only to inline records",
            "give the records inline under records, or remove encoding",
        )
    for position, record in enumerate(body["records"]):
        try:
            decode_base64(record)
        except (TypeError, ValueError) as error:
            raise context.error(
                path + ("records", position),
                f"the record is not base64 ({error})",
                "give each record as the base64 text of its bytes, "
                "or remove encoding: base64 to send text as written",
            ) from None


def _check_generator(spec: dict[str, Any], path: Path, context: _Context) -> None:
    name = spec["generator"]
    if name not in GENERATORS:
        raise context.error(
            path + ("generator",),
            f"unknown generator {name!r}",
            f"use one of: {', '.join(sorted(GENERATORS))}",
        )
    options = {k: v for k, v in spec.items() if k not in ("generator", "count", "seed")}
    try:
        make_generator(name, spec.get("seed", 0), options)
    except GeneratorOptionError as error:
        raise context.error(
            path + tuple(error.field.split(".")), error.problem, error.fix
        ) from None


def _check_fault(
    body: dict[str, Any], path: Path, scenario: Scenario, context: _Context
) -> None:
    kind, spec = next(iter(body.items()))
    path = path + (kind,)
    stream = spec.get("stream") if isinstance(spec, dict) else None
    if stream is not None:
        _check_stream(stream, path + ("stream",), scenario, context)
    if kind == "fail_records" and ("indexes" in spec) == ("fraction" in spec):
        raise context.error(
            path,
            "expected exactly one of indexes and fraction",
            "give indexes: [0, 2] to fail those entries of each call, "
            "or fraction: 0.1 to fail each entry with that chance",
        )


def default_bucket(scenario: Scenario) -> str | None:
    """Return the bucket that expectations use when they name none: the only one in setup."""
    return scenario.buckets[0] if len(scenario.buckets) == 1 else None


def _check_expect(
    body: dict[str, Any], path: Path, scenario: Scenario, context: _Context
) -> None:
    _check_counts(body, path, context)
    _check_buckets(body, path, scenario, context)
    needs_bucket = any(
        k in body for k in ("objects", "object_count", "record_count", "no_objects")
    )
    if needs_bucket and "bucket" not in body and default_bucket(scenario) is None:
        raise context.error(
            path,
            "the expectation names no bucket, and setup.buckets does not hold exactly one",
            "add bucket: NAME to this expect step",
        )
    for position, pattern in enumerate(body.get("no_objects", [])):
        _check_regex(pattern, path + ("no_objects", position), context)
    kinds = (
        "objects",
        "deliveries",
        "failed_puts",
        "error_records",
        "buffered",
        "log_events",
    )
    for kind in kinds:
        for position, entry in enumerate(body.get(kind, [])):
            entry_path = path + (kind, position)
            _check_counts(entry, entry_path, context)
            if "key" in entry:
                _check_regex(entry["key"], entry_path + ("key",), context)
            if kind == "log_events":
                group_path = entry_path + ("group",)
                _check_log_group(entry["group"], group_path, scenario, context)
            elif "stream" in entry:
                stream_path = entry_path + ("stream",)
                _check_stream(entry["stream"], stream_path, scenario, context)


def _check_buckets(
    body: dict[str, Any], path: Path, scenario: Scenario, context: _Context
) -> None:
    # A Lambda transform runs Python code in this process, and that code could
    # create buckets. With transforms, the runner checks the buckets instead.
    if scenario.transforms:
        return
    for name, field in named_buckets(body, path):
        if name not in scenario.buckets:
            raise context.error(
                field,
                f"unknown bucket {name!r}: it is not in setup.buckets, and no step "
                "creates buckets",
                _bucket_fix(name, scenario),
            )


def _bucket_fix(name: str, scenario: Scenario) -> str:
    close = difflib.get_close_matches(name, scenario.buckets, n=1)
    known = ", ".join(scenario.buckets) or "none yet"
    if close:
        fix = f"did you mean {close[0]!r}? Name a bucket from setup.buckets ({known})"
    else:
        fix = f"name a bucket from setup.buckets ({known})"
    if name in _destination_buckets(scenario):
        fix += (
            "; to check that nothing reached a bucket that does not exist, expect "
            "deliveries: [{stream: NAME, outcome: delivered, count: 0}]"
        )
    return fix


def _destination_buckets(scenario: Scenario) -> list[str]:
    arns = [
        (stream.request.get(member) or {}).get("BucketARN", "")
        for stream in scenario.streams
        for member in (
            "S3DestinationConfiguration",
            "ExtendedS3DestinationConfiguration",
        )
    ]
    return [arn.split(":::", 1)[-1] for arn in arns if isinstance(arn, str) and arn]


def _check_log_group(
    name: str, path: Path, scenario: Scenario, context: _Context
) -> None:
    known = [group for group, _ in scenario.log_groups]
    if name not in known:
        raise context.error(
            path,
            f"unknown log group {name!r}",
            "use a log group created in setup.log_groups "
            f"({', '.join(known) or 'none yet'})",
        )


def _check_counts(body: dict[str, Any], path: Path, context: _Context) -> None:
    for name in COUNT_FIELDS:
        value = body.get(name)
        if isinstance(value, dict) and value.get("min", 0) > value.get(
            "max", float("inf")
        ):
            raise context.error(
                path + (name,),
                f"invalid range {value}: min is above max",
                "give min no larger than max",
            )


def _check_regex(pattern: str, path: Path, context: _Context) -> None:
    try:
        re.compile(pattern)
    except re.error as error:
        raise context.error(
            path,
            f"invalid regular expression {pattern!r}: {error}",
            "correct the pattern; write it in single quotes so YAML keeps backslashes",
        ) from None
