"""Reading what was delivered: objects, records and buffered state, for tests.

Objects are read through S3's API with boto3, and the delivery log records
which stream wrote each object and how many records it contains. The same code serves
the in-process emulator (moto's S3) and a server's endpoint.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DeliveredObject",
    "InspectionMixin",
    "read_objects",
    "split_json",
    "split_lines",
]

# The Content-Encoding that Firehose sets on an object, for each CompressionFormat.
FORMAT_OF_ENCODING = {
    "gzip": "GZIP",
    "zip": "ZIP",
    "snappy-java": "Snappy",
    "hadoop-snappy": "HADOOP_SNAPPY",
}
# A failure message lists at most this many objects and failed deliveries.
LISTED_MAX = 20
_JSON_WHITESPACE = re.compile(r"[ \t\n\r]*")


@dataclass(frozen=True)
class DeliveredObject:
    """One object that a delivery stream wrote, with its body decompressed.

    ``records`` and ``delivered_at`` come from the delivery log. ``size`` is
    the stored (compressed) size and ``body`` the decompressed content.
    """

    bucket: str
    key: str
    size: int
    content_type: str | None
    content_encoding: str | None
    metadata: dict[str, str]
    compression: str
    raw_body: bytes = field(repr=False)
    body: bytes = field(repr=False)
    stream: str
    kind: str
    records: int
    delivered_at: float

    @property
    def uri(self) -> str:
        """The object's ``s3://bucket/key`` address."""
        return f"s3://{self.bucket}/{self.key}"

    @property
    def text(self) -> str:
        """The decompressed body decoded as UTF-8."""
        return self.body.decode("utf-8")

    def lines(self) -> list[str]:
        """Split the body into newline-delimited records."""
        return split_lines(self.body)

    def json(self) -> list[Any]:
        """Parse the body as a sequence of JSON documents."""
        return split_json(self.body, source=self.uri)


def split_lines(body: bytes) -> list[str]:
    """Split a body into lines on ``\\n``, where a final newline ends the last line.

    A ``\\r`` before the newline is removed. Other Unicode line breaks stay in
    the line, because JSON strings may contain them.
    """
    text = body.decode("utf-8")
    if not text:
        return []
    pieces = text.split("\n")
    if pieces[-1] == "":
        pieces.pop()
    return [piece.removesuffix("\r") for piece in pieces]


def split_json(body: bytes, *, source: str = "the body") -> list[Any]:
    """Parse a body of JSON documents written one after another.

    Documents may be separated by newlines or other whitespace, or by nothing,
    as Firehose writes records without a delimiter. Two numbers written with
    nothing between them cannot be distinguished, so they read as one number.

    :raises ValueError: if the body is not such a sequence; the message names
        ``source`` and the position.
    """
    text = body.decode("utf-8")
    decoder = json.JSONDecoder()
    documents: list[Any] = []
    position = _JSON_WHITESPACE.match(text, 0).end()
    while position < len(text):
        try:
            document, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            excerpt = text[error.pos : error.pos + 40]
            raise ValueError(
                f"{source} is not a sequence of JSON documents: {error.msg} "
                f"at character {error.pos}: {excerpt!r}"
            ) from None
        documents.append(document)
        position = _JSON_WHITESPACE.match(text, position).end()
    return documents


def read_objects(
    s3: Any,
    deliveries: Iterable[dict[str, Any]],
    *,
    stream: str | None = None,
    bucket: str | None = None,
    prefix: str = "",
    kind: str | None = "data",
) -> list[DeliveredObject]:
    """Fetch the objects of successful deliveries, in delivery order.

    :param s3: a boto3 S3 client that reaches the emulator's S3.
    :param deliveries: delivery attempts as ``DeliveryAttempt.as_dict()`` gives them.
    :param kind: ``data``, ``error`` (error output), ``backup``, or None for all.
    Objects deleted since their delivery are left out.
    """
    from emulator.compression import decompress

    found = []
    for entry in _matching(deliveries, stream, bucket, prefix, kind):
        response = _get_object(s3, entry["bucket"], entry["key"])
        if response is None:
            continue
        raw = response["Body"].read()
        encoding = response.get("ContentEncoding")
        compression = FORMAT_OF_ENCODING.get((encoding or "").lower(), "UNCOMPRESSED")
        uri = f"s3://{entry['bucket']}/{entry['key']}"
        try:
            body = decompress(compression, raw)
        except ValueError as error:
            raise ValueError(
                f"cannot read {uri} as {compression} (Content-Encoding {encoding!r}): {error}"
            ) from None
        found.append(
            DeliveredObject(
                bucket=entry["bucket"],
                key=entry["key"],
                size=len(raw),
                content_type=response.get("ContentType"),
                content_encoding=encoding,
                metadata=dict(response.get("Metadata") or {}),
                compression=compression,
                raw_body=raw,
                body=body,
                stream=entry["stream"],
                kind=entry.get("kind", "data"),
                records=entry["records"],
                delivered_at=entry["time"],
            )
        )
    return found


