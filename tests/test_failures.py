"""Failed deliveries through boto3: error codes, the retry cadence, the 24-hour limit."""

from __future__ import annotations

import json

import pytest

from emulator import FirehoseEmulator, ManualClock, faults
from emulator.clock import parse_instant
from emulator.runtime import Settings

START = "2026-12-04T15:00:00Z"
BUCKET = "vascular-inbox-events"
STREAM = "message-interaction-events"
ROLE_NAME = "firehose-to-s3-writer"
ROLE_ARN = f"arn:aws:iam::123456789012:role/{ROLE_NAME}"
NO_SUCH_BUCKET_TEXT = "The specified bucket does not exist. Create the bucket"
DAY = 24 * 3600
# Offsets of the first attempts from the first one: waits of 5 s doubling to 300 s.
FIRST_OFFSETS = [0, 5, 15, 35, 75, 155, 315, 615, 915]


@pytest.fixture
def firehose():
    with FirehoseEmulator(
        clock=ManualClock(START), seed=5, settings=Settings(iam_mode="off")
    ) as emulator:
        yield emulator


def create_stream(firehose, *, create_bucket: bool, interval: int = 60):
    if create_bucket:
        firehose.client("s3").create_bucket(Bucket=BUCKET)
    client = firehose.client("firehose")
    client.create_delivery_stream(
        DeliveryStreamName=STREAM,
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE_ARN,
            "BucketARN": f"arn:aws:s3:::{BUCKET}",
            "Prefix": "events/",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": interval},
        },
    )
    return client


def put_lines(client, *lines: str) -> dict:
    entries = [{"Data": f"{line}\n".encode()} for line in lines]
    return client.put_record_batch(DeliveryStreamName=STREAM, Records=entries)


def offsets(attempts) -> list[float]:
    first = attempts[0].time
    return [attempt.time - first for attempt in attempts]


def delivered_lines(firehose) -> list[str]:
    s3 = firehose.client("s3")
    lines: list[str] = []
    for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        body = s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
        lines.extend(body.decode().splitlines())
    return sorted(lines)


def test_missing_bucket_retries_at_documented_cadence(firehose):
    client = create_stream(firehose, create_bucket=False)
    put_lines(client, "a")

    attempts = firehose.advance(60 + 915)

    assert offsets(attempts) == FIRST_OFFSETS
    assert attempts[0].time == parse_instant(START) + 60
    assert [a.attempt for a in attempts] == list(range(1, 10))
    assert {a.outcome for a in attempts} == {"failed"}
    assert {a.error_code for a in attempts} == {"S3.NoSuchBucket"}
    assert attempts[0].error_message.startswith(NO_SUCH_BUCKET_TEXT)


def test_missing_bucket_dropped_after_24_hours(firehose):
    client = create_stream(firehose, create_bucket=False)
    put_lines(client, "lost")

    attempts = firehose.advance(60 + DAY + 600)
    later = firehose.advance(3600)
    firehose.client("s3").create_bucket(Bucket=BUCKET)
    firehose.flush()

    # 7 attempts up to 315 s, every 300 s up to 86,115 s, and a last one at 24 h.
    assert len(attempts) == 7 + 286 + 1
    assert attempts[-1].outcome == "dropped"
    assert attempts[-1].time - attempts[0].time == DAY
    assert attempts[-1].error_code == "S3.NoSuchBucket"
    assert [a.outcome for a in attempts[:-1]] == ["failed"] * (len(attempts) - 1)
    assert later == []
    assert firehose.streams()[0]["retrying"] == []
    assert delivered_lines(firehose) == []


