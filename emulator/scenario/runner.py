"""Run a scenario: create its infrastructure, play its steps, and check its expectations.

Each run gets its own ``FirehoseEmulator`` on a ``ManualClock`` that starts at
the scenario's start time, in the scenario's account and region, seeded with
its seed, so a run writes the same keys and bytes every time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from emulator import observability
from emulator.runtime import DeliveryAttempt, Settings
from emulator.scenario import setup
from emulator.scenario.checks import default_bucket
from emulator.scenario.errors import ScenarioRunError
from emulator.scenario.expectations import (
    CheckResult,
    FailedPut,
    LogEvent,
    Observation,
    evaluate,
)
from emulator.scenario.model import Scenario, Step
from emulator.scenario.s3view import ObjectInfo, list_objects
from emulator.scenario.steps import StepPlayer
from emulator.scenario.timeline import Timeline

logger = logging.getLogger(__name__)

__all__ = ["ScenarioResult", "StepResult", "run_scenario"]

ProgressCallback = Callable[[int, int, Step], None]


@dataclass
class StepResult:
    """A step that ran: the clock before and after it, and its checks for ``expect``."""

    step: Step
    started: float
    ended: float
    checks: list[CheckResult] = field(default_factory=list)


@dataclass
class ScenarioResult:
    """Everything a run produced: steps, checks, objects, deliveries, failed puts."""

    scenario: Scenario
    steps: list[StepResult] = field(default_factory=list)
    objects: list[ObjectInfo] = field(default_factory=list)
    deliveries: list[DeliveryAttempt] = field(default_factory=list)
    failed_puts: list[FailedPut] = field(default_factory=list)
    timeline: Timeline = field(default_factory=Timeline)
    error: ScenarioRunError | None = None
    records_put: int = 0

    @property
    def checks(self) -> list[CheckResult]:
        return [check for step in self.steps for check in step.checks]

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [check for check in self.checks if not check.passed]

    @property
    def passed(self) -> bool:
        return self.error is None and not self.failed_checks


def run_scenario(
    scenario: Scenario, *, progress: ProgressCallback | None = None
) -> ScenarioResult:
    """Run ``scenario`` and return what it produced, with ``passed`` set by the checks.

    :param progress: called as ``progress(position, total, step)`` before each step.
    :raises ScenarioFormatError: when a request built from the file is malformed
        in a way only boto3 detects (an unknown CreateDeliveryStream member).
    """
    from emulator.clock import ManualClock
    from emulator.core import FirehoseEmulator

    result = ScenarioResult(scenario)
    emulator = FirehoseEmulator(
        clock=ManualClock(scenario.start),
        seed=scenario.seed,
        account_id=scenario.account,
        region=scenario.region,
        settings=Settings(**scenario.settings),
    )
    with emulator:
        observability.attach(emulator.runtime)
        emulator.on_delivery(
            lambda attempt: result.timeline.on_delivery(attempt, emulator)
        )
        try:
            setup.create_all(scenario, emulator)
            player = StepPlayer(scenario, emulator, result.timeline, result.failed_puts)
            for position, step in enumerate(scenario.steps):
                if progress is not None:
                    progress(position, len(scenario.steps), step)
                result.steps.append(_run_step(step, player, emulator, result))
            result.records_put = player.records_put
        except ScenarioRunError as error:
            logger.error("scenario %s stopped: %s", scenario.file, error)
            result.error = error
        result.deliveries = emulator.delivery_log
        result.objects = _objects(scenario, emulator, result.deliveries)
    return result


def _run_step(
    step: Step, player: StepPlayer, emulator: Any, result: ScenarioResult
) -> StepResult:
    started = emulator.clock.now()
    checks: list[CheckResult] = []
    if step.kind == "expect":
        checks = evaluate(
            step.body,
            step.path + ("expect",),
            result.scenario.index.line,
            _observe(result, emulator),
        )
    else:
        player.play(step)
    return StepResult(step, started, emulator.clock.now(), checks)


def _buckets(scenario: Scenario, deliveries: list[DeliveryAttempt]) -> list[str]:
    names = list(scenario.buckets)
    for attempt in deliveries:
        if attempt.bucket not in names:
            names.append(attempt.bucket)
    return names


def _objects(
    scenario: Scenario, emulator: Any, deliveries: list[DeliveryAttempt]
) -> list[ObjectInfo]:
    from botocore.exceptions import ClientError

    s3 = setup.s3_client(emulator)
    existing = []
    for bucket in _buckets(scenario, deliveries):
        try:
            s3.head_bucket(Bucket=bucket)
        except ClientError:
            continue
        existing.append(bucket)
    return list_objects(s3, existing, deliveries)


def _observe(result: ScenarioResult, emulator: Any) -> Observation:
    deliveries = emulator.delivery_log
    return Observation(
        objects=_objects(result.scenario, emulator, deliveries),
        deliveries=deliveries,
        failed_puts=list(result.failed_puts),
        buffers={state["name"]: state for state in emulator.streams()},
        default_bucket=default_bucket(result.scenario),
        log_events=_log_events(result.scenario, emulator),
        buckets=[
            bucket["Name"]
            for bucket in setup.s3_client(emulator).list_buckets()["Buckets"]
        ],
    )


def _log_events(scenario: Scenario, emulator: Any) -> list[LogEvent]:
    if not scenario.log_groups:
        return []
    logs = emulator.client("logs")
    events = []
    for group, _ in scenario.log_groups:
        for page in logs.get_paginator("filter_log_events").paginate(
            logGroupName=group
        ):
            events.extend(
                LogEvent(group, event["logStreamName"], event["message"])
                for event in page["events"]
            )
    return events
