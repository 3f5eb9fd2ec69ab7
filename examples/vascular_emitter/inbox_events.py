"""Send Vascular inbox events (Delivered, Read, Opened, Deleted) to Amazon Data Firehose.

Each event is one JSON document followed by a newline. Firehose writes the
records of an object one after another with no delimiter of its own, so the
newline is what lets readers such as Athena split them again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import boto3

__all__ = ["EVENT_TYPES", "InboxEvent", "InboxEventEmitter", "PutFailedError"]

logger = logging.getLogger(__name__)

EVENT_TYPES = ("Delivered", "Read", "Opened", "Deleted")
# PutRecordBatch quotas: at most 500 records and 4 MiB per call.
MAX_BATCH_RECORDS = 500
MAX_BATCH_BYTES = 4 * 1024 * 1024
MAX_ATTEMPTS = 5


class PutFailedError(Exception):
    """Some records were still rejected after every attempt."""


@dataclass(frozen=True)
class InboxEvent:
    """Something a user did with a message in their inbox."""

    event_type: str
    message_id: str
    user_id: str
    occurred_at: datetime

    def __post_init__(self) -> None:
        if self.event_type not in EVENT_TYPES:
            raise ValueError(
                f"invalid event type {self.event_type!r}: use one of {', '.join(EVENT_TYPES)}"
            )
        if self.occurred_at.tzinfo is None:
            raise ValueError(
                f"occurred_at must carry a time zone, got {self.occurred_at!r}"
            )

    def to_record(self) -> bytes:
        """Encode the event as one JSON line."""
        occurred = self.occurred_at.astimezone(timezone.utc).isoformat(
            timespec="milliseconds"
        )
        document = {
            "eventType": self.event_type,
            "messageId": self.message_id,
            "userId": self.user_id,
            "occurredAt": occurred.replace("+00:00", "Z"),
        }
        return json.dumps(document, separators=(",", ":")).encode("utf-8") + b"\n"


class InboxEventEmitter:
    """Puts inbox events to one delivery stream.

    :param stream_name: the Firehose delivery stream.
    :param client: a boto3 Firehose client; by default one for the region in
        ``AWS_REGION``.
    """

    def __init__(self, stream_name: str, client: Any = None):
        self.stream_name = stream_name
        self.client = client if client is not None else boto3.client("firehose")

    def send(self, event: InboxEvent) -> str:
        """Put one event and return its record id."""
        response = self.client.put_record(
            DeliveryStreamName=self.stream_name, Record={"Data": event.to_record()}
        )
        return response["RecordId"]

    def delivered(self, message_id: str, user_id: str, occurred_at: datetime) -> str:
        """Record that a message reached a user's inbox."""
        return self.send(InboxEvent("Delivered", message_id, user_id, occurred_at))

    def read(self, message_id: str, user_id: str, occurred_at: datetime) -> str:
        """Record that a user read a message."""
        return self.send(InboxEvent("Read", message_id, user_id, occurred_at))

    def opened(self, message_id: str, user_id: str, occurred_at: datetime) -> str:
        """Record that a user opened a message."""
        return self.send(InboxEvent("Opened", message_id, user_id, occurred_at))

    def deleted(self, message_id: str, user_id: str, occurred_at: datetime) -> str:
        """Record that a user deleted a message."""
        return self.send(InboxEvent("Deleted", message_id, user_id, occurred_at))

    def send_batch(self, events: Iterable[InboxEvent]) -> int:
        """Put events with PutRecordBatch and return how many were accepted.

        Entries that Firehose refuses (``FailedPutCount``) are sent again,
        alone, up to ``MAX_ATTEMPTS`` times in all.

        :raises PutFailedError: when entries are still rejected after that.
        """
        sent = 0
        for batch in _batches(event.to_record() for event in events):
            sent += self._send_with_retries(batch)
        return sent

    def _send_with_retries(self, records: list[bytes]) -> int:
        pending = records
        for attempt in range(1, MAX_ATTEMPTS + 1):
            response = self.client.put_record_batch(
                DeliveryStreamName=self.stream_name,
                Records=[{"Data": record} for record in pending],
            )
            if response["FailedPutCount"] == 0:
                return len(records)
            pending = [
                record
                for record, result in zip(pending, response["RequestResponses"])
                if "ErrorCode" in result
            ]
            logger.warning(
                "attempt %d: %d of the records were rejected; sending them again",
                attempt,
                len(pending),
            )
        raise PutFailedError(
            f"{len(pending)} records to {self.stream_name} were rejected {MAX_ATTEMPTS} times"
        )


def _batches(records: Iterable[bytes]) -> Iterator[list[bytes]]:
    batch: list[bytes] = []
    size = 0
    for record in records:
        full = len(batch) == MAX_BATCH_RECORDS or size + len(record) > MAX_BATCH_BYTES
        if batch and full:
            yield batch
            batch, size = [], 0
        batch.append(record)
        size += len(record)
    if batch:
        yield batch
