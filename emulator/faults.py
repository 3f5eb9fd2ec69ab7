"""Injected faults and per-stream quotas, off unless a test requests them.

Three kinds, each set on a runtime by an explicit call:

- ``fail_records``: chosen entries (or a seeded fraction) of the next
  PutRecord or PutRecordBatch calls fail with ``ServiceUnavailableException``
  "Slow down.", as a throttled stream returns it; PutRecord raises the error.
- ``throttle``: a stream accepts at most AWS's per-stream quotas of records,
  requests and bytes in each second of the emulator's clock.
- ``fail_next_writes``: the next N objects written to S3 fail with a delivery
  error code, and Firehose's retries take over.

Streams are named as in the API; a fault applies to every stream of that name,
whatever its account and region.
"""

from __future__ import annotations

import logging
import math
import random
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from emulator.errors import ConfigurationError, ServiceUnavailableException
from emulator.sinks import DeliveryError, Sink

if TYPE_CHECKING:
    from emulator.runtime import Runtime
    from emulator.sinks import S3Object
    from emulator.stream import StreamRuntime

logger = logging.getLogger(__name__)

__all__ = [
    "FailingSink",
    "Quota",
    "RecordFailure",
    "Throttle",
    "admit",
    "clear",
    "fail_next_writes",
    "fail_records",
    "quota_for",
    "throttle",
]

MIB = 1024 * 1024
SLOW_DOWN = "Slow down."
RECORD_ERROR_MESSAGES = {
    "ServiceUnavailableException": SLOW_DOWN,
    # NOTE: the message AWS puts next to InternalFailure is not documented.
    "InternalFailure": "Internal service failure.",
}


@dataclass(frozen=True)
class Quota:
    """The Direct PUT quotas of one stream, PutRecord and PutRecordBatch together."""

    records_per_second: float
    requests_per_second: float
    bytes_per_second: float


# From the Firehose developer guide's "Quota" page: three regions get the
# larger quotas, every other region the smaller ones.
LARGE_QUOTA = Quota(500_000, 2_000, 5 * MIB)
SMALL_QUOTA = Quota(100_000, 1_000, 1 * MIB)
LARGE_QUOTA_REGIONS = ("us-east-1", "us-west-2", "eu-west-1")


def quota_for(region: str) -> Quota:
    """Return AWS's default per-stream ingest quotas in ``region``."""
    return LARGE_QUOTA if region in LARGE_QUOTA_REGIONS else SMALL_QUOTA


@dataclass
class RecordFailure:
    """Entries of the next put calls to a stream that fail, by index or by chance."""

    stream: str
    indexes: frozenset[int] | None
    fraction: float | None
    calls: int | None
    code: str
    message: str
    rng: random.Random = field(repr=False, default_factory=random.Random)
    failed: int = 0

    def choose(self, count: int) -> list[bool]:
        """Return, for each of ``count`` entries of one call, whether it fails."""
        if self.indexes is not None:
            chosen = [index in self.indexes for index in range(count)]
        else:
            chosen = [self.rng.random() < (self.fraction or 0.0) for _ in range(count)]
        if self.calls is not None:
            self.calls -= 1
        self.failed += sum(chosen)
        return chosen

    @property
    def spent(self) -> bool:
        return self.calls is not None and self.calls <= 0


@dataclass
class Throttle:
    """Per-second quotas of one stream, counted in whole seconds of the emulator clock.

    A limit left as None takes AWS's default for the stream's region.
    """

    stream: str
    records_per_second: float | None = None
    requests_per_second: float | None = None
    bytes_per_second: float | None = None
    window: float = -1.0
    records: int = 0
    requests: int = 0
    nbytes: int = 0

    def quota(self, region: str) -> Quota:
        """Return the limits in force, with AWS's defaults for ``region`` filled in."""
        default = quota_for(region)
        return Quota(
            _or(self.records_per_second, default.records_per_second),
            _or(self.requests_per_second, default.requests_per_second),
            _or(self.bytes_per_second, default.bytes_per_second),
        )

    def admit(self, sizes: list[int], now: float, region: str) -> list[bool] | None:
        """Count one call and return which entries fit, or None if the call is over."""
        second = math.floor(now)
        if second != self.window:
            self.window, self.records, self.requests, self.nbytes = second, 0, 0, 0
        quota = self.quota(region)
        if self.requests + 1 > quota.requests_per_second:
            return None
        self.requests += 1
        admitted = []
        for size in sizes:
            fits = (
                self.records + 1 <= quota.records_per_second
                and self.nbytes + size <= quota.bytes_per_second
            )
            if fits:
                self.records += 1
                self.nbytes += size
            admitted.append(fits)
        return admitted


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


