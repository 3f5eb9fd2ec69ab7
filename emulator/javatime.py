"""Java ``DateTimeFormatter.ofPattern`` patterns, compiled for formatting in Python.

Firehose evaluates ``!{timestamp:PATTERN}`` with Java's ``DateTimeFormatter``, so
a prefix accepts and prints what Java does, not what ``strftime`` does. This
module follows the pattern grammar of ``DateTimeFormatterBuilder.appendPattern``
(JDK 19 and later) with English (``Locale.US``) texts and US week rules: weeks
start on Sunday, and week 1 is the week that contains 1 January.

A pattern is compiled once (``compile_pattern`` is cached) into a tuple of
small printer functions and an upper bound on the printed length.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from emulator import javatime_zones as zones

__all__ = ["CompiledPattern", "PatternError", "compile_pattern", "format_java_datetime"]

Printer = Callable[[datetime], str]

MONTHS = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)  # fmt: skip
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
QUARTERS = ("1st quarter", "2nd quarter", "3rd quarter", "4th quarter")
ERAS = ("Before Christ", "Anno Domini")

MAX_ZONE_ID_WIDTH = 32
MAX_LOCALIZED_OFFSET_WIDTH = 12
MAX_ZONE_NAME_WIDTH = 40
MAX_DAY_PERIOD_WIDTH = len("in the afternoon")
# Python's datetime stops at year 9999, so a year prints at most four digits.
MAX_YEAR_DIGITS = 4
_MJD_EPOCH = date(1858, 11, 17).toordinal()


class PatternError(ValueError):
    """A pattern that ``DateTimeFormatter.ofPattern`` would reject."""


@dataclass(frozen=True)
class _Item:
    printer: Printer
    max_width: int


@dataclass(frozen=True)
class CompiledPattern:
    """A compiled pattern: printers in order and the maximum printed length."""

    printers: tuple[Printer, ...]
    max_width: int

    def format(self, instant: datetime) -> str:
        """Format ``instant`` with this pattern."""
        return "".join(printer(instant) for printer in self.printers)


def format_java_datetime(pattern: str, instant: datetime) -> str:
    """Format ``instant`` as ``DateTimeFormatter.ofPattern(pattern, Locale.US)`` does.

    Zone letters need an aware ``instant``. Raises ``PatternError`` for a
    pattern that Java rejects.
    """
    return compile_pattern(pattern).format(instant)


@functools.lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> CompiledPattern:
    """Compile ``pattern`` into printers, or raise ``PatternError`` as Java would."""
    items = _merge_literals(_parse(pattern))
    return CompiledPattern(
        printers=tuple(item.printer for item in items),
        max_width=sum(item.max_width for item in items),
    )


def _is_ascii_letter(char: str) -> bool:
    return ("A" <= char <= "Z") or ("a" <= char <= "z")


def _parse(pattern: str) -> list[_Item]:
    items: list[_Item] = []
    optional_depth = 0
    pos = 0
    while pos < len(pattern):
        char = pattern[pos]
        if _is_ascii_letter(char):
            pos, item = _parse_letters(pattern, pos)
            items.append(item)
            continue
        if char == "'":
            pos, text = _parse_quoted(pattern, pos)
            items.append(_literal(text))
            continue
        if char == "[":
            # Optional sections print in full: a zoned date-time supports every field.
            optional_depth += 1
        elif char == "]":
            if optional_depth == 0:
                raise PatternError(f"']' without a preceding '[' in {pattern!r}")
            optional_depth -= 1
        elif char in "{}#":
            raise PatternError(f"reserved character {char!r} in {pattern!r}")
        else:
            items.append(_literal(char))
        pos += 1
    return items


def _letter_run(pattern: str, pos: int) -> int:
    end = pos + 1
    while end < len(pattern) and pattern[end] == pattern[pos]:
        end += 1
    return end


def _parse_letters(pattern: str, pos: int) -> tuple[int, _Item]:
    end = _letter_run(pattern, pos)
    letter, count = pattern[pos], end - pos
    pad = 0
    if letter == "p":
        # 'p' repeated N times pads the next field to width N with spaces.
        if end >= len(pattern) or not _is_ascii_letter(pattern[end]):
            raise PatternError(
                f"pad letter 'p' must be followed by a field: {pattern!r}"
            )
        pad, pos = count, end
        end = _letter_run(pattern, pos)
        letter, count = pattern[pos], end - pos
    builder = _BUILDERS.get(letter)
    if builder is None:
        raise PatternError(f"unknown pattern letter {letter!r} in {pattern!r}")
    item = builder(count)
    if item is None:
        raise PatternError(f"invalid count {count} of pattern letter {letter!r}")
    if pad:
        item = _padded(item, pad)
    return end, item


def _parse_quoted(pattern: str, pos: int) -> tuple[int, str]:
    end = pos + 1
    while end < len(pattern):
        if pattern[end] == "'":
            if pattern[end + 1 : end + 2] == "'":
                end += 2
                continue
            break
        end += 1
    if end >= len(pattern):
        raise PatternError(f"pattern ends inside a quoted literal: {pattern!r}")
    text = pattern[pos + 1 : end]
    return end + 1, ("'" if text == "" else text.replace("''", "'"))


def _merge_literals(items: list[_Item]) -> list[_Item]:
    merged: list[_Item] = []
    pending = ""
    for item in items:
        text = getattr(item.printer, "literal", None)
        if text is not None:
            pending += text
            continue
        if pending:
            merged.append(_literal(pending))
            pending = ""
        merged.append(item)
    if pending:
        merged.append(_literal(pending))
    return merged


def _literal(text: str) -> _Item:
    def printer(instant: datetime) -> str:
        return text

    printer.literal = text  # type: ignore[attr-defined]
    return _Item(printer, len(text))


def _padded(item: _Item, width: int) -> _Item:
    inner = item.printer

    # NOTE: Java throws at format time when the field is wider than the pad
    # width. This printer prints the wider field instead.
    def printer(instant: datetime) -> str:
        return inner(instant).rjust(width)

    return _Item(printer, max(width, item.max_width))


def _number(
    getter: Callable[[datetime], int], min_width: int, max_digits: int
) -> _Item:
    def printer(instant: datetime) -> str:
        value = getter(instant)
        digits = str(abs(value)).zfill(min_width)
        return "-" + digits if value < 0 else digits

    return _Item(printer, max(min_width, max_digits))


def _text(getter: Callable[[datetime], str], texts: tuple[str, ...]) -> _Item:
    return _Item(getter, max(len(text) for text in texts))


def _two_digit(getter: Callable[[datetime], int]) -> _Item:
    return _Item(lambda instant: f"{getter(instant) % 100:02d}", 2)


def _day_of_year(instant: datetime) -> int:
    return instant.timetuple().tm_yday


def _us_day_of_week(instant: datetime) -> int:
    """Return the day of week counted from Sunday = 1, as in Locale.US."""
    return (instant.weekday() + 1) % 7 + 1


def _week_start_offset(day: int, day_of_week: int) -> int:
    # Java WeekFields.startOfWeekOffset with a minimum of one day in week 1.
    week_start = (day - day_of_week) % 7
    return 7 - week_start if week_start > 0 else 0


def _compute_week(offset: int, day: int) -> int:
    return (7 + offset + (day - 1)) // 7


def _year_length(year: int) -> int:
    return 366 if date(year, 12, 31).timetuple().tm_yday == 366 else 365


def _week_of_month(instant: datetime) -> int:
    offset = _week_start_offset(instant.day, _us_day_of_week(instant))
    return _compute_week(offset, instant.day)


def _week_of_week_based_year(instant: date) -> int:
    day_of_year = instant.timetuple().tm_yday
    offset = _week_start_offset(day_of_year, _us_day_of_week(instant))
    week = _compute_week(offset, day_of_year)
    if week == 0:
        return _week_of_week_based_year(date(instant.year - 1, 12, 31))
    new_year_week = _compute_week(offset, _year_length(instant.year) + 1)
    if week >= new_year_week:
        week = week - new_year_week + 1
    return week


def _week_based_year(instant: datetime) -> int:
    day_of_year = _day_of_year(instant)
    offset = _week_start_offset(day_of_year, _us_day_of_week(instant))
    week = _compute_week(offset, day_of_year)
    if week == 0:
        return instant.year - 1
    if week >= _compute_week(offset, _year_length(instant.year) + 1):
        return instant.year + 1
    return instant.year


def _nano_of_second(instant: datetime) -> int:
    return instant.microsecond * 1000


def _seconds_of_day(instant: datetime) -> int:
    return instant.hour * 3600 + instant.minute * 60 + instant.second


def _day_period(instant: datetime, narrow: bool) -> str:
    # CLDR English day periods, which Java uses for the letter 'B'.
    minutes = instant.hour * 60 + instant.minute
    if minutes == 0:
        return "mi" if narrow else "midnight"
    if minutes == 720:
        return "n" if narrow else "noon"
    if 360 <= minutes < 720:
        return "in the morning"
    if 720 <= minutes < 1080:
        return "in the afternoon"
    if 1080 <= minutes < 1260:
        return "in the evening"
    return "at night"


def _year_item(getter: Callable[[datetime], int], count: int) -> _Item | None:
    if count == 2:
        return _two_digit(getter)
    if count > 19:
        return None
    return _number(getter, count, MAX_YEAR_DIGITS)


def _text_or_number(
    count: int,
    number: Callable[[datetime], int],
    short: Callable[[datetime], str],
    texts: tuple[str, ...],
    short_texts: tuple[str, ...],
    max_digits: int,
) -> _Item | None:
    """Build the M, L, Q and q items: a number for 1 or 2 letters, text for 3 to 5."""
    if count in (1, 2):
        return _number(number, count, max_digits)
    if count == 3:
        return _text(short, short_texts)
    if count == 4:
        return _text(lambda instant: texts[number(instant) - 1], texts)
    if count == 5:
        return _text(lambda instant: texts[number(instant) - 1][0], ("W",))
    return None


def _month(count: int) -> _Item | None:
    short_months = tuple(name[:3] for name in MONTHS)
    return _text_or_number(
        count,
        lambda instant: instant.month,
        lambda instant: short_months[instant.month - 1],
        MONTHS,
        short_months,
        2,
    )


def _quarter(count: int) -> _Item | None:
    def quarter(instant: datetime) -> int:
        return (instant.month - 1) // 3 + 1

    if count == 5:
        return _number(quarter, 1, 1)
    short_quarters = ("Q1", "Q2", "Q3", "Q4")
    return _text_or_number(
        count,
        quarter,
        lambda instant: short_quarters[quarter(instant) - 1],
        QUARTERS,
        short_quarters,
        1,
    )


def _day_name(count: int) -> _Item | None:
    if count <= 3:
        return _text(lambda instant: DAYS[instant.weekday()][:3], ("Wed",))
    if count == 4:
        return _text(lambda instant: DAYS[instant.weekday()], DAYS)
    if count == 5:
        return _text(lambda instant: DAYS[instant.weekday()][0], ("W",))
    return None


def _local_day_of_week(letter: str, count: int) -> _Item | None:
    if count == 1 or (count == 2 and letter == "e"):
        return _number(_us_day_of_week, count, 1)
    if count == 2:
        return None  # Java rejects "cc".
    return _day_name(count)


def _era(count: int) -> _Item | None:
    def era(instant: datetime) -> int:
        return 1 if instant.year >= 1 else 0

    if count <= 3:
        return _text(lambda instant: ("BC", "AD")[era(instant)], ("AD",))
    if count == 4:
        return _text(lambda instant: ERAS[era(instant)], ERAS)
    if count == 5:
        return _text(lambda instant: "BA"[era(instant)], ("A",))
    return None


def _one_or_two(getter: Callable[[datetime], int]) -> Callable[[int], _Item | None]:
    """Build the d, h, H, k, K, m and s items: one or two letters only."""

    def build(count: int) -> _Item | None:
        return _number(getter, count, 2) if count <= 2 else None

    return build


def _wide_number(
    getter: Callable[[datetime], int], digits: int
) -> Callable[[int], _Item | None]:
    """Build the A, n, N and g items: any count up to 19 sets the minimum width."""

    def build(count: int) -> _Item | None:
        return _number(getter, count, digits) if count <= 19 else None

    return build


def _day_of_year_item(count: int) -> _Item | None:
    return _number(_day_of_year, count, 3) if count <= 3 else None


def _fraction(count: int) -> _Item | None:
    if count > 9:
        return None
    return _Item(lambda instant: f"{_nano_of_second(instant):09d}"[:count], count)


def _am_pm(count: int) -> _Item | None:
    if count != 1:
        return None
    return _Item(lambda instant: "PM" if instant.hour >= 12 else "AM", 2)


def _period(count: int) -> _Item | None:
    if count not in (1, 4, 5):
        return None
    narrow = count == 5
    return _Item(lambda instant: _day_period(instant, narrow), MAX_DAY_PERIOD_WIDTH)


def _zone_name(count: int) -> _Item | None:
    if count <= 3:
        return _Item(zones.zone_short_name, MAX_LOCALIZED_OFFSET_WIDTH)
    if count == 4:
        return _Item(zones.zone_full_name, MAX_ZONE_NAME_WIDTH)
    return None


def _generic_zone_name(count: int) -> _Item | None:
    # NOTE: Java prints generic names ("ET", "Eastern Time"). This prints the
    # specific name, as 'z' and 'zzzz' do.
    if count not in (1, 4):
        return None
    return _zone_name(count)


def _zone_id_item(count: int) -> _Item | None:
    return _Item(zones.zone_id, MAX_ZONE_ID_WIDTH) if count == 2 else None


# Index into Java's offset pattern list for X and x with 1 to 5 letters.
_OFFSET_STYLES = {1: 1, 2: 3, 3: 4, 4: 5, 5: 6}
_OFFSET_WIDTHS = {1: 5, 3: 5, 4: 6, 5: 7, 6: 9}


def _offset_x(zero_text_for: Callable[[int], str]) -> Callable[[int], _Item | None]:
    def build(count: int) -> _Item | None:
        style = _OFFSET_STYLES.get(count)
        if style is None:
            return None
        return _Item(
            zones.offset_id(style, zero_text_for(count)), _OFFSET_WIDTHS[style]
        )

    return build


def _offset_z(count: int) -> _Item | None:
    if count <= 3:
        return _Item(zones.offset_id(3, "+0000"), 5)
    if count == 4:
        return _Item(zones.LOCALIZED_FULL, MAX_LOCALIZED_OFFSET_WIDTH)
    if count == 5:
        return _Item(zones.offset_id(6, "Z"), 9)
    return None


def _localized_offset_item(count: int) -> _Item | None:
    if count not in (1, 4):
        return None
    return _Item(zones.localized_offset(full=count == 4), MAX_LOCALIZED_OFFSET_WIDTH)


def _lower_x_zero(count: int) -> str:
    if count == 1:
        return "+00"
    return "+0000" if count % 2 == 0 else "+00:00"


_BUILDERS: dict[str, Callable[[int], _Item | None]] = {
    "G": _era,
    "y": lambda count: _year_item(lambda instant: instant.year, count),
    "u": lambda count: _year_item(lambda instant: instant.year, count),
    "Y": lambda count: _year_item(_week_based_year, count),
    "M": _month,
    "L": _month,
    "Q": _quarter,
    "q": _quarter,
    "D": _day_of_year_item,
    "d": _one_or_two(lambda instant: instant.day),
    # NOTE: 'F' is the aligned week of month from JDK 19 on. JDK 8 to 18
    # printed the aligned day of week in month instead.
    "F": lambda count: (
        _number(lambda instant: (instant.day - 1) // 7 + 1, 1, 1)
        if count == 1
        else None
    ),
    "w": lambda count: (
        _number(_week_of_week_based_year, count, 2) if count <= 2 else None
    ),
    "W": lambda count: _number(_week_of_month, 1, 1) if count == 1 else None,
    "E": _day_name,
    "e": lambda count: _local_day_of_week("e", count),
    "c": lambda count: _local_day_of_week("c", count),
    "a": _am_pm,
    "B": _period,
    "H": _one_or_two(lambda instant: instant.hour),
    "k": _one_or_two(lambda instant: instant.hour or 24),
    "K": _one_or_two(lambda instant: instant.hour % 12),
    "h": _one_or_two(lambda instant: instant.hour % 12 or 12),
    "m": _one_or_two(lambda instant: instant.minute),
    "s": _one_or_two(lambda instant: instant.second),
    "S": _fraction,
    "A": _wide_number(
        lambda instant: _seconds_of_day(instant) * 1000 + instant.microsecond // 1000, 8
    ),
    "n": _wide_number(_nano_of_second, 9),
    "N": _wide_number(
        lambda instant: _seconds_of_day(instant) * 10**9 + _nano_of_second(instant), 14
    ),
    "g": _wide_number(lambda instant: instant.toordinal() - _MJD_EPOCH, 7),
    "V": _zone_id_item,
    "v": _generic_zone_name,
    "z": _zone_name,
    "O": _localized_offset_item,
    "X": _offset_x(lambda count: "Z"),
    "x": _offset_x(_lower_x_zero),
    "Z": _offset_z,
}