def _matching(
    deliveries: Iterable[dict[str, Any]],
    stream: str | None,
    bucket: str | None,
    prefix: str,
    kind: str | None,
) -> list[dict[str, Any]]:
    return [
        entry
        for entry in deliveries
        if entry["outcome"] == "delivered"
        and (stream is None or entry["stream"] == stream)
        and (bucket is None or entry["bucket"] == bucket)
        and (kind is None or entry.get("kind", "data") == kind)
        and entry["key"].startswith(prefix)
    ]


def _get_object(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    from botocore.exceptions import ClientError

    try:
        return s3.get_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "NoSuchBucket"):
            return None
        raise


# The mixin ------------------------------------------------------------------


class InspectionMixin:
    """Test helpers that ``FirehoseEmulator`` offers on top of the engine.

    A subclass provides the three sources: an S3 client, the delivery log and
    the buffer state. The emulator's own versions are below.
    """

    def _inspection_s3(self) -> Any:
        from emulator.errors import ConfigurationError

        if not getattr(self, "_started", False):
            raise ConfigurationError(
                "cannot read delivered objects: the emulator is not started; "
                "read them inside its with block, or between start() and stop()"
            )
        client = self.__dict__.get("_inspection_client")
        if client is None:
            client = self.client(  # type: ignore[attr-defined]
                "s3", aws_access_key_id="testing", aws_secret_access_key="testing"
            )
            self._inspection_client = client
        return client

    def _inspection_deliveries(self) -> list[dict[str, Any]]:
        return [attempt.as_dict() for attempt in self.delivery_log]  # type: ignore[attr-defined]

    def _inspection_streams(self) -> list[dict[str, Any]]:
        return self.streams()  # type: ignore[attr-defined]

    def objects(
        self,
        stream: str | None = None,
        *,
        bucket: str | None = None,
        prefix: str = "",
        kind: str | None = "data",
    ) -> list[DeliveredObject]:
        """Return the objects delivered so far, in delivery order, bodies decompressed.

        The format of each body is read from the ``Content-Encoding`` that the
        delivery stored, which records the stream's CompressionFormat at the
        time of writing (error output is always uncompressed).

        :param stream: only the objects this delivery stream wrote.
        :param bucket: only the objects in this bucket.
        :param prefix: only keys that start with it.
        :param kind: ``data`` (the default), ``error`` for error output,
            ``backup`` for source record backup, or None for every kind.
        """
        return read_objects(
            self._inspection_s3(),
            self._inspection_deliveries(),
            stream=stream,
            bucket=bucket,
            prefix=prefix,
            kind=kind,
        )

    def json_documents(self, stream: str | None = None, **filters: Any) -> list[Any]:
        """Return the JSON documents of every delivered object, in delivery order.

        Takes the same filters as :meth:`objects`.
        """
        return [
            document
            for obj in self.objects(stream, **filters)
            for document in obj.json()
        ]

    def lines(self, stream: str | None = None, **filters: Any) -> list[str]:
        """Return the newline-delimited records of every delivered object, in order.

        Takes the same filters as :meth:`objects`.
        """
        return [line for obj in self.objects(stream, **filters) for line in obj.lines()]

    def buffered_records(self, stream: str | None = None) -> int:
        """Return how many records wait in buffers (of ``stream`` only, if given)."""
        return sum(
            state["buffered_records"]
            for state in self._inspection_streams()
            if stream is None or state["name"] == stream
        )

    def assert_delivered(
        self,
        stream: str | None = None,
        *,
        bucket: str | None = None,
        prefix: str = "",
        kind: str | None = "data",
        objects: int | None = None,
        records: int | None = None,
        key_pattern: str | re.Pattern[str] | None = None,
        contains: str | bytes | Iterable[str | bytes] | None = None,
        documents: Sequence[Any] | None = None,
        lines: Sequence[str] | None = None,
    ) -> list[DeliveredObject]:
        """Assert what was delivered and return the objects looked at.

        The first four parameters select objects as :meth:`objects` does.
        With no ``objects`` count, at least one object must exist. Every key
        must match ``key_pattern`` in full. Every item of ``contains`` must
        occur in the decompressed content. ``documents`` (JSON) and ``lines``
        must equal what was delivered, in any order.

        :raises AssertionError: listing each difference, every object found
            with its key, size and record count, failed deliveries, and the
            records still buffered.
        """
        __tracebackhide__ = True
        deliveries = self._inspection_deliveries()
        found = read_objects(
            self._inspection_s3(),
            deliveries,
            stream=stream,
            bucket=bucket,
            prefix=prefix,
            kind=kind,
        )
        from emulator.inspection_checks import (
            check_delivered,
            describe_target,
            format_report,
        )

        problems = check_delivered(
            found,
            objects=objects,
            records=records,
            key_pattern=key_pattern,
            contains=contains,
            documents=documents,
            lines=lines,
        )
        if problems:
            target = describe_target(stream, bucket, prefix, kind)
            streams = self._inspection_streams()
            raise AssertionError(
                format_report(target, problems, found, deliveries, streams, stream)
            )
        return found
