"""The standalone server as a subprocess: boto3 through AWS_ENDPOINT_URL, control API, errors."""

from __future__ import annotations

import base64
import http.client
import json
import re
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import pytest

from emulator.clock import SystemClock
from emulator.control_client import ControlAPIError, ControlClient, ServerProcess

VASCULAR_STREAM = Path(__file__).parent / "js" / "vascular-stream.json"
STREAM = "message-interaction-events"
BUCKET = "vascular-inbox-events"
START = "2026-12-04T15:00:00Z"
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
KEY_PATTERN = re.compile(
    r"vascular2026/12/04/15/message-interaction-events-1-2026-12-04-15-00-00-"
    r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
)


def write_config(directory: Path, stream_file: Path) -> Path:
    config = {
        "version": 1,
        "buckets": [BUCKET],
        "roles": [
            {
                "RoleName": "firehose-to-s3-writer",
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "firehose.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
            }
        ],
        "streams": [str(stream_file)],
    }
    path = directory / "config.json"
    path.write_text(json.dumps(config))
    return path


@pytest.fixture(scope="module")
def manual_server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("manual-server")
    arguments = ["--clock", "manual", "--start", START, "--seed", "7"]
    arguments += ["--config", str(write_config(directory, VASCULAR_STREAM))]
    arguments += ["--max-request-bytes", str(1024 * 1024)]
    with ServerProcess(arguments, env=FAKE_CREDENTIALS) as server:
        yield server


@pytest.fixture
def server(manual_server):
    manual_server.control.reset()
    return manual_server


@pytest.fixture(scope="module")
def system_server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("system-server")
    request = json.loads(VASCULAR_STREAM.read_text())
    request["S3DestinationConfiguration"]["BufferingHints"]["IntervalInSeconds"] = 2
    stream_file = directory / "stream.json"
    stream_file.write_text(json.dumps(request))
    arguments = [
        "--clock",
        "system",
        "--config",
        str(write_config(directory, stream_file)),
    ]
    with ServerProcess(arguments, env=FAKE_CREDENTIALS) as server:
        yield server


