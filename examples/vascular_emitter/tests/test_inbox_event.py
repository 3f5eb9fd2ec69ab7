"""Tests of how inbox events are encoded and batched; no AWS call is made."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from inbox_events import InboxEvent, _batches

AT = datetime(2026, 12, 4, 15, 0, 0, 250000, tzinfo=timezone.utc)


def test_to_record_json_line_in_utc():
    event = InboxEvent(
        "Read", "m-1", "u-1", AT.astimezone(timezone(timedelta(hours=2)))
    )

    assert event.to_record() == (
        b'{"eventType":"Read","messageId":"m-1","userId":"u-1",'
        b'"occurredAt":"2026-12-04T15:00:00.250Z"}\n'
    )


def test_event_unknown_type_raises_value_error():
    with pytest.raises(ValueError) as raised:
        InboxEvent("Archived", "m-1", "u-1", AT)

    assert str(raised.value) == (
        "invalid event type 'Archived': use one of Delivered, Read, Opened, Deleted"
    )


def test_event_naive_time_raises_value_error():
    with pytest.raises(ValueError) as raised:
        InboxEvent("Read", "m-1", "u-1", datetime(2026, 12, 4, 15, 0))

    assert str(raised.value) == (
        "occurred_at must carry a time zone, got datetime.datetime(2026, 12, 4, 15, 0)"
    )


def test_batches_split_at_500_records():
    sizes = [len(batch) for batch in _batches(b"x" for _ in range(1201))]

    assert sizes == [500, 500, 201]


def test_batches_split_before_4_mib():
    record = b"x" * (1024 * 1024)

    sizes = [len(batch) for batch in _batches([record] * 9)]

    assert sizes == [4, 4, 1]
