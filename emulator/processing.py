"""The record-processing stage: de-aggregation, transform, partition keys, delimiter.

AWS applies the steps in this order (Firehose developer guide, "Choose a
destination"): JSON or delimiter de-aggregation, then the Lambda transform,
then dynamic-partitioning key extraction, then delivery. ``process_records``
runs them all on one batch; the functions it calls can also be used alone.
The Lambda transform is a Python callable with the signature of a Lambda
handler, ``transform(event, context) -> response``, and ``lambda_invoke`` contains
the code that calls it.
"""

from __future__ import annotations

import json
import logging
import math
import random
from collections.abc import Callable

from emulator.jq_query import compile_query
from emulator.lambda_invoke import Transform, invoke_transform
from emulator.processing_config import ProcessingSettings
from emulator.processing_types import (
    METADATA_EXTRACTION_FAILED,
    PROCESSING_FAILED,
    FailedRecord,
    PartitionKeyError,
    ProcessedRecord,
    SourceRecord,
)

logger = logging.getLogger(__name__)

__all__ = [
    "MAX_SUB_RECORDS",
    "METADATA_EXTRACTION_FAILED",
    "PROCESSING_FAILED",
    "FailedRecord",
    "PartitionKeyError",
    "ProcessedRecord",
    "SourceRecord",
    "Transform",
    "apply_delimiter",
    "deaggregate",
    "extract_partition_keys",
    "invoke_transform",
    "partition_key_failure",
    "process_records",
]

MAX_SUB_RECORDS = 500
METADATA_EXTRACTION_ERROR_CODE = "DynamicPartitioning.MetadataExtractionFailed"
NON_JSON_MESSAGE = "Non JSON record provided"
NULL_KEY_MESSAGE = "partitionKeys values must not be null or empty"


def process_records(
    records: list[SourceRecord],
    settings: ProcessingSettings,
    transform: Transform | None,
    *,
    stream_arn: str,
    region: str,
    now: Callable[[], float],
    rng: random.Random,
    timeout_seconds: float = 300.0,
) -> tuple[list[ProcessedRecord], list[FailedRecord]]:
    """Run every configured processing step on one batch, in AWS's order.

    Records dropped by the transform appear in neither list. ``transform`` is
    required when the settings name a Lambda function, and ignored otherwise.

    :raises ValueError: the settings name a Lambda function but no transform
        was given.
    """
    if not settings.enabled:
        return [ProcessedRecord(record, record.data) for record in records], []

    records = deaggregate(records, settings)
    failed: list[FailedRecord] = []
    if settings.lambda_ is not None:
        if transform is None:
            raise ValueError(
                f"no transform given for the Lambda function {settings.lambda_.arn}; "
                "pass the Python callable that stands in for it"
            )
        processed, failed = invoke_transform(
            records,
            settings.lambda_,
            transform,
            stream_arn=stream_arn,
            region=region,
            now=now,
            rng=rng,
            timeout_seconds=timeout_seconds,
        )
    else:
        processed = [ProcessedRecord(record, record.data) for record in records]

    if settings.dynamic_partitioning and settings.metadata_query:
        processed, key_failures = _extract_all(processed, settings.metadata_query, now)
        failed.extend(key_failures)
    for record in processed:
        record.data = apply_delimiter(record.data, settings)
    return processed, failed


def _extract_all(
    processed: list[ProcessedRecord], query: str, now: Callable[[], float]
) -> tuple[list[ProcessedRecord], list[FailedRecord]]:
    kept: list[ProcessedRecord] = []
    failed: list[FailedRecord] = []
    for record in processed:
        try:
            record.keys_from_query = extract_partition_keys(query, record.data)
        except PartitionKeyError as error:
            failed.append(partition_key_failure(record, error, now()))
            continue
        kept.append(record)
    return kept, failed


def deaggregate(
    records: list[SourceRecord], settings: ProcessingSettings
) -> list[SourceRecord]:
    """Split each record into its sub-records (RecordDeAggregation).

    JSON: a record of concatenated JSON objects, with or without whitespace
    between them, becomes one sub-record per object holding the object's own
    text. DELIMITED: the record is split at each occurrence of the delimiter,
    and empty pieces are dropped. A sub-record's id is ``<parent id>:<index>``
    (0-based) and it keeps the parent's arrival time. A record that cannot be
    split, or that would give more than 500 sub-records, goes on unsplit, as
    AWS does.
    """
    if settings.deaggregation is None:
        return records
    result: list[SourceRecord] = []
    for record in records:
        if settings.deaggregation == "JSON":
            pieces = _split_json(record.data)
        else:
            pieces = _split_delimited(record.data, settings.delimiter or b"")
        if pieces is None or not pieces or len(pieces) > MAX_SUB_RECORDS:
            logger.debug(
                "record %s left unsplit (%s sub-records found)",
                record.record_id,
                "no" if pieces is None else len(pieces),
            )
            result.append(record)
            continue
        result.extend(
            SourceRecord(f"{record.record_id}:{index}", piece, record.arrival)
            for index, piece in enumerate(pieces)
        )
    return result


