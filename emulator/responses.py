"""The Firehose HTTP handler: moto's, with request checks and fast put responses.

moto's generic serializer walks the output shape of every member, which costs
about 40 ms for a PutRecordBatch response of 500 entries. The put responses
have a fixed, flat JSON shape, so they are written directly.

Requests that do not match the operation's input shape (text in an integer
member, say) make moto's parser raise. They get AWS's
``SerializationException`` instead, in process as in the server.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from moto.firehose.responses import FirehoseResponse

logger = logging.getLogger(__name__)

__all__ = ["EmulatedFirehoseResponse", "serialization_error"]

# Standard base64 with padding, the only form AWS's JSON protocol accepts for
# blob members.
BASE64_PATTERN = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
JSON_HEADERS = {"Content-Type": "application/x-amz-json-1.1"}


def serialization_error(message: str) -> tuple[int, dict[str, str], str]:
    """Return an HTTP 400 ``SerializationException`` response."""
    body = json.dumps({"__type": "SerializationException", "message": message})
    return 400, dict(JSON_HEADERS), body


class BlobError(ValueError):
    """A blob member of the request is not valid base64."""


def _check_blob(value: Any, path: str) -> None:
    if isinstance(value, str) and not BASE64_PATTERN.fullmatch(value):
        raise BlobError(
            f"Invalid base64 in {path}: record data must be standard base64 with "
            "padding (A-Z, a-z, 0-9, +, /, =)"
        )


def check_record_blobs(body: Any, operation: str) -> None:
    """Check that every record's ``Data`` in a put request is valid base64."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if not body:
        return
    try:
        document = json.loads(body)
    except ValueError:
        return  # moto's parser has already accepted the body; nothing to add
    if not isinstance(document, dict):
        return
    if operation == "PutRecord" and isinstance(document.get("Record"), dict):
        _check_blob(document["Record"].get("Data"), "Record.Data")
    elif operation == "PutRecordBatch" and isinstance(document.get("Records"), list):
        for index, record in enumerate(document["Records"]):
            if isinstance(record, dict):
                _check_blob(record.get("Data"), f"Records[{index}].Data")


class EmulatedFirehoseResponse(FirehoseResponse):
    """moto's Firehose request handler with request checks and direct put responses."""

    def _dispatch(self, request: Any, full_url: str, headers: Any) -> Any:
        try:
            self.setup_class(request, full_url, headers)
            operation = self._get_action()
            if operation in ("PutRecord", "PutRecordBatch"):
                check_record_blobs(self.body, operation)
        except BlobError as error:
            return serialization_error(str(error))
        except (ValueError, TypeError, RecursionError) as error:
            logger.info("rejected a Firehose request that does not parse: %s", error)
            return serialization_error(
                f"The request does not match the operation's input shape: {error}"
            )
        return self.call_action()

    def call_action(self) -> Any:
        try:
            return super().call_action()
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as error:
            from emulator import moto_glue

            if not moto_glue.raised_while_parsing(error):
                raise
            logger.info("rejected a Firehose request that does not parse: %s", error)
            return serialization_error(
                f"The request does not match the operation's input shape: {error}"
            )

    def describe_delivery_stream(self) -> Any:
        """Check DescribeDeliveryStream's paging members, which moto does not read."""
        from emulator import api_checks

        api_checks.check_limit(self._get_param("Limit"), "limit", 10000)
        api_checks.check_optional_string(
            self._get_param("ExclusiveStartDestinationId"), "exclusiveStartDestinationId"
        )
        return super().describe_delivery_stream()

    def put_record(self) -> str:  # type: ignore[override]
        result = self.firehose_backend.put_record(
            self._get_param("DeliveryStreamName"), self._get_param("Record")
        )
        return json.dumps(result)

    def put_record_batch(self) -> str:  # type: ignore[override]
        result = self.firehose_backend.put_record_batch(
            self._get_param("DeliveryStreamName"), self._get_param("Records")
        )
        return json.dumps(result)
