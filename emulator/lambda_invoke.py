"""Lambda data transformation: the event Firehose sends and how its response is read.

The transform is a Python callable with the signature of a Lambda handler,
``transform(event, context) -> response``. It runs on a worker thread so that
a call taking longer than the timeout can be abandoned, as Firehose abandons
an invocation after 5 minutes.

Behaviour follows the Firehose developer guide ("Transform source data",
"Handle failure in data transformation", the CloudWatch Logs error codes) and
error records that public projects captured from real AWS.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.processing_config import LambdaSettings
from emulator.processing_types import (
    PROCESSING_FAILED,
    FailedRecord,
    ProcessedRecord,
    SourceRecord,
)

logger = logging.getLogger(__name__)

__all__ = ["MAX_PAYLOAD_BYTES", "LambdaContext", "Transform", "invoke_transform"]

Transform = Callable[[dict, object], Any]

# Lambda caps a synchronous request and its response at 6 MB each. This limit
# counts the compact JSON of the event, and the response as the handler's
# return value would be serialised.
MAX_PAYLOAD_BYTES = 6_000_000

FUNCTION_ERROR = (
    "Lambda.FunctionError",
    "The Lambda function was successfully invoked but it returned an error result.",
)
# NOTE: the code is a guess; the developer guide gives only the message.
TIMEOUT_ERROR = (
    "Lambda.InvokeTimeout",
    "Firehose encountered timeout errors when calling AWS Lambda. The maximum "
    "supported function timeout is 5 minutes.",
)
MISSING_RECORD_ID = (
    "Lambda.MissingRecordId",
    "One or more record Ids were not returned. Ensure that the Lambda function "
    "returns all received record Ids.",
)
DUPLICATED_RECORD_ID = (
    "Lambda.DuplicatedRecordId",
    "Multiple records were returned with the same record Id. Ensure that the "
    "Lambda function returns a unique record Id for each record.",
)
JSON_PROCESSING = (
    "Lambda.JsonProcessingException",
    "There was an error parsing returned records from the Lambda function. Ensure "
    "that the returned records follow the status model required by Kinesis Firehose.",
)
PROCESSING_FAILED_STATUS = (
    "Lambda.ProcessingFailedStatus",
    "ProcessingFailed status set for record",
)
# NOTE: the message was captured from AWS by another emulator; the code is its guess.
NULL_DATA = (
    "Lambda.InvalidReturnFormat",
    "The data field cannot be null when the SourceType is DirectPut or "
    "KinesisStreamAsSource and processing result is Ok. The value field cannot be "
    "null when the SourceType is MSKAsSource and processing result is Ok.",
)


@dataclass
class LambdaContext:
    """The context object passed to the transform, like a Python Lambda context."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: str
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    deadline: float
    now: Callable[[], float]

    def get_remaining_time_in_millis(self) -> int:
        """Return the milliseconds left before Firehose abandons the call."""
        return max(0, round((self.deadline - self.now()) * 1000))


@dataclass
class _Failure:
    code: str
    message: str


def invoke_transform(
    records: list[SourceRecord],
    settings: LambdaSettings,
    transform: Transform,
    *,
    stream_arn: str,
    region: str,
    now: Callable[[], float],
    rng: random.Random,
    timeout_seconds: float = 300.0,
) -> tuple[list[ProcessedRecord], list[FailedRecord]]:
    """Send records through the transform and sort them by the result it returns.

    Records go in as few invocations as keep each request under
    ``MAX_PAYLOAD_BYTES`` of JSON. An invocation that raises, times out or
    returns more than ``MAX_PAYLOAD_BYTES`` is retried ``number_of_retries``
    times, then all its records fail with ``attemptsMade`` = 1 + retries. A
    response that arrives but is malformed is final and not retried. Records
    the transform drops appear in neither list.
    """
    processed: list[ProcessedRecord] = []
    failed: list[FailedRecord] = []
    for batch in _split_batches(records, stream_arn, region):
        batch_processed, batch_failed = _invoke_batch(
            batch, settings, transform, stream_arn, region, now, rng, timeout_seconds
        )
        processed.extend(batch_processed)
        failed.extend(batch_failed)
    return processed, failed