class FailingSink(Sink):
    """Wraps a sink and fails the writes queued by ``fail_next_writes``."""

    def __init__(self, inner: Sink):
        self.inner = inner
        self.pending: deque[tuple[str, str | None, str | None]] = deque()
        self.lock = threading.Lock()

    def put(self, obj: S3Object) -> None:
        failure = self._take(obj.bucket)
        if failure is not None:
            code, message = failure
            logger.info(
                "failing the write of s3://%s/%s with %s", obj.bucket, obj.key, code
            )
            raise DeliveryError(code, message)
        self.inner.put(obj)

    def _take(self, bucket: str) -> tuple[str, str | None] | None:
        with self.lock:
            for entry in self.pending:
                code, message, only_bucket = entry
                if only_bucket is None or only_bucket == bucket:
                    self.pending.remove(entry)
                    return code, message
        return None

    def describe(self) -> str:
        return self.inner.describe()


class FaultPlan:
    """The faults set on one runtime."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.failures: dict[str, list[RecordFailure]] = {}
        self.throttles: dict[str, Throttle] = {}

    def empty(self) -> bool:
        return not self.failures and not self.throttles


def _plan(runtime: Runtime) -> FaultPlan:
    with runtime.lock:
        plan = runtime.__dict__.get("fault_plan")
        if plan is None:
            plan = runtime.__dict__["fault_plan"] = FaultPlan()
        return plan


def fail_records(
    runtime: Runtime,
    stream: str,
    *,
    indexes: Iterable[int] | None = None,
    fraction: float | None = None,
    seed: int | None = None,
    calls: int | None = 1,
    code: str = "ServiceUnavailableException",
    message: str | None = None,
) -> RecordFailure:
    """Fail entries of the next ``calls`` put calls to ``stream``, or of all if None.

    :param indexes: positions, from 0, of the entries that fail in each call.
    :param fraction: instead of ``indexes``, the chance that each entry fails.
    :param seed: makes the entries chosen by ``fraction`` reproducible; by
        default they come from the emulator's seeded random source.
    :param code: ``ServiceUnavailableException`` or ``InternalFailure``.
    :returns: the failure, whose ``failed`` counts the entries failed so far.
    """
    chosen = _check_choice(indexes, fraction)
    if calls is not None and (isinstance(calls, bool) or calls < 1):
        raise ConfigurationError(
            f"invalid calls {calls!r}: use a count of 1 or more, or None"
        )
    if code not in RECORD_ERROR_MESSAGES:
        raise ConfigurationError(
            f"invalid code {code!r}: a PutRecordBatch entry fails with "
            f"{' or '.join(RECORD_ERROR_MESSAGES)}"
        )
    with runtime.lock:
        rng = random.Random(seed if seed is not None else runtime.rng.getrandbits(64))
    failure = RecordFailure(
        stream=stream,
        indexes=chosen,
        fraction=fraction,
        calls=calls,
        code=code,
        message=message or RECORD_ERROR_MESSAGES[code],
        rng=rng,
    )
    plan = _plan(runtime)
    with plan.lock:
        plan.failures.setdefault(stream, []).append(failure)
    return failure


def _check_choice(
    indexes: Iterable[int] | None, fraction: float | None
) -> frozenset[int] | None:
    if (indexes is None) == (fraction is None):
        raise ConfigurationError(
            "fail_records needs exactly one of indexes=[...] or fraction="
        )
    if fraction is not None:
        if isinstance(fraction, bool) or not 0.0 <= fraction <= 1.0:
            raise ConfigurationError(
                f"invalid fraction {fraction!r}: use a number from 0.0 to 1.0"
            )
        return None
    chosen = frozenset(indexes or ())
    if any(isinstance(i, bool) or not isinstance(i, int) or i < 0 for i in chosen):
        raise ConfigurationError(
            f"invalid indexes {sorted(chosen, key=str)!r}: use entry positions from 0"
        )
    return chosen


def throttle(
    runtime: Runtime,
    stream: str,
    *,
    records_per_second: float | None = None,
    requests_per_second: float | None = None,
    bytes_per_second: float | None = None,
) -> Throttle:
    """Enforce per-second quotas on ``stream``, with AWS's default for a limit left out.

    A call over the requests quota raises ``ServiceUnavailableException``; the
    entries of a call that pass the records or bytes quota fail one by one.
    """
    limits = {
        "records_per_second": records_per_second,
        "requests_per_second": requests_per_second,
        "bytes_per_second": bytes_per_second,
    }
    for name, value in limits.items():
        if value is None:
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not 0 < value < math.inf
        ):
            raise ConfigurationError(
                f"invalid {name} {value!r}: use a finite number above 0"
            )
    limit = Throttle(stream=stream, **limits)
    plan = _plan(runtime)
    with plan.lock:
        plan.throttles[stream] = limit
    return limit


def fail_next_writes(
    runtime: Runtime,
    count: int,
    *,
    code: str = "InternalError",
    message: str | None = None,
    bucket: str | None = None,
) -> None:
    """Fail the next ``count`` S3 writes, to ``bucket`` only if given, with ``code``."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ConfigurationError(
            f"invalid count {count!r}: use a number of writes, 0 or more"
        )
    with runtime.lock:
        sink = runtime.sink
        if not isinstance(sink, FailingSink):
            if sink is None:
                raise ConfigurationError("fail_next_writes needs a runtime with a sink")
            sink = runtime.sink = FailingSink(sink)
    with sink.lock:
        sink.pending.extend([(code, message, bucket)] * count)


