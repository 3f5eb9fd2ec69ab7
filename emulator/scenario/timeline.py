"""Arrivals and buffer fill during a run, drawn by the HTML report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Arrival", "Sample", "Timeline"]


@dataclass(frozen=True)
class Arrival:
    """Records accepted by one put call."""

    time: float
    stream: str
    records: int
    bytes: int


@dataclass(frozen=True)
class Sample:
    """The fill of a stream's buffers at one moment."""

    time: float
    stream: str
    buffered_bytes: int
    buffered_records: int


@dataclass
class Timeline:
    """Arrivals and buffer samples of one run; deliveries are in the delivery log."""

    arrivals: list[Arrival] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)

    def on_put(self, emulator: Any, stream: str, records: int, nbytes: int) -> None:
        """Record a put call's accepted records, and the buffer fill after it."""
        now = emulator.clock.now()
        self.arrivals.append(Arrival(now, stream, records, nbytes))
        self.sample(emulator, now)

    def on_delivery(self, attempt: Any, emulator: Any) -> None:
        """Record the buffer fill after a delivery attempt."""
        self.sample(emulator, attempt.time)

    def sample(self, emulator: Any, now: float) -> None:
        for state in emulator.streams():
            self.samples.append(
                Sample(
                    now,
                    state["name"],
                    state["buffered_bytes"],
                    state["buffered_records"],
                )
            )