def _event_record(record: SourceRecord) -> dict[str, Any]:
    return {
        "recordId": record.record_id,
        "approximateArrivalTimestamp": round(record.arrival * 1000),
        "data": base64.b64encode(record.data).decode("ascii"),
    }


def _compact_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode("utf-8"))


def _split_batches(
    records: list[SourceRecord], stream_arn: str, region: str
) -> list[list[SourceRecord]]:
    """Group records so that each invocation's event stays within MAX_PAYLOAD_BYTES."""
    envelope = {
        "invocationId": str(uuid.UUID(int=0)),
        "deliveryStreamArn": stream_arn,
        "region": region,
        "records": [],
    }
    base_size = _compact_size(envelope)
    batches: list[list[SourceRecord]] = []
    current: list[SourceRecord] = []
    size = base_size
    for record in records:
        record_size = _compact_size(_event_record(record)) + (1 if current else 0)
        if current and size + record_size > MAX_PAYLOAD_BYTES:
            batches.append(current)
            current, size = [], base_size
            record_size -= 1  # it is now the first record, with no comma before it
        # A single record larger than the limit is still sent on its own.
        # Firehose's 1,000 KiB record limit keeps that from happening on AWS.
        current.append(record)
        size += record_size
    if current:
        batches.append(current)
    return batches


def _random_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _invoke_batch(
    batch: list[SourceRecord],
    settings: LambdaSettings,
    transform: Transform,
    stream_arn: str,
    region: str,
    now: Callable[[], float],
    rng: random.Random,
    timeout_seconds: float,
) -> tuple[list[ProcessedRecord], list[FailedRecord]]:
    invocation_id = _random_uuid(rng)
    max_attempts = 1 + settings.number_of_retries
    failure = _Failure(*FUNCTION_ERROR)
    for attempt in range(1, max_attempts + 1):
        event = {
            "invocationId": invocation_id,
            "deliveryStreamArn": stream_arn,
            "region": region,
            "records": [_event_record(record) for record in batch],
        }
        context = _context(settings.arn, rng, now, timeout_seconds)
        outcome = _attempt(transform, event, context, timeout_seconds)
        if isinstance(outcome, bytes):
            return _read_response(batch, outcome, attempt, now(), settings.arn)
        failure = outcome
        logger.warning(
            "transform %s failed on attempt %d of %d (invocation %s, %d records): %s",
            settings.arn,
            attempt,
            max_attempts,
            invocation_id,
            len(batch),
            failure.code,
        )
    ending = now()
    failed = [
        FailedRecord(
            record,
            PROCESSING_FAILED,
            failure.code,
            failure.message,
            max_attempts,
            ending,
            settings.arn,
        )
        for record in batch
    ]
    return [], failed


def _context(
    arn: str, rng: random.Random, now: Callable[[], float], timeout_seconds: float
) -> LambdaContext:
    parts = arn.split(":")
    if len(parts) >= 7 and parts[2] == "lambda":
        name = parts[6]
        version = parts[7] if len(parts) > 7 else "$LATEST"
    else:
        name, version = arn, "$LATEST"
    return LambdaContext(
        function_name=name,
        function_version=version,
        invoked_function_arn=arn,
        memory_limit_in_mb="128",
        aws_request_id=_random_uuid(rng),
        log_group_name=f"/aws/lambda/{name}",
        log_stream_name="firehose-emulator",
        deadline=now() + timeout_seconds,
        now=now,
    )


