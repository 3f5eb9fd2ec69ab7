"""Tests of the reading helpers on FirehoseEmulator: objects, records, buffers, assertions."""

from __future__ import annotations

import base64
import gzip

import pytest

from emulator import ConfigurationError, FirehoseEmulator, ManualClock
from emulator.inspection import split_json, split_lines
from emulator.inspection_checks import check_delivered
from emulator.runtime import Settings

ROLE = "arn:aws:iam::123456789012:role/delivery"
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:reject-bad"


@pytest.fixture
def emulator():
    settings = Settings(iam_mode="off")
    clock = ManualClock("2026-12-04T15:00:00Z")
    with FirehoseEmulator(
        clock=clock, seed=7, account_id="123456789012", settings=settings
    ) as running:
        yield running


def make_stream(emulator, name, bucket, **destination):
    s3 = emulator.client("s3")
    existing = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket)
    emulator.client("firehose").create_delivery_stream(
        DeliveryStreamName=name,
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": f"arn:aws:s3:::{bucket}",
            **destination,
        },
    )


def put(emulator, name, *records):
    emulator.client("firehose").put_record_batch(
        DeliveryStreamName=name, Records=[{"Data": record} for record in records]
    )


# objects() -------------------------------------------------------------------


def test_objects_uncompressed_stream_gives_key_size_metadata_records(emulator):
    make_stream(emulator, "events", "events-bucket")
    put(emulator, "events", b'{"n":1}\n', b'{"n":2}\n')
    emulator.flush()

    (obj,) = emulator.objects("events")

    attempt = emulator.delivery_log[0]
    assert obj.bucket == "events-bucket"
    assert obj.key == attempt.key
    assert obj.key.startswith("2026/12/04/15/events-1-2026-12-04-15-00-00-")
    assert obj.size == 16
    assert obj.content_type == "application/octet-stream"
    assert obj.content_encoding is None
    assert obj.metadata == {}
    assert obj.compression == "UNCOMPRESSED"
    assert obj.body == b'{"n":1}\n{"n":2}\n'
    assert obj.raw_body == obj.body
    assert obj.records == 2
    assert obj.stream == "events"
    assert obj.kind == "data"
    assert obj.delivered_at == ManualClock("2026-12-04T15:00:00Z").now()
    assert obj.uri == f"s3://events-bucket/{obj.key}"


@pytest.mark.parametrize(
    ("compression_format", "content_encoding"),
    [
        ("GZIP", "gzip"),
        ("ZIP", "zip"),
        ("Snappy", "snappy-java"),
        ("HADOOP_SNAPPY", "hadoop-snappy"),
    ],
)
def test_objects_compressed_stream_body_decompressed(
    emulator, compression_format, content_encoding
):
    make_stream(
        emulator, "events", "events-bucket", CompressionFormat=compression_format
    )
    records = [b'{"event":"Read","n":%d}\n' % n for n in range(50)]
    put(emulator, "events", *records)
    emulator.flush()

    (obj,) = emulator.objects("events")

    assert obj.compression == compression_format
    assert obj.content_encoding == content_encoding
    assert obj.body == b"".join(records)
    assert obj.raw_body != obj.body
    assert obj.size == len(obj.raw_body)


def test_objects_gzip_body_matches_python_gzip(emulator):
    make_stream(emulator, "events", "events-bucket", CompressionFormat="GZIP")
    put(emulator, "events", b"alpha\n", b"beta\n")
    emulator.flush()

    (obj,) = emulator.objects("events")

    assert gzip.decompress(obj.raw_body) == obj.body == b"alpha\nbeta\n"


def test_objects_format_updated_each_body_read(emulator):
    make_stream(emulator, "events", "events-bucket", CompressionFormat="GZIP")
    put(emulator, "events", b"first\n")
    emulator.flush()
    firehose = emulator.client("firehose")
    description = firehose.describe_delivery_stream(DeliveryStreamName="events")
    firehose.update_destination(
        DeliveryStreamName="events",
        CurrentDeliveryStreamVersionId=description["DeliveryStreamDescription"][
            "VersionId"
        ],
        DestinationId="destinationId-000000000001",
        ExtendedS3DestinationUpdate={"CompressionFormat": "UNCOMPRESSED"},
    )
    put(emulator, "events", b"second\n")
    emulator.flush()

    objects = emulator.objects("events")

    assert [obj.compression for obj in objects] == ["GZIP", "UNCOMPRESSED"]
    assert [obj.body for obj in objects] == [b"first\n", b"second\n"]


def test_objects_bucket_and_prefix_filters_select_objects(emulator):
    make_stream(emulator, "reads", "shared-bucket", Prefix="reads/")
    make_stream(emulator, "opens", "shared-bucket", Prefix="opens/")
    make_stream(emulator, "deletes", "other-bucket")
    for name in ("reads", "opens", "deletes"):
        put(emulator, name, name.encode())
    emulator.flush()

    in_shared = emulator.objects(bucket="shared-bucket")
    under_opens = emulator.objects(bucket="shared-bucket", prefix="opens/")
    every = emulator.objects()

    assert sorted(obj.stream for obj in in_shared) == ["opens", "reads"]
    assert [obj.body for obj in under_opens] == [b"opens"]
    assert len(every) == 3


