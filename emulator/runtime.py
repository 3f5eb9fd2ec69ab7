"""The runtime shared by every emulated stream: clock, randomness, sink, logs.

moto builds backend objects itself, one per account and region, so they find
the runtime through ``current()`` instead of receiving it as an argument.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from emulator.clock import Clock, SystemClock
from emulator.errors import ConfigurationError

if TYPE_CHECKING:
    from emulator.sinks import Sink
    from emulator.stream import StreamRuntime

logger = logging.getLogger(__name__)

IAM_MODES = ("off", "warn", "strict")

__all__ = [
    "DeliveryAttempt",
    "Runtime",
    "Settings",
    "activate",
    "current",
    "deactivate",
]


@dataclass
class Settings:
    """Options that change emulator behaviour where AWS's is unconfirmed or inconvenient."""

    hadoop_snappy_extension: str = ".snappy"
    retry_first_seconds: float = 5.0
    retry_max_seconds: float = 300.0
    retry_limit_seconds: float = 24 * 3600.0
    max_active_partitions: int = 500
    iam_mode: str = "warn"
    transform_timeout_seconds: float = 300.0

    def __post_init__(self) -> None:
        if self.iam_mode not in IAM_MODES:
            raise ConfigurationError(
                f"invalid iam_mode {self.iam_mode!r}: use one of "
                + ", ".join(repr(mode) for mode in IAM_MODES)
            )
        for name in (
            "retry_first_seconds",
            "retry_max_seconds",
            "retry_limit_seconds",
            "transform_timeout_seconds",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                0 < value < float("inf")
            ):
                raise ConfigurationError(
                    f"invalid {name} {value!r}: give a finite number of seconds above 0"
                )
        limit = self.max_active_partitions
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ConfigurationError(
                f"invalid max_active_partitions {limit!r}: give an integer of 1 or more"
            )
        extension = self.hadoop_snappy_extension
        if not isinstance(extension, str) or not extension.startswith("."):
            raise ConfigurationError(
                f"invalid hadoop_snappy_extension {extension!r}: give a file extension "
                "that starts with a dot, such as '.snappy'"
            )


@dataclass
class DeliveryAttempt:
    """One attempt to write an object, kept in the runtime's delivery log."""

    stream: str
    bucket: str
    key: str
    records: int
    bytes: int
    outcome: str
    time: float
    reason: str
    attempt: int = 1
    error_code: str | None = None
    error_message: str | None = None
    kind: str = "data"
    oldest_arrival: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "stream": self.stream,
            "bucket": self.bucket,
            "key": self.key,
            "records": self.records,
            "bytes": self.bytes,
            "outcome": self.outcome,
            "time": self.time,
            "reason": self.reason,
            "attempt": self.attempt,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "kind": self.kind,
            "oldest_arrival": self.oldest_arrival,
        }


@dataclass
class Runtime:
    """Clock, random source, sink, settings and logs of one emulator instance."""

    clock: Clock = field(default_factory=SystemClock)
    seed: int | None = None
    sink: Sink | None = None
    settings: Settings = field(default_factory=Settings)
    transforms: dict[str, Callable[..., Any]] = field(default_factory=dict)
    delivery_log: list[DeliveryAttempt] = field(default_factory=list)
    streams: dict[tuple[str, str, str], StreamRuntime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        seed = (
            self.seed if self.seed is not None else int.from_bytes(os.urandom(8), "big")
        )
        self.rng = random.Random(seed)
        self.lock = threading.RLock()
        self._record_counter = 0
        self.listeners: list[Callable[[DeliveryAttempt], None]] = []
        self.subscribers: list[Callable[[str, dict[str, Any]], None]] = []
        self.listener_errors: list[BaseException] = []

    def uuid4(self) -> str:
        """Return a random UUID string drawn from the seeded random source."""
        with self.lock:
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def record_ids(self, count: int) -> list[str]:
        """Return ``count`` unique, opaque record ids of 56 decimal digits, as AWS's look.

        Each id is a random head drawn per call and a process-wide counter, so
        ids never repeat within a runtime.
        """
        with self.lock:
            head = f"{self.rng.getrandbits(120):037d}"[-37:]
            first = self._record_counter + 1
            self._record_counter += count
        return [head + "%019d" % number for number in range(first, first + count)]

    def log_attempt(self, attempt: DeliveryAttempt, stream: StreamRuntime | None = None) -> None:
        """Record a delivery attempt and tell listeners and subscribers about it.

        The attempt is final once it is in the log: an error raised by a
        listener or subscriber is logged and kept in ``listener_errors``, and
        never makes the delivery count as failed (which would write it again).
        """
        with self.lock:
            self.delivery_log.append(attempt)
            listeners = list(self.listeners)
        for listener in listeners:
            self._call_safely(listener, attempt)
        if stream is None:
            stream = self.streams_by_name(attempt.stream)
        self.emit("delivery", stream=stream, attempt=attempt)

    def _call_safely(self, function: Callable[..., Any], *arguments: Any) -> None:
        try:
            function(*arguments)
        except Exception as error:
            logger.exception("a delivery listener %r failed", function)
            with self.lock:
                self.listener_errors.append(error)

    def streams_by_name(self, name: str) -> StreamRuntime | None:
        with self.lock:
            for stream in self.streams.values():
                if stream.name == name:
                    return stream
        return None

    def emit(self, event: str, **details: Any) -> None:
        """Tell every subscriber about an event such as ``put`` or ``processing_failed``.

        Events: ``put`` (stream, records, bytes, failed, requests),
        ``delivery`` (stream, attempt) and ``processing_failed`` (stream,
        failed: a list of failed records).
        """
        with self.lock:
            subscribers = list(self.subscribers)
        for subscriber in subscribers:
            self._call_safely(subscriber, event, details)

    def register(self, stream: StreamRuntime) -> None:
        with self.lock:
            self.streams[(stream.account_id, stream.region, stream.name)] = stream

    def unregister(self, stream: StreamRuntime) -> None:
        with self.lock:
            key = (stream.account_id, stream.region, stream.name)
            if self.streams.get(key) is stream:
                del self.streams[key]

    def reset(self) -> None:
        """Forget every stream's buffers and the delivery log, as after a moto reset."""
        with self.lock:
            for stream in self.streams.values():
                stream.discard()
            self.streams.clear()
            self.delivery_log.clear()

    def all_streams(self) -> list[StreamRuntime]:
        with self.lock:
            return list(self.streams.values())


_active: Runtime | None = None
_default: Runtime | None = None
_active_lock = threading.Lock()


def activate(runtime: Runtime) -> Runtime | None:
    """Make ``runtime`` the current one and return the one it replaces."""
    global _active
    with _active_lock:
        previous, _active = _active, runtime
    return previous


def deactivate(previous: Runtime | None) -> None:
    """Restore the runtime that ``activate`` replaced."""
    global _active
    with _active_lock:
        _active = previous


def current() -> Runtime:
    """Return the active runtime, or a default one on the system clock.

    The default serves a process that installed the backend without a
    ``FirehoseEmulator``, such as moto's own server started by hand.
    """
    global _default
    if _active is not None:
        return _active
    with _active_lock:
        if _default is None:
            _default = Runtime()
        return _default
