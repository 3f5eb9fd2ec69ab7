"""Tests of what the emitter's events look like in S3, through the firehose fixtures.

The stream is the Vascular document's CreateDeliveryStream JSON, unchanged;
pytest.ini sets the account its role ARN names and the clock's start time.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from inbox_events import EVENT_TYPES, InboxEvent, InboxEventEmitter

from emulator import faults

STREAM = "message-interaction-events"
AT = datetime(2026, 12, 4, 15, 0, tzinfo=timezone.utc)
KEY = r"vascular2026/12/04/15/message-interaction-events-1-2026-12-04-15-00-00-[0-9a-f-]{36}"

pytestmark = pytest.mark.firehose_stream(
    config="../streams/message-interaction-events.json"
)


def test_each_event_type_delivered_as_one_json_line(firehose):
    emitter = InboxEventEmitter(STREAM)

    emitter.delivered("m-1", "u-1", AT)
    emitter.read("m-1", "u-1", AT)
    emitter.opened("m-1", "u-1", AT)
    emitter.deleted("m-1", "u-1", AT)
    firehose.advance(60)

    (obj,) = firehose.assert_delivered(STREAM, objects=1, records=4, key_pattern=KEY)
    assert [document["eventType"] for document in obj.json()] == list(EVENT_TYPES)
    assert obj.lines()[0] == (
        '{"eventType":"Delivered","messageId":"m-1","userId":"u-1",'
        '"occurredAt":"2026-12-04T15:00:00.000Z"}'
    )


def test_events_wait_in_buffer_until_60_seconds(firehose):
    emitter = InboxEventEmitter(STREAM)

    emitter.read("m-1", "u-1", AT)
    firehose.advance(59)

    assert firehose.buffered_records(STREAM) == 1
    firehose.assert_delivered(STREAM, objects=0)
    firehose.advance(1)
    firehose.assert_delivered(STREAM, objects=1, records=1)


def test_one_mib_of_events_delivered_without_waiting(firehose):
    events = [InboxEvent("Opened", f"m-{n:06d}", "u-1", AT) for n in range(12_000)]

    sent = InboxEventEmitter(STREAM).send_batch(events)

    (obj,) = firehose.objects(STREAM)
    assert sent == 12_000
    assert obj.size <= 1024 * 1024
    assert obj.records + firehose.buffered_records(STREAM) == 12_000
    assert obj.json()[0]["messageId"] == "m-000000"


def test_rejected_entries_sent_again_delivered_once(firehose):
    faults.fail_records(firehose.runtime, STREAM, indexes=[1, 3])
    events = [InboxEvent(kind, "m-2", "u-2", AT) for kind in EVENT_TYPES]

    sent = InboxEventEmitter(STREAM).send_batch(events)
    firehose.flush()

    assert sent == 4
    firehose.assert_delivered(
        STREAM,
        records=4,
        documents=[
            {
                "eventType": kind,
                "messageId": "m-2",
                "userId": "u-2",
                "occurredAt": "2026-12-04T15:00:00.000Z",
            }
            for kind in EVENT_TYPES
        ],
    )


@pytest.mark.firehose_stream(
    "compressed-events",
    bucket="vascular-inbox-events",
    prefix="events/!{timestamp:yyyy/MM/dd}/",
    error_output_prefix="errors/!{firehose:error-output-type}/",
    compression_format="GZIP",
    buffering_interval_seconds=60,
)
def test_gzip_stream_objects_read_back_decompressed(firehose):
    emitter = InboxEventEmitter("compressed-events")

    emitter.opened("m-3", "u-3", AT)
    firehose.advance(60)

    (obj,) = firehose.assert_delivered("compressed-events", objects=1, contains='"m-3"')
    assert obj.key.startswith("events/2026/12/04/compressed-events-1-")
    assert obj.key.endswith(".gz")
    assert obj.content_encoding == "gzip"
    assert obj.json() == [
        {
            "eventType": "Opened",
            "messageId": "m-3",
            "userId": "u-3",
            "occurredAt": "2026-12-04T15:00:00.000Z",
        }
    ]
