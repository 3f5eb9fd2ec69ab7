"""Tests for the error-output documents written under the error prefix."""

from __future__ import annotations

import base64
import json

from emulator.error_records import (
    error_line,
    error_object_body,
    metadata_extraction_failed_line,
    processing_failed_line,
)
from emulator.processing import FailedRecord, SourceRecord

LAMBDA_ARN = (
    "arn:aws:lambda:eu-west-2:000000000000:function:"
    "cw2splunk-transformation-lambda:$LATEST"
)
FUNCTION_ERROR_MESSAGE = (
    "The Lambda function was successfully invoked but it returned an error result."
)


def function_error(data: bytes = b"raw record") -> FailedRecord:
    return FailedRecord(
        source=SourceRecord("r1", data, 1741088912.364),
        error_output_type="processing-failed",
        error_code="Lambda.FunctionError",
        error_message=FUNCTION_ERROR_MESSAGE,
        attempts_made=4,
        attempt_ending=1741089007.666,
        lambda_arn=LAMBDA_ARN,
    )


def extraction_failure() -> FailedRecord:
    return FailedRecord(
        source=SourceRecord("r2", b'{"customer_id": null}', 1767225600.5),
        error_output_type="metadata-extraction-failed",
        error_code="DynamicPartitioning.MetadataExtractionFailed",
        error_message="partitionKeys values must not be null or empty",
        attempts_made=1,
        attempt_ending=1767225660.25,
        lambda_arn=None,
    )


def test_processing_failed_line_matches_observed_layout_exactly():
    line = processing_failed_line(function_error())

    assert line == (
        b'{"rawData":"cmF3IHJlY29yZA==","errorCode":"Lambda.FunctionError",'
        b'"errorMessage":"The Lambda function was successfully invoked but it returned '
        b'an error result.","attemptsMade":4,"arrivalTimestamp":1741088912364,'
        b'"attemptEndingTimestamp":1741089007666,"lambdaARN":"arn:aws:lambda:eu-west-2:'
        b'000000000000:function:cw2splunk-transformation-lambda:$LATEST"}\n'
    )


def test_processing_failed_line_fields_decode_to_record_values():
    data = bytes(range(256))

    document = json.loads(processing_failed_line(function_error(data)))

    assert list(document) == [
        "rawData",
        "errorCode",
        "errorMessage",
        "attemptsMade",
        "arrivalTimestamp",
        "attemptEndingTimestamp",
        "lambdaARN",
    ]
    assert base64.b64decode(document["rawData"]) == data
    assert document["errorCode"] == "Lambda.FunctionError"
    assert document["errorMessage"] == FUNCTION_ERROR_MESSAGE
    assert document["attemptsMade"] == 4
    assert document["arrivalTimestamp"] == 1741088912364
    assert document["attemptEndingTimestamp"] == 1741089007666
    assert document["lambdaARN"] == LAMBDA_ARN


def test_metadata_extraction_failed_line_has_no_lambda_member():
    line = metadata_extraction_failed_line(extraction_failure())

    document = json.loads(line)
    assert line.endswith(b"}\n")
    assert list(document) == [
        "rawData",
        "errorCode",
        "errorMessage",
        "attemptsMade",
        "arrivalTimestamp",
        "attemptEndingTimestamp",
    ]
    assert base64.b64decode(document["rawData"]) == b'{"customer_id": null}'
    assert document["errorCode"] == "DynamicPartitioning.MetadataExtractionFailed"
    assert document["errorMessage"] == "partitionKeys values must not be null or empty"
    assert document["attemptsMade"] == 1
    assert document["arrivalTimestamp"] == 1767225600500
    assert document["attemptEndingTimestamp"] == 1767225660250


def test_error_line_picks_layout_by_error_output_type():
    assert error_line(function_error()) == processing_failed_line(function_error())
    assert error_line(extraction_failure()) == metadata_extraction_failed_line(
        extraction_failure()
    )


def test_error_object_body_writes_one_document_per_line():
    body = error_object_body([function_error(b"first"), function_error(b"second")])

    lines = body.split(b"\n")
    assert len(lines) == 3
    assert lines[2] == b""
    assert [base64.b64decode(json.loads(line)["rawData"]) for line in lines[:2]] == [
        b"first",
        b"second",
    ]


def test_error_object_body_of_no_records_is_empty():
    assert error_object_body([]) == b""
