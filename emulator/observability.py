"""CloudWatch Logs and metrics of delivery streams, written into moto's services.

``attach(runtime)`` subscribes to the runtime's events:

- Metrics appear in moto's CloudWatch in the ``AWS/Firehose`` namespace with
  the dimension ``DeliveryStreamName``, as one-minute aggregates stamped with
  the emulator's clock, like the datapoints AWS publishes. They are kept here
  and served through moto's ``CloudWatchMetricProvider`` hook, so that memory
  grows with the minutes of traffic, not with the number of calls.
- When a stream's ``CloudWatchLoggingOptions`` are enabled, each failed
  delivery and each group of processing failures becomes one log event in that
  log group and log stream. Firehose writes only to a log group and log stream
  that exist: it creates neither when the stream is created through the API
  (the developer guide, "Monitoring with CloudWatch Logs").

A log event is the JSON document AWS writes, with the members
``deliveryStreamARN``, ``destination``, ``deliveryStreamVersionId``,
``message`` and ``errorCode``, plus ``processor`` (the Lambda ARN) for a
processing error.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable

from moto.core.common_models import CloudWatchMetricProvider

from emulator import access, faults, prefixes
from emulator import runtime as runtime_module

if TYPE_CHECKING:
    from emulator.runtime import DeliveryAttempt, Runtime
    from emulator.stream import StreamRuntime

logger = logging.getLogger(__name__)

__all__ = [
    "NAMESPACE",
    "FirehoseMetricProvider",
    "MetricStore",
    "Observability",
    "attach",
    "detach",
    "log_event_document",
]

NAMESPACE = "AWS/Firehose"
# CloudWatch keeps one-minute datapoints for 15 days.
RETENTION_SECONDS = 15 * 24 * 3600

# The object name ends in -<yyyy-MM-dd-HH-mm-ss>-<uuid4><extension>, where the
# time is the arrival of the oldest record in the stream's CustomTimeZone.
_KEY_STAMP = re.compile(
    r"-(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}"
    r"-[0-9a-f]{4}-[0-9a-f]{12}[^/]*$"
)


def attach(runtime: Runtime) -> Observability:
    """Start writing the logs and metrics of ``runtime``'s streams, once per runtime."""
    with runtime.lock:
        existing = runtime.__dict__.get("observability")
        if existing is not None:
            return existing
        observer = Observability(runtime)
        runtime.__dict__["observability"] = observer
        runtime.subscribers.append(observer)
    return observer


def detach(runtime: Runtime) -> None:
    """Stop writing logs and metrics for ``runtime``."""
    with runtime.lock:
        observer = runtime.__dict__.pop("observability", None)
        if observer is not None and observer in runtime.subscribers:
            runtime.subscribers.remove(observer)


def log_event_document(
    stream: StreamRuntime,
    destination_arn: str,
    error_code: str,
    message: str,
    processor: str | None = None,
) -> str:
    """Return the message of one Firehose error log event, as compact JSON."""
    document: dict[str, Any] = {
        "deliveryStreamARN": stream.arn,
        "destination": destination_arn,
        "deliveryStreamVersionId": _version_number(stream.version_id),
        "message": message,
        "errorCode": error_code,
    }
    if processor:
        document["processor"] = processor
    return json.dumps(document, separators=(",", ":"))


def _version_number(version_id: str) -> int | str:
    return int(version_id) if str(version_id).isdigit() else version_id


@dataclass
class _Aggregate:
    """The statistics of one metric of one stream over one minute."""

    unit: str
    total: float = 0.0
    count: int = 0
    minimum: float = math.inf
    maximum: float = -math.inf

    def add(self, value: float) -> None:
        self.total += value
        self.count += 1
        self.minimum = min(self.minimum, value)
        self.maximum = max(self.maximum, value)


