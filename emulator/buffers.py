"""Buffers: records waiting for delivery, and the batches sealed from them.

A buffer fills until its size hint is reached or its interval has passed since
its first record arrived, whichever comes first (the Firehose developer guide,
"Buffering hints"). Both hints are counted on the bytes before compression.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Batch", "Buffer", "BufferSettings", "MIB"]

MIB = 1024 * 1024


@dataclass(frozen=True)
class BufferSettings:
    """The hints and destination that a buffer was opened with.

    An UpdateDestination applies from the next buffer, so each buffer keeps
    the settings it started with.
    """

    size_bytes: int
    interval_seconds: float
    destination: dict[str, Any]
    version_id: str


@dataclass
class Batch:
    """Records sealed from a buffer, to be written as one object."""

    kind: str
    partition: tuple[Any, ...]
    chunks: list[bytes]
    records: int
    nbytes: int
    oldest_arrival: float
    settings: BufferSettings
    reason: str
    keys_from_query: dict[str, str] = field(default_factory=dict)
    keys_from_lambda: dict[str, str] = field(default_factory=dict)
    attempts: int = 0
    first_attempt: float | None = None
    next_attempt: float = 0.0
    error_output_type: str | None = None


class Buffer:
    """Records of one partition of one stream, in arrival order."""

    __slots__ = (
        "chunks",
        "records",
        "nbytes",
        "opened_at",
        "oldest_arrival",
        "settings",
        "partition",
        "keys_from_query",
        "keys_from_lambda",
    )

    def __init__(
        self,
        settings: BufferSettings,
        opened_at: float,
        partition: tuple[Any, ...] = (),
        keys_from_query: dict[str, str] | None = None,
        keys_from_lambda: dict[str, str] | None = None,
    ):
        self.chunks: list[bytes] = []
        self.records = 0
        self.nbytes = 0
        self.opened_at = opened_at
        self.oldest_arrival = opened_at
        self.settings = settings
        self.partition = partition
        self.keys_from_query = keys_from_query or {}
        self.keys_from_lambda = keys_from_lambda or {}

    @property
    def due_at(self) -> float:
        """The time at which the interval hint falls due."""
        return self.opened_at + self.settings.interval_seconds

    def add(self, data: bytes, arrival: float) -> None:
        self.chunks.append(data)
        self.records += 1
        self.nbytes += len(data)
        if arrival < self.oldest_arrival:
            self.oldest_arrival = arrival

    def would_overflow(self, size: int) -> bool:
        """Return whether adding ``size`` bytes would pass the size hint."""
        return self.records > 0 and self.nbytes + size > self.settings.size_bytes

    @property
    def full(self) -> bool:
        return self.nbytes >= self.settings.size_bytes

    def seal(self, kind: str, reason: str) -> Batch:
        return Batch(
            kind=kind,
            partition=self.partition,
            chunks=self.chunks,
            records=self.records,
            nbytes=self.nbytes,
            oldest_arrival=self.oldest_arrival,
            settings=self.settings,
            reason=reason,
            keys_from_query=self.keys_from_query,
            keys_from_lambda=self.keys_from_lambda,
        )

    def state(self, now: float) -> dict[str, Any]:
        """Describe the buffer for the control API and test helpers."""
        return {
            "partition": list(self.partition),
            "records": self.records,
            "bytes": self.nbytes,
            "opened_at": self.opened_at,
            "due_in_seconds": max(0.0, self.due_at - now),
            "size_hint_bytes": self.settings.size_bytes,
            "interval_hint_seconds": self.settings.interval_seconds,
        }