def _attempt(
    transform: Transform, event: dict, context: LambdaContext, timeout_seconds: float
) -> bytes | _Failure:
    """Call the transform once and return its response payload, or why it failed."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["response"] = transform(event, context)
        except Exception as error:  # the handler's error is a function error
            outcome["error"] = error

    worker = threading.Thread(target=run, name="firehose-transform", daemon=True)
    worker.start()
    worker.join(timeout_seconds)
    if worker.is_alive():
        # Python cannot stop the thread, so it runs on and its result is dropped.
        return _Failure(*TIMEOUT_ERROR)
    if "error" in outcome:
        error = outcome["error"]
        logger.warning("transform raised %s: %s", type(error).__name__, error)
        return _Failure(*FUNCTION_ERROR)

    payload = _payload(outcome.get("response"))
    if payload is None or len(payload) > MAX_PAYLOAD_BYTES:
        # Lambda itself turns an unserialisable or oversized response into a
        # function error, so Firehose reports it like a raised error.
        return _Failure(*FUNCTION_ERROR)
    return payload


def _payload(response: Any) -> bytes | None:
    """Return the response as Lambda would send it: JSON text as bytes."""
    if isinstance(response, (bytes, bytearray)):
        return bytes(response)
    if isinstance(response, str):
        return response.encode("utf-8")
    try:
        return json.dumps(response).encode("utf-8")
    except (TypeError, ValueError) as error:
        logger.warning("transform response is not JSON serialisable: %s", error)
        return None


def _read_response(
    batch: list[SourceRecord], payload: bytes, attempt: int, ending: float, arn: str
) -> tuple[list[ProcessedRecord], list[FailedRecord]]:
    """Sort the batch by the per-record results in a response payload."""
    entries, parse_failure = _response_entries(payload)
    sent_ids = {record.record_id for record in batch}
    by_id: dict[str, dict[str, Any]] = {}
    duplicated: set[str] = set()
    for entry in entries:
        record_id = entry.get("recordId")
        if not isinstance(record_id, str) or record_id not in sent_ids:
            continue  # AWS ignores ids it did not send
        if record_id in by_id:
            duplicated.add(record_id)
        else:
            by_id[record_id] = entry

    processed: list[ProcessedRecord] = []
    failed: list[FailedRecord] = []
    for record in batch:
        if parse_failure is not None:
            verdict: ProcessedRecord | _Failure | None = parse_failure
        elif record.record_id in duplicated:
            verdict = _Failure(*DUPLICATED_RECORD_ID)
        elif record.record_id not in by_id:
            verdict = _Failure(*MISSING_RECORD_ID)
        else:
            verdict = _verdict(record, by_id[record.record_id])
        if isinstance(verdict, ProcessedRecord):
            processed.append(verdict)
        elif isinstance(verdict, _Failure):
            failed.append(
                FailedRecord(
                    record,
                    PROCESSING_FAILED,
                    verdict.code,
                    verdict.message,
                    attempt,
                    ending,
                    arn,
                )
            )
    return processed, failed


def _response_entries(payload: bytes) -> tuple[list[dict[str, Any]], _Failure | None]:
    """Return the record entries of a response, or the failure of the whole response.

    A response that is not JSON fails every record with JsonProcessingException.
    JSON without a ``records`` list leaves every record missing, as observed on AWS.
    """
    try:
        response = json.loads(payload)
    except (UnicodeDecodeError, ValueError):
        return [], _Failure(*JSON_PROCESSING)
    entries = response.get("records") if isinstance(response, dict) else None
    if not isinstance(entries, list):
        return [], None
    return [entry for entry in entries if isinstance(entry, dict)], None


def _verdict(
    record: SourceRecord, entry: dict[str, Any]
) -> ProcessedRecord | _Failure | None:
    """Return the processed record, its failure, or None if the transform dropped it."""
    result = entry.get("result")
    if result == "Dropped":
        return None
    if result == "ProcessingFailed":
        return _Failure(*PROCESSING_FAILED_STATUS)
    if result != "Ok":
        return _Failure(*JSON_PROCESSING)

    data = entry.get("data")
    if data is None:
        return _Failure(*NULL_DATA)
    if not isinstance(data, str):
        return _Failure(*JSON_PROCESSING)
    try:
        decoded = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return _Failure(*JSON_PROCESSING)
    return ProcessedRecord(
        source=record,
        data=decoded,
        keys_from_lambda=_lambda_partition_keys(entry.get("metadata")),
    )


def _lambda_partition_keys(metadata: Any) -> dict[str, str]:
    """Return ``metadata.partitionKeys`` as strings; null values are left out."""
    if not isinstance(metadata, dict):
        return {}
    keys = metadata.get("partitionKeys")
    if not isinstance(keys, dict):
        return {}
    result: dict[str, str] = {}
    for name, value in keys.items():
        if value is None:
            continue
        if isinstance(value, str):
            result[name] = value
        else:
            result[name] = json.dumps(value, separators=(",", ":"))
    return result
