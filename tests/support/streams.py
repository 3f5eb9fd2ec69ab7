"""Builders shared by the engine tests: an emulator on a manual clock, a bucket, a stream."""

from __future__ import annotations

from typing import Any

ROLE_ARN = "arn:aws:iam::123456789012:role/firehose-to-s3-writer"
START = "2026-12-04T15:00:00Z"


def s3_config(bucket: str = "vascular-inbox-events", **members: Any) -> dict[str, Any]:
    config: dict[str, Any] = {"RoleARN": ROLE_ARN, "BucketARN": f"arn:aws:s3:::{bucket}"}
    config.update(members)
    return config


def create_stream(
    firehose: Any,
    name: str = "message-interaction-events",
    *,
    extended: bool = True,
    bucket: str = "vascular-inbox-events",
    create_bucket: bool = True,
    **members: Any,
) -> Any:
    """Create a bucket and a delivery stream; return the Firehose client."""
    if create_bucket:
        firehose.client("s3").create_bucket(Bucket=bucket)
    client = firehose.client("firehose")
    shape = "ExtendedS3DestinationConfiguration" if extended else "S3DestinationConfiguration"
    client.create_delivery_stream(
        DeliveryStreamName=name, **{shape: s3_config(bucket, **members)}
    )
    return client


def objects(firehose: Any, bucket: str = "vascular-inbox-events") -> list[dict[str, Any]]:
    """Return every object of a bucket, sorted by key, with its body and metadata."""
    s3 = firehose.client("s3")
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            response = s3.get_object(Bucket=bucket, Key=item["Key"])
            found.append(
                {
                    "key": item["Key"],
                    "body": response["Body"].read(),
                    "content_type": response.get("ContentType"),
                    "content_encoding": response.get("ContentEncoding"),
                }
            )
    return sorted(found, key=lambda obj: obj["key"])
