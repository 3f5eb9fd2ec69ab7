"""The server's HTTP helpers: protocol detection, missing operations, JSON body checks."""

from __future__ import annotations

import json

import pytest

from emulator.server_http import (
    MISSING_OPERATION_MESSAGE,
    json_body_error,
    names_no_operation,
    no_operation_error,
    request_protocol,
    signing_scope,
)

FIREHOSE_AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=testing/20261204/eu-west-1/firehose/aws4_request, "
    "SignedHeaders=host, Signature=0"
)
S3_AUTHORIZATION = FIREHOSE_AUTHORIZATION.replace("/firehose/", "/s3/")


@pytest.mark.parametrize(
    ("environ", "protocol"),
    [
        ({"HTTP_X_AMZ_TARGET": "Firehose_20150804.PutRecord"}, "json"),
        ({"HTTP_X_AMZ_TARGET": ""}, "json"),
        ({"CONTENT_TYPE": "application/x-amz-json-1.0"}, "json"),
        ({"HTTP_AUTHORIZATION": FIREHOSE_AUTHORIZATION}, "json"),
        ({"CONTENT_TYPE": "application/x-www-form-urlencoded; charset=utf-8"}, "query"),
        ({"HTTP_AUTHORIZATION": S3_AUTHORIZATION}, "rest"),
        ({}, "rest"),
    ],
    ids=[
        "target",
        "empty-target",
        "json-content-type",
        "firehose-signature",
        "form",
        "s3-signature",
        "bare",
    ],
)
def test_request_protocol_detects_protocol(environ, protocol):
    assert request_protocol(environ) == protocol


def test_signing_scope_returns_region_service():
    assert signing_scope({"HTTP_AUTHORIZATION": FIREHOSE_AUTHORIZATION}) == (
        "eu-west-1",
        "firehose",
    )
    assert signing_scope({}) == (None, None)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (None, True),
        ("", True),
        ("  ", True),
        ("Firehose_20150804.", True),
        ("Firehose_20150804.PutRecord", False),
        ("Firehose_20150804", False),
    ],
    ids=["missing", "empty", "blank", "empty-operation", "named", "no-dot"],
)
def test_names_no_operation_target_detected(target, expected):
    environ = {} if target is None else {"HTTP_X_AMZ_TARGET": target}

    assert names_no_operation(environ) is expected


def test_no_operation_error_returns_json_400():
    status, headers, body = no_operation_error({"REQUEST_METHOD": "POST"}, "id-1")

    assert status == 400
    assert ("x-amzn-ErrorType", "UnknownOperationException") in headers
    assert json.loads(body) == {
        "__type": "UnknownOperationException",
        "message": MISSING_OPERATION_MESSAGE,
    }


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", None),
        (b'{"DeliveryStreamName": "s"}', None),
        (b"[1]", "the request body must be a JSON object"),
        (
            b"[" * 100_000 + b"]" * 100_000,
            "the request body nests JSON arrays or objects too deeply to parse",
        ),
    ],
    ids=["empty", "object", "array", "deeply-nested"],
)
def test_json_body_error_reports_problem(body, problem):
    assert json_body_error(body) == problem