class MetricStore:
    """One-minute aggregates of the Firehose metrics of one runtime's streams."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._minutes: dict[tuple[str, str, str, str, int], _Aggregate] = {}
        self._oldest_minute: int | None = None

    def add(
        self, stream: StreamRuntime, when: float, values: list[tuple[str, float, str]]
    ) -> None:
        """Add one datapoint per ``(name, value, unit)`` at time ``when``."""
        minute = int(when // 60) * 60
        with self._lock:
            for name, value, unit in values:
                key = (stream.account_id, stream.region, stream.name, name, minute)
                aggregate = self._minutes.get(key)
                if aggregate is None:
                    aggregate = self._minutes[key] = _Aggregate(unit)
                    self._expire(minute)
                aggregate.add(float(value))

    def _expire(self, minute: int) -> None:
        cutoff = minute - RETENTION_SECONDS
        if self._oldest_minute is not None and self._oldest_minute >= cutoff:
            return
        self._minutes = {k: v for k, v in self._minutes.items() if k[4] >= cutoff}
        self._oldest_minute = min((k[4] for k in self._minutes), default=minute)

    def data(self, account_id: str, region: str) -> list[Any]:
        """Return moto datapoints for the streams of one account and region."""
        from moto.cloudwatch.models import MetricAggregatedDatum

        with self._lock:
            items = list(self._minutes.items())
        return [
            MetricAggregatedDatum(
                namespace=NAMESPACE,
                name=name,
                min_stat=aggregate.minimum,
                max_stat=aggregate.maximum,
                sample_count=aggregate.count,
                sum_stat=aggregate.total,
                dimensions=[{"Name": "DeliveryStreamName", "Value": stream_name}],
                # moto keeps metric timestamps as naive UTC datetimes.
                timestamp=datetime.fromtimestamp(minute, tz=timezone.utc).replace(
                    tzinfo=None
                ),
                unit=aggregate.unit,
            )
            for (account, zone, stream_name, name, minute), aggregate in items
            if account == account_id and zone == region
        ]


class FirehoseMetricProvider(CloudWatchMetricProvider):
    """Serves the active emulator's Firehose metrics to moto's CloudWatch when read."""

    @staticmethod
    def get_cloudwatch_metrics(account_id: str, region: str) -> list[Any]:
        observer = runtime_module.current().__dict__.get("observability")
        if observer is None:
            return []
        return observer.metrics.data(account_id, region)


class Observability:
    """The subscriber that turns runtime events into CloudWatch logs and metrics."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.metrics = MetricStore()
        self._reported: set[tuple[str, ...]] = set()
        self._lock = threading.Lock()
        self._handlers: dict[str, Callable[..., None]] = {
            "put": self._on_put,
            "delivery": self._on_delivery,
            "processing_failed": self._on_processing_failed,
        }

    def __call__(self, event: str, details: dict[str, Any]) -> None:
        handler = self._handlers.get(event)
        if handler is None or details.get("stream") is None:
            return
        try:
            handler(**details)
        except Exception:  # CloudWatch data must not fail the put or delivery it counts
            logger.exception("could not write CloudWatch data for the %s event", event)

    # Events -----------------------------------------------------------------

    def _on_put(
        self,
        stream: StreamRuntime,
        records: int,
        bytes: int,
        failed: int = 0,
        requests: int = 1,
        **_: Any,
    ) -> None:
        quota = faults.quotas_in_force(self.runtime, stream)
        self.metrics.add(
            stream,
            self.runtime.clock.now(),
            [
                ("IncomingRecords", records, "Count"),
                ("IncomingBytes", bytes, "Bytes"),
                ("IncomingPutRequests", requests, "Count"),
                ("ThrottledRecords", failed, "Count"),
                ("RecordsPerSecondLimit", quota.records_per_second, "Count/Second"),
                (
                    "PutRequestsPerSecondLimit",
                    quota.requests_per_second,
                    "Count/Second",
                ),
                ("BytesPerSecondLimit", quota.bytes_per_second, "Bytes/Second"),
            ],
        )

    def _on_delivery(
        self, stream: StreamRuntime, attempt: DeliveryAttempt, **_: Any
    ) -> None:
        self.metrics.add(stream, attempt.time, _delivery_metrics(stream, attempt))
        if attempt.outcome == "delivered" or attempt.error_code is None:
            return
        options = _logging_options(stream, attempt.kind)
        message = log_event_document(
            stream,
            f"arn:{stream.partition}:s3:::{attempt.bucket}",
            attempt.error_code,
            attempt.error_message or attempt.error_code,
        )
        self.write_log_events(stream, options, attempt.time, [message])

    def _on_processing_failed(
        self, stream: StreamRuntime, failed: list[Any], **_: Any
    ) -> None:
        groups: dict[tuple[str, str, str | None], float] = {}
        for record in failed:
            group = (record.error_code, record.error_message, record.lambda_arn)
            groups[group] = max(groups.get(group, 0.0), record.attempt_ending)
        destination = stream.destination.get("BucketARN", "")
        messages = [
            (when, log_event_document(stream, destination, code, text, processor))
            for (code, text, processor), when in groups.items()
        ]
        options = stream.destination.get("CloudWatchLoggingOptions") or {}
        for when, message in sorted(messages):
            self.write_log_events(stream, options, when, [message])

    # Writers ----------------------------------------------------------------

    def write_log_events(
        self,
        stream: StreamRuntime,
        options: dict[str, Any],
        when: float,
        messages: list[str],
    ) -> bool:
        """Write ``messages`` to the stream's error log and return whether it did."""
        if not options.get("Enabled") or not options.get("LogGroupName"):
            return False
        group_name = options["LogGroupName"]
        stream_name = options.get("LogStreamName") or ""
        log_group = self._log_group(stream, group_name, stream_name)
        if log_group is None:
            return False
        resource = (
            f"arn:{stream.partition}:logs:{stream.region}:{stream.account_id}:"
            f"log-group:{group_name}:log-stream:{stream_name}"
        )
        role = stream.destination.get("RoleARN", "")
        if not access.check_role(
            stream, role, "logs:PutLogEvents", resource, self.runtime
        ):
            return False
        events = [
            {"timestamp": round(when * 1000), "message": text} for text in messages
        ]
        # The log group's own method skips the 14-day window that PutLogEvents
        # checks against the host's time, which a manual clock may be far from.
        log_group.put_log_events(stream_name, events)
        return True

    def _log_group(
        self, stream: StreamRuntime, group_name: str, stream_name: str
    ) -> Any:
        from moto.logs.models import logs_backends

        backend = logs_backends[stream.account_id][stream.region]
        log_group = backend.groups.get(group_name)
        if log_group is not None and stream_name and stream_name in log_group.streams:
            return log_group
        missing = (
            f"log group {group_name}"
            if log_group is None
            else f"log stream {stream_name!r} in log group {group_name}"
        )
        self._report_once(
            (stream.name, group_name, stream_name),
            "delivery stream %s: not writing its error log, because the %s does not "
            "exist; Firehose does not create it, so create it before the errors occur",
            stream.name,
            missing,
        )
        return None

    def _report_once(self, key: tuple[str, ...], message: str, *args: Any) -> None:
        with self._lock:
            if key in self._reported:
                return
            self._reported.add(key)
        logger.warning(message, *args)


