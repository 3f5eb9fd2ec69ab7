"""Buffering, object keys and compression of delivered objects, through boto3."""

from __future__ import annotations

import gzip
import io
import json
import re
import zipfile

import pytest
from kafka.codec import snappy_decode
from snappy.snappy_formats import hadoop_stream_decompress
from support.streams import START, create_stream, objects

from emulator import FirehoseEmulator, ManualClock
from emulator.runtime import Settings

MIB = 1024 * 1024
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
STREAM = "message-interaction-events"


@pytest.fixture
def firehose():
    with FirehoseEmulator(clock=ManualClock(START), seed=7) as emulator:
        yield emulator


def put(client, records, name=STREAM):
    for start in range(0, len(records), 500):
        batch = [{"Data": data} for data in records[start : start + 500]]
        response = client.put_record_batch(DeliveryStreamName=name, Records=batch)
        assert response["FailedPutCount"] == 0


# Buffering -----------------------------------------------------------------------


def test_buffer_nothing_delivered_before_interval(firehose):
    client = create_stream(firehose, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60})
    put(client, [b"abc"] * 3)

    firehose.advance(59)

    assert objects(firehose) == []


def test_buffer_interval_delivers_concatenated_records(firehose):
    client = create_stream(firehose, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60})
    put(client, [b"abc"] * 3)

    firehose.advance(60)

    delivered = objects(firehose)
    assert [obj["body"] for obj in delivered] == [b"abcabcabc"]


def test_buffer_interval_counted_from_first_record(firehose):
    client = create_stream(firehose, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60})
    put(client, [b"first"])
    firehose.advance(40)
    put(client, [b"second"])

    firehose.advance(20)

    assert [obj["body"] for obj in objects(firehose)] == [b"firstsecond"]


def test_buffer_size_hint_never_passed(firehose):
    client = create_stream(firehose, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 900})
    record = b"x" * 1000 + b"\n"

    put(client, [record] * 1100)

    delivered = objects(firehose)
    assert len(delivered) == 1
    assert len(delivered[0]["body"]) == (MIB // len(record)) * len(record)
    assert len(delivered[0]["body"]) <= MIB
    remaining = firehose.streams()[0]["buffered_records"]
    assert remaining == 1100 - MIB // len(record)


def test_buffer_size_counted_before_compression(firehose):
    client = create_stream(
        firehose,
        CompressionFormat="GZIP",
        BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 900},
    )

    put(client, [b"a" * 1000] * 1049)

    delivered = objects(firehose)
    assert len(delivered) == 1
    assert len(gzip.decompress(delivered[0]["body"])) == 1048000


def test_buffer_zero_interval_delivers_each_call_at_once(firehose):
    client = create_stream(firehose, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 0})

    put(client, [b"a", b"b"])
    client.put_record(DeliveryStreamName=STREAM, Record={"Data": b"c"})

    assert sorted(obj["body"] for obj in objects(firehose)) == [b"ab", b"c"]


def test_buffer_update_applies_from_next_buffer(firehose):
    client = create_stream(firehose, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60})
    put(client, [b"old"])
    client.update_destination(
        DeliveryStreamName=STREAM,
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        ExtendedS3DestinationUpdate={
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 300},
            "Prefix": "new/",
        },
    )
    put(client, [b"more"])

    firehose.advance(60)
    after_old_interval = objects(firehose)
    put(client, [b"next"])
    firehose.advance(300)

    assert [obj["body"] for obj in after_old_interval] == [b"oldmore"]
    assert after_old_interval[0]["key"].startswith(f"2026/12/04/15/{STREAM}-1-")
    newer = [obj for obj in objects(firehose) if obj["key"].startswith("new/")]
    assert [obj["body"] for obj in newer] == [b"next"]
    assert f"/{STREAM}-2-" in newer[0]["key"]


def test_delete_stream_discards_buffered_records(firehose):
    client = create_stream(firehose, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60})
    put(client, [b"lost"] * 3)

    client.delete_delivery_stream(DeliveryStreamName=STREAM)
    firehose.advance(600)
    firehose.flush()

    assert objects(firehose) == []


def test_flush_delivers_whatever_hints_say(firehose):
    client = create_stream(firehose)
    put(client, [b"now"])

    attempts = firehose.flush()

    assert [obj["body"] for obj in objects(firehose)] == [b"now"]
    assert [attempt.reason for attempt in attempts] == ["flush"]


def test_advance_delivers_at_due_time(firehose):
    client = create_stream(firehose, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60})
    put(client, [b"a"])

    attempts = firehose.advance(3600)

    assert len(attempts) == 1
    assert attempts[0].time == pytest.approx(ManualClock(START).now() + 60)


# Keys ---------------------------------------------------------------------------


def test_key_plain_prefix_no_slash(firehose):
    client = create_stream(firehose, Prefix="vascular")
    put(client, [b"e"])

    firehose.flush()

    key = objects(firehose)[0]["key"]
    assert re.fullmatch(
        rf"vascular2026/12/04/15/{STREAM}-1-2026-12-04-15-00-00-{UUID}", key
    ), key


def test_key_prefix_with_slash_keeps_it(firehose):
    client = create_stream(firehose, Prefix="vascular/")
    put(client, [b"e"])

    firehose.flush()

    assert objects(firehose)[0]["key"].startswith("vascular/2026/12/04/15/")


def test_key_no_prefix_gives_date_path(firehose):
    client = create_stream(firehose)
    put(client, [b"e"])

    firehose.flush()

    assert objects(firehose)[0]["key"].startswith(f"2026/12/04/15/{STREAM}-1-")


