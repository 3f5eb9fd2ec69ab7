"""Clocks: the only source of time for the emulator.

Every other module reads the time from a clock, so that tests can move time by
hand (``ManualClock``) or follow the system clock, including clocks patched by
freezegun or time-machine (``SystemClock``).
"""

from __future__ import annotations

import math
import threading
import time
from datetime import datetime, timezone

__all__ = ["Clock", "ManualClock", "SystemClock", "parse_instant"]

# datetime cannot represent instants past the end of year 9999, so a clock
# never moves beyond it.
LATEST_INSTANT = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc).timestamp()


def check_seconds(seconds: object) -> float:
    """Return ``seconds`` as a float if it is a finite, non-negative number of seconds."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(
            f"invalid number of seconds {seconds!r}: give an int or a float, such as 60"
        )
    try:
        finite = math.isfinite(seconds)
    except OverflowError:
        raise ValueError(
            "invalid number of seconds: the value is too large for a float; the "
            "clock cannot go past 9999-12-31T23:59:59Z"
        ) from None
    if not finite or seconds < 0:
        raise ValueError(
            f"invalid number of seconds {seconds!r}: give a finite number, 0 or more"
        )
    return float(seconds)


def _check_reachable(instant: float, source: object) -> float:
    if not math.isfinite(instant) or instant > LATEST_INSTANT:
        raise ValueError(
            f"invalid time {source!r}: a clock cannot go past 9999-12-31T23:59:59Z"
        )
    return instant


def parse_instant(value: str | datetime | float | int) -> float:
    """Convert an ISO 8601 string, an aware datetime or epoch seconds to epoch seconds.

    A string or datetime without an offset is taken as UTC.
    """
    if isinstance(value, bool):
        raise TypeError(f"expected a time, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"invalid time {value!r}: use ISO 8601, "
                "for example 2026-12-04T15:00:00Z"
            ) from None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.timestamp()
    raise TypeError(f"expected a time, got {value!r}")


class Clock:
    """Base class of clocks: ``now()`` returns epoch seconds as a float."""

    manual = False

    def now(self) -> float:
        raise NotImplementedError

    def now_datetime(self) -> datetime:
        """Return the current time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now(), tz=timezone.utc)


class SystemClock(Clock):
    """The system clock, read through ``time.time()``.

    freezegun and time-machine patch ``time.time``, so a frozen or travelled
    time is seen here too.
    """

    def now(self) -> float:
        return time.time()

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock(Clock):
    """A clock that moves only when ``advance`` or ``set`` is called.

    :param start: the initial time: an ISO 8601 string (``"2026-12-04T15:00:00Z"``),
        an aware datetime or epoch seconds. Defaults to 2026-01-01T00:00:00Z.
    """

    manual = True

    def __init__(self, start: str | datetime | float | int = "2026-01-01T00:00:00Z"):
        self._now = _check_reachable(parse_instant(start), start)
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` and return the new time."""
        seconds = check_seconds(seconds)
        with self._lock:
            self._now = _check_reachable(self._now + seconds, seconds)
            return self._now

    def set(self, instant: str | datetime | float | int) -> float:
        """Move the clock to ``instant``, which must not be in its past."""
        target = _check_reachable(parse_instant(instant), instant)
        with self._lock:
            if target < self._now:
                raise ValueError(
                    f"cannot move a clock backwards to {instant!r}; "
                    "it already reads a later time"
                )
            self._now = target
            return self._now

    def __repr__(self) -> str:
        return f"ManualClock({self.now_datetime().isoformat()!r})"