def _split_json(data: bytes) -> list[bytes] | None:
    """Return the text of each concatenated JSON object, or None for other data."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    decoder = json.JSONDecoder()
    pieces: list[bytes] = []
    index = _skip_whitespace(text, 0)
    while index < len(text):
        try:
            value, end = decoder.raw_decode(text, index)
        except json.JSONDecodeError:
            return None
        if not isinstance(value, dict):
            return None  # AWS accepts only objects, never an array of them
        pieces.append(text[index:end].encode("utf-8"))
        index = _skip_whitespace(text, end)
        if len(pieces) > MAX_SUB_RECORDS:
            return pieces  # no need to parse the rest: the record stays whole
    return pieces


def _skip_whitespace(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\n\r":
        index += 1
    return index


def _split_delimited(data: bytes, delimiter: bytes) -> list[bytes] | None:
    if not delimiter:
        return None
    return [piece for piece in data.split(delimiter) if piece]


def extract_partition_keys(query: str, data: bytes) -> dict[str, str]:
    """Run a MetadataExtractionQuery on one record and return its partition keys.

    Values become strings the way AWS writes them in prefixes: strings as they
    are, numbers, booleans, objects and arrays as compact JSON text.

    :raises PartitionKeyError: the record is not one JSON value, the query fails
        on it, or a key is null or empty. The code is
        ``DynamicPartitioning.MetadataExtractionFailed``.
    """
    text = _json_text(data)
    try:
        outputs = compile_query(query).input_text(text).all()
    except ValueError as error:
        raise PartitionKeyError(METADATA_EXTRACTION_ERROR_CODE, str(error)) from None
    # NOTE: a query with several outputs uses the first one; AWS's choice is unknown.
    if not outputs or not isinstance(outputs[0], dict):
        raise PartitionKeyError(
            METADATA_EXTRACTION_ERROR_CODE,
            "MetaDataExtraction JQ Query must produce a JSON object",
        )
    keys: dict[str, str] = {}
    for name, value in outputs[0].items():
        if value is None or value == "":
            raise PartitionKeyError(METADATA_EXTRACTION_ERROR_CODE, NULL_KEY_MESSAGE)
        keys[name] = _key_text(value)
    return keys


def _json_text(data: bytes) -> str:
    """Return the record as text if it contains exactly one JSON value."""
    try:
        text = data.decode("utf-8")
        _STRICT_JSON.decode(text)
    except (UnicodeDecodeError, ValueError):
        raise PartitionKeyError(
            METADATA_EXTRACTION_ERROR_CODE, NON_JSON_MESSAGE
        ) from None
    return text


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


# One decoder for every record: building one per call costs more than parsing
# a small record. NaN and Infinity are not JSON, so they are rejected.
_STRICT_JSON = json.JSONDecoder(parse_constant=_reject_constant)


def _key_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        if abs(value) < 1e17:
            return str(int(value))
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def partition_key_failure(
    record: ProcessedRecord, error: PartitionKeyError, attempt_ending: float
) -> FailedRecord:
    """Return the error-output record for a record whose keys could not be extracted.

    ``rawData`` of the error document is the data the query ran on, so after a
    Lambda transform it is the transformed data.
    """
    source = SourceRecord(record.source.record_id, record.data, record.source.arrival)
    return FailedRecord(
        source=source,
        error_output_type=METADATA_EXTRACTION_FAILED,
        error_code=error.code,
        error_message=error.message,
        attempts_made=1,
        attempt_ending=attempt_ending,
        lambda_arn=None,
    )


def apply_delimiter(data: bytes, settings: ProcessingSettings) -> bytes:
    """Append a newline to a record when AppendDelimiterToRecord is configured.

    Every record gets one, the last of an object included, so objects are
    newline-terminated JSON lines.
    """
    if settings.append_delimiter:
        return data + b"\n"
    return data
