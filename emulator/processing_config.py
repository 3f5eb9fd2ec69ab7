"""ProcessingConfiguration and DynamicPartitioningConfiguration: validation and parsing.

``validate_processing`` raises the errors AWS returns from CreateDeliveryStream
and UpdateDestination for these two blocks, and ``parse_processing`` turns a
validated destination into ``ProcessingSettings`` for the record pipeline.

Sources for the rules and messages: the botocore model of Firehose (enums,
lengths, ``RetryDurationInSeconds`` 0-7200), the Firehose developer guide
pages "Transform source data", "Dynamic partitioning" and "Buffering hints",
and error texts that public projects quote from real AWS responses.
"""

from __future__ import annotations

import base64
import binascii
import logging
import math
import re
from dataclasses import dataclass
from typing import Any

from emulator.errors import InvalidArgumentException, ValidationException
from emulator.jq_query import QuerySyntaxError, compile_query, object_keys

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_LAMBDA_BUFFER_INTERVAL_SECONDS",
    "DEFAULT_LAMBDA_BUFFER_SIZE_MB",
    "DEFAULT_NUMBER_OF_RETRIES",
    "DEFAULT_RETRY_DURATION_SECONDS",
    "LambdaSettings",
    "ProcessingSettings",
    "parse_processing",
    "query_keys",
    "validate_processing",
]

MIB = 1_048_576
DEFAULT_NUMBER_OF_RETRIES = 3
DEFAULT_LAMBDA_BUFFER_SIZE_MB = 1.0
DEFAULT_LAMBDA_BUFFER_INTERVAL_SECONDS = 60.0
DEFAULT_RETRY_DURATION_SECONDS = 300
MAX_PROCESSORS = 5
MAX_PARAMETER_VALUE_LENGTH = 5120
MIN_DYNAMIC_PARTITIONING_SIZE_MIB = 64

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
SUB_RECORD_TYPES = ("JSON", "DELIMITED")
JSON_PARSING_ENGINES = ("JQ-1.6",)

_QUERY_KEY_EXPRESSION = re.compile(r"!\{partitionKeyFromQuery:([^}]*)\}")
_PREFIX_RULE = "Ths supplied prefix(es) do not satisfy the following constraint: "
_PROCESSOR_CLASS = "class com.amazonaws.services.firehose.internal.model.{}Processor"


@dataclass(frozen=True)
class LambdaSettings:
    """The Lambda processor of a stream, with AWS's defaults filled in."""

    arn: str
    number_of_retries: int
    buffer_size_bytes: int
    buffer_interval_seconds: float
    role_arn: str | None


@dataclass(frozen=True)
class ProcessingSettings:
    """What the record pipeline does to each record before it is buffered."""

    enabled: bool
    lambda_: LambdaSettings | None
    metadata_query: str | None
    deaggregation: str | None
    delimiter: bytes | None
    append_delimiter: bool
    dynamic_partitioning: bool
    dynamic_partitioning_retry_seconds: int


def validate_processing(destination: dict[str, Any], *, shape_path: str) -> None:
    """Raise AWS's error for the first broken processing or partitioning rule.

    :param destination: the ExtendedS3 destination configuration, with
        ``ProcessingConfiguration``, ``DynamicPartitioningConfiguration``,
        ``BufferingHints``, ``Prefix`` and ``ErrorOutputPrefix`` as given.
    :param shape_path: the member path AWS names in validation messages, such
        as ``extendedS3DestinationConfiguration``.
    :raises ValidationException: a value breaks a constraint of the AWS model.
    :raises InvalidArgumentException: a value breaks one of Firehose's own rules.
    """
    processing = destination.get("ProcessingConfiguration") or {}
    processors = processing.get("Processors") or []
    _validate_model(processors, destination, shape_path)

    dynamic = _dynamic_partitioning_enabled(destination)
    if processing.get("Enabled"):
        _validate_processors(processors, dynamic)
    if dynamic:
        _validate_dynamic_partitioning(destination)
    query = _enabled_query(destination)
    if query is not None:
        _validate_query_keys(query, destination.get("Prefix") or "")


def query_keys(query: str) -> set[str]:
    """Return the top-level keys of a jq object-construction query.

    The query is compiled with jq first, so a query jq rejects raises here.
    Keys computed at run time (``{(.k): .v}``) are not included.

    :raises InvalidArgumentException: jq cannot compile the query, or it is not
        one object construction.
    """
    try:
        compile_query(query)
    except ValueError as error:
        detail = str(error).splitlines()[0] if str(error) else "syntax error"
        raise InvalidArgumentException(
            f"MetaDataExtraction JQ Query is not a valid JQ expression: {detail}"
        ) from None
    try:
        return object_keys(query)
    except QuerySyntaxError as error:
        raise InvalidArgumentException(
            "MetaDataExtraction JQ Query must be a JSON object construction such as "
            f"{{customer_id: .customer_id}}: {error}"
        ) from None


