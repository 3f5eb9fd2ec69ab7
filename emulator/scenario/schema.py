"""Check scenario data against the JSON Schema and turn violations into readable errors."""

from __future__ import annotations

import difflib
import json
import math
from functools import lru_cache
from importlib import resources
from typing import Any

from emulator.scenario.errors import ScenarioFormatError
from emulator.scenario.yamlfile import LineIndex, Path, format_path

__all__ = ["STEP_KINDS", "check_schema", "fix_of", "load_schema", "yaml_number"]

STEP_KINDS = (
    "put",
    "advance",
    "flush",
    "update_destination",
    "delete_stream",
    "fault",
    "expect",
)


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    """Return the scenario format's JSON Schema (``emulator/schemas/scenario-v1.json``)."""
    text = resources.files("emulator").joinpath("schemas/scenario-v1.json").read_text()
    return json.loads(text)


def fix_of(definition: str, member: str | None = None) -> str:
    """Return the ``x-fix`` advice of a schema definition, or of one of its members."""
    schema = load_schema()["$defs"][definition]
    if member is not None:
        schema = schema["properties"][member]
    return schema["x-fix"]


def yaml_number(value: Any) -> str:
    """Return a value as JSON, but infinity and NaN as YAML writes them (.inf, .nan)."""
    if isinstance(value, float) and math.isnan(value):
        return ".nan"
    if isinstance(value, float) and math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    return json.dumps(value, default=str)


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema())


def _suggest(name: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(name, allowed, n=1)
    listing = ", ".join(sorted(allowed))
    if close:
        return f"did you mean {close[0]!r}? The fields allowed here are: {listing}"
    return f"remove it, or use one of the fields allowed here: {listing}"


def _check_steps(data: dict[str, Any], file: str, index: LineIndex) -> None:
    # Checked before the schema so that an unknown step gets a message about
    # steps, not about a mapping with an unexpected property.
    steps = data.get("steps")
    if not isinstance(steps, list):
        return
    for position, step in enumerate(steps):
        path: Path = ("steps", position)
        if not isinstance(step, dict) or len(step) != 1:
            kinds = list(step) if isinstance(step, dict) else step
            raise ScenarioFormatError(
                file,
                index.line(path),
                format_path(path),
                f"a step must be a mapping with exactly one key, got {kinds!r}",
                "write each step on its own list item, such as '- advance: 60'",
            )
        kind = next(iter(step))
        if kind not in STEP_KINDS:
            close = difflib.get_close_matches(str(kind), STEP_KINDS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ScenarioFormatError(
                file,
                index.key_line(path + (kind,)),
                format_path(path),
                f"unknown step {kind!r}",
                f"{hint}use one of: {', '.join(STEP_KINDS)}",
            )


def _fix_for(error: Any) -> str:
    fix = error.schema.get("x-fix") if isinstance(error.schema, dict) else None
    if fix:
        return fix
    if error.validator == "required":
        return "add the missing field"
    return "correct the value as the format in docs/scenarios.md describes"


def _format_error(error: Any, file: str, index: LineIndex) -> ScenarioFormatError:
    path: Path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(error.schema.get("properties", {}))
        unknown = [key for key in error.instance if key not in allowed]
        name = str(unknown[0]) if unknown else "?"
        return ScenarioFormatError(
            file,
            index.key_line(path + (name,)),
            format_path(path + (name,)),
            f"unknown field {name!r}",
            _suggest(name, allowed),
        )
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return ScenarioFormatError(
            file,
            index.line(path),
            format_path(path + (missing,)),
            f"the required field {missing!r} is missing",
            _fix_for(error),
        )
    value = yaml_number(error.instance)
    if len(value) > 60:
        value = value[:57] + "..."
    return ScenarioFormatError(
        file,
        index.line(path),
        format_path(path) or "(top level)",
        _problem(error, value),
        _fix_for(error),
    )


def _problem(error: Any, value: str) -> str:
    bound = error.validator_value
    if error.validator == "type":
        return f"invalid value {value}: expected {_types(bound)}"
    if error.validator == "minimum":
        return f"invalid value {value}: must be {bound} or more"
    if error.validator == "maximum":
        return f"invalid value {value}: must be {bound} or less"
    if error.validator == "minItems":
        return "the list is empty"
    if error.validator == "minProperties":
        return "the mapping is empty"
    if error.validator in ("const", "enum", "pattern"):
        return f"invalid value {value}"
    return f"invalid value {value}: {error.message}"


def _types(expected: Any) -> str:
    names = {
        "string": "a string",
        "object": "a mapping",
        "array": "a list",
        "integer": "a whole number",
        "number": "a number",
        "boolean": "true or false",
        "null": "nothing",
    }
    if isinstance(expected, str):
        expected = [expected]
    return " or ".join(names.get(name, name) for name in expected)


def check_schema(data: Any, file: str, index: LineIndex) -> None:
    """Raise ``ScenarioFormatError`` for the first violation of the schema, by line."""
    if not isinstance(data, dict):
        raise ScenarioFormatError(
            file,
            index.line(()),
            "",
            "a scenario must be a YAML mapping",
            "start the file with 'version: 1' and give setup and steps",
        )
    _check_steps(data, file, index)
    errors = list(_validator().iter_errors(data))
    if not errors:
        return
    errors.sort(
        key=lambda e: (index.line(tuple(e.absolute_path)) or 0, -len(e.absolute_path))
    )
    raise _format_error(errors[0], file, index)
