"""``FirehoseEmulator``: moto with AWS-faithful Firehose delivery, as a context manager."""

from __future__ import annotations

import logging
import os
import threading
from typing import Any, Callable, Iterable

from emulator import delivery, faults, moto_glue, observability
from emulator import runtime as runtime_module
from emulator.clock import LATEST_INSTANT, Clock, ManualClock, SystemClock, check_seconds
from emulator.errors import ConfigurationError
from emulator.inspection import InspectionMixin
from emulator.runtime import DeliveryAttempt, Runtime, Settings
from emulator.sinks import MotoS3Sink, Sink
from emulator.stream import StreamRuntime

logger = logging.getLogger(__name__)

__all__ = ["FirehoseEmulator", "default_region"]

DEFAULT_ACCOUNT_ID = "123456789012"


def default_region() -> str:
    """Return the region the AWS SDKs would use: AWS_REGION, then AWS_DEFAULT_REGION."""
    return (
        os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or "us-east-1"
    )


def _check_arguments(clock: Any, settings: Any, tick_seconds: Any) -> None:
    """Reject arguments of ``FirehoseEmulator`` that would fail only later."""
    if clock is not None and not isinstance(clock, Clock):
        raise TypeError(
            f"invalid clock {clock!r}: pass a clock object such as "
            'ManualClock("2026-12-04T15:00:00Z"), or nothing for the system clock'
        )
    if settings is not None and not isinstance(settings, Settings):
        raise TypeError(
            f"invalid settings {settings!r}: pass emulator.runtime.Settings(...)"
        )
    if isinstance(tick_seconds, bool) or not isinstance(tick_seconds, (int, float)) or not (
        0 < tick_seconds < float("inf")
    ):
        raise ValueError(
            f"invalid tick_seconds {tick_seconds!r}: give a finite number of seconds "
            "above 0, such as 0.25"
        )


