"""Tests for emulator.observability: Firehose metrics and error logs in moto's CloudWatch."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError

from emulator import FirehoseEmulator, ManualClock, faults, observability
from emulator.clock import parse_instant
from emulator.processing_types import PROCESSING_FAILED, FailedRecord, SourceRecord
from emulator.runtime import Settings

START = "2026-12-04T15:00:00Z"
BUCKET = "vascular-inbox-events"
STREAM = "message-interaction-events"
ROLE_NAME = "firehose-to-s3-writer"
ROLE_ARN = f"arn:aws:iam::123456789012:role/{ROLE_NAME}"
GROUP = f"/aws/kinesisfirehose/{STREAM}"
LOG_STREAM = "S3Delivery"
LOGGING = {"Enabled": True, "LogGroupName": GROUP, "LogStreamName": LOG_STREAM}
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:transform"


@pytest.fixture
def firehose():
    with FirehoseEmulator(
        clock=ManualClock(START), seed=2, settings=Settings(iam_mode="off")
    ) as emulator:
        observability.attach(emulator.runtime)
        yield emulator


def create_stream(
    firehose, *, create_bucket=True, logging_options=None, log_group=True
):
    if create_bucket:
        firehose.client("s3").create_bucket(Bucket=BUCKET)
    if log_group:
        logs = firehose.client("logs")
        logs.create_log_group(logGroupName=GROUP)
        logs.create_log_stream(logGroupName=GROUP, logStreamName=LOG_STREAM)
    destination = {
        "RoleARN": ROLE_ARN,
        "BucketARN": f"arn:aws:s3:::{BUCKET}",
        "Prefix": "events/",
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
    }
    if logging_options is not None:
        destination["CloudWatchLoggingOptions"] = logging_options
    client = firehose.client("firehose")
    client.create_delivery_stream(
        DeliveryStreamName=STREAM, ExtendedS3DestinationConfiguration=destination
    )
    return client


def statistics(firehose, metric: str, statistic: str = "Sum", period: int = 60) -> dict:
    """Return {minute: value} for one metric of the stream, over 15:00 to 16:00."""
    response = firehose.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Firehose",
        MetricName=metric,
        Dimensions=[{"Name": "DeliveryStreamName", "Value": STREAM}],
        StartTime=datetime(2026, 12, 4, 15, tzinfo=timezone.utc),
        EndTime=datetime(2026, 12, 4, 16, tzinfo=timezone.utc),
        Period=period,
        Statistics=[statistic],
    )
    return {
        point["Timestamp"].astimezone(timezone.utc).strftime("%H:%M"): point[statistic]
        for point in response["Datapoints"]
    }


def log_events(firehose) -> list[dict]:
    response = firehose.client("logs").get_log_events(
        logGroupName=GROUP, logStreamName=LOG_STREAM, startFromHead=True
    )
    return response["events"]


# Metrics ----------------------------------------------------------------------


def test_put_metrics_count_records_bytes_requests(firehose):
    client = create_stream(firehose)
    client.put_record_batch(
        DeliveryStreamName=STREAM, Records=[{"Data": b"abc"}, {"Data": b"de"}]
    )
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"f"})

    assert statistics(firehose, "IncomingRecords") == {"15:00": 3.0}
    assert statistics(firehose, "IncomingBytes") == {"15:00": 6.0}
    assert statistics(firehose, "IncomingPutRequests") == {"15:00": 2.0}
    assert statistics(firehose, "ThrottledRecords") == {"15:00": 0.0}


def test_put_metrics_limits_are_region_quotas(firehose):
    client = create_stream(firehose)
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"a"})

    assert statistics(firehose, "RecordsPerSecondLimit", "Maximum") == {
        "15:00": 500000.0
    }
    assert statistics(firehose, "PutRequestsPerSecondLimit", "Maximum") == {
        "15:00": 2000.0
    }
    assert statistics(firehose, "BytesPerSecondLimit", "Maximum") == {
        "15:00": 5242880.0
    }


def test_delivery_metrics_at_emulator_time(firehose):
    client = create_stream(firehose)
    client.put_record_batch(
        DeliveryStreamName=STREAM, Records=[{"Data": b"abc\n"}, {"Data": b"de\n"}]
    )
    firehose.advance(10)
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"f\n"})

    firehose.advance(50)

    assert statistics(firehose, "DeliveryToS3.Records") == {"15:01": 3.0}
    assert statistics(firehose, "DeliveryToS3.Bytes") == {"15:01": 9.0}
    assert statistics(firehose, "DeliveryToS3.Success", "Average") == {"15:01": 1.0}
    assert statistics(firehose, "DeliveryToS3.DataFreshness", "Maximum") == {
        "15:01": 60.0
    }


def test_failed_delivery_metrics_success_zero_freshness_grows(firehose):
    client = create_stream(firehose, create_bucket=False)
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"a"})

    firehose.advance(60 + 15)

    assert statistics(firehose, "DeliveryToS3.Success", "Average") == {"15:01": 0.0}
    assert statistics(firehose, "DeliveryToS3.Records") == {}
    assert statistics(firehose, "DeliveryToS3.DataFreshness", "Maximum") == {
        "15:01": 75.0
    }


def test_throttled_records_count_failed_entries_and_rejected_calls(firehose):
    client = create_stream(firehose)
    faults.throttle(firehose.runtime, STREAM, requests_per_second=1)
    faults.fail_records(firehose.runtime, STREAM, indexes=[0, 2])
    client.put_record_batch(DeliveryStreamName=STREAM, Records=[{"Data": b"x"}] * 4)
    with pytest.raises(ClientError):
        client.put_record_batch(DeliveryStreamName=STREAM, Records=[{"Data": b"y"}] * 3)

    assert statistics(firehose, "ThrottledRecords") == {"15:00": 5.0}
    assert statistics(firehose, "IncomingRecords") == {"15:00": 2.0}
    assert statistics(firehose, "IncomingPutRequests") == {"15:00": 1.0}


def test_attach_twice_counts_each_event_once(firehose):
    observability.attach(firehose.runtime)
    client = create_stream(firehose)

    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"a"})

    assert statistics(firehose, "IncomingRecords") == {"15:00": 1.0}


def test_detach_stops_metrics(firehose):
    client = create_stream(firehose)
    observability.detach(firehose.runtime)

    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"a"})

    assert statistics(firehose, "IncomingRecords") == {}


def test_metrics_are_one_minute_aggregates(firehose):
    client = create_stream(firehose)
    for _ in range(50):
        client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"ab"})
    observer = observability.attach(firehose.runtime)

    datapoints = observer.metrics.data("123456789012", "us-east-1")
    incoming = [d for d in datapoints if d.name == "IncomingRecords"]

    assert len(datapoints) == 7
    assert len(incoming) == 1
    assert incoming[0].sample_count == 50
    assert incoming[0].sum == 50
    assert statistics(firehose, "IncomingRecords", "SampleCount") == {"15:00": 50.0}


def test_metrics_listed_with_stream_dimension(firehose):
    client = create_stream(firehose)
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"a"})

    listed = firehose.client("cloudwatch").list_metrics(Namespace="AWS/Firehose")[
        "Metrics"
    ]

    names = {metric["MetricName"] for metric in listed}
    assert "IncomingRecords" in names
    assert listed[0]["Dimensions"] == [{"Name": "DeliveryStreamName", "Value": STREAM}]


def test_metrics_older_than_fifteen_days_expire(firehose):
    client = create_stream(firehose)
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"a"})
    firehose.advance(16 * 24 * 3600)
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"b"})
    observer = observability.attach(firehose.runtime)

    minutes = {d.timestamp for d in observer.metrics.data("123456789012", "us-east-1")}

    assert minutes == {datetime(2026, 12, 20, 15, 0)}


def test_metrics_of_stopped_emulator_not_served():
    with FirehoseEmulator(
        clock=ManualClock(START), settings=Settings(iam_mode="off")
    ) as first:
        observability.attach(first.runtime)
        create_stream(first).put_record(
            DeliveryStreamName=STREAM, Record={"Data": b"a"}
        )
    with FirehoseEmulator(
        clock=ManualClock(START), settings=Settings(iam_mode="off")
    ) as second:
        observability.attach(second.runtime)

        assert statistics(second, "IncomingRecords") == {}


def test_delivery_metrics_go_to_the_stream_region():
    # Two streams of the same name in two regions: the delivery in eu-west-1
    # must be counted in eu-west-1 only.
    with FirehoseEmulator(
        clock=ManualClock(START), settings=Settings(iam_mode="off")
    ) as fh:
        observability.attach(fh.runtime)
        for region in ("us-east-1", "eu-west-1"):
            location = {}
            if region != "us-east-1":
                location = {"CreateBucketConfiguration": {"LocationConstraint": region}}
            fh.client("s3", region_name=region).create_bucket(
                Bucket=f"b-{region}", **location
            )
            fh.client("firehose", region_name=region).create_delivery_stream(
                DeliveryStreamName=STREAM,
                ExtendedS3DestinationConfiguration={
                    "RoleARN": ROLE_ARN,
                    "BucketARN": f"arn:aws:s3:::b-{region}",
                    "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
                },
            )
        fh.client("firehose", region_name="eu-west-1").put_record(
            DeliveryStreamName=STREAM, Record={"Data": b"a"}
        )
        fh.advance(60)
        observer = observability.attach(fh.runtime)

        europe = {d.name for d in observer.metrics.data("123456789012", "eu-west-1")}
        virginia = {d.name for d in observer.metrics.data("123456789012", "us-east-1")}

    assert "DeliveryToS3.Records" in europe
    assert "DeliveryToS3.Records" not in virginia


# Error logs -------------------------------------------------------------------


def test_delivery_error_written_to_log_stream(firehose):
    client = create_stream(firehose, create_bucket=False, logging_options=LOGGING)
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"a"})

    firehose.advance(60 + 5)
    events = log_events(firehose)

    assert len(events) == 2
    document = json.loads(events[0]["message"])
    assert document == {
        "deliveryStreamARN": f"arn:aws:firehose:us-east-1:123456789012:deliverystream/{STREAM}",
        "destination": f"arn:aws:s3:::{BUCKET}",
        "deliveryStreamVersionId": 1,
        "message": (
            "The specified bucket does not exist. Create the bucket or use a different "
            "bucket that does exist."
        ),
        "errorCode": "S3.NoSuchBucket",
    }
    assert events[0]["timestamp"] == round((parse_instant(START) + 60) * 1000)
    assert events[1]["timestamp"] - events[0]["timestamp"] == 5000


def test_delivery_error_log_keeps_working_past_two_hours(firehose):
    client = create_stream(firehose, create_bucket=False, logging_options=LOGGING)
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"a"})

    attempts = firehose.advance(3 * 3600)

    assert len(log_events(firehose)) == len(attempts)


def test_successful_delivery_writes_no_log_event(firehose):
    client = create_stream(firehose, logging_options=LOGGING)
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"a"})

    firehose.advance(60)

    assert log_events(firehose) == []


def test_logging_disabled_writes_no_log_event(firehose):
    client = create_stream(
        firehose, create_bucket=False, logging_options={"Enabled": False}
    )
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"a"})

    firehose.advance(60)

    assert log_events(firehose) == []


def test_missing_log_group_warns_once(firehose, caplog):
    client = create_stream(
        firehose, create_bucket=False, logging_options=LOGGING, log_group=False
    )
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"a"})

    with caplog.at_level(logging.WARNING, logger="emulator.observability"):
        attempts = firehose.advance(60 + 15)

    warnings = [
        r.getMessage() for r in caplog.records if r.name == "emulator.observability"
    ]
    assert len(attempts) == 3
    assert warnings == [
        f"delivery stream {STREAM}: not writing its error log, because the log group "
        f"{GROUP} does not exist; Firehose does not create it, so create it before the "
        "errors occur"
    ]


def test_missing_log_stream_named_in_warning(firehose, caplog):
    firehose.client("logs").create_log_group(logGroupName=GROUP)
    client = create_stream(
        firehose, create_bucket=False, logging_options=LOGGING, log_group=False
    )
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"a"})

    with caplog.at_level(logging.WARNING, logger="emulator.observability"):
        firehose.advance(60)

    assert (
        f"the log stream 'S3Delivery' in log group {GROUP} does not exist"
        in caplog.text
    )


def test_processing_failure_written_with_processor(firehose):
    create_stream(firehose, logging_options=LOGGING)
    state = firehose.runtime.all_streams()[0]
    now = firehose.clock.now()
    failed = [
        FailedRecord(
            source=SourceRecord(record_id=str(i), data=b"x", arrival=now),
            error_output_type=PROCESSING_FAILED,
            error_code="Lambda.FunctionError",
            error_message="The Lambda function was successfully invoked but it returned an error result.",
            attempts_made=4,
            attempt_ending=now + 3,
            lambda_arn=LAMBDA_ARN,
        )
        for i in range(3)
    ]

    firehose.runtime.emit("processing_failed", stream=state, failed=failed)
    events = log_events(firehose)

    assert len(events) == 1
    document = json.loads(events[0]["message"])
    assert document["errorCode"] == "Lambda.FunctionError"
    assert document["processor"] == LAMBDA_ARN
    assert document["destination"] == f"arn:aws:s3:::{BUCKET}"
    assert events[0]["timestamp"] == round((now + 3) * 1000)


@pytest.mark.parametrize(
    ("allow_logs", "expected"), [(False, 0), (True, 1)], ids=["denied", "allowed"]
)
def test_strict_mode_log_write_needs_put_log_events(allow_logs, expected):
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
    statements = [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]
    if allow_logs:
        statements.append(
            {
                "Effect": "Allow",
                "Action": "logs:PutLogEvents",
                "Resource": "arn:aws:logs:*",
            }
        )
    with FirehoseEmulator(
        clock=ManualClock(START), settings=Settings(iam_mode="strict")
    ) as firehose:
        observability.attach(firehose.runtime)
        iam = firehose.client("iam")
        iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))
        iam.put_role_policy(
            RoleName=ROLE_NAME,
            PolicyName="p",
            PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": statements}
            ),
        )
        client = create_stream(firehose, create_bucket=False, logging_options=LOGGING)
        client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"a"})
        firehose.advance(60)

        assert len(log_events(firehose)) == expected


def test_log_event_document_compact_json(firehose):
    create_stream(firehose)
    state = firehose.runtime.all_streams()[0]

    text = observability.log_event_document(
        state,
        "arn:aws:s3:::b",
        "InternalError",
        "An internal error occurred.",
        LAMBDA_ARN,
    )

    assert text == (
        '{"deliveryStreamARN":"arn:aws:firehose:us-east-1:123456789012:deliverystream/'
        f'{STREAM}","destination":"arn:aws:s3:::b","deliveryStreamVersionId":1,'
        '"message":"An internal error occurred.","errorCode":"InternalError",'
        f'"processor":"{LAMBDA_ARN}"}}'
    )
