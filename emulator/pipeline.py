"""The path from an accepted record to the buffers of its stream.

Without a processing configuration, records go straight into the data buffer.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emulator.stream import StreamRuntime

logger = logging.getLogger(__name__)

__all__ = ["Pipeline"]


class Pipeline:
    """Routes records of one stream into its buffers; the caller holds the stream lock."""

    def __init__(self, stream: StreamRuntime, destination: dict[str, Any]):
        self.stream = stream
        self.destination = destination

    def intake(self, datas: list[bytes], record_ids: list[str], now: float) -> None:
        stream = self.stream
        if stream.backup_settings is not None:
            for data in datas:
                stream.add("backup", data, now, now, settings=stream.backup_settings)
        stream.add_many(datas, now)

    def process_due(self, now: float) -> None:
        return None

    def process_all(self, now: float) -> None:
        return None

    def next_due(self) -> float | None:
        return None

    def discard(self) -> int:
        return 0

    def buffered_records(self) -> int:
        return 0
