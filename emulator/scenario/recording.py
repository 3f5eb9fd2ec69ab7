"""Build and write a scenario file from a recorded session (``firehose-emulator record``).

``emulator.recorder`` collects the calls and the delivered objects. This
module turns them into the data of a version-1 scenario, with an ``expect``
step per bucket, and writes it as YAML that ``load_scenario`` reads back
unchanged.
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from emulator.scenario.s3view import count_lines, decode_body

__all__ = [
    "PutStep",
    "RecordedObject",
    "build_scenario",
    "build_setup",
    "dump_scenario",
    "key_pattern",
    "record_text",
    "write_scenario",
]

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
UUID_WILDCARD = "[0-9a-f-]{36}"
REGEX_SPECIAL = re.compile(r"([.^$*+?{}\[\]\\|()])")
# Characters that a YAML file cannot hold as they are (C0 and C1 controls other
# than tab, line feed and carriage return, U+FFFE and U+FFFF), and characters
# that YAML reads as line breaks or a byte order mark. A record that contains
# any of them is written as base64.
UNSAFE_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]"
)


def record_text(data: bytes) -> str | None:
    """Return a record as text when it is UTF-8 that YAML carries unchanged, else None."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if UNSAFE_TEXT.search(text) else text


def key_pattern(key: str) -> str:
    """Return an anchored regular expression for ``key`` that matches any UUID in it."""
    parts = [REGEX_SPECIAL.sub(r"\\\1", part) for part in UUID.split(key)]
    return "^" + UUID_WILDCARD.join(parts) + "$"


@dataclass
class PutStep:
    """Put calls of one API to one stream; every call but the last has ``batch_size`` records."""

    stream: str
    api: str
    batch_size: int
    records: list[bytes]
    text: bool

    @classmethod
    def start(cls, stream: str, api: str, records: list[bytes]) -> PutStep:
        """Begin a step with one call's records."""
        text = all(record_text(record) is not None for record in records)
        return cls(stream, api, len(records), list(records), text)

    def extend(self, stream: str, api: str, records: list[bytes]) -> bool:
        """Add one more call's records when a replay would make the same calls."""
        if stream != self.stream or api != self.api:
            return False
        if len(self.records) % self.batch_size or len(records) > self.batch_size:
            return False
        text = all(record_text(record) is not None for record in records)
        if text != self.text:
            return False
        self.records.extend(records)
        return True

    def as_step(self) -> dict[str, Any]:
        """Return the ``put`` step."""
        body: dict[str, Any] = {"stream": self.stream}
        if self.api == "PutRecord":
            body["api"] = "PutRecord"
        else:
            body["batch_size"] = self.batch_size
        if self.text:
            body["records"] = [record.decode("utf-8") for record in self.records]
        else:
            body["encoding"] = "base64"
            body["records"] = [base64.b64encode(r).decode() for r in self.records]
        return {"put": body}


@dataclass
class RecordedObject:
    """An object the session delivered: where, how big, how many records, and why."""

    bucket: str
    key: str
    size: int
    records: int
    content_encoding: str | None
    stream: str | None = None
    reason: str | None = None

    @classmethod
    def from_s3_object(cls, obj: Any) -> RecordedObject:
        """Describe an ``emulator.sinks.S3Object`` that was written."""
        body = decode_body(obj.body, obj.content_encoding)
        return cls(
            bucket=obj.bucket,
            key=obj.key,
            size=len(obj.body),
            records=count_lines(body),
            content_encoding=obj.content_encoding,
        )


def build_setup(
    *,
    buckets: list[str],
    policies: list[dict[str, Any]],
    roles: list[dict[str, Any]],
    log_groups: dict[str, list[str]],
    transforms: list[tuple[str, str]],
    streams: list[dict[str, Any]],
) -> dict[str, Any]:
    """Return a scenario's ``setup``, leaving out the sections that would be empty.

    :param roles: mappings of ``name``, ``trust_policy``, ``policies`` (inline
        policy documents by name) and ``managed_policies`` (ARNs).
    :param transforms: ``(Lambda ARN, "module:function")`` pairs.
    """
    role_entries = []
    for role in roles:
        entry = {"name": role["name"], "trust_policy": role["trust_policy"]}
        if role["policies"]:
            entry["policies"] = [
                {"name": name, "document": document}
                for name, document in role["policies"].items()
            ]
        if role["managed_policies"]:
            entry["managed_policies"] = list(role["managed_policies"])
        role_entries.append(entry)
    sections = {
        "buckets": list(buckets),
        "policies": list(policies),
        "roles": role_entries,
        "log_groups": [
            {"name": name, "streams": list(names)} if names else {"name": name}
            for name, names in log_groups.items()
        ],
        "transforms": [{"arn": arn, "function": target} for arn, target in transforms],
        "streams": list(streams),
    }
    return {name: value for name, value in sections.items() if value}


