"""FirehoseEmulator lifecycle: joining mock_aws, restoring moto, region, account, ticker."""

from __future__ import annotations

import threading
import time

import boto3
import pytest
from moto import mock_aws
from moto.firehose import models as firehose_models
from support.streams import START, create_stream, objects

from emulator import ConfigurationError, FirehoseEmulator, ManualClock
from emulator.backend import EmulatedFirehoseBackend

STREAM = "message-interaction-events"


def test_emulator_starts_mock_and_restores_moto():
    original = firehose_models.firehose_backends.backend

    with FirehoseEmulator(clock=ManualClock(START)):
        installed = firehose_models.firehose_backends.backend

    assert installed is EmulatedFirehoseBackend
    assert firehose_models.firehose_backends.backend is original


def test_emulator_joins_active_mock_and_keeps_existing_streams():
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="joined-bucket")
        boto3.client("firehose", region_name="us-east-1").create_delivery_stream(
            DeliveryStreamName="before",
            ExtendedS3DestinationConfiguration={
                "RoleARN": "arn:aws:iam::123456789012:role/r",
                "BucketARN": "arn:aws:s3:::joined-bucket",
            },
        )

        with FirehoseEmulator(clock=ManualClock(START)) as firehose:
            firehose.client("firehose").put_record(
                DeliveryStreamName="before", Record={"Data": b"kept"}
            )
            firehose.flush()

        bodies = [
            s3.get_object(Bucket="joined-bucket", Key=item["Key"])["Body"].read()
            for item in s3.list_objects_v2(Bucket="joined-bucket")["Contents"]
        ]
        assert bodies == [b"kept"]


def test_emulator_account_id_sets_request_account():
    with FirehoseEmulator(clock=ManualClock(START), account_id="000000000000") as firehose:
        firehose.client("s3").create_bucket(Bucket="vascular-inbox-events")
        arn = firehose.client("firehose").create_delivery_stream(
            DeliveryStreamName=STREAM,
            S3DestinationConfiguration={
                "RoleARN": "arn:aws:iam::000000000000:role/firehose-to-s3-writer",
                "BucketARN": "arn:aws:s3:::vascular-inbox-events",
            },
        )["DeliveryStreamARN"]

    assert arn == f"arn:aws:firehose:us-east-1:000000000000:deliverystream/{STREAM}"


@pytest.mark.parametrize(
    ("aws_region", "aws_default_region", "expected"),
    [("eu-west-1", "us-west-2", "eu-west-1"), (None, "us-west-2", "us-west-2")],
    ids=["aws-region-first", "default-region-second"],
)
def test_emulator_region_from_environment(monkeypatch, aws_region, aws_default_region, expected):
    if aws_region:
        monkeypatch.setenv("AWS_REGION", aws_region)
    monkeypatch.setenv("AWS_DEFAULT_REGION", aws_default_region)

    emulator = FirehoseEmulator(clock=ManualClock(START))

    assert emulator.region == expected


def test_emulator_advance_on_system_clock_raises_configuration_error():
    with FirehoseEmulator() as firehose:
        with pytest.raises(ConfigurationError) as excinfo:
            firehose.advance(1)

    assert str(excinfo.value) == (
        "advance() needs a manual clock: create the emulator with "
        "FirehoseEmulator(clock=ManualClock(...))"
    )


def test_emulator_flush_unknown_stream_raises_configuration_error():
    with FirehoseEmulator(clock=ManualClock(START)) as firehose:
        with pytest.raises(ConfigurationError) as excinfo:
            firehose.flush("nope")

    assert "cannot flush stream 'nope'" in str(excinfo.value)


def test_emulator_system_clock_ticker_delivers_due_buffer():
    with FirehoseEmulator(tick_seconds=0.05) as firehose:
        client = create_stream(firehose, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 1})
        client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"tick"})
        deadline = time.monotonic() + 5
        while not firehose.delivery_log and time.monotonic() < deadline:
            time.sleep(0.05)

        delivered = objects(firehose)

    assert [obj["body"] for obj in delivered] == [b"tick"]


def test_emulator_concurrent_producers_every_record_exactly_once():
    threads_count, per_thread = 8, 20_000
    with FirehoseEmulator(tick_seconds=0.01) as firehose:
        create_stream(firehose, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 1})
        errors: list[BaseException] = []
        clients = [boto3.client("firehose", region_name="us-east-1") for _ in range(threads_count)]

        def produce(thread: int) -> None:
            try:
                for start in range(0, per_thread, 500):
                    records = [
                        {"Data": f"{thread:02d}-{n:06d}\n".encode()}
                        for n in range(start, start + 500)
                    ]
                    result = clients[thread].put_record_batch(
                        DeliveryStreamName=STREAM, Records=records
                    )
                    assert result["FailedPutCount"] == 0
            except BaseException as error:  # re-raised in the test thread below
                errors.append(error)

        producers = [threading.Thread(target=produce, args=(t,)) for t in range(threads_count)]
        for producer in producers:
            producer.start()
        for producer in producers:
            producer.join()
        firehose.flush()
        during_run = [a for a in firehose.delivery_log if a.reason != "flush"]
        lines = b"".join(obj["body"] for obj in objects(firehose)).splitlines()

    assert errors == []
    assert during_run, "the ticker or the size hint delivered nothing while producers ran"
    assert len(lines) == threads_count * per_thread
    assert len(set(lines)) == threads_count * per_thread


