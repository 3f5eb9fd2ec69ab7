"""Read delivered objects back from S3 and decode them for expectations and summaries."""

from __future__ import annotations

import gzip
import io
import zipfile
from dataclasses import dataclass
from typing import Any

from emulator import compression

__all__ = ["ObjectInfo", "count_lines", "decode_body", "list_objects"]

# Content-Encoding, as Firehose sets it, to the CompressionFormat that wrote it.
SNAPPY_ENCODINGS = {"snappy-java": "Snappy", "hadoop-snappy": "HADOOP_SNAPPY"}


@dataclass
class ObjectInfo:
    """One object in a bucket: its stored bytes (``raw``), decoded ``body`` and delivery."""

    bucket: str
    key: str
    size: int
    body: bytes
    content_encoding: str | None
    raw: bytes = b""
    stream: str | None = None
    reason: str | None = None
    time: float | None = None
    kind: str | None = None
    order: int = 0

    @property
    def records(self) -> int:
        """The number of lines in the decoded body."""
        return count_lines(self.body)

    def lines(self) -> list[bytes]:
        return self.body.splitlines()


def count_lines(body: bytes) -> int:
    """Count lines; a last line without a newline counts too."""
    if not body:
        return 0
    return body.count(b"\n") + (0 if body.endswith(b"\n") else 1)


def decode_body(body: bytes, content_encoding: str | None) -> bytes:
    """Return the records of an object, decompressed by its Content-Encoding."""
    if content_encoding == "gzip":
        return gzip.decompress(body)
    if content_encoding == "zip":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return b"".join(archive.read(name) for name in archive.namelist())
    if content_encoding in SNAPPY_ENCODINGS:
        return compression.decompress(SNAPPY_ENCODINGS[content_encoding], body)
    return body


def list_objects(
    s3: Any, buckets: list[str], deliveries: list[Any]
) -> list[ObjectInfo]:
    """Read every object of ``buckets``, in delivery order, joined with its delivery."""
    delivered = {
        (attempt.bucket, attempt.key): (position, attempt)
        for position, attempt in enumerate(deliveries)
        if attempt.outcome == "delivered"
    }
    objects = []
    for bucket in buckets:
        paginator = s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                objects.append(_read(s3, bucket, item["Key"], delivered))
    objects.sort(key=lambda o: (o.order, o.bucket, o.key))
    return objects


def _read(s3: Any, bucket: str, key: str, delivered: dict[Any, Any]) -> ObjectInfo:
    response = s3.get_object(Bucket=bucket, Key=key)
    raw = response["Body"].read()
    encoding = response.get("ContentEncoding")
    info = ObjectInfo(
        bucket=bucket,
        key=key,
        size=len(raw),
        body=decode_body(raw, encoding),
        content_encoding=encoding,
        raw=raw,
        order=len(delivered) + 1,
    )
    match = delivered.get((bucket, key))
    if match is not None:
        position, attempt = match
        info.order = position
        info.stream = attempt.stream
        info.reason = attempt.reason
        info.time = attempt.time
        info.kind = attempt.kind
    return info