def build_scenario(
    *,
    name: str,
    account: str,
    region: str,
    start: float,
    seed: int,
    manual: bool,
    setup: dict[str, Any],
    steps: list[Any],
    objects: list[RecordedObject],
) -> dict[str, Any]:
    """Return the data of a scenario file that replays a recorded session.

    :param steps: step mappings and ``PutStep`` objects, in the order they happened.
    :param objects: every object delivered, in order, for the ``expect`` steps.
    """
    description = "Recorded with firehose-emulator record."
    if not manual:
        description += (
            " The session ran on the system clock, so the time between calls is "
            "rounded to whole seconds."
        )
    document: dict[str, Any] = {
        "version": 1,
        "name": name,
        "description": description,
        "account": account,
        "region": region,
        "start": _isoformat(start),
        "seed": seed,
    }
    if setup:
        document["setup"] = setup
    document["steps"] = [
        step.as_step() if isinstance(step, PutStep) else step for step in steps
    ]
    document["steps"].extend(expect_steps(objects, setup.get("buckets", [])))
    return document


def expect_steps(objects: list[RecordedObject], buckets: list[str]) -> list[Any]:
    """Return an ``expect`` step per bucket for the objects delivered to it."""
    by_bucket: dict[str, list[RecordedObject]] = {bucket: [] for bucket in buckets}
    for obj in objects:
        by_bucket.setdefault(obj.bucket, []).append(obj)
    steps = []
    for bucket, found in by_bucket.items():
        body: dict[str, Any] = {"bucket": bucket}
        if found:
            body["objects"] = _object_entries(found)
        body["object_count"] = len(found)
        body["record_count"] = sum(obj.records for obj in found)
        steps.append({"expect": body})
    return steps


def _object_entries(objects: list[RecordedObject]) -> list[dict[str, Any]]:
    groups: dict[str, list[RecordedObject]] = {}
    for obj in objects:
        groups.setdefault(key_pattern(obj.key), []).append(obj)
    entries = []
    for pattern, group in groups.items():
        entry: dict[str, Any] = {"key": pattern}
        streams = {obj.stream for obj in group}
        if len(streams) == 1 and None not in streams:
            entry["stream"] = streams.pop()
        entry["count"] = len(group)
        entry["records"] = sum(obj.records for obj in group)
        entry["size"] = sum(obj.size for obj in group)
        reasons = {obj.reason for obj in group}
        if len(reasons) == 1 and None not in reasons:
            entry["reason"] = reasons.pop()
        encodings = {obj.content_encoding for obj in group}
        if len(encodings) == 1 and None not in encodings:
            entry["content_encoding"] = encodings.pop()
        entries.append(entry)
    return entries


def _isoformat(moment: float) -> str:
    text = datetime.fromtimestamp(moment, tz=timezone.utc).isoformat()
    return text.replace("+00:00", "Z")


class _ScenarioDumper(yaml.SafeDumper):
    """Writes text with line breaks as YAML literal blocks, so records read as written."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # PyYAML (6.0) falls back to a quoted style when a literal block cannot
    # hold the text exactly, for example with a space before a line break.
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_ScenarioDumper.add_representer(str, _represent_text)


def dump_scenario(document: dict[str, Any], comments: list[str] = ()) -> str:
    """Return a scenario as YAML text, after a comment line for each of ``comments``."""
    text = yaml.dump(
        document,
        Dumper=_ScenarioDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1 << 20,
    )
    header = "".join(f"# {line}\n" for line in comments)
    return header + text


def write_scenario(
    path: str | os.PathLike[str], document: dict[str, Any], comments: list[str] = ()
) -> None:
    """Write a scenario file through a temporary file, so the target is replaced whole."""
    target = Path(path)
    temporary = target.with_name(f".{target.name}.tmp")
    try:
        temporary.write_text(dump_scenario(document, comments), encoding="utf-8")
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
