"""Time-zone and offset printers for Java ``DateTimeFormatter`` patterns.

These print the zone letters of a pattern (``VV``, ``z``, ``zzzz``, ``O``,
``X``, ``x`` and ``Z``) the way Java prints them for ``Locale.US``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

__all__ = [
    "LOCALIZED_FULL",
    "localized_offset",
    "offset_id",
    "zone_full_name",
    "zone_id",
    "zone_short_name",
]

# Full zone names for a few common zones: (standard, daylight). Other zones
# print a GMT offset for ``zzzz``, where Java would print the CLDR name.
ZONE_FULL_NAMES = {
    "UTC": ("Coordinated Universal Time", "Coordinated Universal Time"),
    "Etc/UTC": ("Coordinated Universal Time", "Coordinated Universal Time"),
    "America/New_York": ("Eastern Standard Time", "Eastern Daylight Time"),
    "America/Chicago": ("Central Standard Time", "Central Daylight Time"),
    "America/Denver": ("Mountain Standard Time", "Mountain Daylight Time"),
    "America/Los_Angeles": ("Pacific Standard Time", "Pacific Daylight Time"),
    "Europe/London": ("Greenwich Mean Time", "British Summer Time"),
    "Asia/Calcutta": ("India Standard Time", "India Standard Time"),
    "Asia/Kolkata": ("India Standard Time", "India Standard Time"),
    "Asia/Tokyo": ("Japan Standard Time", "Japan Standard Time"),
}


# Upper bounds used for the evaluated-length check, in characters. A zone ID is
# at most 32 characters in the tz database (America/Argentina/ComodRivadavia). A
# localized offset is at most "GMT-10:31:26" (12). A full zone name is assumed
# to fit in 40, the length of "Australian Central Western Standard Time".
def _offset_seconds(instant: datetime) -> int:
    offset = instant.utcoffset()
    if offset is None:
        raise ValueError(
            f"zone pattern letters need an aware datetime, got {instant!r}"
        )
    return int(offset / timedelta(seconds=1))


def _split_offset(total: int) -> tuple[str, int, int, int]:
    sign = "-" if total < 0 else "+"
    total = abs(total)
    return sign, total // 3600 % 100, total // 60 % 60, total % 60


def offset_id(style: int, zero_text: str) -> Callable[[datetime], str]:
    """Build a printer like Java's OffsetIdPrinterParser for pattern index ``style``.

    Styles 1 to 6 are ``+HHmm +HH:mm +HHMM +HH:MM +HHMMss +HH:MM:ss``, where a
    lower-case part is printed only when it is not zero.
    """
    colon = ":" if style % 2 == 0 else ""

    def printer(instant: datetime) -> str:
        total = _offset_seconds(instant)
        if total == 0:
            return zero_text
        sign, hours, minutes, seconds = _split_offset(total)
        text = f"{sign}{hours:02d}"
        if style >= 3 or (style >= 1 and minutes > 0):
            text += f"{colon}{minutes:02d}"
            if style >= 5 and seconds > 0:
                text += f"{colon}{seconds:02d}"
        return text

    return printer


def localized_offset(full: bool) -> Callable[[datetime], str]:
    def printer(instant: datetime) -> str:
        total = _offset_seconds(instant)
        if total == 0:
            return "GMT"
        sign, hours, minutes, seconds = _split_offset(total)
        text = f"GMT{sign}{hours:02d}:{minutes:02d}" if full else f"GMT{sign}{hours}"
        if not full and (minutes or seconds):
            text += f":{minutes:02d}"
        if seconds:
            text += f":{seconds:02d}"
        return text

    return printer


LOCALIZED_FULL = localized_offset(full=True)


def zone_id(instant: datetime) -> str:
    key = getattr(instant.tzinfo, "key", None)
    if key:
        return key
    # A fixed offset prints as Java's ZoneOffset ID: "Z" or "+05:30".
    return offset_id(6, "Z")(instant)


def zone_short_name(instant: datetime) -> str:
    # NOTE: tz database abbreviations (EST, IST, CET) stand in for Java's CLDR
    # short names. A zone without one prints its GMT offset.
    if getattr(instant.tzinfo, "key", None) is None:
        return zone_id(instant)
    name = instant.tzname() or ""
    if not name or name[0] in "+-":
        return LOCALIZED_FULL(instant)
    return name


def zone_full_name(instant: datetime) -> str:
    key = getattr(instant.tzinfo, "key", None)
    if key is None:
        return zone_id(instant)
    names = ZONE_FULL_NAMES.get(key)
    if names is None:
        return LOCALIZED_FULL(instant)
    return names[1] if instant.dst() else names[0]
