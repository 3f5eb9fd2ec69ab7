"""Delivery: turn a sealed batch into an S3 object and write it.

The object key is the evaluated prefix followed by
``<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><extension>`` (the Firehose
developer guide, "Amazon S3 object name format"). Every timestamp in the key
is the arrival time of the oldest record in the object, in the stream's
CustomTimeZone (UTC by default).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from emulator import compression, prefixes
from emulator.buffers import MIB, Batch
from emulator.runtime import DeliveryAttempt, Runtime
from emulator.sinks import DeliveryError, S3Object

if TYPE_CHECKING:
    from emulator.stream import StreamRuntime

logger = logging.getLogger(__name__)

__all__ = ["build_key", "deliver", "deliver_all"]


def _bucket_name(bucket_arn: str) -> str:
    return bucket_arn.split(":::", 1)[-1]


def build_key(
    stream_name: str,
    batch: Batch,
    destination: dict[str, Any],
    runtime: Runtime,
    *,
    extension: str,
) -> str:
    """Return the object key for ``batch``."""
    zone = prefixes.zone_for(destination.get("CustomTimeZone"))
    instant = datetime.fromtimestamp(batch.oldest_arrival, tz=zone)
    if batch.kind == "error":
        template = prefixes.effective_error_prefix(
            destination.get("Prefix"), destination.get("ErrorOutputPrefix")
        )
    else:
        template = prefixes.effective_prefix(destination.get("Prefix"))
    with runtime.lock:
        prefix = prefixes.evaluate(
            template,
            instant=instant,
            rng=runtime.rng,
            error_output_type=batch.error_output_type,
            partition_keys_from_query=batch.keys_from_query,
            partition_keys_from_lambda=batch.keys_from_lambda,
        )
        unique = runtime.uuid4()
    # Formatted by hand: strftime's %Y does not pad years before 1000.
    stamp = (
        f"{instant.year:04d}-{instant.month:02d}-{instant.day:02d}-"
        f"{instant.hour:02d}-{instant.minute:02d}-{instant.second:02d}"
    )
    return (
        f"{prefix}{stream_name}-{batch.settings.version_id}-{stamp}-{unique}{extension}"
    )


def _encode(
    batch: Batch, destination: dict[str, Any], runtime: Runtime
) -> compression.CompressedObject:
    if batch.kind == "error":
        # Error output is written uncompressed and without an extension, as the
        # processing-failed objects observed on AWS are.
        return compression.compress("UNCOMPRESSED", b"".join(batch.chunks))
    fmt = destination.get("CompressionFormat", "UNCOMPRESSED")
    with runtime.lock:
        entry_name = runtime.uuid4() if fmt == "ZIP" else "data"
    return compression.compress(
        fmt,
        b"".join(batch.chunks),
        # Java's GZIPOutputStream, which Firehose runs on, writes a zero MTIME;
        # the ZIP entry needs a real date.
        mtime=runtime.clock.now() if fmt == "ZIP" else 0.0,
        entry_name=entry_name,
        hadoop_snappy_extension=runtime.settings.hadoop_snappy_extension,
    )


def _extension(
    encoded: compression.CompressedObject, batch: Batch, destination: dict[str, Any]
) -> str:
    if batch.kind == "error":
        return ""
    custom = destination.get("FileExtension")
    return custom if custom else encoded.extension


def deliver(stream: StreamRuntime, batch: Batch, runtime: Runtime) -> DeliveryAttempt:
    """Write one batch; on failure schedule a retry, or drop it past the retry limit.

    An unexpected error (a bug, not a delivery error) puts the batch back for
    a later retry before it propagates, so that no accepted record is lost.
    """
    try:
        return _deliver(stream, batch, runtime)
    except Exception:
        batch.next_attempt = runtime.clock.now() + runtime.settings.retry_first_seconds
        stream.schedule_retry(batch)
        logger.exception(
            "delivery of %d records of stream %s failed unexpectedly; kept for a retry",
            batch.records,
            stream.name,
        )
        raise


def _deliver(stream: StreamRuntime, batch: Batch, runtime: Runtime) -> DeliveryAttempt:
    destination = batch.settings.destination
    now = runtime.clock.now()
    encoded = _encode(batch, destination, runtime)
    key = build_key(
        stream.name,
        batch,
        destination,
        runtime,
        extension=_extension(encoded, batch, destination),
    )
    bucket = _bucket_name(destination["BucketARN"])
    batch.attempts += 1
    if batch.first_attempt is None:
        batch.first_attempt = now
    attempt = DeliveryAttempt(
        stream=stream.name,
        bucket=bucket,
        key=key,
        records=batch.records,
        bytes=len(encoded.body),
        outcome="delivered",
        time=now,
        reason=batch.reason,
        attempt=batch.attempts,
        kind=batch.kind,
        oldest_arrival=batch.oldest_arrival,
    )
    try:
        from emulator import access

        access.check_delivery(stream, destination, bucket, key, runtime)
        runtime.sink.put(
            S3Object(
                bucket=bucket,
                key=key,
                body=encoded.body,
                content_encoding=encoded.content_encoding,
                account_id=stream.account_id,
                partition=stream.partition,
            )
        )
    except DeliveryError as error:
        _handle_failure(stream, batch, runtime, attempt, error, now)
    else:
        logger.info(
            "delivered %d records, %.1f MiB, to s3://%s/%s",
            batch.records,
            batch.nbytes / MIB,
            bucket,
            key,
        )
    runtime.log_attempt(attempt, stream)
    return attempt


def _handle_failure(
    stream: StreamRuntime,
    batch: Batch,
    runtime: Runtime,
    attempt: DeliveryAttempt,
    error: DeliveryError,
    now: float,
) -> None:
    attempt.error_code = error.code
    attempt.error_message = error.message
    settings = runtime.settings
    elapsed = now - (batch.first_attempt or now)
    if elapsed >= settings.retry_limit_seconds:
        attempt.outcome = "dropped"
        logger.error(
            "dropped %d records of stream %s after %d attempts over %.0f s: %s",
            batch.records,
            stream.name,
            batch.attempts,
            elapsed,
            error,
        )
        return
    delay = min(
        settings.retry_first_seconds * 2 ** (batch.attempts - 1),
        settings.retry_max_seconds,
    )
    batch.next_attempt = min(
        now + delay, batch.first_attempt + settings.retry_limit_seconds
    )
    attempt.outcome = "failed"
    logger.error(
        "delivery of %d records of stream %s to s3://%s failed (attempt %d), "
        "retrying in %.0f s: %s",
        batch.records,
        stream.name,
        attempt.bucket,
        batch.attempts,
        batch.next_attempt - now,
        error,
    )
    stream.schedule_retry(batch)


def deliver_all(
    stream: StreamRuntime, batches: list[Batch], runtime: Runtime
) -> list[DeliveryAttempt]:
    """Deliver batches in order and return the attempts."""
    return [deliver(stream, batch, runtime) for batch in batches]
