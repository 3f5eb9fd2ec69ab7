"""Tests for emulator.javatime: Java DateTimeFormatter patterns.

Expected strings follow DateTimeFormatter.ofPattern(pattern, Locale.US) on
JDK 19 or later. The instant is Friday 2026-12-04 15:07:09.123456 UTC unless a
test sets its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from emulator.javatime import PatternError, compile_pattern, format_java_datetime

UTC = ZoneInfo("UTC")
INSTANT = datetime(2026, 12, 4, 15, 7, 9, 123456, tzinfo=UTC)

REJECTED_LETTERS = "CIJPRTUVbfijloprt"
ACCEPTED_LETTERS = "ABDEFGHKLMNOQSWXYZacdeghkmnqsuvwxyz"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("yyyy/MM/dd/HH/", "2026/12/04/15/"),
        ("y", "2026"),
        ("yy", "26"),
        ("yyy", "2026"),
        ("yyyyy", "02026"),
        ("u", "2026"),
        ("uuuu", "2026"),
        ("M", "12"),
        ("MM", "12"),
        ("MMM", "Dec"),
        ("MMMM", "December"),
        ("MMMMM", "D"),
        ("L", "12"),
        ("LLLL", "December"),
        ("d", "4"),
        ("dd", "04"),
        ("D", "338"),
        ("H", "15"),
        ("h", "3"),
        ("hh", "03"),
        ("k", "15"),
        ("K", "3"),
        ("a", "PM"),
        ("m", "7"),
        ("mm", "07"),
        ("s", "9"),
        ("ss", "09"),
        ("S", "1"),
        ("SSS", "123"),
        ("SSSSSS", "123456"),
        ("SSSSSSSSS", "123456000"),
        ("n", "123456000"),
        ("A", "54429123"),
        ("N", "54429123456000"),
        ("E", "Fri"),
        ("EEE", "Fri"),
        ("EEEE", "Friday"),
        ("EEEEE", "F"),
        ("e", "6"),
        ("ee", "06"),
        ("eee", "Fri"),
        ("eeee", "Friday"),
        ("c", "6"),
        ("cccc", "Friday"),
        ("Q", "4"),
        ("QQ", "04"),
        ("QQQ", "Q4"),
        ("QQQQ", "4th quarter"),
        ("q", "4"),
        ("G", "AD"),
        ("GGGG", "Anno Domini"),
        ("GGGGG", "A"),
        ("w", "49"),
        ("W", "1"),
        ("Y", "2026"),
        ("YY", "26"),
        ("F", "1"),
        ("g", "61378"),
        ("B", "in the afternoon"),
        ("VV", "UTC"),
        ("z", "UTC"),
        ("zzzz", "Coordinated Universal Time"),
        ("O", "GMT"),
        ("OOOO", "GMT"),
        ("X", "Z"),
        ("XXX", "Z"),
        ("x", "+00"),
        ("xx", "+0000"),
        ("xxx", "+00:00"),
        ("Z", "+0000"),
        ("ZZZZ", "GMT"),
        ("ZZZZZ", "Z"),
    ],
)
def test_format_java_datetime_letter_matches_java(pattern, expected):
    assert format_java_datetime(pattern, INSTANT) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("yyyy'-'MM'-'dd", "2026-12-04"),
        ("HH'h'mm", "15h07"),
        ("''", "'"),
        ("'o''clock'", "o'clock"),
        ("'year='yyyy", "year=2026"),
        ("yyyy-MM-dd HH:mm:ss", "2026-12-04 15:07:09"),
        ("[yyyy]", "2026"),
        ("yyyy[/MM", "2026/12"),
        ("ppH", "15"),
        ("pppd", "  4"),
        ("é_yyyy", "é_2026"),
    ],
)
def test_format_java_datetime_literals_and_sections_match_java(pattern, expected):
    assert format_java_datetime(pattern, INSTANT) == expected


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        (
            "America/New_York",
            [
                "10",
                "EST",
                "Eastern Standard Time",
                "America/New_York",
                "GMT-5",
                "GMT-05:00",
                "-05",
                "-0500",
                "-05:00",
                "-05:00",
                "-0500",
            ],
        ),
        (
            "Asia/Calcutta",
            [
                "20",
                "IST",
                "India Standard Time",
                "Asia/Calcutta",
                "GMT+5:30",
                "GMT+05:30",
                "+0530",
                "+0530",
                "+05:30",
                "+05:30",
                "+0530",
            ],
        ),
    ],
)
def test_format_java_datetime_zone_letters_match_java(zone, expected):
    instant = INSTANT.astimezone(ZoneInfo(zone))
    patterns = ["HH", "z", "zzzz", "VV", "O", "OOOO", "X", "XX", "XXX", "xxx", "Z"]

    formatted = [format_java_datetime(pattern, instant) for pattern in patterns]

    assert formatted == expected


def test_format_java_datetime_daylight_time_prints_daylight_names():
    instant = datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("America/New_York"))

    assert format_java_datetime("z", instant) == "EDT"
    assert format_java_datetime("zzzz", instant) == "Eastern Daylight Time"
    assert format_java_datetime("xxx", instant) == "-04:00"


def test_format_java_datetime_fixed_offset_prints_offset_id():
    india = timezone(timedelta(hours=5, minutes=30))

    assert format_java_datetime("VV", INSTANT.astimezone(india)) == "+05:30"
    assert format_java_datetime("VV", INSTANT.astimezone(timezone.utc)) == "Z"


def test_format_java_datetime_offset_seconds_printed_when_allowed():
    odd = timezone(timedelta(hours=-10, minutes=-31, seconds=-26))
    instant = INSTANT.astimezone(odd)

    assert format_java_datetime("XXXXX", instant) == "-10:31:26"
    assert format_java_datetime("XXX", instant) == "-10:31"
    assert format_java_datetime("O", instant) == "GMT-10:31:26"


@pytest.mark.parametrize(
    ("day", "pattern", "expected"),
    [
        (datetime(2026, 12, 31), "YYYY-ww", "2027-01"),
        (datetime(2027, 1, 1), "YYYY-ww", "2027-01"),
        (datetime(2026, 12, 26), "YYYY-ww", "2026-52"),
        (datetime(2021, 1, 1), "YYYY-ww-e", "2021-01-6"),
        (datetime(2026, 12, 6), "W e", "2 1"),
        (datetime(2026, 12, 10), "F", "2"),
        (datetime(2026, 1, 5), "D DD DDD", "5 05 005"),
        (datetime(2000, 1, 1), "g", "51544"),
    ],
)
def test_format_java_datetime_calendar_fields_match_java(day, pattern, expected):
    assert format_java_datetime(pattern, day) == expected


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [
        (0, 0, "midnight 12 24 0 AM"),
        (9, 30, "in the morning 9 9 9 AM"),
        (12, 0, "noon 12 12 0 PM"),
        (19, 0, "in the evening 7 19 7 PM"),
        (22, 15, "at night 10 22 10 PM"),
    ],
)
def test_format_java_datetime_hours_and_periods_match_java(hour, minute, expected):
    instant = datetime(2026, 12, 4, hour, minute)

    assert format_java_datetime("B h k K a", instant) == expected


@pytest.mark.parametrize("letter", list(REJECTED_LETTERS))
def test_compile_pattern_rejected_letter_raises(letter):
    with pytest.raises(PatternError):
        compile_pattern(letter)


@pytest.mark.parametrize("letter", list(ACCEPTED_LETTERS))
def test_compile_pattern_accepted_letter_compiles(letter):
    compiled = compile_pattern(letter)

    assert compiled.max_width >= 1
    assert len(compiled.format(INSTANT)) <= compiled.max_width


def test_letter_tables_cover_all_ascii_letters():
    letters = sorted(REJECTED_LETTERS + ACCEPTED_LETTERS)

    assert len(REJECTED_LETTERS) == 17
    assert len(ACCEPTED_LETTERS) == 35
    assert "".join(letters) == "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@pytest.mark.parametrize(
    "pattern",
    [
        "V",
        "VVV",
        "HHH",
        "dd d ddd",
        "aa",
        "MMMMMM",
        "EEEEEE",
        "cc",
        "SSSSSSSSSS",
        "DDDD",
        "zzzzz",
        "OO",
        "XXXXXX",
        "xxxxxx",
        "ZZZZZZ",
        "vv",
        "BB",
        "WW",
        "www",
        "FF",
        "GGGGGG",
        "p",
        "pp-H",
        "yyyy'x",
        "'",
        "yyyy]",
        "yyyy#",
        "yyyy{",
        "nnnnnnnnnnnnnnnnnnnn",
    ],
)
def test_compile_pattern_invalid_pattern_raises(pattern):
    with pytest.raises(PatternError):
        compile_pattern(pattern)


@pytest.mark.parametrize(
    ("pattern", "width"),
    [
        ("yyyy/MM/dd/HH/", 14),
        ("MMMM", 9),
        ("EEEE", 9),
        ("QQQQ", 11),
        ("d", 2),
        ("'abc'", 3),
        ("SSS", 3),
        ("ppppH", 4),
        ("VV", 32),
        ("XXXXX", 9),
    ],
)
def test_compile_pattern_max_width_bounds_output(pattern, width):
    assert compile_pattern(pattern).max_width == width


def test_compile_pattern_same_pattern_returns_cached_object():
    assert compile_pattern("yyyy/MM/dd") is compile_pattern("yyyy/MM/dd")


def test_format_java_datetime_naive_zone_raises():
    with pytest.raises(ValueError, match="aware datetime"):
        format_java_datetime("xxx", datetime(2026, 12, 4))