class FirehoseEmulator(InspectionMixin):
    """Emulated Firehose delivery on top of moto.

    Entering starts moto's ``mock_aws`` when none is active and joins the
    active one otherwise, then installs the emulated Firehose backend; leaving
    restores both. Records put through boto3 are buffered and delivered to
    moto's S3 as AWS would write them.

    :param clock: a ``ManualClock`` to move time by hand; by default the system
        clock, with a background ticker that delivers what falls due.
    :param seed: makes every random part of a key reproducible.
    :param account_id: the account that requests act in (``MOTO_ACCOUNT_ID``);
        moto's default account when not given.
    :param region: the region of clients made by ``client()``; by default
        ``AWS_REGION``, then ``AWS_DEFAULT_REGION``, then ``us-east-1``.
    :param sink: where objects are written; moto's S3 by default.
    :param settings: options for behaviours AWS leaves open.
    :param tick_seconds: how often the ticker looks for due buffers.
    """

    def __init__(
        self,
        clock: Clock | None = None,
        seed: int | None = None,
        *,
        account_id: str | None = None,
        region: str | None = None,
        sink: Sink | None = None,
        settings: Settings | None = None,
        tick_seconds: float = 0.25,
    ):
        _check_arguments(clock, settings, tick_seconds)
        self.clock = clock or SystemClock()
        self.seed = seed
        self.account_id = account_id
        self.region = region or default_region()
        self.runtime = Runtime(
            clock=self.clock,
            seed=seed,
            sink=sink or MotoS3Sink(),
            settings=settings or Settings(),
        )
        self.tick_seconds = tick_seconds
        self._mock: Any = None
        self._previous_runtime: Runtime | None = None
        self._previous_account: str | None = None
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()
        self._ticker_errors: list[BaseException] = []
        self._started = False
        self._clients: dict[tuple[Any, ...], Any] = {}

    def __repr__(self) -> str:
        names = sorted(stream.name for stream in self.runtime.all_streams())
        return (
            f"FirehoseEmulator(clock={self.clock!r}, region={self.region!r}, "
            f"account_id={self.account_id!r}, streams={names!r})"
        )

    # Lifecycle ------------------------------------------------------------

    def start(self) -> FirehoseEmulator:
        """Start or join ``mock_aws`` and install the emulated backend."""
        if self._started:
            raise RuntimeError("this FirehoseEmulator is already started")
        if not moto_glue.mock_active():
            self._mock = moto_glue.start_mock()
        if self.account_id is not None:
            self._previous_account = os.environ.get("MOTO_ACCOUNT_ID")
            os.environ["MOTO_ACCOUNT_ID"] = self.account_id
        self._previous_runtime = runtime_module.activate(self.runtime)
        observability.attach(self.runtime)
        moto_glue.install()
        self._started = True
        if not self.clock.manual:
            self._stop.clear()
            self._ticker = threading.Thread(
                target=self._tick_forever, name="firehose-emulator-ticker", daemon=True
            )
            self._ticker.start()
        return self

    def stop(self) -> None:
        """Stop the ticker and restore moto; records still buffered are not delivered."""
        if not self._started:
            return
        self._started = False
        if self._ticker is not None:
            self._stop.set()
            self._ticker.join()
            self._ticker = None
        moto_glue.uninstall()
        runtime_module.deactivate(self._previous_runtime)
        if self.account_id is not None:
            if self._previous_account is None:
                os.environ.pop("MOTO_ACCOUNT_ID", None)
            else:
                os.environ["MOTO_ACCOUNT_ID"] = self._previous_account
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        self._raise_ticker_errors()

    def __enter__(self) -> FirehoseEmulator:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def reset(self) -> None:
        """Reset moto's state (every service) and drop every buffer and logged delivery.

        Registered transforms and the clock are kept.
        """
        from moto.core.models import BackendDict

        self.runtime.reset()
        BackendDict.reset()

    # Time -----------------------------------------------------------------

    def advance(self, seconds: float) -> list[DeliveryAttempt]:
        """Move a manual clock forward; every delivery that falls due happens, in time order.

        The clock stops at each moment something falls due on the way, so
        deliveries and retries see the time at which AWS would make them.
        """
        if not isinstance(self.clock, ManualClock):
            raise ConfigurationError(
                "advance() needs a manual clock: create the emulator with "
                "FirehoseEmulator(clock=ManualClock(...))"
            )
        seconds = check_seconds(seconds)
        target = self.clock.now() + seconds
        if target > LATEST_INSTANT:
            raise ValueError(
                f"invalid number of seconds {seconds!r}: the clock cannot go past "
                "9999-12-31T23:59:59Z"
            )
        attempts: list[DeliveryAttempt] = []
        while True:
            due = self._next_due()
            if due is None or due > target:
                break
            if due > self.clock.now():
                self.clock.set(due)
            attempts.extend(self.deliver_due())
        self.clock.set(target)
        attempts.extend(self.deliver_due())
        return attempts

    def _next_due(self) -> float | None:
        times = [t for t in (s.next_due() for s in self._streams()) if t is not None]
        return min(times) if times else None

    def deliver_due(self) -> list[DeliveryAttempt]:
        """Deliver every buffer whose interval has passed and every retry that is due."""
        now = self.clock.now()
        attempts: list[DeliveryAttempt] = []
        for stream in self._streams():
            attempts.extend(
                delivery.deliver_all(stream, stream.take_due(now), self.runtime)
            )
        return attempts

    def flush(self, name: str | None = None) -> list[DeliveryAttempt]:
        """Deliver every buffer now, regardless of its hints; only stream ``name`` if given."""
        now = self.clock.now()
        streams = self._streams(name)
        if name is not None and not streams:
            raise ConfigurationError(
                f"cannot flush stream {name!r}: no delivery stream of that name exists "
                f"in the emulator (streams: {sorted(s.name for s in self._streams())})"
            )
        attempts: list[DeliveryAttempt] = []
        for stream in streams:
            attempts.extend(
                delivery.deliver_all(stream, stream.take_all(now), self.runtime)
            )
        return attempts

    def _tick_forever(self) -> None:
        while not self._stop.wait(self.tick_seconds):
            try:
                self.deliver_due()
            except Exception as error:  # kept and raised again in the caller's thread
                logger.exception("the delivery ticker failed")
                self._ticker_errors.append(error)

    def _raise_ticker_errors(self) -> None:
        if self._ticker_errors:
            errors, self._ticker_errors = self._ticker_errors, []
            raise errors[0]

    # Introspection --------------------------------------------------------

    def _streams(self, name: str | None = None) -> list[StreamRuntime]:
        streams = self.runtime.all_streams()
        if name is not None:
            streams = [stream for stream in streams if stream.name == name]
        return streams

    @property
    def delivery_log(self) -> list[DeliveryAttempt]:
        """Every delivery attempt so far, in order."""
        with self.runtime.lock:
            return list(self.runtime.delivery_log)

    def streams(self) -> list[dict[str, Any]]:
        """Describe each stream's buffers and pending deliveries."""
        now = self.clock.now()
        return [stream.state(now) for stream in self._streams()]

    def register_transform(self, lambda_arn: str, function: Callable[..., Any]) -> None:
        """Run ``function(event, context)`` wherever a stream names ``lambda_arn``."""
        if not callable(function):
            raise TypeError(
                f"invalid transform {function!r} for {lambda_arn}: pass a callable "
                "that takes (event, context), like a Lambda handler"
            )
        self.runtime.transforms[lambda_arn] = function

    # Faults ---------------------------------------------------------------

    def fail_records(
        self,
        stream: str,
        *,
        indexes: Iterable[int] | None = None,
        fraction: float | None = None,
        seed: int | None = None,
        calls: int | None = 1,
        code: str = "ServiceUnavailableException",
    ) -> faults.RecordFailure:
        """Fail chosen records of the next put calls to ``stream`` ("Slow down.").

        :param indexes: positions in a call's records to fail.
        :param fraction: or a share of records to fail, drawn with ``seed``.
        :param calls: how many calls the fault lasts; ``None`` for every call.
        """
        return faults.fail_records(
            self.runtime, stream, indexes=indexes, fraction=fraction, seed=seed,
            calls=calls, code=code,
        )

    def throttle(
        self,
        stream: str,
        *,
        records_per_second: float | None = None,
        requests_per_second: float | None = None,
        bytes_per_second: float | None = None,
    ) -> faults.Throttle:
        """Enforce per-stream quotas on the emulator's clock; AWS's by region by default."""
        return faults.throttle(
            self.runtime,
            stream,
            records_per_second=records_per_second,
            requests_per_second=requests_per_second,
            bytes_per_second=bytes_per_second,
        )

    def fail_next_writes(
        self, count: int, *, code: str = "InternalError", bucket: str | None = None
    ) -> None:
        """Make the next ``count`` writes to S3 fail with the delivery error ``code``."""
        faults.fail_next_writes(self.runtime, count, code=code, bucket=bucket)

    def clear_faults(self, stream: str | None = None) -> None:
        """Remove every injected fault and quota, or only those of ``stream``."""
        faults.clear(self.runtime, stream)

    def client(self, service: str, **options: Any) -> Any:
        """Return a boto3 client in the emulator's region."""
        import boto3

        options.setdefault("region_name", self.region)
        cache_key = (service, tuple(sorted((k, repr(v)) for k, v in options.items())))
        client = self._clients.get(cache_key)
        if client is None:
            client = self._clients[cache_key] = boto3.client(service, **options)
        return client

    def on_delivery(self, listener: Callable[[DeliveryAttempt], None]) -> None:
        """Call ``listener`` after each delivery attempt; its errors are logged, not raised."""
        if not callable(listener):
            raise TypeError(
                f"invalid listener {listener!r}: pass a callable that takes a DeliveryAttempt"
            )
        self.runtime.listeners.append(listener)

    def names(self) -> Iterable[str]:
        return [stream.name for stream in self._streams()]
