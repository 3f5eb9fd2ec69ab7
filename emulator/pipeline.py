"""The path from an accepted record to the buffers of its stream.

Without a processing configuration, records go straight into the data buffer.
With one, they pass through AWS's processing order (de-aggregation, the Lambda
transform, partition-key extraction, the delimiter) first. A Lambda transform
has a buffer of its own, with the processor's BufferSizeInMBs and
BufferIntervalInSeconds. Records that fail a step are written to the error
output at once, one object per error output type.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from emulator import prefixes
from emulator import runtime as runtime_module
from emulator.buffers import Batch
from emulator.error_records import error_object_body
from emulator.processing import (
    METADATA_EXTRACTION_ERROR_CODE,
    NULL_KEY_MESSAGE,
    FailedRecord,
    PartitionKeyError,
    ProcessedRecord,
    SourceRecord,
    partition_key_failure,
    process_records,
)
from emulator.processing_config import parse_processing

if TYPE_CHECKING:
    from emulator.stream import StreamRuntime

logger = logging.getLogger(__name__)

__all__ = ["ACTIVE_PARTITION_EXCEEDED", "Pipeline"]

# The error output type for records over the active-partition limit, from the
# Firehose developer guide ("Buffer data for dynamic partitioning"); the error
# code written with them is not documented.
ACTIVE_PARTITION_EXCEEDED = "activePartitionExceeded"
ACTIVE_PARTITION_CODE = "DynamicPartitioning.ActivePartitionsLimitExceeded"
LAMBDA_NOT_FOUND_CODE = "Lambda.ResourceNotFound"


class Pipeline:
    """Routes records of one stream into its buffers; the caller holds the stream lock."""

    def __init__(self, stream: StreamRuntime, destination: dict[str, Any]):
        self.stream = stream
        self.destination = destination
        self.settings = parse_processing(destination)
        settings = self.settings
        self.direct = not settings.enabled and not settings.dynamic_partitioning
        # A processing configuration whose only processor appends the newline
        # needs no per-record objects either.
        self.delimiter_only = (
            settings.enabled
            and settings.append_delimiter
            and not settings.dynamic_partitioning
            and settings.lambda_ is None
            and settings.deaggregation is None
            and settings.metadata_query is None
        )
        query_names, lambda_names = prefixes.partition_key_names(
            destination.get("Prefix")
        )
        # A partition is one evaluated prefix, so only the keys that the
        # prefix names tell partitions apart. Other keys that a query or a
        # Lambda function returns are ignored.
        self.query_key_names = tuple(sorted(query_names))
        self.lambda_key_names = tuple(sorted(lambda_names))
        self.waiting: list[SourceRecord] = []
        self.waiting_bytes = 0
        self.waiting_since: float | None = None

    # Intake -------------------------------------------------------------------

    def intake(self, datas: list[bytes], record_ids: list[str], now: float) -> None:
        stream = self.stream
        if stream.backup_settings is not None:
            # The backup keeps the source records as they arrived.
            for data in datas:
                stream.add("backup", data, now, now, settings=stream.backup_settings)
        if self.direct:
            stream.add_many(datas, now)
            return
        if self.delimiter_only:
            stream.add_many([data + b"\n" for data in datas], now)
            return
        records = [SourceRecord(rid, data, now) for rid, data in zip(record_ids, datas)]
        lambda_settings = self.settings.lambda_
        if lambda_settings is None:
            self._process(records, now)
            return
        if self.waiting_since is None:
            self.waiting_since = now
        self.waiting.extend(records)
        self.waiting_bytes += sum(len(record.data) for record in records)
        if (
            self.waiting_bytes >= lambda_settings.buffer_size_bytes
            or lambda_settings.buffer_interval_seconds == 0
        ):
            self._run_waiting(now)

    # The transform's own buffer ------------------------------------------------

    def next_due(self) -> float | None:
        if (
            not self.waiting
            or self.settings.lambda_ is None
            or self.waiting_since is None
        ):
            return None
        return self.waiting_since + self.settings.lambda_.buffer_interval_seconds

    def process_due(self, now: float) -> None:
        due = self.next_due()
        if due is not None and due <= now:
            self._run_waiting(now)

    def process_all(self, now: float) -> None:
        if self.waiting:
            self._run_waiting(now)

    def discard(self) -> int:
        dropped = len(self.waiting)
        self._reset_waiting()
        return dropped

    def buffered_records(self) -> int:
        return len(self.waiting)

    def _reset_waiting(self) -> None:
        self.waiting = []
        self.waiting_bytes = 0
        self.waiting_since = None

    def _run_waiting(self, now: float) -> None:
        records = self.waiting
        self._reset_waiting()
        self._process(records, now)

    # Processing and routing ---------------------------------------------------------

    def _process(self, records: list[SourceRecord], now: float) -> None:
        active = runtime_module.current()
        transform = None
        lambda_settings = self.settings.lambda_
        if lambda_settings is not None:
            transform = active.transforms.get(lambda_settings.arn)
            if transform is None:
                self._write_errors(
                    self._lambda_not_found(records, active.clock.now()), now
                )
                return
        processed, failed = process_records(
            records,
            self.settings,
            transform,
            stream_arn=self.stream.arn,
            region=self.stream.region,
            now=active.clock.now,
            rng=active.rng,
            timeout_seconds=active.settings.transform_timeout_seconds,
        )
        failed.extend(
            self._route(processed, active.settings.max_active_partitions, now)
        )
        self._write_errors(failed, now)

    def _route(
        self, processed: list[ProcessedRecord], partition_limit: int, now: float
    ) -> list[FailedRecord]:
        """Add processed records to their partitions' buffers, and return failures.

        A record fails when a key that the prefix names has no value, or when
        its partition would be one more than the active-partition limit.
        """
        stream = self.stream
        failed: list[FailedRecord] = []
        for record in processed:
            partition: tuple[Any, ...] = ()
            keys_from_query: dict[str, str] = {}
            keys_from_lambda: dict[str, str] = {}
            if self.settings.dynamic_partitioning:
                try:
                    keys_from_query, keys_from_lambda = self._prefix_keys(record)
                except PartitionKeyError as error:
                    failed.append(
                        partition_key_failure(self._undelimited(record), error, now)
                    )
                    continue
                partition = (
                    tuple(keys_from_query.items()),
                    tuple(keys_from_lambda.items()),
                )
                is_new = ("data", partition) not in stream.buffers
                if is_new and stream.active_partitions() >= partition_limit:
                    failed.append(self._over_limit(record, partition_limit, now))
                    continue
            stream.add(
                "data",
                record.data,
                record.source.arrival,
                now,
                partition=partition,
                keys_from_query=keys_from_query,
                keys_from_lambda=keys_from_lambda,
            )
        return failed

    def _prefix_keys(
        self, record: ProcessedRecord
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Return the values of the keys the prefix names, from query and from Lambda.

        :raises PartitionKeyError: a named key is missing or empty, which AWS
            reports with the same code and message as a null key from jq.
        """
        return (
            _named_values(self.query_key_names, record.keys_from_query),
            _named_values(self.lambda_key_names, record.keys_from_lambda),
        )

    def _undelimited(self, record: ProcessedRecord) -> ProcessedRecord:
        """Return the record without the newline that AppendDelimiterToRecord added."""
        if not self.settings.append_delimiter:
            return record
        return ProcessedRecord(record.source, record.data[:-1])

    def _over_limit(
        self, record: ProcessedRecord, limit: int, now: float
    ) -> FailedRecord:
        data = self._undelimited(record).data
        return FailedRecord(
            source=SourceRecord(record.source.record_id, data, record.source.arrival),
            error_output_type=ACTIVE_PARTITION_EXCEEDED,
            error_code=ACTIVE_PARTITION_CODE,
            error_message=(
                f"The number of active partitions has reached the limit of {limit} "
                "for this delivery stream."
            ),
            attempts_made=1,
            attempt_ending=now,
            lambda_arn=None,
        )

    def _lambda_not_found(
        self, records: list[SourceRecord], now: float
    ) -> list[FailedRecord]:
        arn = self.settings.lambda_.arn if self.settings.lambda_ else ""
        logger.warning(
            "stream %s names the Lambda function %s, but no transform is registered "
            "for it; register one with FirehoseEmulator.register_transform or the "
            "server's --lambda option. Its records go to the error output.",
            self.stream.name,
            arn,
        )
        return [
            FailedRecord(
                source=record,
                error_output_type="processing-failed",
                error_code=LAMBDA_NOT_FOUND_CODE,
                error_message=f"The Lambda function {arn} was not found.",
                attempts_made=1,
                attempt_ending=now,
                lambda_arn=arn,
            )
            for record in records
        ]

    def _write_errors(self, failed: list[FailedRecord], now: float) -> None:
        """Seal one error object per error output type; the caller delivers it."""
        if not failed:
            return
        stream = self.stream
        by_type: dict[str, list[FailedRecord]] = {}
        for record in failed:
            by_type.setdefault(record.error_output_type, []).append(record)
        for error_type, records in by_type.items():
            body = error_object_body(records)
            stream.sealed.append(
                Batch(
                    kind="error",
                    partition=(),
                    chunks=[body],
                    records=len(records),
                    nbytes=len(body),
                    oldest_arrival=min(r.source.arrival for r in records),
                    settings=stream.settings,
                    reason="error",
                    error_output_type=error_type,
                )
            )
        runtime_module.current().emit("processing_failed", stream=stream, failed=failed)
        logger.warning(
            "%d records of stream %s failed processing and go to the error output",
            len(failed),
            stream.name,
        )


def _named_values(names: tuple[str, ...], keys: dict[str, str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name in names:
        value = keys.get(name)
        if not value:
            raise PartitionKeyError(METADATA_EXTRACTION_ERROR_CODE, NULL_KEY_MESSAGE)
        values[name] = value
    return values
