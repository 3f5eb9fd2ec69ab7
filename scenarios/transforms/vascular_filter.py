"""A stand-in for the Lambda function that filters Vascular inbox events.

Firehose sends it batches of records, and it returns one result for each
record, by its ``recordId``:

- ``Ok`` with the event written as compact JSON, for a well-formed event;
- ``Dropped`` for a JSON object that is not a well-formed event (a required
  field missing or empty, or an unknown ``eventType``), so it leaves no trace;
- ``ProcessingFailed`` for a record that is not a JSON object at all, so that
  Firehose writes it to the error output.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

logger = logging.getLogger(__name__)

__all__ = ["EVENT_TYPES", "REQUIRED_FIELDS", "filter_events"]

EVENT_TYPES = ("Delivered", "Opened", "Read", "Deleted")
REQUIRED_FIELDS = ("messageId", "userId", "inboxId", "eventType", "occurredAt")


def filter_events(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Return the response to a transformation event: keep, drop or fail each record."""
    return {"records": [_answer(record) for record in event["records"]]}


def _answer(record: dict[str, Any]) -> dict[str, Any]:
    record_id = record["recordId"]
    try:
        document = json.loads(base64.b64decode(record["data"]))
    except ValueError:
        document = None
    if not isinstance(document, dict):
        logger.info("record %s is not a JSON object", record_id)
        return {
            "recordId": record_id,
            "result": "ProcessingFailed",
            "data": record["data"],
        }
    if not _well_formed(document):
        return {"recordId": record_id, "result": "Dropped", "data": record["data"]}
    data = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return {
        "recordId": record_id,
        "result": "Ok",
        "data": base64.b64encode(data.encode("utf-8")).decode("ascii"),
    }


def _well_formed(document: dict[str, Any]) -> bool:
    if any(not document.get(name) for name in REQUIRED_FIELDS):
        return False
    return document["eventType"] in EVENT_TYPES
