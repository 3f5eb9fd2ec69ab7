"""Error-output documents: the JSON lines Firehose writes under the error prefix.

Each document is one line of compact JSON ending in a newline. A
processing-failed line has the layout of records captured from real AWS in
2025. Its members come in the order ``rawData, errorCode, errorMessage,
attemptsMade, arrivalTimestamp, attemptEndingTimestamp, lambdaARN``, and the
timestamps are integer epoch milliseconds. AWS spells ``lambdaARN`` with a
capital ARN, although the developer guide writes ``lambdaArn``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from emulator.processing_types import PROCESSING_FAILED, FailedRecord

__all__ = [
    "error_line",
    "error_object_body",
    "metadata_extraction_failed_line",
    "processing_failed_line",
]


def processing_failed_line(failed: FailedRecord) -> bytes:
    """Return the error line of a record that the Lambda transform failed."""
    document = _common_members(failed)
    document["lambdaARN"] = failed.lambda_arn
    return _line(document)


def metadata_extraction_failed_line(failed: FailedRecord) -> bytes:
    """Return the error line of a record whose partition keys could not be extracted.

    NOTE: AWS's schema for this document is unconfirmed; it is assumed to be the
    processing-failed layout without ``lambdaARN``.
    """
    return _line(_common_members(failed))


def error_line(failed: FailedRecord) -> bytes:
    """Return the error line of ``failed`` in the layout of its error output type."""
    if failed.error_output_type == PROCESSING_FAILED:
        return processing_failed_line(failed)
    return metadata_extraction_failed_line(failed)


def error_object_body(failed: list[FailedRecord]) -> bytes:
    """Return the body of an error object: one JSON document per line.

    Every line ends in a newline, the last one included.
    """
    return b"".join(error_line(record) for record in failed)


def _common_members(failed: FailedRecord) -> dict[str, Any]:
    return {
        "rawData": base64.b64encode(failed.source.data).decode("ascii"),
        "errorCode": failed.error_code,
        "errorMessage": failed.error_message,
        "attemptsMade": failed.attempts_made,
        "arrivalTimestamp": _epoch_millis(failed.source.arrival),
        "attemptEndingTimestamp": _epoch_millis(failed.attempt_ending),
    }


def _epoch_millis(seconds: float) -> int:
    return round(seconds * 1000)


def _line(document: dict[str, Any]) -> bytes:
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8") + b"\n"