def parse_processing(destination: dict[str, Any]) -> ProcessingSettings:
    """Return the processing settings of a destination validated by ``validate_processing``."""
    processing = destination.get("ProcessingConfiguration") or {}
    enabled = bool(processing.get("Enabled")) and bool(processing.get("Processors"))
    by_type = _processors_by_type(processing.get("Processors") or []) if enabled else {}

    deaggregation = by_type.get("RecordDeAggregation")
    sub_record_type = deaggregation.get("SubRecordType") if deaggregation else None
    delimiter = None
    if sub_record_type == "DELIMITED":
        delimiter = base64.b64decode(deaggregation["Delimiter"], validate=True)
    metadata = by_type.get("MetadataExtraction")

    return ProcessingSettings(
        enabled=enabled,
        lambda_=_lambda_settings(by_type.get("Lambda")),
        metadata_query=metadata.get("MetadataExtractionQuery") if metadata else None,
        deaggregation=sub_record_type,
        delimiter=delimiter,
        append_delimiter="AppendDelimiterToRecord" in by_type,
        dynamic_partitioning=_dynamic_partitioning_enabled(destination),
        dynamic_partitioning_retry_seconds=_retry_duration(destination),
    )


def _lambda_settings(parameters: dict[str, str] | None) -> LambdaSettings | None:
    if parameters is None:
        return None
    size_mb = float(parameters.get("BufferSizeInMBs", DEFAULT_LAMBDA_BUFFER_SIZE_MB))
    return LambdaSettings(
        arn=parameters["LambdaArn"],
        number_of_retries=int(
            parameters.get("NumberOfRetries", DEFAULT_NUMBER_OF_RETRIES)
        ),
        buffer_size_bytes=round(size_mb * MIB),
        buffer_interval_seconds=float(
            parameters.get(
                "BufferIntervalInSeconds", DEFAULT_LAMBDA_BUFFER_INTERVAL_SECONDS
            )
        ),
        role_arn=parameters.get("RoleArn"),
    )


def _retry_duration(destination: dict[str, Any]) -> int:
    dynamic = destination.get("DynamicPartitioningConfiguration") or {}
    retry = dynamic.get("RetryOptions") or {}
    duration = retry.get("DurationInSeconds")
    return DEFAULT_RETRY_DURATION_SECONDS if duration is None else int(duration)


def _dynamic_partitioning_enabled(destination: dict[str, Any]) -> bool:
    dynamic = destination.get("DynamicPartitioningConfiguration") or {}
    return bool(dynamic.get("Enabled"))


def _processors_by_type(processors: list[Any]) -> dict[str, dict[str, str]]:
    """Map each processor type to its parameters; the first of a type wins."""
    result: dict[str, dict[str, str]] = {}
    for processor in processors:
        if not isinstance(processor, dict):
            continue
        parameters: dict[str, str] = {}
        for parameter in processor.get("Parameters") or []:
            if isinstance(parameter, dict):
                parameters.setdefault(
                    parameter.get("ParameterName"), parameter.get("ParameterValue")
                )
        result.setdefault(processor.get("Type"), parameters)
    return result


def _enabled_query(destination: dict[str, Any]) -> str | None:
    processing = destination.get("ProcessingConfiguration") or {}
    if not processing.get("Enabled"):
        return None
    metadata = _processors_by_type(processing.get("Processors") or []).get(
        "MetadataExtraction"
    )
    return metadata.get("MetadataExtractionQuery") if metadata else None


# Model constraints (ValidationException) ------------------------------------


