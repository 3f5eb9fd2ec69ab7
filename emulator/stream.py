"""The runtime side of one delivery stream: its buffers and what falls due.

Producers (API calls on any thread) and the delivery ticker share a stream's
buffers. Every change to them happens under the stream's lock, and a sealed
batch is handed to exactly one caller, which delivers it outside the lock.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Any

from emulator.buffers import MIB, Batch, Buffer, BufferSettings

logger = logging.getLogger(__name__)

__all__ = ["StreamRuntime"]


def settings_for(destination: dict[str, Any], version_id: str) -> BufferSettings:
    hints = destination["BufferingHints"]
    return BufferSettings(
        size_bytes=hints["SizeInMBs"] * MIB,
        interval_seconds=float(hints["IntervalInSeconds"]),
        destination=destination,
        version_id=version_id,
    )


class StreamRuntime:
    """Buffers, pending deliveries and settings of one delivery stream."""

    def __init__(
        self,
        *,
        account_id: str,
        region: str,
        partition: str,
        name: str,
        arn: str,
        destination: dict[str, Any],
        version_id: str,
    ):
        self.account_id = account_id
        self.region = region
        self.partition = partition
        self.name = name
        self.arn = arn
        self.lock = threading.RLock()
        self.deleted = False
        self.buffers: dict[tuple[str, tuple[Any, ...]], Buffer] = {}
        self.sealed: deque[Batch] = deque()
        self.retrying: list[Batch] = []
        self.incoming_records = 0
        self.incoming_bytes = 0
        self.configure(destination, version_id)

    def configure(self, destination: dict[str, Any], version_id: str) -> None:
        """Apply a new configuration; buffers already open keep their settings."""
        from emulator.pipeline import Pipeline

        with self.lock:
            self.destination = destination
            self.version_id = version_id
            self.settings = settings_for(destination, version_id)
            backup = destination.get("S3BackupConfiguration")
            self.backup_settings = (
                settings_for(backup, version_id)
                if destination.get("S3BackupMode") == "Enabled" and backup
                else None
            )
            self.pipeline = Pipeline(self, destination)

    # Intake ---------------------------------------------------------------

    def add(
        self,
        kind: str,
        data: bytes,
        arrival: float,
        now: float,
        *,
        partition: tuple[Any, ...] = (),
        keys_from_query: dict[str, str] | None = None,
        keys_from_lambda: dict[str, str] | None = None,
        settings: BufferSettings | None = None,
    ) -> None:
        """Add one record to the buffer of ``kind`` and ``partition``; caller holds the lock."""
        slot = (kind, partition)
        buffer = self.buffers.get(slot)
        if buffer is not None and buffer.would_overflow(len(data)):
            self.sealed.append(buffer.seal(kind, "size"))
            buffer = None
        if buffer is None:
            buffer = Buffer(
                settings or self.settings,
                now,
                partition,
                keys_from_query,
                keys_from_lambda,
            )
            self.buffers[slot] = buffer
        buffer.add(data, arrival)
        if buffer.full:
            self.sealed.append(buffer.seal(kind, "size"))
            del self.buffers[slot]

    def seal_zero_interval(self) -> None:
        """Seal the buffers with a zero interval hint; caller holds the lock."""
        for slot, buffer in list(self.buffers.items()):
            if buffer.settings.interval_seconds == 0:
                self.sealed.append(buffer.seal(slot[0], "interval"))
                del self.buffers[slot]

    def add_many(self, datas: list[bytes], now: float) -> None:
        """Add records that need no processing to the data buffer; caller holds the lock.

        This is the hot path of every stream without a processing
        configuration, so it avoids a call per record.
        """
        slot = ("data", ())
        buffer = self.buffers.get(slot)
        for data in datas:
            size = len(data)
            if buffer is None:
                buffer = Buffer(self.settings, now)
                self.buffers[slot] = buffer
            elif buffer.records and buffer.nbytes + size > buffer.settings.size_bytes:
                self.sealed.append(buffer.seal("data", "size"))
                buffer = Buffer(self.settings, now)
                self.buffers[slot] = buffer
            buffer.chunks.append(data)
            buffer.records += 1
            buffer.nbytes += size
            if buffer.nbytes >= buffer.settings.size_bytes:
                self.sealed.append(buffer.seal("data", "size"))
                del self.buffers[slot]
                buffer = None
        if buffer is not None and buffer.settings.interval_seconds == 0:
            # Zero buffering: the records of one call are delivered together, at once.
            self.sealed.append(buffer.seal("data", "interval"))
            del self.buffers[slot]

    def active_partitions(self) -> int:
        return sum(1 for kind, _ in self.buffers if kind == "data")

    # Falling due ----------------------------------------------------------

    def take_sealed(self) -> list[Batch]:
        """Remove and return every sealed batch."""
        with self.lock:
            batches = list(self.sealed)
            self.sealed.clear()
        return batches

    def take_due(self, now: float) -> list[Batch]:
        """Seal every buffer whose interval has passed and return what is ready."""
        with self.lock:
            self.pipeline.process_due(now)
            for slot, buffer in list(self.buffers.items()):
                if buffer.due_at <= now:
                    self.sealed.append(buffer.seal(slot[0], "interval"))
                    del self.buffers[slot]
            ready = [batch for batch in self.retrying if batch.next_attempt <= now]
            self.retrying = [
                batch for batch in self.retrying if batch.next_attempt > now
            ]
        return ready + self.take_sealed()

    def take_all(self, now: float) -> list[Batch]:
        """Seal every buffer regardless of its hints, and return every batch.

        Batches waiting for a retry are included: a flush tries them again now.
        """
        with self.lock:
            self.pipeline.process_all(now)
            for slot, buffer in list(self.buffers.items()):
                self.sealed.append(buffer.seal(slot[0], "flush"))
            self.buffers.clear()
            ready, self.retrying = self.retrying, []
        return ready + self.take_sealed()

    def next_due(self) -> float | None:
        """Return the earliest time at which something falls due, if anything will."""
        with self.lock:
            times = [buffer.due_at for buffer in self.buffers.values()]
            times.extend(batch.next_attempt for batch in self.retrying)
            pipeline_due = self.pipeline.next_due()
            if pipeline_due is not None:
                times.append(pipeline_due)
            if self.sealed:
                times.append(float("-inf"))
        return min(times) if times else None

    def schedule_retry(self, batch: Batch) -> None:
        with self.lock:
            if not self.deleted:
                self.retrying.append(batch)

    def discard(self) -> int:
        """Drop every buffered record, as AWS does when a stream is deleted."""
        with self.lock:
            self.deleted = True
            dropped = sum(buffer.records for buffer in self.buffers.values())
            dropped += sum(batch.records for batch in self.sealed)
            dropped += sum(batch.records for batch in self.retrying)
            dropped += self.pipeline.discard()
            self.buffers.clear()
            self.sealed.clear()
            self.retrying.clear()
        return dropped

    def state(self, now: float) -> dict[str, Any]:
        """Describe buffers and pending deliveries for the control API and fixtures."""
        with self.lock:
            buffers = [
                {"kind": kind, **buffer.state(now)}
                for (kind, _), buffer in self.buffers.items()
            ]
            return {
                "name": self.name,
                "account_id": self.account_id,
                "region": self.region,
                "version_id": self.version_id,
                "buffers": buffers,
                "buffered_records": sum(b["records"] for b in buffers)
                + self.pipeline.buffered_records(),
                "buffered_bytes": sum(b["bytes"] for b in buffers),
                "retrying": [
                    {
                        "records": b.records,
                        "bytes": b.nbytes,
                        "attempts": b.attempts,
                        "next_attempt": b.next_attempt,
                    }
                    for b in self.retrying
                ],
                "incoming_records": self.incoming_records,
                "incoming_bytes": self.incoming_bytes,
            }
