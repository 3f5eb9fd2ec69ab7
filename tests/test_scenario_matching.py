"""Tests of the matchers behind expectations: counts, ranges and JSON subsets."""

from __future__ import annotations

import pytest

from emulator.scenario.content import check
from emulator.scenario.matching import count_matches, describe_count, subset_difference


@pytest.mark.parametrize(
    ("expected", "found", "matches"),
    [
        (3, 3, True),
        (3, 4, False),
        ({"min": 2}, 2, True),
        ({"min": 2}, 1, False),
        ({"max": 2}, 3, False),
        ({"min": 1, "max": 5}, 5, True),
    ],
)
def test_count_matches_exact_and_ranges(expected, found, matches):
    assert count_matches(expected, found) is matches


@pytest.mark.parametrize(
    ("expected", "text"),
    [
        (4, "4"),
        ({"min": 1}, "at least 1"),
        ({"max": 9}, "at most 9"),
        ({"min": 1, "max": 2}, "between 1 and 2"),
    ],
)
def test_describe_count_reads_as_english(expected, text):
    assert describe_count(expected) == text


@pytest.mark.parametrize(
    ("expected", "actual", "difference"),
    [
        ({"a": 1}, {"a": 1, "b": 2}, None),
        ({"a": {"b": 1}}, {"a": {"b": 1, "c": 3}}, None),
        ({"a": 1}, {"b": 1}, "a: missing"),
        ({"a": {"b": 1}}, {"a": {"b": 2}}, "a.b: expected 1, found 2"),
        ({"a": True}, {"a": 1}, "a: expected True, found 1"),
        ({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2, "c": 3}]}, None),
        ({"a": [1]}, {"a": [1, 2]}, "a: expected [1], found [1, 2]"),
        ({"a": 1}, [1], "record: expected a mapping, found [1]"),
    ],
    ids=[
        "extra-key",
        "nested",
        "missing",
        "nested-value",
        "bool-not-int",
        "list",
        "list-length",
        "not-mapping",
    ],
)
def test_subset_difference_names_first_difference(expected, actual, difference):
    assert subset_difference(expected, actual) == difference


def test_content_check_reports_each_failed_part():
    lines = [
        b'{"eventType":"Delivered","n":1}',
        b"not json",
        b'{"eventType":"Read","n":3}',
    ]

    problems = check(
        {
            "first": {"eventType": "Delivered"},
            "last": {"n": 4},
            "keys": ["eventType"],
            "includes": [{"n": 3}],
        },
        lines,
    )

    assert [(p.expected, p.found) for p in problems] == [
        (
            'last record matching {"n": 4}',
            '{"eventType": "Read", "n": 3} (n: expected 4, found 3)',
        ),
        (
            "every record with the fields eventType",
            "record 2 lacks eventType: (not JSON)",
        ),
    ]


def test_content_lines_compares_exact_records():
    problems = check({"lines": ["a", "b"]}, [b"a", b"c"])

    assert [(p.expected, p.found) for p in problems] == [('["a", "b"]', '["a", "c"]')]