def test_key_timestamp_uses_oldest_record_arrival(firehose):
    client = create_stream(firehose, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 900})
    firehose.clock.advance(59 * 60 + 58)
    put(client, [b"early"])
    firehose.clock.advance(5)
    put(client, [b"late"])

    firehose.flush()

    key = objects(firehose)[0]["key"]
    assert key.startswith(f"2026/12/04/15/{STREAM}-1-2026-12-04-15-59-58-")


def test_key_timestamp_expression_with_quoted_literals(firehose):
    client = create_stream(
        firehose,
        Prefix="events/year='!{timestamp:yyyy}'/!{timestamp:yyyy'-'MM'-'dd}/",
        ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
    )
    put(client, [b"e"])

    firehose.flush()

    assert objects(firehose)[0]["key"].startswith(
        f"events/year='2026'/2026-12-04/{STREAM}-1-2026-12-04-15-00-00-"
    )


def test_key_random_string_reproducible_with_seed():
    keys = []
    for _ in range(2):
        with FirehoseEmulator(clock=ManualClock(START), seed=11) as firehose:
            client = create_stream(
                firehose,
                Prefix="r/!{firehose:random-string}/",
                ErrorOutputPrefix="e/!{firehose:error-output-type}/",
            )
            put(client, [b"e"])
            firehose.flush()
            keys.append(objects(firehose)[0]["key"])

    assert keys[0] == keys[1]
    assert re.fullmatch(rf"r/[A-Za-z0-9]{{11}}/2026/12/04/15/{STREAM}-1-.*-{UUID}", keys[0])


def test_key_custom_time_zone_moves_prefix_and_suffix(firehose):
    client = create_stream(firehose, Prefix="tz/", CustomTimeZone="Asia/Calcutta")
    put(client, [b"e"])

    firehose.flush()

    assert objects(firehose)[0]["key"].startswith(
        f"tz/2026/12/04/20/{STREAM}-1-2026-12-04-20-30-00-"
    )


def test_key_plain_s3_shape_vascular_configuration(firehose):
    client = create_stream(
        firehose,
        extended=False,
        Prefix="vascular",
        ErrorOutputPrefix="test-error-log",
        BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60},
    )
    put(client, [b'{"eventType":"Read"}\n'])

    firehose.advance(60)

    key = objects(firehose)[0]["key"]
    assert key.startswith("vascular2026/12/04/15/message-interaction-events-1-")
    assert not key.startswith(("myorg-log/", "error-log/", "test-error-log"))


# Compression --------------------------------------------------------------------

PAYLOAD = [json.dumps({"eventType": t, "n": i}).encode() + b"\n" for i, t in
           enumerate(["Delivered", "Read", "Opened", "Deleted"] * 50)]


def _zip_body(body: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = archive.namelist()
        assert len(names) == 1
        assert re.fullmatch(UUID, names[0])
        return archive.read(names[0])


def _hadoop_body(body: bytes) -> bytes:
    out = io.BytesIO()
    hadoop_stream_decompress(io.BytesIO(body), out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("fmt", "extension", "encoding", "decode"),
    [
        ("GZIP", ".gz", "gzip", gzip.decompress),
        ("ZIP", ".zip", "zip", _zip_body),
        ("Snappy", ".snappy", "snappy-java", snappy_decode),
        ("HADOOP_SNAPPY", ".snappy", "hadoop-snappy", _hadoop_body),
        ("UNCOMPRESSED", "", None, lambda body: body),
    ],
    ids=["gzip", "zip", "snappy", "hadoop-snappy", "uncompressed"],
)
def test_compression_format_body_key_and_metadata(firehose, fmt, extension, encoding, decode):
    client = create_stream(firehose, CompressionFormat=fmt)
    put(client, PAYLOAD)

    firehose.flush()

    (delivered,) = objects(firehose)
    assert decode(delivered["body"]) == b"".join(PAYLOAD)
    assert re.fullmatch(rf"2026/12/04/15/{STREAM}-1-2026-12-04-15-00-00-{UUID}{re.escape(extension)}", delivered["key"])
    assert delivered["content_type"] == "application/octet-stream"
    assert delivered["content_encoding"] == encoding


def test_compression_file_extension_replaces_default(firehose):
    client = create_stream(firehose, CompressionFormat="GZIP", FileExtension=".custom.log")
    put(client, PAYLOAD)

    firehose.flush()

    (delivered,) = objects(firehose)
    assert delivered["key"].endswith(f"{UUID[-12:]}.custom.log") or delivered["key"].endswith(".custom.log")
    assert not delivered["key"].endswith(".gz.custom.log")
    assert gzip.decompress(delivered["body"]) == b"".join(PAYLOAD)
    assert delivered["content_encoding"] == "gzip"


def test_compression_empty_file_extension_keeps_default(firehose):
    client = create_stream(firehose, CompressionFormat="GZIP", FileExtension="")
    put(client, PAYLOAD)

    firehose.flush()

    assert objects(firehose)[0]["key"].endswith(".gz")


def test_compression_hadoop_snappy_extension_setting():
    settings = Settings(hadoop_snappy_extension=".hsnappy")
    with FirehoseEmulator(clock=ManualClock(START), seed=1, settings=settings) as firehose:
        client = create_stream(firehose, CompressionFormat="HADOOP_SNAPPY")
        put(client, PAYLOAD)
        firehose.flush()

        assert objects(firehose)[0]["key"].endswith(".hsnappy")