def _logging_options(stream: StreamRuntime, kind: str) -> dict[str, Any]:
    destination = stream.destination
    if kind == "backup":
        destination = destination.get("S3BackupConfiguration") or {}
    return destination.get("CloudWatchLoggingOptions") or {}


def _delivery_metrics(
    stream: StreamRuntime, attempt: DeliveryAttempt
) -> list[tuple[str, float, str]]:
    family = "BackupToS3" if attempt.kind == "backup" else "DeliveryToS3"
    delivered = attempt.outcome == "delivered"
    values: list[tuple[str, float, str]] = [
        (f"{family}.Success", 1 if delivered else 0, "None")
    ]
    if delivered:
        values.append((f"{family}.Records", attempt.records, "Count"))
        values.append((f"{family}.Bytes", attempt.bytes, "Bytes"))
        dynamic = stream.destination.get("DynamicPartitioningConfiguration") or {}
        if family == "DeliveryToS3" and dynamic.get("Enabled"):
            values.append(("DeliveryToS3.ObjectCount", 1, "Count"))
    oldest = _oldest_arrival(stream, attempt)
    if oldest is not None:
        values.append(
            (f"{family}.DataFreshness", max(0.0, attempt.time - oldest), "Seconds")
        )
    return values


def _oldest_arrival(stream: StreamRuntime, attempt: DeliveryAttempt) -> float | None:
    """Return the arrival time of the oldest record of the attempt's object."""
    recorded = getattr(attempt, "oldest_arrival", None)
    if recorded is not None:
        return float(recorded)
    # NOTE: without an ``oldest_arrival`` on the attempt, the time is read back
    # from the object name, which has whole seconds only.
    match = _KEY_STAMP.search(attempt.key)
    if match is None:
        return None
    zone = prefixes.zone_for(stream.destination.get("CustomTimeZone"))
    stamp = datetime.strptime(match.group(1), "%Y-%m-%d-%H-%M-%S")
    return stamp.replace(tzinfo=zone).timestamp()
