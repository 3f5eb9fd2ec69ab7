"""Sinks: where delivered objects are written (moto's S3, another S3 endpoint, disk)."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

__all__ = [
    "DeliveryError",
    "ExportingSink",
    "MotoS3Sink",
    "RemoteS3Sink",
    "S3Object",
    "Sink",
]

# Firehose's delivery error codes and messages, from the CloudWatch Logs error
# list in the Firehose developer guide ("Monitoring with CloudWatch Logs").
S3_ERROR_MESSAGES = {
    "S3.NoSuchBucket": (
        "The specified bucket does not exist. Create the bucket or use a different "
        "bucket that does exist."
    ),
    "S3.AccessDenied": (
        "Access was denied. Ensure that the trust policy for the provided IAM role "
        "allows Firehose to assume the role, and the access policy allows access to "
        "the S3 bucket."
    ),
    "InternalError": (
        "An internal error occurred while attempting to deliver data. Delivery will "
        "be retried; if the error persists, then it will be reported to AWS for "
        "resolution."
    ),
}


class DeliveryError(Exception):
    """A write to the destination failed with a Firehose delivery error code."""

    def __init__(self, code: str, message: str | None = None):
        self.code = code
        self.message = message or S3_ERROR_MESSAGES.get(code, code)
        super().__init__(f"{self.code}: {self.message}")


@dataclass(frozen=True)
class S3Object:
    """One object to write, with the metadata Firehose sets on it."""

    bucket: str
    key: str
    body: bytes
    content_type: str = "application/octet-stream"
    content_encoding: str | None = None
    account_id: str = "123456789012"
    partition: str = "aws"


class Sink:
    """Base class of sinks."""

    def put(self, obj: S3Object) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        return type(self).__name__


class MotoS3Sink(Sink):
    """Writes into moto's in-memory S3, in the stream's own account."""

    def put(self, obj: S3Object) -> None:
        from moto.s3.exceptions import MissingBucket
        from moto.s3.models import s3_backends

        backend = s3_backends[obj.account_id][obj.partition]
        try:
            key = backend.put_object(obj.bucket, obj.key, obj.body)
        except MissingBucket:
            raise DeliveryError("S3.NoSuchBucket") from None
        metadata = {"Content-Type": obj.content_type}
        if obj.content_encoding:
            metadata["Content-Encoding"] = obj.content_encoding
        key.set_metadata(metadata)

    def describe(self) -> str:
        return "moto S3"


class RemoteS3Sink(Sink):
    """Writes through boto3 to any S3-compatible endpoint (a moto server, MinIO, S3)."""

    def __init__(
        self, endpoint_url: str, *, region: str = "us-east-1", **client_options: Any
    ):
        import boto3

        self.endpoint_url = endpoint_url
        self._client = boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region, **client_options
        )

    def put(self, obj: S3Object) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        arguments: dict[str, Any] = {
            "Bucket": obj.bucket,
            "Key": obj.key,
            "Body": obj.body,
            "ContentType": obj.content_type,
        }
        if obj.content_encoding:
            arguments["ContentEncoding"] = obj.content_encoding
        try:
            self._client.put_object(**arguments)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            mapped = {
                "NoSuchBucket": "S3.NoSuchBucket",
                "AccessDenied": "S3.AccessDenied",
            }
            raise DeliveryError(mapped.get(code, "InternalError")) from error
        except BotoCoreError as error:
            raise DeliveryError("InternalError", f"InternalError: {error}") from error

    def describe(self) -> str:
        return f"S3 at {self.endpoint_url}"


class ExportingSink(Sink):
    """Writes to another sink, then copies each object to ``DIR/<bucket>/<key>``."""

    def __init__(self, inner: Sink, directory: str | os.PathLike[str]):
        self.inner = inner
        self.directory = Path(directory)

    def put(self, obj: S3Object) -> None:
        self.inner.put(obj)
        target = (self.directory / obj.bucket / obj.key).resolve()
        root = self.directory.resolve()
        if root not in target.parents:
            logger.warning(
                "not exporting s3://%s/%s: the key leaves the export directory",
                obj.bucket,
                obj.key,
            )
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(obj.body)

    def describe(self) -> str:
        return f"{self.inner.describe()}, exported to {self.directory}"