def test_objects_deleted_object_left_out(emulator):
    make_stream(emulator, "events", "events-bucket")
    put(emulator, "events", b"one")
    emulator.flush()
    put(emulator, "events", b"two")
    emulator.flush()
    first_key = emulator.delivery_log[0].key
    emulator.client("s3").delete_object(Bucket="events-bucket", Key=first_key)

    objects = emulator.objects("events")

    assert [obj.body for obj in objects] == [b"two"]


def reject_bad(event, context):
    results = []
    for record in event["records"]:
        data = base64.b64decode(record["data"])
        status = "ProcessingFailed" if b"bad" in data else "Ok"
        results.append(
            {"recordId": record["recordId"], "result": status, "data": record["data"]}
        )
    return {"records": results}


def test_objects_error_kind_reads_uncompressed_error_output(emulator):
    emulator.register_transform(LAMBDA_ARN, reject_bad)
    processing = {
        "Enabled": True,
        "Processors": [
            {
                "Type": "Lambda",
                "Parameters": [
                    {"ParameterName": "LambdaArn", "ParameterValue": LAMBDA_ARN}
                ],
            }
        ],
    }
    make_stream(
        emulator,
        "events",
        "events-bucket",
        CompressionFormat="GZIP",
        ProcessingConfiguration=processing,
    )
    put(emulator, "events", b'{"ok":1}\n', b'{"bad":1}\n')
    emulator.flush()

    data = emulator.objects("events")
    errors = emulator.objects("events", kind="error")
    every = emulator.objects("events", kind=None)

    assert [obj.body for obj in data] == [b'{"ok":1}\n']
    assert len(errors) == 1
    assert errors[0].compression == "UNCOMPRESSED"
    assert errors[0].key.startswith("processing-failed/")
    (failure,) = errors[0].json()
    assert failure["errorCode"] == "Lambda.ProcessingFailedStatus"
    assert base64.b64decode(failure["rawData"]) == b'{"bad":1}\n'
    assert len(every) == 2


def test_objects_stopped_emulator_raises_configuration_error():
    emulator = FirehoseEmulator(clock=ManualClock())

    with pytest.raises(ConfigurationError) as raised:
        emulator.objects()

    assert str(raised.value) == (
        "cannot read delivered objects: the emulator is not started; "
        "read them inside its with block, or between start() and stop()"
    )


# Records ---------------------------------------------------------------------


def test_split_lines_final_newline_and_crlf_handled():
    assert split_lines(b"a\nb\r\nc\n") == ["a", "b", "c"]
    assert split_lines(b"a\n\nb") == ["a", "", "b"]
    assert split_lines(b"") == []


def test_split_lines_unicode_line_separator_kept_in_line():
    assert split_lines('{"t":"x\u2028y"}\n'.encode()) == ['{"t":"x\u2028y"}']


def test_split_json_concatenated_documents_without_delimiter():
    body = b'{"a":1}{"b":[1,2]}"text"\n  {"c":null}\n'

    assert split_json(body) == [{"a": 1}, {"b": [1, 2]}, "text", {"c": None}]


def test_split_json_pretty_printed_documents():
    body = b'{\n  "a": 1\n}\n{\n  "b": 2\n}\n'

    assert split_json(body) == [{"a": 1}, {"b": 2}]


def test_split_json_invalid_body_raises_with_position():
    with pytest.raises(ValueError) as raised:
        split_json(b'{"a":1}\n{"b":', source="s3://b/k")

    assert str(raised.value) == (
        "s3://b/k is not a sequence of JSON documents: Expecting value at character 13: ''"
    )


def test_json_documents_across_objects_in_delivery_order(emulator):
    make_stream(emulator, "events", "events-bucket")
    put(emulator, "events", b'{"n":1}', b'{"n":2}')
    emulator.flush()
    put(emulator, "events", b'{"n":3}\n')
    emulator.flush()

    assert emulator.json_documents("events") == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert emulator.lines("events") == ['{"n":1}{"n":2}', '{"n":3}']


def test_buffered_records_counts_until_interval(emulator):
    make_stream(
        emulator,
        "events",
        "events-bucket",
        BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60},
    )
    make_stream(emulator, "other", "events-bucket")
    put(emulator, "events", b"a", b"b", b"c")
    put(emulator, "other", b"d")

    assert emulator.buffered_records("events") == 3
    assert emulator.buffered_records() == 4
    emulator.advance(60)
    assert emulator.buffered_records("events") == 0
    assert emulator.buffered_records() == 1


# assert_delivered() ------------------------------------------------------------


