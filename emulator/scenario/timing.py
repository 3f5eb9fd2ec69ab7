"""Check the times in a scenario against the clock that each step will see.

Only ``advance`` steps and the ``over`` of ``put`` steps move a scenario's
clock, so the time at each step is known when the file is loaded. A time in
the past, or past the end of the clock's range, is a file error, not a failed run.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from emulator.scenario.schema import fix_of, yaml_number
from emulator.scenario.yamlfile import Path

if TYPE_CHECKING:
    from emulator.scenario.loader import _Context

__all__ = [
    "CLOCK_TOLERANCE_SECONDS",
    "SCENARIO_LATEST",
    "StepClock",
    "format_instant",
    "parse_scenario_time",
]

# A scenario's clock stays before the year 9999, which leaves a year for the
# deliveries and retries (24 hours at most) that fall due after the last step
# before datetime's range ends.
SCENARIO_LATEST = datetime(9999, 1, 1, tzinfo=timezone.utc).timestamp()
# The clock moves by float sums (a put's ``over`` is split between its calls),
# so times this close to the clock count as now.
CLOCK_TOLERANCE_SECONDS = 1e-6
TIME_FIX = 'give an ISO 8601 time with a UTC offset, in quotes, such as "{example}"'


def format_instant(seconds: float) -> str:
    """Return epoch ``seconds`` as ISO 8601 in UTC, with milliseconds only if needed."""
    moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
    spec = "seconds" if moment.microsecond == 0 else "milliseconds"
    return moment.isoformat(timespec=spec).replace("+00:00", "Z")


def parse_scenario_time(value: Any) -> float:
    """Return the epoch seconds of an ISO 8601 time that has a UTC offset.

    :raises ValueError: with the problem as its message, when ``value`` is not
        such a time or is not before ``SCENARIO_LATEST``.
    """
    if not isinstance(value, str):
        raise ValueError(f"invalid time {value!r}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"invalid time {value!r}") from None
    if moment.tzinfo is None:
        raise ValueError(f"invalid time {value!r}: it has no UTC offset")
    seconds = moment.timestamp()
    if seconds >= SCENARIO_LATEST:
        raise ValueError(
            f"invalid time {value!r}: the clock must stay before "
            f"{format_instant(SCENARIO_LATEST)}"
        )
    return seconds


class StepClock:
    """The time a scenario's clock reads at each step, as the steps are loaded."""

    def __init__(self, start: float):
        self.now = start

    def check_step(self, kind: str, body: Any, path: Path, context: _Context) -> None:
        """Raise ``ScenarioFormatError`` for a time the clock cannot reach at this step."""
        path = path + (kind,)
        if kind == "put":
            over = body.get("over", 0)
            self._move(over, path + ("over",), fix_of("put", "over"), context)
        elif kind == "advance":
            self._advance(body, path, context)

    def _advance(self, body: Any, path: Path, context: _Context) -> None:
        fix = fix_of("advance")
        if not isinstance(body, dict):
            self._move(body, path, fix, context)
            return
        members = [key for key in ("seconds", "to") if key in body]
        if len(members) != 1:
            raise context.error(
                path,
                f"expected exactly one of seconds and to, got {members}",
                "write advance: {seconds: 60} to move the clock by 60 seconds, or "
                'advance: {to: "2026-12-04T15:05:00Z"} to move it to that time',
            )
        if "seconds" in body:
            self._move(body["seconds"], path + ("seconds",), fix, context)
        else:
            self._move_to(body["to"], path + ("to",), context)

    def _move(self, seconds: float, path: Path, fix: str, context: _Context) -> None:
        value = yaml_number(seconds)
        if math.isnan(seconds):
            raise context.error(path, f"invalid value {value}: not a number", fix)
        if self.now + seconds >= SCENARIO_LATEST:
            raise context.error(
                path,
                f"invalid value {value}: the scenario clock, which reads "
                f"{format_instant(self.now)} at this step, would pass "
                f"{format_instant(SCENARIO_LATEST)}",
                fix,
            )
        self.now += seconds

    def _move_to(self, value: Any, path: Path, context: _Context) -> None:
        try:
            target = parse_scenario_time(value)
        except ValueError as error:
            fix = TIME_FIX.format(example="2026-12-04T15:01:00Z")
            raise context.error(path, str(error), fix) from None
        if target < self.now - CLOCK_TOLERANCE_SECONDS:
            now = format_instant(self.now)
            raise context.error(
                path,
                f"the time {value!r} is before the scenario clock, which reads "
                f"{now} at this step",
                f"give a time at or after {now}, or move the clock by seconds, "
                "such as advance: 60",
            )
        self.now = max(self.now, target)
