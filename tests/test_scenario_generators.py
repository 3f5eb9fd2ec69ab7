"""Tests of the seeded record generators of ``put`` steps."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from emulator.scenario.generators import GeneratorOptionError, VascularEvents

START = 1796396400.0  # 2026-12-04T15:00:00Z


def _events(seed: int = 1, count: int = 2000, **options) -> list[dict]:
    return [
        json.loads(line) for line in VascularEvents(seed, options).records(count, START)
    ]


def test_vascular_same_seed_same_bytes():
    first = VascularEvents(5, {}).records(500, START)
    second = VascularEvents(5, {}).records(500, START)

    assert first == second
    assert VascularEvents(6, {}).records(500, START) != first


def test_vascular_record_size_about_200_bytes():
    records = VascularEvents(1, {}).records(1000, START)

    assert all(
        record.endswith(b"\n") and record.count(b"\n") == 1 for record in records
    )
    average = sum(map(len, records)) / len(records)
    assert 180 <= average <= 260


def test_vascular_events_have_the_documented_fields():
    events = _events()

    assert {tuple(sorted(event)) for event in events} == {
        (
            "appVersion",
            "channel",
            "eventType",
            "inboxId",
            "messageId",
            "occurredAt",
            "platform",
            "userId",
        )
    }
    assert set(Counter(e["eventType"] for e in events)) == {
        "Delivered",
        "Opened",
        "Read",
        "Deleted",
    }


def test_vascular_later_events_refer_to_delivered_messages():
    events = _events()
    delivered = {}
    deleted = set()

    for event in events:
        if event["eventType"] == "Delivered":
            delivered[event["messageId"]] = (event["userId"], event["inboxId"])
            continue
        assert event["messageId"] not in deleted
        assert delivered[event["messageId"]] == (event["userId"], event["inboxId"])
        if event["eventType"] == "Deleted":
            deleted.add(event["messageId"])


def test_vascular_occurred_at_follows_clock_in_order():
    events = _events(count=300)
    times = [event["occurredAt"] for event in events]

    assert times == sorted(times)
    assert times[0] >= "2026-12-04T14:59:59.000Z"
    assert times[-1] <= "2026-12-04T15:00:00.000Z"


def test_vascular_mix_without_deleted_gives_none():
    events = _events(mix={"Delivered": 1, "Read": 1})

    assert "Deleted" not in {event["eventType"] for event in events}
    assert "Opened" not in {event["eventType"] for event in events}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"mix": {"Read": 1}},
            "mix.Delivered: the weight of Delivered must be above 0",
        ),
        ({"users": 0}, "users: invalid value 0. Fix: give a whole number of 1 or more"),
        (
            {"colour": "red"},
            "colour: unknown option 'colour' of generator 'vascular-events'",
        ),
    ],
    ids=["no-delivered", "zero-users", "unknown-option"],
)
def test_vascular_invalid_option_raises(options, message):
    with pytest.raises(GeneratorOptionError) as caught:
        VascularEvents(1, options)

    assert str(caught.value).startswith(message)