def test_missing_bucket_retry_delivers_once_bucket_exists(firehose):
    client = create_stream(firehose, create_bucket=False)
    put_lines(client, "a", "b")
    failed = firehose.advance(60 + 5)
    firehose.client("s3").create_bucket(Bucket=BUCKET)

    retried = firehose.advance(10)

    assert [a.outcome for a in failed] == ["failed", "failed"]
    assert [(a.outcome, a.attempt) for a in retried] == [("delivered", 3)]
    assert retried[0].time - failed[0].time == 15
    assert retried[0].key.startswith("events/2026/12/04/15/")
    assert retried[0].key.split("/")[-1].startswith(f"{STREAM}-1-2026-12-04-15-00-00-")
    assert delivered_lines(firehose) == ["a", "b"]


def test_missing_bucket_stream_keeps_accepting_records(firehose):
    client = create_stream(firehose, create_bucket=False)
    put_lines(client, "first")
    firehose.advance(60)
    accepted = [put_lines(client, f"during-{i}") for i in range(3)]
    firehose.advance(300)
    firehose.client("s3").create_bucket(Bucket=BUCKET)

    firehose.advance(600)

    assert [response["FailedPutCount"] for response in accepted] == [0, 0, 0]
    assert delivered_lines(firehose) == ["during-0", "during-1", "during-2", "first"]
    assert firehose.streams()[0]["retrying"] == []


def test_flush_retries_pending_batch_now(firehose):
    client = create_stream(firehose, create_bucket=False)
    put_lines(client, "a")
    firehose.advance(60)
    firehose.client("s3").create_bucket(Bucket=BUCKET)

    attempts = firehose.flush()

    assert [(a.outcome, a.attempt) for a in attempts] == [("delivered", 2)]


def test_injected_s3_fault_retried_then_delivered(firehose):
    client = create_stream(firehose, create_bucket=True)
    faults.fail_next_writes(firehose.runtime, 3)
    put_lines(client, "a")

    attempts = firehose.advance(60 + 35)

    assert offsets(attempts) == [0, 5, 15, 35]
    assert [a.error_code for a in attempts] == ["InternalError"] * 3 + [None]
    assert attempts[-1].outcome == "delivered"
    assert delivered_lines(firehose) == ["a"]


def test_denied_role_retried_until_policy_allows():
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "firehose.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    with FirehoseEmulator(
        clock=ManualClock(START), seed=5, settings=Settings(iam_mode="strict")
    ) as firehose:
        iam = firehose.client("iam")
        iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))
        client = create_stream(firehose, create_bucket=True)
        put_lines(client, "a")
        denied = firehose.advance(60 + 15)
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:PutObject",
                    "Resource": f"arn:aws:s3:::{BUCKET}/*",
                }
            ],
        }
        iam.put_role_policy(
            RoleName=ROLE_NAME, PolicyName="write", PolicyDocument=json.dumps(policy)
        )

        retried = firehose.advance(20)
        lines = delivered_lines(firehose)

    assert [a.error_code for a in denied] == ["S3.AccessDenied"] * 3
    assert [(a.outcome, a.attempt) for a in retried] == [("delivered", 4)]
    assert lines == ["a"]


def test_delivery_log_records_every_attempt(firehose):
    client = create_stream(firehose, create_bucket=False)
    put_lines(client, "a", "bb")
    firehose.advance(65)

    log = [attempt.as_dict() for attempt in firehose.delivery_log]

    assert len(log) == 2
    assert log[0]["stream"] == STREAM
    assert log[0]["bucket"] == BUCKET
    assert log[0]["records"] == 2
    assert log[0]["bytes"] == 5
    assert (log[0]["outcome"], log[0]["error_code"]) == ("failed", "S3.NoSuchBucket")
    assert log[1]["attempt"] == 2


def test_retry_state_shows_next_attempt(firehose):
    client = create_stream(firehose, create_bucket=False)
    put_lines(client, "a")
    firehose.advance(60)

    retrying = firehose.streams()[0]["retrying"]

    assert len(retrying) == 1
    assert retrying[0]["attempts"] == 1
    assert retrying[0]["next_attempt"] == parse_instant(START) + 65