def clear(runtime: Runtime, stream: str | None = None) -> None:
    """Remove the faults and quotas of ``stream``, or every fault when None."""
    plan = _plan(runtime)
    with plan.lock:
        if stream is None:
            plan.failures.clear()
            plan.throttles.clear()
        else:
            plan.failures.pop(stream, None)
            plan.throttles.pop(stream, None)
    sink = runtime.sink
    if stream is None and isinstance(sink, FailingSink):
        with sink.lock:
            sink.pending.clear()


def quotas_in_force(runtime: Runtime, stream: StreamRuntime) -> Quota:
    """Return the quotas that apply to ``stream``: its throttle's, or AWS's defaults."""
    plan = runtime.__dict__.get("fault_plan")
    limit = plan.throttles.get(stream.name) if plan is not None else None
    return limit.quota(stream.region) if limit is not None else quota_for(stream.region)


def admit(
    stream: StreamRuntime, datas: list[bytes], runtime: Runtime
) -> list[tuple[str, str] | None]:
    """Return, for each record of a put, ``None`` to accept it or ``(code, message)``.

    :raises ServiceUnavailableException: the call is over the stream's requests quota.
    """
    plan: FaultPlan | None = runtime.__dict__.get("fault_plan")
    outcomes: list[tuple[str, str] | None] = [None] * len(datas)
    if plan is None or plan.empty():
        return outcomes
    with plan.lock:
        limit = plan.throttles.get(stream.name)
        admitted = [True] * len(datas)
        if limit is not None:
            admitted = limit.admit(
                [len(d) for d in datas], runtime.clock.now(), stream.region
            )
        if admitted is not None:
            for index, fits in enumerate(admitted):
                if not fits:
                    outcomes[index] = ("ServiceUnavailableException", SLOW_DOWN)
            _apply_failures(plan, stream.name, outcomes)
    if admitted is None:
        _reject_call(stream, datas, runtime)
    return outcomes


def _apply_failures(
    plan: FaultPlan, stream: str, outcomes: list[tuple[str, str] | None]
) -> None:
    failures = plan.failures.get(stream)
    if not failures:
        return
    failure = failures[0]
    for index, fails in enumerate(failure.choose(len(outcomes))):
        if fails and outcomes[index] is None:
            outcomes[index] = (failure.code, failure.message)
    if failure.spent:
        failures.pop(0)
        if not failures:
            del plan.failures[stream]


def _reject_call(stream: StreamRuntime, datas: list[bytes], runtime: Runtime) -> None:
    logger.info("throttled a put of %d records to stream %s", len(datas), stream.name)
    runtime.emit(
        "put", stream=stream, records=0, bytes=0, failed=len(datas), requests=0
    )
    raise ServiceUnavailableException(SLOW_DOWN)
