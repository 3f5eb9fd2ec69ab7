"""Tests for emulator.faults: failed put entries, per-stream quotas and failed S3 writes."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from emulator import FirehoseEmulator, ManualClock, faults
from emulator.errors import ConfigurationError
from emulator.faults import LARGE_QUOTA, SMALL_QUOTA, Quota, quota_for
from emulator.runtime import Settings

START = "2026-12-04T15:00:00Z"
BUCKET = "vascular-inbox-events"
STREAM = "message-interaction-events"
ROLE_ARN = "arn:aws:iam::123456789012:role/firehose-to-s3-writer"
MIB = 1024 * 1024
INTERNAL_ERROR_TEXT = "An internal error occurred while attempting to deliver data."


@pytest.fixture
def firehose():
    with FirehoseEmulator(
        clock=ManualClock(START), seed=11, settings=Settings(iam_mode="off")
    ) as emulator:
        yield emulator


def create_stream(
    firehose, interval: int = 60, name: str = STREAM, bucket: str = BUCKET
):
    location = {}
    if firehose.region != "us-east-1":
        location = {
            "CreateBucketConfiguration": {"LocationConstraint": firehose.region}
        }
    firehose.client("s3").create_bucket(Bucket=bucket, **location)
    client = firehose.client("firehose")
    client.create_delivery_stream(
        DeliveryStreamName=name,
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE_ARN,
            "BucketARN": f"arn:aws:s3:::{bucket}",
            "Prefix": "events/",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": interval},
        },
    )
    return client


def records(count: int, start: int = 0, size: int = 0) -> list[dict]:
    return [
        {"Data": f"{i:06d}".encode().ljust(size, b".") + b"\n"}
        for i in range(start, start + count)
    ]


def failed_indexes(response) -> list[int]:
    return [
        i
        for i, entry in enumerate(response["RequestResponses"])
        if "ErrorCode" in entry
    ]


def delivered_lines(firehose, bucket: str = BUCKET) -> list[bytes]:
    s3 = firehose.client("s3")
    lines: list[bytes] = []
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        lines.extend(body.splitlines())
    return lines


# fail_records ---------------------------------------------------------------


def test_fail_records_indexes_fail_chosen_entries(firehose):
    client = create_stream(firehose)
    faults.fail_records(firehose.runtime, STREAM, indexes=[1, 3])

    response = client.put_record_batch(DeliveryStreamName=STREAM, Records=records(5))

    assert response["FailedPutCount"] == 2
    assert failed_indexes(response) == [1, 3]
    entry = response["RequestResponses"][1]
    assert entry == {
        "ErrorCode": "ServiceUnavailableException",
        "ErrorMessage": "Slow down.",
    }
    assert all("RecordId" in response["RequestResponses"][i] for i in (0, 2, 4))


def test_fail_records_one_call_then_accepts_everything(firehose):
    client = create_stream(firehose)
    faults.fail_records(firehose.runtime, STREAM, indexes=[0])

    first = client.put_record_batch(DeliveryStreamName=STREAM, Records=records(2))
    second = client.put_record_batch(DeliveryStreamName=STREAM, Records=records(2))

    assert first["FailedPutCount"] == 1
    assert second["FailedPutCount"] == 0


def test_fail_records_put_record_raises_service_unavailable(firehose):
    client = create_stream(firehose)
    faults.fail_records(firehose.runtime, STREAM, indexes=[0])

    with pytest.raises(ClientError) as caught:
        client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"x"})

    error = caught.value.response["Error"]
    assert error["Code"] == "ServiceUnavailableException"
    assert error["Message"] == "Slow down."
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_fail_records_internal_failure_code_in_entry(firehose):
    client = create_stream(firehose)
    faults.fail_records(firehose.runtime, STREAM, indexes=[0], code="InternalFailure")

    response = client.put_record_batch(DeliveryStreamName=STREAM, Records=records(1))

    assert response["RequestResponses"][0]["ErrorCode"] == "InternalFailure"


def test_fail_records_fraction_same_seed_same_entries():
    chosen = []
    for _ in range(2):
        with FirehoseEmulator(
            clock=ManualClock(START), settings=Settings(iam_mode="off")
        ) as fh:
            client = create_stream(fh)
            faults.fail_records(fh.runtime, STREAM, fraction=0.5, seed=42)
            response = client.put_record_batch(
                DeliveryStreamName=STREAM, Records=records(40)
            )
            chosen.append(failed_indexes(response))

    assert chosen[0] == chosen[1]
    assert 5 < len(chosen[0]) < 35


@pytest.mark.parametrize(
    ("fraction", "expected"), [(0.0, 0), (1.0, 20)], ids=["none", "all"]
)
def test_fail_records_fraction_bounds(firehose, fraction, expected):
    client = create_stream(firehose)
    faults.fail_records(firehose.runtime, STREAM, fraction=fraction)

    response = client.put_record_batch(DeliveryStreamName=STREAM, Records=records(20))

    assert response["FailedPutCount"] == expected


def test_fail_records_other_stream_unaffected(firehose):
    client = create_stream(firehose)
    create_stream(firehose, name="other-stream", bucket="other-bucket")
    faults.fail_records(firehose.runtime, "other-stream", fraction=1.0)

    response = client.put_record_batch(DeliveryStreamName=STREAM, Records=records(3))

    assert response["FailedPutCount"] == 0


def test_emitter_retry_loop_delivers_every_record_once(firehose):
    client = create_stream(firehose)
    failure = faults.fail_records(
        firehose.runtime, STREAM, fraction=0.3, seed=5, calls=None
    )
    sent = records(1000)
    pending = list(sent)
    calls = 0

    # The loop an emitter should run: resend only the entries that failed.
    while pending:
        retry = []
        for start in range(0, len(pending), 500):
            chunk = pending[start : start + 500]
            response = client.put_record_batch(DeliveryStreamName=STREAM, Records=chunk)
            calls += 1
            retry.extend(chunk[index] for index in failed_indexes(response))
        pending = retry
        firehose.advance(1)
    firehose.flush()
    lines = delivered_lines(firehose)

    assert failure.failed > 0
    assert calls > 2
    assert len(lines) == 1000
    assert sorted(lines) == sorted(record["Data"].rstrip(b"\n") for record in sent)


def test_fail_next_writes_fails_then_delivers(firehose):
    client = create_stream(firehose)
    faults.fail_next_writes(firehose.runtime, 2)
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"a\n"})

    attempts = firehose.advance(60 + 5 + 10)

    assert [a.outcome for a in attempts] == ["failed", "failed", "delivered"]
    assert [a.error_code for a in attempts] == ["InternalError", "InternalError", None]
    assert attempts[0].error_message.startswith(INTERNAL_ERROR_TEXT)
    assert delivered_lines(firehose) == [b"a"]


def test_fail_next_writes_bucket_filter_spares_other_bucket(firehose):
    client = create_stream(firehose)
    other = create_stream(firehose, name="other-stream", bucket="other-bucket")
    faults.fail_next_writes(
        firehose.runtime, 1, code="S3.AccessDenied", bucket="other-bucket"
    )
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"a\n"})
    other.put_record(DeliveryStreamName="other-stream", Record={"Data": b"b\n"})

    attempts = {a.stream: a for a in firehose.advance(60)}

    assert attempts[STREAM].outcome == "delivered"
    assert attempts["other-stream"].error_code == "S3.AccessDenied"


def test_clear_removes_record_failures_and_pending_writes(firehose):
    client = create_stream(firehose)
    faults.fail_records(firehose.runtime, STREAM, fraction=1.0, calls=None)
    faults.fail_next_writes(firehose.runtime, 3)

    faults.clear(firehose.runtime)
    response = client.put_record_batch(DeliveryStreamName=STREAM, Records=records(4))
    attempts = firehose.advance(60)

    assert response["FailedPutCount"] == 0
    assert [a.outcome for a in attempts] == ["delivered"]


# throttle -------------------------------------------------------------------


def test_throttle_records_per_second_fails_excess_entries(firehose):
    client = create_stream(firehose)
    faults.throttle(firehose.runtime, STREAM, records_per_second=10)

    first = client.put_record_batch(DeliveryStreamName=STREAM, Records=records(15))
    firehose.advance(1)
    second = client.put_record_batch(DeliveryStreamName=STREAM, Records=records(10))

    assert failed_indexes(first) == list(range(10, 15))
    assert first["RequestResponses"][10]["ErrorMessage"] == "Slow down."
    assert second["FailedPutCount"] == 0


def test_throttle_requests_per_second_rejects_call(firehose):
    client = create_stream(firehose)
    faults.throttle(firehose.runtime, STREAM, requests_per_second=2)
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"1"})
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"2"})

    with pytest.raises(ClientError) as caught:
        client.put_record_batch(DeliveryStreamName=STREAM, Records=records(3))
    firehose.advance(1)
    later = client.put_record_batch(DeliveryStreamName=STREAM, Records=records(3))

    assert caught.value.response["Error"]["Code"] == "ServiceUnavailableException"
    assert caught.value.response["Error"]["Message"] == "Slow down."
    assert later["FailedPutCount"] == 0


def test_throttle_rejected_call_accepts_no_record(firehose):
    client = create_stream(firehose)
    faults.throttle(firehose.runtime, STREAM, requests_per_second=1)
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"kept\n"})

    with pytest.raises(ClientError):
        client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"rejected\n"})
    firehose.flush()

    assert delivered_lines(firehose) == [b"kept"]


def test_throttle_bytes_per_second_fails_entries_past_limit(firehose):
    client = create_stream(firehose)
    faults.throttle(firehose.runtime, STREAM, bytes_per_second=1000)

    response = client.put_record_batch(
        DeliveryStreamName=STREAM, Records=records(5, size=299)
    )

    assert failed_indexes(response) == [3, 4]


def test_throttle_default_quota_small_region_limits_bytes():
    with FirehoseEmulator(
        clock=ManualClock(START),
        region="eu-central-1",
        settings=Settings(iam_mode="off"),
    ) as firehose:
        client = create_stream(firehose)
        faults.throttle(firehose.runtime, STREAM)
        batch = records(400, size=4095)

        response = client.put_record_batch(DeliveryStreamName=STREAM, Records=batch)

    # 1 MiB/s admits 256 records of 4,096 bytes in one second.
    assert response["FailedPutCount"] == 400 - 256
    assert failed_indexes(response)[0] == 256


def test_throttle_off_by_default_accepts_large_batch(firehose):
    client = create_stream(firehose)

    response = client.put_record_batch(
        DeliveryStreamName=STREAM, Records=records(500, size=8000)
    )

    assert response["FailedPutCount"] == 0


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("us-east-1", Quota(500_000, 2_000, 5 * MIB)),
        ("us-west-2", LARGE_QUOTA),
        ("eu-west-1", LARGE_QUOTA),
        ("eu-central-1", Quota(100_000, 1_000, 1 * MIB)),
        ("ap-southeast-2", SMALL_QUOTA),
    ],
)
def test_quota_for_region_matches_aws_defaults(region, expected):
    assert quota_for(region) == expected


# Arguments --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "fail_records needs exactly one of indexes=[...] or fraction="),
        (
            {"indexes": [1], "fraction": 0.5},
            "fail_records needs exactly one of indexes=[...] or fraction=",
        ),
        ({"fraction": 1.5}, "invalid fraction 1.5: use a number from 0.0 to 1.0"),
        ({"indexes": [-1]}, "invalid indexes [-1]: use entry positions from 0"),
        (
            {"indexes": [0], "calls": 0},
            "invalid calls 0: use a count of 1 or more, or None",
        ),
        (
            {"indexes": [0], "code": "ThrottlingException"},
            "invalid code 'ThrottlingException': a PutRecordBatch entry fails with "
            "ServiceUnavailableException or InternalFailure",
        ),
    ],
)
def test_fail_records_invalid_arguments_raise(firehose, arguments, message):
    with pytest.raises(ConfigurationError) as caught:
        faults.fail_records(firehose.runtime, STREAM, **arguments)

    assert str(caught.value) == message


def test_throttle_zero_limit_raises(firehose):
    with pytest.raises(ConfigurationError) as caught:
        faults.throttle(firehose.runtime, STREAM, records_per_second=0)

    assert str(caught.value) == "invalid records_per_second 0: use a finite number above 0"


def test_fail_next_writes_negative_count_raises(firehose):
    with pytest.raises(ConfigurationError) as caught:
        faults.fail_next_writes(firehose.runtime, -1)

    assert str(caught.value) == "invalid count -1: use a number of writes, 0 or more"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "5"], ids=["nan", "inf", "text"])
def test_throttle_non_finite_limit_rejected(value):
    with FirehoseEmulator(clock=ManualClock("2026-12-04T15:00:00Z")) as firehose:
        with pytest.raises(ConfigurationError) as caught:
            firehose.throttle("s", bytes_per_second=value)

    assert str(caught.value) == (
        f"invalid bytes_per_second {value!r}: use a finite number above 0"
    )
