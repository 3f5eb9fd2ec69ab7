"""Read the requests and responses that ``SessionRecorder`` keeps: S3, IAM and Firehose."""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import parse_qs, unquote

logger = logging.getLogger(__name__)

__all__ = [
    "accepted_entries",
    "created_bucket",
    "form_fields",
    "policy_document",
    "stream_arn_account",
]

# A virtual-hosted S3 address: BUCKET.s3.REGION.amazonaws.com or BUCKET.localhost.
VIRTUAL_HOST = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9.-]+?)\.(?:s3[.-].*|localhost)$")


def created_bucket(environ: dict[str, Any]) -> str | None:
    """Return the bucket that a successful S3 PUT request created, or None for other PUTs.

    A CreateBucket request is ``PUT /BUCKET`` (path style) or ``PUT /`` to
    ``BUCKET.s3...`` or ``BUCKET.localhost`` (virtual-hosted style), with no
    sub-resource in the query string. Newer SDKs add ``x-id=CreateBucket``.
    """
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if set(query) - {"x-id"} or query.get("x-id", ["CreateBucket"]) != ["CreateBucket"]:
        return None
    path = unquote(environ.get("PATH_INFO", "")).strip("/")
    if path:
        return None if "/" in path else path
    host = environ.get("HTTP_HOST", "").rpartition(":")[0] or environ.get(
        "HTTP_HOST", ""
    )
    match = VIRTUAL_HOST.match(host.lower())
    return match.group("bucket") if match else None


def accepted_entries(entries: list[dict[str, Any]], response_body: bytes) -> list[Any]:
    """Return the PutRecordBatch entries that the response does not mark as failed."""
    try:
        responses = json.loads(response_body)["RequestResponses"]
    except (ValueError, KeyError, TypeError):
        return entries
    if len(responses) != len(entries):
        return entries
    return [
        entry for entry, result in zip(entries, responses) if "ErrorCode" not in result
    ]


def form_fields(body: bytes) -> dict[str, str]:
    """Return the fields of a query-protocol (form) body, the last value of each."""
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[-1] for name, values in fields.items()}


def policy_document(value: Any) -> Any:
    """Return a policy document as a mapping, parsing it when it is JSON text."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            # A scenario reads a string here as a file name, so the file will
            # not load until someone replaces the text with the document.
            logger.warning("a recorded policy document is not JSON: %.200s", value)
    return value


def stream_arn_account(response_body: bytes) -> str | None:
    """Return the account of the stream ARN in a CreateDeliveryStream response."""
    try:
        arn = json.loads(response_body)["DeliveryStreamARN"]
    except (ValueError, KeyError, TypeError):
        return None
    parts = arn.split(":") if isinstance(arn, str) else []
    return parts[4] if len(parts) > 5 and parts[4].isdigit() else None
