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
from dataclasses import dataclass
from typing import Any

from emulator.errors import InvalidArgumentException
from emulator.jq_query import QuerySyntaxError, compile_query, object_keys
from emulator.prefixes import partition_key_names
from emulator.processing_shapes import PROCESSOR_TYPES, validate_processing_shapes

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
MIN_DYNAMIC_PARTITIONING_SIZE_MIB = 64

SUB_RECORD_TYPES = ("JSON", "DELIMITED")
JSON_PARSING_ENGINES = ("JQ-1.6",)

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
    """The steps the record pipeline applies to each record before buffering."""

    enabled: bool
    lambda_: LambdaSettings | None
    metadata_query: str | None
    deaggregation: str | None
    delimiter: bytes | None
    append_delimiter: bool
    dynamic_partitioning: bool
    dynamic_partitioning_retry_seconds: int


def validate_processing(destination: dict[str, Any], *, shape_path: str) -> None:
    """Raise AWS's error if the processing or dynamic-partitioning settings are invalid.

    Model constraints are checked first and all reported together. Firehose's
    own processor rules apply only while ``ProcessingConfiguration.Enabled`` is
    true; the first broken rule is reported.

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
    validate_processing_shapes(processors, destination, shape_path)

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
    """Return the settings of a destination that ``validate_processing`` accepted."""
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
    prefix_keys, _lambda_keys = partition_key_names(prefix)
    missing = sorted(keys - prefix_keys)
    if missing:
        logger.debug("query keys %s are not used in the prefix %r", missing, prefix)
        raise InvalidArgumentException(
            "MetaDataExtraction JQ Query can't contain keys that are not present in "
            "the S3 Prefix expression"
        )


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
