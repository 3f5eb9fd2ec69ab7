"""The Firehose HTTP handler: moto's, with fast responses for the put calls.

moto's generic serializer walks the output shape of every member, which costs
about 40 ms for a PutRecordBatch response of 500 entries. The put responses
have a fixed, flat JSON shape, so they are written directly.
"""

from __future__ import annotations

import json

from moto.firehose.responses import FirehoseResponse

__all__ = ["EmulatedFirehoseResponse"]


class EmulatedFirehoseResponse(FirehoseResponse):
    """moto's Firehose request handler with direct JSON for PutRecord and PutRecordBatch."""

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