def _validate_model(
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
    violations = _enum_violations(processor.get("Type"), f"{path}.type", PROCESSOR_TYPES)
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
        return [_violation(path, value, f"Member must satisfy enum value set: [{listing}]")]
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
            _violation(path, value, "Member must have length greater than or equal to 1")
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
    path = f"{shape_path}.dynamicPartitioningConfiguration.retryOptions.durationInSeconds"
    if isinstance(duration, bool) or not isinstance(duration, int):
        return [_violation(path, duration, "Member must be an integer")]
    if duration < 0:
        return [_violation(path, duration, "Member must have value greater than or equal to 0")]
    if duration > 7200:
        return [
            _violation(path, duration, "Member must have value less than or equal to 7200")
        ]
    return []


def _violation(path: str, value: Any, constraint: str) -> str:
    """Format one violation the way ``errors.validation_message`` words it."""
    shown = "null" if value is None else f"'{value}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: {constraint}"


# Firehose's own rules (InvalidArgumentException) ---------------------------


def _validate_processors(processors: list[dict[str, Any]], dynamic: bool) -> None:
    if not 1 <= len(processors) <= MAX_PROCESSORS:
        raise InvalidArgumentException(
            "A maximum of 5 and a minimum of 1 processor needs to be supplied when "
            "processing is enabled."
        )
    types = [processor["Type"] for processor in processors]
    for processor_type in PROCESSOR_TYPES:
        if types.count(processor_type) > 1:
            # NOTE: AWS's text is confirmed for Lambda; the other types are assumed
            # to follow the same rule and wording.
            raise InvalidArgumentException(
                f"Cannot have more than 1 {processor_type} processor."
            )
    if "CloudWatchLogProcessing" in types and "Decompression" not in types:
        raise InvalidArgumentException(
            "CloudWatchLogProcessingProcessor can only be enabled with "
            "DecompressionProcessor"
        )

    by_type = _processors_by_type(processors)
    for processor_type in ("MetadataExtraction", "RecordDeAggregation"):
        if processor_type in by_type and not dynamic:
            raise InvalidArgumentException(
                f"{_PROCESSOR_CLASS.format(processor_type)} can only be present when "
                "Dynamic Partitioning is enabled."
            )
    if "Lambda" in by_type:
        _validate_lambda(by_type["Lambda"])
    if "MetadataExtraction" in by_type:
        _validate_metadata_extraction(by_type["MetadataExtraction"])
    if "RecordDeAggregation" in by_type:
        _validate_deaggregation(by_type["RecordDeAggregation"])


def _validate_lambda(parameters: dict[str, str]) -> None:
    if "LambdaArn" not in parameters:
        raise InvalidArgumentException(
            "LambdaArn is required when Lambda processor is used."
        )
    retries = parameters.get("NumberOfRetries")
    if retries is not None and not _is_int_between(retries, 0, 300):
        raise InvalidArgumentException(
            "Number of retries for lambda must be between 0 and 300."
        )

    size = parameters.get("BufferSizeInMBs")
    interval = parameters.get("BufferIntervalInSeconds")
    if (size is None) != (interval is None):
        raise InvalidArgumentException(
            "Both BufferSizeInMBs and BufferIntervalInSeconds are required to configure "
            "buffering for lambda processor."
        )
    if size is not None and not _is_number_between(size, 0.2, 3.0):
        raise InvalidArgumentException(
            "BufferSizeInMBs for lambda processor must be between 0.2 and 3."
        )
    if interval is not None and not _is_int_between(interval, 0, 900):
        raise InvalidArgumentException(
            "BufferIntervalInSeconds for lambda processor must be between 0 and 900."
        )


def _validate_metadata_extraction(parameters: dict[str, str]) -> None:
    if parameters.get("JsonParsingEngine") not in JSON_PARSING_ENGINES:
        raise InvalidArgumentException(
            "MetaDataExtraction JSON Parsing Engine has to be one of JQ-1.6"
        )
    if "MetadataExtractionQuery" not in parameters:
        raise InvalidArgumentException(
            "MetadataExtractionQuery is required when MetadataExtraction processor "
            "is used."
        )


def _validate_deaggregation(parameters: dict[str, str]) -> None:
    sub_record_type = parameters.get("SubRecordType")
    if sub_record_type not in SUB_RECORD_TYPES:
        raise InvalidArgumentException("SubRecordType has to be one of JSON, DELIMITED")
    if sub_record_type != "DELIMITED":
        return
    delimiter = parameters.get("Delimiter")
    if delimiter is None:
        raise InvalidArgumentException("Delimiter should be present for DELIMITED")
    try:
        decoded = base64.b64decode(delimiter, validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    if not decoded:
        raise InvalidArgumentException(
            f"Delimiter {delimiter!r} is not a valid base64-encoded string; encode the "
            "delimiter, for example #### as IyMjIw==."
        )


def _validate_dynamic_partitioning(destination: dict[str, Any]) -> None:
    if not destination.get("ErrorOutputPrefix"):
        prefix = destination.get("Prefix") or ""
        if "!{" in prefix:
            raise InvalidArgumentException(
                _PREFIX_RULE + "ErrorOutputPrefix cannot be null or empty when Prefix "
                "contains expressions"
            )
        raise InvalidArgumentException(
            _PREFIX_RULE + "ErrorOutputPrefix cannot be null or empty when Dynamic "
            "Partitioning is enabled"
        )
    hints = destination.get("BufferingHints") or {}
    size = hints.get("SizeInMBs")
    if size is not None and size < MIN_DYNAMIC_PARTITIONING_SIZE_MIB:
        raise InvalidArgumentException(
            "BufferingHints.SizeInMBs must be at least 64 when Dynamic Partitioning "
            "is enabled."
        )
    if hints.get("IntervalInSeconds") == 0:
        raise InvalidArgumentException(
            "Zero buffering (BufferingHints.IntervalInSeconds 0) is not supported when "
            "Dynamic Partitioning is enabled."
        )


def _validate_query_keys(query: str, prefix: str) -> None:
    keys = query_keys(query)
    prefix_keys = _prefix_query_keys(prefix)
    missing = sorted(keys - prefix_keys)
    if missing:
        logger.debug("query keys %s are not used in the prefix %r", missing, prefix)
        raise InvalidArgumentException(
            "MetaDataExtraction JQ Query can't contain keys that are not present in "
            "the S3 Prefix expression"
        )


def _prefix_query_keys(prefix: str) -> set[str]:
    return {match.group(1) for match in _QUERY_KEY_EXPRESSION.finditer(prefix)}


def _is_int_between(text: str, minimum: int, maximum: int) -> bool:
    try:
        value = int(text.strip())
    except ValueError:
        return False
    return minimum <= value <= maximum


def _is_number_between(text: str, minimum: float, maximum: float) -> bool:
    try:
        value = float(text.strip())
    except ValueError:
        return False
    return math.isfinite(value) and minimum <= value <= maximum
