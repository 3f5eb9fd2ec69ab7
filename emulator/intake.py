"""Intake: the record and batch limits of PutRecord and PutRecordBatch.

The limits come from the Firehose API reference and its "Quota" page. A record
is at most 1,000 KiB (1,024,000 bytes) before base64 encoding. A PutRecordBatch
call carries 1 to 500 records and at most 4 MiB in all.
"""

from __future__ import annotations

import base64
from typing import Any

from emulator.errors import InvalidArgumentException, ValidationException
from emulator.errors import validation_message

__all__ = [
    "MAX_BATCH_BYTES",
    "MAX_BATCH_RECORDS",
    "MAX_RECORD_BYTES",
    "record_data",
    "batch_data",
]

MAX_RECORD_BYTES = 1_024_000
MAX_BATCH_RECORDS = 500
MAX_BATCH_BYTES = 4 * 1024 * 1024


def _java_buffer(size: int) -> str:
    # AWS prints the Java ByteBuffer that held the record, not its bytes.
    return f"java.nio.HeapByteBuffer[pos=0 lim={size} cap={size}]"


def _data_of(record: Any, path: str) -> bytes:
    if not isinstance(record, dict) or record.get("Data") is None:
        raise ValidationException(
            f"1 validation error detected: Value null at '{path}.data' failed to "
            "satisfy constraint: Member must not be null"
        )
    data = record["Data"]
    if isinstance(data, str):
        # A caller that bypasses the SDK may send text the parser left undecoded.
        try:
            data = base64.b64decode(data, validate=True)
        except ValueError:
            raise ValidationException(
                f"1 validation error detected: Value at '{path}.data' failed to "
                "satisfy constraint: Member must be a base64-encoded blob"
            ) from None
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ValidationException(
            validation_message(f"{path}.data", data, "Member must be a blob")
        )
    data = bytes(data)
    if len(data) > MAX_RECORD_BYTES:
        raise ValidationException(
            validation_message(
                f"{path}.data",
                _java_buffer(len(data)),
                f"Member must have length less than or equal to {MAX_RECORD_BYTES}",
            )
        )
    return data


def record_data(record: Any) -> bytes:
    """Return the bytes of a PutRecord ``Record``, or raise AWS's error."""
    return _data_of(record, "record")


def batch_data(records: Any) -> list[bytes]:
    """Return the bytes of each record of a PutRecordBatch call, or raise AWS's error."""
    if not isinstance(records, list) or not records:
        raise ValidationException(
            "1 validation error detected: Value '[]' at 'records' failed to satisfy "
            "constraint: Member must have length greater than or equal to 1"
        )
    if len(records) > MAX_BATCH_RECORDS:
        raise ValidationException(
            f"1 validation error detected: Value at 'records' failed to satisfy "
            f"constraint: Member must have length less than or equal to "
            f"{MAX_BATCH_RECORDS}"
        )
    datas = [
        _data_of(record, f"records.{index}.member")
        for index, record in enumerate(records, 1)
    ]
    if sum(map(len, datas)) > MAX_BATCH_BYTES:
        raise InvalidArgumentException("Records size exceeds 4 MB limit")
    return datas
