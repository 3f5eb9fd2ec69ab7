"""Load a scenario file: parse the YAML, check it, and read the files it names."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path as FilePath
from typing import Any

from emulator.runtime import Settings
from emulator.scenario import checks
from emulator.scenario.errors import ScenarioFormatError
from emulator.scenario.model import PolicySpec, RoleSpec, Scenario, Step, StreamSpec
from emulator.scenario.schema import check_schema, load_schema
from emulator.scenario.timing import StepClock, parse_scenario_time
from emulator.scenario.yamlfile import LineIndex, Path, format_path, parse_yaml

__all__ = ["DEFAULT_ACCOUNT", "DEFAULT_REGION", "DEFAULT_START", "load_scenario"]

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
DEFAULT_START = "2026-01-01T00:00:00Z"


class _Context:
    """The file being loaded, for error messages that name its lines."""

    def __init__(self, file: str, index: LineIndex, base_dir: FilePath):
        self.file = file
        self.index = index
        self.base_dir = base_dir

    def error(
        self, path: Path, problem: str, fix: str, *, key: bool = False
    ) -> ScenarioFormatError:
        line = self.index.key_line(path) if key else self.index.line(path)
        return ScenarioFormatError(self.file, line, format_path(path), problem, fix)

    def read_json(self, relative: str, path: Path) -> Any:
        """Read a JSON file named by the scenario, relative to the scenario's folder."""
        target = self.resolve(relative, path)
        try:
            return json.loads(target.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ScenarioFormatError(
                str(target),
                error.lineno,
                "",
                f"invalid JSON: {error.msg} (column {error.colno}), in the file that "
                f"{self.file}:{self.index.line(path)} names",
                "correct the JSON syntax at that line",
            ) from None

    def resolve(self, relative: str, path: Path) -> FilePath:
        target = (self.base_dir / relative).resolve()
        if not target.is_file():
            raise self.error(
                path,
                f"file not found: {relative!r} (looked for {target})",
                "give a path relative to the folder of the scenario file",
            )
        return target


def load_scenario(file: str | FilePath) -> Scenario:
    """Read and check a scenario file.

    :raises ScenarioFormatError: when the file is malformed; the message names
        the file, the line, the field, the value and the fix.
    """
    name = str(file)
    try:
        text = FilePath(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioFormatError(
            name,
            None,
            "",
            f"cannot read the file ({error})",
            "give the path of a readable YAML file",
        ) from None
    data, index = parse_yaml(text, name)
    context = _Context(name, index, FilePath(file).resolve().parent)
    _check_version(data, context)
    check_schema(data, name, index)
    return _build(data, text, context)


def _check_version(data: Any, context: _Context) -> None:
    if isinstance(data, dict) and data.get("version") == 1:
        return
    version = data.get("version") if isinstance(data, dict) else None
    if version is None:
        raise context.error(
            (),
            "the field 'version' is missing",
            "add 'version: 1' as the first line of the file",
        )
    raise context.error(
        ("version",),
        f"unsupported version {version!r}",
        "write version: 1 (the only format version this emulator reads)",
    )


def _start(data: dict[str, Any], context: _Context) -> float:
    start_text = data.get("start", DEFAULT_START)
    try:
        return parse_scenario_time(start_text)
    except ValueError as error:
        fix = load_schema()["properties"]["start"]["x-fix"]
        raise context.error(("start",), str(error), fix) from None


def _build(data: dict[str, Any], text: str, context: _Context) -> Scenario:
    setup = data.get("setup") or {}
    buckets = [b if isinstance(b, str) else b["name"] for b in setup.get("buckets", [])]
    streams = [
        _stream(spec, ("setup", "streams", i), context)
        for i, spec in enumerate(setup.get("streams", []))
    ]
    _check_unique([s.name for s in streams], ("setup", "streams"), "stream", context)
    _check_unique(buckets, ("setup", "buckets"), "bucket", context)
    policies = [
        _policy(spec, ("setup", "policies", i), context)
        for i, spec in enumerate(setup.get("policies", []))
    ]
    _check_unique(
        [p.name for p in policies], ("setup", "policies"), "managed policy", context
    )
    scenario = Scenario(
        file=context.file,
        name=data.get("name") or FilePath(context.file).stem,
        description=data.get("description", ""),
        account=data.get("account", DEFAULT_ACCOUNT),
        region=data.get("region", DEFAULT_REGION),
        start=_start(data, context),
        seed=data.get("seed", 0),
        buckets=buckets,
        roles=[
            _role(spec, ("setup", "roles", i), context)
            for i, spec in enumerate(setup.get("roles", []))
        ],
        streams=streams,
        transforms=[(t["arn"], t["function"]) for t in setup.get("transforms", [])],
        log_groups=[
            (group["name"], group.get("streams", []))
            for group in setup.get("log_groups", [])
        ],
        settings=_settings(setup.get("settings", {}), context),
        steps=[],
        base_dir=context.base_dir,
        index=context.index,
        text=text,
        data=data,
        policies=policies,
    )
    scenario.steps = _steps(data["steps"], scenario, context)
    return scenario


def _steps(steps: list[Any], scenario: Scenario, context: _Context) -> list[Step]:
    result = []
    clock = StepClock(scenario.start)
    for position, step in enumerate(steps):
        kind, body = next(iter(step.items()))
        path = ("steps", position)
        checks.check_step(kind, body, path, scenario, context)
        clock.check_step(kind, body, path, context)
        result.append(Step(kind, body, path, context.index.line(path)))
    return result


def _check_unique(names: list[str], path: Path, noun: str, context: _Context) -> None:
    for position, name in enumerate(names):
        if name in names[:position]:
            raise context.error(
                path + (position,),
                f"the {noun} {name!r} is given twice",
                f"give each {noun} once",
            )


def _stream(spec: dict[str, Any], path: Path, context: _Context) -> StreamSpec:
    if "file" not in spec:
        return StreamSpec(dict(spec), path, context.index.line(path))
    request = context.read_json(spec["file"], path + ("file",))
    if not isinstance(request, dict) or not isinstance(
        request.get("DeliveryStreamName"), str
    ):
        raise context.error(
            path + ("file",),
            f"the file {spec['file']!r} holds no CreateDeliveryStream input "
            "with a DeliveryStreamName",
            "give a JSON object as 'aws firehose create-delivery-stream --cli-input-json' reads it",
        )
    request = _merge(request, spec.get("override", {}))
    return StreamSpec(request, path, context.index.line(path), source=spec["file"])


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``override`` merged in, mapping by mapping."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _document(value: Any, path: Path, context: _Context) -> dict[str, Any]:
    document = context.read_json(value, path) if isinstance(value, str) else value
    if not isinstance(document, dict):
        raise context.error(
            path, "the policy is not a JSON object", "give an IAM policy document"
        )
    return document


def _role(spec: dict[str, Any], path: Path, context: _Context) -> RoleSpec:
    policies = [
        (
            policy["name"],
            _document(policy["document"], path + ("policies", i, "document"), context),
        )
        for i, policy in enumerate(spec.get("policies", []))
    ]
    return RoleSpec(
        name=spec["name"],
        trust_policy=_document(spec["trust_policy"], path + ("trust_policy",), context),
        policies=policies,
        path=path,
        line=context.index.line(path),
        managed_policies=list(spec.get("managed_policies", [])),
    )


def _policy(spec: dict[str, Any], path: Path, context: _Context) -> PolicySpec:
    return PolicySpec(
        name=spec["name"],
        document=_document(spec["document"], path + ("document",), context),
        iam_path=spec.get("path", "/"),
        path=path,
        line=context.index.line(path),
    )


def _settings(values: dict[str, Any], context: _Context) -> dict[str, Any]:
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    for name, value in values.items():
        path = ("setup", "settings", name)
        if name not in fields:
            raise context.error(
                path,
                f"unknown setting {name!r}",
                f"use one of: {', '.join(sorted(fields))}",
                key=True,
            )
        expected = type(getattr(Settings(), name))
        valid = isinstance(value, expected) or (
            expected is float and isinstance(value, int)
        )
        if not valid or isinstance(value, bool):
            raise context.error(
                path,
                f"invalid value {value!r}",
                f"give a {expected.__name__}, as the default {getattr(Settings(), name)!r} is",
            )
    return dict(values)