def test_emulator_reset_drops_streams_buffers_and_log():
    with FirehoseEmulator(clock=ManualClock(START)) as firehose:
        client = create_stream(firehose)
        client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"gone"})
        firehose.flush()
        client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"buffered"})

        firehose.reset()

        assert firehose.streams() == []
        assert firehose.delivery_log == []
        assert client.list_delivery_streams()["DeliveryStreamNames"] == []
        assert firehose.client("s3").list_buckets()["Buckets"] == []


@pytest.mark.parametrize(
    ("seconds", "error"),
    [
        (float("inf"), ValueError),
        (float("nan"), ValueError),
        (1e300, ValueError),
        (10**12, ValueError),
        (-1, ValueError),
        ("60", TypeError),
        (None, TypeError),
    ],
    ids=["inf", "nan", "1e300", "10**12", "negative", "string", "none"],
)
def test_emulator_advance_invalid_seconds_rejected_records_kept(seconds, error):
    with FirehoseEmulator(clock=ManualClock(START)) as firehose:
        client = create_stream(firehose)
        client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"kept"})

        with pytest.raises(error):
            firehose.advance(seconds)
        firehose.flush()

        assert [obj["body"] for obj in objects(firehose)] == [b"kept"]
        assert firehose.clock.now() == ManualClock(START).now()


def test_emulator_unexpected_delivery_error_keeps_batch_for_retry(monkeypatch):
    from emulator import delivery

    with FirehoseEmulator(clock=ManualClock(START)) as firehose:
        client = create_stream(firehose)
        client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"kept"})
        original = delivery._deliver

        def broken(*arguments):
            raise RuntimeError("simulated bug")

        monkeypatch.setattr(delivery, "_deliver", broken)
        with pytest.raises(RuntimeError):
            firehose.flush()
        monkeypatch.setattr(delivery, "_deliver", original)
        firehose.flush()

        assert [obj["body"] for obj in objects(firehose)] == [b"kept"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"iam_mode": "bogus"}, "invalid iam_mode 'bogus': use one of 'off', 'warn', 'strict'"),
        (
            {"retry_first_seconds": -5},
            "invalid retry_first_seconds -5: give a finite number of seconds above 0",
        ),
        (
            {"max_active_partitions": 0},
            "invalid max_active_partitions 0: give an integer of 1 or more",
        ),
    ],
    ids=["iam-mode", "retry", "partitions"],
)
def test_settings_invalid_value_configuration_error(options, message):
    from emulator.runtime import Settings

    with pytest.raises(ConfigurationError) as excinfo:
        Settings(**options)

    assert str(excinfo.value) == message


def test_emulator_system_clock_follows_freezegun():
    from freezegun import freeze_time

    with freeze_time("2030-05-06T07:08:09Z"):
        with FirehoseEmulator(seed=1) as firehose:
            client = create_stream(firehose)
            client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"frozen"})
            firehose.flush()

            (delivered,) = objects(firehose)

    assert delivered["key"].startswith(f"2030/05/06/07/{STREAM}-1-2030-05-06-07-08-09-")
    assert delivered["body"] == b"frozen"


def test_emulator_failing_listener_does_not_redeliver():
    with FirehoseEmulator(clock=ManualClock(START)) as firehose:
        client = create_stream(firehose)
        firehose.on_delivery(lambda attempt: 1 / 0)
        for _ in range(5):
            client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"x\n"})

        for _ in range(3):
            firehose.advance(400)

        assert len(objects(firehose)) == 1
        assert [attempt.outcome for attempt in firehose.delivery_log] == ["delivered"]
        assert isinstance(firehose.runtime.listener_errors[0], ZeroDivisionError)


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"clock": "2026-12-04T15:00:00Z"}, TypeError),
        ({"settings": {"iam_mode": "off"}}, TypeError),
        ({"tick_seconds": 0}, ValueError),
        ({"tick_seconds": -1}, ValueError),
    ],
    ids=["clock-string", "settings-dict", "tick-zero", "tick-negative"],
)
def test_emulator_invalid_arguments_rejected(arguments, error):
    with pytest.raises(error):
        FirehoseEmulator(**arguments)
