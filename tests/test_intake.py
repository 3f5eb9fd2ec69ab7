"""PutRecord and PutRecordBatch limits and results, through boto3."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from support.streams import START, create_stream, s3_config

from emulator import FirehoseEmulator, ManualClock

STREAM = "message-interaction-events"


@pytest.fixture
def firehose():
    with FirehoseEmulator(clock=ManualClock(START), seed=3) as emulator:
        yield emulator


def _error(excinfo):
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def test_put_record_over_1024000_bytes_validation_error(firehose):
    client = create_stream(firehose)

    with pytest.raises(ClientError) as excinfo:
        client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"x" * 1_024_001})

    code, message = _error(excinfo)
    assert code == "ValidationException"
    assert (
        "Value 'java.nio.HeapByteBuffer[pos=0 lim=1024001 cap=1024001]' at "
        "'record.data' failed to satisfy constraint: Member must have length less "
        "than or equal to 1024000"
    ) in message


def test_put_record_exactly_1024000_bytes_accepted(firehose):
    client = create_stream(firehose)

    response = client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"x" * 1_024_000})

    assert len(response["RecordId"]) == 56
    assert response["Encrypted"] is False


def test_put_record_batch_oversize_names_index(firehose):
    client = create_stream(firehose)
    records = [{"Data": b"ok"}, {"Data": b"x" * 1_024_001}]

    with pytest.raises(ClientError) as excinfo:
        client.put_record_batch(DeliveryStreamName=STREAM, Records=records)

    assert "'records.2.member.data'" in _error(excinfo)[1]


def test_put_record_batch_over_500_records_validation_error(firehose):
    client = create_stream(firehose)

    with pytest.raises(ClientError) as excinfo:
        client.put_record_batch(DeliveryStreamName=STREAM, Records=[{"Data": b"a"}] * 501)

    code, message = _error(excinfo)
    assert code == "ValidationException"
    assert "Member must have length less than or equal to 500" in message


def test_put_record_batch_over_4_mib_invalid_argument(firehose):
    client = create_stream(firehose)
    records = [{"Data": b"x" * 1_000_000}] * 5

    with pytest.raises(ClientError) as excinfo:
        client.put_record_batch(DeliveryStreamName=STREAM, Records=records)

    assert _error(excinfo) == ("InvalidArgumentException", "Records size exceeds 4 MB limit")


def test_put_record_batch_rejected_call_buffers_nothing(firehose):
    client = create_stream(firehose)

    with pytest.raises(ClientError):
        client.put_record_batch(DeliveryStreamName=STREAM, Records=[{"Data": b"a"}] * 501)

    assert firehose.streams()[0]["buffered_records"] == 0


def test_put_record_batch_results_unique_ids_same_order(firehose):
    client = create_stream(firehose)

    response = client.put_record_batch(
        DeliveryStreamName=STREAM, Records=[{"Data": str(i).encode()} for i in range(500)]
    )

    ids = [entry["RecordId"] for entry in response["RequestResponses"]]
    assert response["FailedPutCount"] == 0
    assert len(ids) == 500
    assert len(set(ids)) == 500
    assert all(len(record_id) == 56 and record_id.isdigit() for record_id in ids)


def test_put_record_empty_data_accepted(firehose):
    client = create_stream(firehose)

    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b""})
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"z"})
    firehose.flush()

    assert firehose.delivery_log[0].records == 2


def test_put_record_unknown_stream_not_found(firehose):
    with pytest.raises(ClientError) as excinfo:
        firehose.client("firehose").put_record(DeliveryStreamName="nope", Record={"Data": b"a"})

    assert _error(excinfo) == (
        "ResourceNotFoundException",
        "Firehose nope under account 123456789012 not found.",
    )


def test_put_record_kinesis_source_stream_refused(firehose):
    firehose.client("kinesis").create_stream(StreamName="source", ShardCount=1)
    kinesis_arn = "arn:aws:kinesis:us-east-1:123456789012:stream/source"
    client = firehose.client("firehose")
    client.create_delivery_stream(
        DeliveryStreamName="from-kinesis",
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={
            "KinesisStreamARN": kinesis_arn,
            "RoleARN": "arn:aws:iam::123456789012:role/r",
        },
        ExtendedS3DestinationConfiguration=s3_config(),
    )

    for call in (
        lambda: client.put_record(DeliveryStreamName="from-kinesis", Record={"Data": b"a"}),
        lambda: client.put_record_batch(
            DeliveryStreamName="from-kinesis", Records=[{"Data": b"a"}]
        ),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert _error(excinfo) == (
            "InvalidArgumentException",
            "This operation is not permitted on KinesisStreamAsSource delivery stream type.",
        )