@pytest.fixture
def aws_env(monkeypatch, server):
    """Configure boto3 only through the environment, as an emitter in any language would be."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.endpoint)
    return server


def raw_request(
    endpoint: str,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict | None = None,
) -> tuple[int, dict, bytes]:
    address = urlsplit(endpoint)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def firehose_call(endpoint: str, operation: str, body: bytes) -> tuple[int, dict]:
    headers = {
        "X-Amz-Target": f"Firehose_20150804.{operation}",
        "Content-Type": "application/x-amz-json-1.1",
        "Authorization": (
            "AWS4-HMAC-SHA256 Credential=testing/20261204/us-east-1/firehose/aws4_request, "
            "SignedHeaders=host, Signature=0"
        ),
    }
    status, _, content = raw_request(endpoint, "POST", "/", body, headers)
    return status, json.loads(content)


def objects(s3, bucket: str = BUCKET) -> dict[str, bytes]:
    listing = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {
        item["Key"]: s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        for item in listing
    }


def test_serve_start_log_shows_endpoint_and_client_setup(manual_server):
    log = manual_server.log_text()

    assert f"firehose-emulator listening on {manual_server.endpoint}" in log
    assert f"export AWS_ENDPOINT_URL={manual_server.endpoint} " in log
    assert "created delivery stream 'message-interaction-events'" in log


# boto3 ------------------------------------------------------------------------


def test_boto3_endpoint_env_delivers_vascular_object(aws_env):
    firehose = boto3.client("firehose")
    s3 = boto3.client("s3")
    events = [
        b'{"event":"Delivered"}\n',
        b'{"event":"Read"}\n',
        b'{"event":"Opened"}\n',
    ]

    firehose.put_record(DeliveryStreamName=STREAM, Record={"Data": events[0]})
    batch = firehose.put_record_batch(
        DeliveryStreamName=STREAM, Records=[{"Data": data} for data in events[1:]]
    )
    before = objects(s3)
    deliveries = aws_env.control.advance(60)["deliveries"]
    after = objects(s3)

    assert batch["FailedPutCount"] == 0
    assert before == {}
    assert len(after) == 1
    key, body = next(iter(after.items()))
    assert KEY_PATTERN.fullmatch(key)
    assert body == b"".join(events)
    assert [(d["key"], d["records"], d["reason"]) for d in deliveries] == [
        (key, 3, "interval")
    ]


def test_boto3_concurrent_clients_lose_no_record(aws_env):
    def send(client_index: int) -> None:
        firehose = boto3.client("firehose")
        for batch_index in range(5):
            records = [
                {"Data": f"{client_index}-{batch_index}-{index:03d}\n".encode()}
                for index in range(500)
            ]
            response = firehose.put_record_batch(
                DeliveryStreamName=STREAM, Records=records
            )
            assert response["FailedPutCount"] == 0

    threads = [threading.Thread(target=send, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    aws_env.control.flush()
    delivered = b"".join(objects(boto3.client("s3")).values()).decode().splitlines()

    expected = {
        f"{client}-{batch}-{index:03d}"
        for client in range(4)
        for batch in range(5)
        for index in range(500)
    }
    assert len(delivered) == 10_000
    assert set(delivered) == expected


# Control API ------------------------------------------------------------------


def test_control_flush_stream_delivers_with_reason_flush(aws_env):
    boto3.client("firehose").put_record(
        DeliveryStreamName=STREAM, Record={"Data": b"abc"}
    )

    response = aws_env.control.flush(STREAM)

    assert [
        (d["records"], d["reason"], d["outcome"]) for d in response["deliveries"]
    ] == [(1, "flush", "delivered")]
    assert response["now"] == START
    assert objects(boto3.client("s3")) == {response["deliveries"][0]["key"]: b"abc"}


def test_control_flush_unknown_stream_returns_404(server):
    with pytest.raises(ControlAPIError) as caught:
        server.control.flush("no-such-stream")

    assert caught.value.status == 404
    assert caught.value.code == "StreamNotFound"
    assert caught.value.message == (
        "cannot flush stream 'no-such-stream': no delivery stream of that name exists "
        "in the emulator (streams: ['message-interaction-events'])"
    )


def test_control_streams_reports_buffered_records(aws_env):
    boto3.client("firehose").put_record_batch(
        DeliveryStreamName=STREAM, Records=[{"Data": b"12345"}, {"Data": b"678"}]
    )
    aws_env.control.advance(15)

    response = aws_env.control.streams()

    assert response["clock"] == "manual"
    assert response["now"] == "2026-12-04T15:00:15Z"
    [state] = response["streams"]
    assert state["name"] == STREAM
    assert state["buffered_records"] == 2
    assert state["buffered_bytes"] == 8
    assert state["buffers"][0]["due_in_seconds"] == 45.0


def test_control_deliveries_filters_by_stream(aws_env):
    boto3.client("firehose").put_record(
        DeliveryStreamName=STREAM, Record={"Data": b"x"}
    )
    aws_env.control.flush()

    matching = aws_env.control.deliveries(STREAM)["deliveries"]
    other = aws_env.control.deliveries("other-stream")["deliveries"]

    assert [(d["stream"], d["bucket"], d["records"]) for d in matching] == [
        (STREAM, BUCKET, 1)
    ]
    assert other == []


def test_control_reset_drops_records_and_restores_clock(aws_env):
    firehose = boto3.client("firehose")
    firehose.put_record(DeliveryStreamName=STREAM, Record={"Data": b"dropped"})
    aws_env.control.advance(30)

    response = aws_env.control.reset()

    assert response["dropped_records"] == 1
    assert response["now"] == START
    assert firehose.list_delivery_streams()["DeliveryStreamNames"] == [STREAM]
    assert [s["buffered_records"] for s in aws_env.control.streams()["streams"]] == [0]
    assert aws_env.control.flush()["deliveries"] == []


def test_moto_api_reset_also_resets_emulator(aws_env):
    boto3.client("firehose").put_record(
        DeliveryStreamName=STREAM, Record={"Data": b"x"}
    )

    status, _, body = raw_request(aws_env.endpoint, "POST", "/moto-api/reset")

    assert status == 200
    assert json.loads(body) == {"status": "ok"}
    assert [s["buffered_records"] for s in aws_env.control.streams()["streams"]] == [0]


def test_control_advance_bad_json_returns_400(server):
    status, _, body = raw_request(
        server.endpoint, "POST", "/_emulator/advance", b"{bad"
    )

    assert status == 400
    assert json.loads(body) == {
        "error": "InvalidJSON",
        "message": "the body of /_emulator/advance is not valid JSON: Expecting property "
        "name enclosed in double quotes: line 1 column 2 (char 1)",
    }


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"seconds": -1}, "'seconds' must be zero or more, not -1"),
        ({"seconds": "60"}, "'seconds' must be a number of seconds, not '60'"),
        ({"seconds": True}, "'seconds' must be a number of seconds, not True"),
        ({}, "'seconds' must be a number of seconds, not None"),
        (
            {"seconds": 1, "stream": "x"},
            "unknown field 'stream' in /_emulator/advance; expected seconds",
        ),
    ],
    ids=["negative", "string", "boolean", "missing", "unknown-field"],
)
def test_control_advance_invalid_payload_returns_400(server, payload, message):
    body = json.dumps(payload).encode()

    status, _, content = raw_request(
        server.endpoint, "POST", "/_emulator/advance", body
    )

    assert status == 400
    assert json.loads(content) == {"error": "InvalidRequest", "message": message}


def test_control_body_not_object_returns_400(server):
    status, _, body = raw_request(server.endpoint, "POST", "/_emulator/flush", b"[1]")

    assert status == 400
    assert (
        json.loads(body)["message"]
        == "the body of /_emulator/flush must be a JSON object"
    )


def test_control_unknown_route_returns_404(server):
    status, _, body = raw_request(server.endpoint, "GET", "/_emulator/nothing")

    assert status == 404
    assert json.loads(body) == {
        "error": "NotFound",
        "message": "no control API route '/_emulator/nothing'; the routes are "
        "/_emulator/advance, /_emulator/deliveries, /_emulator/flush, /_emulator/health, "
        "/_emulator/reset, /_emulator/streams",
    }


def test_control_wrong_method_returns_405_with_allow(server):
    status, headers, body = raw_request(server.endpoint, "GET", "/_emulator/flush")

    assert status == 405
    assert headers["Allow"] == "POST"
    assert json.loads(body)["message"] == "/_emulator/flush accepts POST, not GET"


def test_control_oversized_body_returns_413(server):
    body = b" " * (1024 * 1024 + 1)

    status, _, content = raw_request(server.endpoint, "POST", "/_emulator/flush", body)

    assert status == 413
    assert json.loads(content) == {
        "error": "RequestEntityTooLarge",
        "message": "the request body is 1048577 bytes; the maximum is 1048576 bytes",
    }


def test_control_health_reports_clock_and_sink(server):
    response = server.control.health()

    assert response == {
        "status": "ok",
        "clock": "manual",
        "now": START,
        "sink": "moto S3",
        "streams": 1,
    }


def test_control_client_unreachable_server_raises_connection_failed():
    client = ControlClient("http://127.0.0.1:9", timeout=5)

    with pytest.raises(ControlAPIError) as caught:
        client.health()

    assert caught.value.status is None
    assert caught.value.code == "ConnectionFailed"
    assert caught.value.message.startswith(
        "cannot reach the control API at http://127.0.0.1:9:"
    )


# AWS API errors ---------------------------------------------------------------


def test_firehose_malformed_json_returns_serialization_exception(server):
    status, body = firehose_call(
        server.endpoint, "PutRecordBatch", b'{"DeliveryStreamName": '
    )

    assert status == 400
    assert body["__type"] == "SerializationException"
    assert body["message"].startswith("the request body is not valid JSON")


def test_firehose_wrong_member_type_returns_400_not_500(server):
    payload = json.dumps(
        {"DeliveryStreamName": STREAM, "Records": "not-a-list"}
    ).encode()

    status, body = firehose_call(server.endpoint, "PutRecordBatch", payload)

    assert status == 400
    assert body["__type"] == "SerializationException"
    assert "does not match the operation's input shape" in body["message"]


def test_firehose_unknown_operation_returns_400(server):
    status, body = firehose_call(server.endpoint, "LaunchRocket", b"{}")

    assert status == 400
    assert body["__type"] == "UnknownOperationException"
    assert "LaunchRocket" in body["message"]


def test_firehose_oversized_request_returns_413(server):
    data = base64.b64encode(b"x" * 800_000).decode()
    payload = json.dumps(
        {"DeliveryStreamName": STREAM, "Records": [{"Data": data}, {"Data": data}]}
    ).encode()

    status, body = firehose_call(server.endpoint, "PutRecordBatch", payload)

    assert status == 413
    assert body["__type"] == "RequestEntityTooLarge"
    assert body["message"] == (
        f"the request body is {len(payload)} bytes; the maximum is 1048576 bytes"
    )


def test_firehose_oversized_chunked_request_returns_413(server):
    chunk = b"x" * 65536
    headers = {
        "X-Amz-Target": "Firehose_20150804.PutRecordBatch",
        "Content-Type": "application/x-amz-json-1.1",
        "Transfer-Encoding": "chunked",
    }
    address = urlsplit(server.endpoint)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    connection.request(
        "POST", "/", body=iter([chunk] * 20), headers=headers, encode_chunked=True
    )
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()

    assert response.status == 413
    assert body["message"] == (
        "the chunked request body is over 1048576 bytes; the maximum is 1048576 bytes"
    )


def test_s3_head_object_keeps_content_length(aws_env):
    s3 = boto3.client("s3")
    s3.put_object(Bucket=BUCKET, Key="probe.txt", Body=b"0123456789")

    head = s3.head_object(Bucket=BUCKET, Key="probe.txt")

    assert head["ContentLength"] == 10


def test_firehose_aws_error_keeps_code_and_message(aws_env):
    firehose = boto3.client("firehose")

    with pytest.raises(firehose.exceptions.ResourceNotFoundException) as caught:
        firehose.put_record(DeliveryStreamName="missing", Record={"Data": b"x"})

    assert "Firehose missing under account 123456789012 not found." in str(caught.value)


DEEPLY_NESTED = b"[" * 100_000 + b"]" * 100_000
FIREHOSE_AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=testing/20261204/us-east-1/firehose/aws4_request, "
    "SignedHeaders=host, Signature=0"
)


def test_firehose_deep_nesting_returns_400(server):
    status, body = firehose_call(server.endpoint, "PutRecord", DEEPLY_NESTED)

    assert status == 400
    assert body["__type"] == "SerializationException"
    assert body["message"] == (
        "the request body nests JSON arrays or objects too deeply to parse"
    )


def test_control_deep_nesting_returns_400(server):
    status, _, body = raw_request(
        server.endpoint, "POST", "/_emulator/flush", DEEPLY_NESTED
    )

    assert status == 400
    assert json.loads(body) == {
        "error": "InvalidJSON",
        "message": "the body of /_emulator/flush nests JSON arrays or objects "
        "too deeply to parse",
    }


@pytest.mark.parametrize(
    ("seconds", "message"),
    [
        (
            1e300,
            (
                "invalid number of seconds 1e+300: the clock cannot go past "
                "9999-12-31T23:59:59Z"
            ),
        ),
        (
            10**30,
            (
                "invalid number of seconds 1e+30: the clock cannot go past "
                "9999-12-31T23:59:59Z"
            ),
        ),
        (
            10**400,
            (
                "invalid number of seconds: the value is too large for a float; "
                "the clock cannot go past 9999-12-31T23:59:59Z"
            ),
        ),
    ],
    ids=["huge-float", "huge-int", "int-beyond-float"],
)
def test_control_advance_past_9999_returns_400(server, seconds, message):
    body = json.dumps({"seconds": seconds}).encode()

    status, _, content = raw_request(
        server.endpoint, "POST", "/_emulator/advance", body
    )
    health_status, _, health = raw_request(server.endpoint, "GET", "/_emulator/health")
    streams_status, _, _ = raw_request(server.endpoint, "GET", "/_emulator/streams")

    assert status == 400
    assert json.loads(content) == {"error": "InvalidRequest", "message": message}
    assert health_status == 200
    assert json.loads(health)["now"] == START
    assert streams_status == 200


MISSING_OPERATION_MESSAGE = (
    "the request names no operation: send the X-Amz-Target header as "
    "SERVICE.Operation, such as Firehose_20150804.PutRecord"
)


@pytest.mark.parametrize(
    ("method", "headers"),
    [
        (
            "POST",
            {
                "Content-Type": "application/x-amz-json-1.1",
                "Authorization": FIREHOSE_AUTHORIZATION,
            },
        ),
        ("POST", {"Authorization": FIREHOSE_AUTHORIZATION}),
        (
            "POST",
            {
                "X-Amz-Target": "",
                "Content-Type": "application/x-amz-json-1.1",
                "Authorization": FIREHOSE_AUTHORIZATION,
            },
        ),
        (
            "POST",
            {
                "X-Amz-Target": "Firehose_20150804.",
                "Content-Type": "application/x-amz-json-1.1",
                "Authorization": FIREHOSE_AUTHORIZATION,
            },
        ),
        (
            "GET",
            {
                "X-Amz-Target": "Firehose_20150804.",
                "Authorization": FIREHOSE_AUTHORIZATION,
            },
        ),
        (
            "GET",
            {
                "Content-Type": "application/x-amz-json-1.1",
                "Authorization": FIREHOSE_AUTHORIZATION,
            },
        ),
    ],
    ids=[
        "no-target",
        "no-target-no-content-type",
        "empty-target",
        "empty-operation",
        "get-empty-operation",
        "get-no-target",
    ],
)
def test_firehose_missing_operation_returns_400(server, method, headers):
    status, response_headers, content = raw_request(
        server.endpoint, method, "/", b"{}" if method == "POST" else b"", headers
    )

    assert status == 400
    assert response_headers["Content-Type"] == "application/x-amz-json-1.1"
    assert json.loads(content) == {
        "__type": "UnknownOperationException",
        "message": MISSING_OPERATION_MESSAGE,
    }


def test_plain_get_served_by_moto(aws_env):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="plain-get-probe")

    status, _, content = raw_request(aws_env.endpoint, "GET", "/")

    assert status == 200
    assert b"<Name>plain-get-probe</Name>" in content


# System clock -----------------------------------------------------------------


def test_control_advance_system_clock_returns_409(system_server):
    with pytest.raises(ControlAPIError) as caught:
        system_server.control.advance(60)

    assert caught.value.status == 409
    assert caught.value.code == "ClockNotManual"
    assert caught.value.message == (
        "advance needs a manual clock; this server follows the system clock. "
        "Start it with --clock manual to move time by hand."
    )


def test_system_clock_ticker_delivers_within_one_second(system_server, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", system_server.endpoint)
    boto3.client("firehose").put_record(
        DeliveryStreamName=STREAM, Record={"Data": b"tick"}
    )
    [state] = system_server.control.streams()["streams"]
    due_at = (
        state["buffers"][0]["opened_at"] + state["buffers"][0]["interval_hint_seconds"]
    )

    deadline = SystemClock().now() + 15
    deliveries = []
    while not deliveries and SystemClock().now() < deadline:
        time.sleep(0.1)
        deliveries = system_server.control.deliveries(STREAM)["deliveries"]

    assert len(deliveries) == 1
    assert deliveries[0]["reason"] == "interval"
    assert 0 <= deliveries[0]["time"] - due_at <= 1.0
