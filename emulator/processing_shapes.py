"""Model constraints of ProcessingConfiguration and DynamicPartitioningConfiguration.

These are the checks AWS makes against the botocore model of Firehose before
any Firehose rule: enum values, required members and lengths. A failure is a
``ValidationException`` that lists every violation, in AWS's wording.
"""

from __future__ import annotations

import re
from typing import Any

from emulator.errors import ValidationException

__all__ = [
    "PARAMETER_NAMES",
    "PROCESSOR_TYPES",
    "validate_processing_shapes",
]

MAX_PARAMETER_VALUE_LENGTH = 5120
MAX_RETRY_DURATION_SECONDS = 7200

# The enum lists in the order AWS prints them in ValidationException messages,
# which is neither the model's order nor alphabetical.
PROCESSOR_TYPES = (
    "Decompression",
    "Lambda",
    "RecordDeAggregation",
    "MetadataExtraction",
    "AppendDelimiterToRecord",
    "CloudWatchLogProcessing",
)
PARAMETER_NAMES = (
    "DataMessageExtraction",
    "NumberOfRetries",
    "Delimiter",
    "RoleArn",
    "JsonParsingEngine",
    "SubRecordType",
    "MetadataExtractionQuery",
    "BufferIntervalInSeconds",
    "LambdaArn",
    "BufferSizeInMBs",
    "CompressionFormat",
)
PARAMETER_VALUE_PATTERN = re.compile(r"^(?!\s*$).+")


def validate_processing_shapes(
    processors: Any, destination: dict[str, Any], shape_path: str
) -> None:
    """Raise one ValidationException listing every model violation, as AWS does."""
    violations: list[str] = []
    if not isinstance(processors, list):
        violations.append(
            _violation(
                f"{shape_path}.processingConfiguration.processors",
                processors,
                "Member must be a list",
            )
        )
        processors = []
    for index, processor in enumerate(processors, start=1):
        path = f"{shape_path}.processingConfiguration.processors.{index}.member"
        violations.extend(_processor_violations(processor, path))
    violations.extend(_retry_violations(destination, shape_path))
    if violations:
        count = len(violations)
        noun = "error" if count == 1 else "errors"
        raise ValidationException(
            f"{count} validation {noun} detected: " + "; ".join(violations)
        )


def _processor_violations(processor: Any, path: str) -> list[str]:
    if not isinstance(processor, dict):
        return [_violation(path, processor, "Member must be a structure")]
    violations = _enum_violations(
        processor.get("Type"), f"{path}.type", PROCESSOR_TYPES
    )
    for index, parameter in enumerate(processor.get("Parameters") or [], start=1):
        parameter_path = f"{path}.parameters.{index}.member"
        if not isinstance(parameter, dict):
            violations.append(
                _violation(parameter_path, parameter, "Member must be a structure")
            )
            continue
        violations.extend(
            _enum_violations(
                parameter.get("ParameterName"),
                f"{parameter_path}.parameterName",
                PARAMETER_NAMES,
            )
        )
        violations.extend(
            _value_violations(
                parameter.get("ParameterValue"), f"{parameter_path}.parameterValue"
            )
        )
    return violations


def _enum_violations(value: Any, path: str, allowed: tuple[str, ...]) -> list[str]:
    if value is None:
        return [_violation(path, None, "Member must not be null")]
    if value not in allowed:
        listing = ", ".join(allowed)
        return [
            _violation(path, value, f"Member must satisfy enum value set: [{listing}]")
        ]
    return []


def _value_violations(value: Any, path: str) -> list[str]:
    """Check a ParameterValue: 1-5120 characters, not blank."""
    if value is None:
        return [_violation(path, None, "Member must not be null")]
    if not isinstance(value, str):
        return [_violation(path, value, "Member must be a string")]
    violations = []
    if len(value) < 1:
        violations.append(
            _violation(
                path, value, "Member must have length greater than or equal to 1"
            )
        )
    if len(value) > MAX_PARAMETER_VALUE_LENGTH:
        violations.append(
            _violation(
                path,
                value,
                "Member must have length less than or equal to "
                f"{MAX_PARAMETER_VALUE_LENGTH}",
            )
        )
    if not PARAMETER_VALUE_PATTERN.fullmatch(value):
        violations.append(
            _violation(
                path,
                value,
                "Member must satisfy regular expression pattern: "
                f"{PARAMETER_VALUE_PATTERN.pattern}",
            )
        )
    return violations


def _retry_violations(destination: dict[str, Any], shape_path: str) -> list[str]:
    dynamic = destination.get("DynamicPartitioningConfiguration") or {}
    duration = (dynamic.get("RetryOptions") or {}).get("DurationInSeconds")
    if duration is None:
        return []
    path = (
        f"{shape_path}.dynamicPartitioningConfiguration.retryOptions.durationInSeconds"
    )
    if isinstance(duration, bool) or not isinstance(duration, int):
        return [_violation(path, duration, "Member must be an integer")]
    if duration < 0:
        return [
            _violation(
                path, duration, "Member must have value greater than or equal to 0"
            )
        ]
    if duration > MAX_RETRY_DURATION_SECONDS:
        return [
            _violation(
                path,
                duration,
                "Member must have value less than or equal to "
                f"{MAX_RETRY_DURATION_SECONDS}",
            )
        ]
    return []


def _violation(path: str, value: Any, constraint: str) -> str:
    """Format one violation the way ``errors.validation_message`` words it."""
    value_text = "null" if value is None else f"'{value}'"
    return f"Value {value_text} at '{path}' failed to satisfy constraint: {constraint}"