def test_assert_delivered_matching_expectations_returns_objects(emulator):
    make_stream(emulator, "events", "events-bucket", Prefix="vascular/")
    put(emulator, "events", b'{"type":"Read"}\n', b'{"type":"Opened"}\n')
    emulator.flush()

    found = emulator.assert_delivered(
        "events",
        objects=1,
        records=2,
        key_pattern=r"vascular/2026/12/04/15/events-1-2026-12-04-15-00-00-[0-9a-f-]{36}",
        contains=["Read", b"Opened"],
        documents=[{"type": "Opened"}, {"type": "Read"}],
        lines=['{"type":"Read"}', '{"type":"Opened"}'],
    )

    assert [obj.records for obj in found] == [2]


def test_assert_delivered_wrong_count_lists_delivered_objects(emulator):
    make_stream(emulator, "events", "events-bucket", CompressionFormat="GZIP")
    put(emulator, "events", b"x" * 1000, b"y" * 1000)
    emulator.flush()
    key = emulator.delivery_log[0].key
    size = emulator.delivery_log[0].bytes

    with pytest.raises(AssertionError) as raised:
        emulator.assert_delivered("events", objects=2, records=3)

    assert str(raised.value) == (
        "delivery check failed for stream 'events': expected 2 objects, found 1; "
        "expected 3 records, found 2\n"
        "delivered objects (1):\n"
        f"  s3://events-bucket/{key}  {size} bytes GZIP (2,000 bytes uncompressed), "
        "2 records, delivered 2026-12-04T15:00:00Z"
    )


def test_assert_delivered_nothing_flushed_says_what_is_buffered(emulator):
    make_stream(emulator, "events", "events-bucket")
    put(emulator, "events", b"123456789", b"123456789")
    emulator.advance(100)

    with pytest.raises(AssertionError) as raised:
        emulator.assert_delivered("events")

    assert str(raised.value) == (
        "delivery check failed for stream 'events': expected at least one object, "
        "found none\n"
        "delivered objects: none\n"
        "still buffered in stream 'events': 2 records, 18 bytes, due in 200 s; "
        "call advance(200) or flush() to deliver them"
    )


def test_assert_delivered_key_pattern_mismatch_names_a_key(emulator):
    make_stream(emulator, "events", "events-bucket", Prefix="vascular")
    put(emulator, "events", b"x")
    emulator.flush()
    key = emulator.delivery_log[0].key

    with pytest.raises(AssertionError) as raised:
        emulator.assert_delivered("events", key_pattern=r"vascular/.*")

    first_line = str(raised.value).splitlines()[0]
    assert first_line == (
        "delivery check failed for stream 'events': 1 of 1 keys do not match "
        f"'vascular/.*', such as {key!r}"
    )
    assert key.startswith("vascular2026/12/04/15/")


def test_assert_delivered_missing_content_and_documents_reported(emulator):
    make_stream(emulator, "events", "events-bucket")
    put(emulator, "events", b'{"type":"Read"}\n')
    emulator.flush()

    with pytest.raises(AssertionError) as raised:
        emulator.assert_delivered(
            "events", contains="Deleted", documents=[{"type": "Deleted"}]
        )

    first_line = str(raised.value).splitlines()[0]
    assert first_line == (
        "delivery check failed for stream 'events': no delivered object contains "
        "'Deleted'; JSON documents differ (1 delivered, 1 expected); missing 1, such as "
        '{"type":"Deleted"}; not expected 1, such as {"type":"Read"}'
    )


def test_assert_delivered_unknown_stream_lists_streams(emulator):
    make_stream(emulator, "events", "events-bucket")

    with pytest.raises(AssertionError) as raised:
        emulator.assert_delivered("evnets")

    assert str(raised.value).splitlines()[-1] == (
        "no delivery stream named 'evnets' exists or delivered; streams: 'events'"
    )


def test_assert_delivered_missing_bucket_lists_failed_delivery(emulator):
    emulator.client("firehose").create_delivery_stream(
        DeliveryStreamName="events",
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": "arn:aws:s3:::no-such-bucket",
        },
    )
    put(emulator, "events", b"a", b"b")
    emulator.flush()

    with pytest.raises(AssertionError) as raised:
        emulator.assert_delivered("events", objects=1)

    lines = str(raised.value).splitlines()
    assert lines[2] == "failed deliveries (1):"
    assert lines[3] == (
        "  stream 'events' to s3://no-such-bucket: failed on attempt 1, 2 records, "
        "S3.NoSuchBucket: The specified bucket does not exist. Create the bucket or use "
        "a different bucket that does exist."
    )
    assert lines[4] == "waiting for a retry in stream 'events': 2 records"


def test_assert_delivered_objects_zero_passes_with_nothing_delivered(emulator):
    make_stream(emulator, "events", "events-bucket")

    assert emulator.assert_delivered("events", objects=0) == []


def test_check_delivered_no_count_needs_one_object():
    assert check_delivered([]) == ["expected at least one object, found none"]
