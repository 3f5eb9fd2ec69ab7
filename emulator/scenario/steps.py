"""Play the steps that act on the emulator: put, advance, flush, update, delete, fault."""

from __future__ import annotations

import logging
import math
from typing import Any

from emulator.scenario.errors import ScenarioFormatError, ScenarioRunError
from emulator.scenario.expectations import FailedPut
from emulator.scenario.model import Scenario, Step
from emulator.scenario.records import RecordSource
from emulator.scenario.setup import call_aws
from emulator.scenario.timeline import Timeline
from emulator.scenario.timing import (
    CLOCK_TOLERANCE_SECONDS,
    format_instant,
    parse_scenario_time,
)
from emulator.scenario.yamlfile import format_path

logger = logging.getLogger(__name__)

__all__ = ["StepPlayer"]

DEFAULT_BATCH_SIZE = 500


class StepPlayer:
    """Plays steps against one emulator, and keeps what the puts returned."""

    def __init__(
        self,
        scenario: Scenario,
        emulator: Any,
        timeline: Timeline,
        failed_puts: list[FailedPut],
    ):
        self.scenario = scenario
        self.emulator = emulator
        self.timeline = timeline
        self.failed_puts = failed_puts
        self.firehose = emulator.client("firehose")
        self.generators: dict[str, Any] = {}
        self.records_put = 0

    def play(self, step: Step) -> None:
        """Run one step; ``expect`` steps are evaluated by the runner, not here."""
        handler = getattr(self, f"_{step.kind}")
        handler(step, step.body)

    def _put(self, step: Step, body: dict[str, Any]) -> None:
        source = RecordSource(body, self.scenario.base_dir, self.generators)
        single = body.get("api") == "PutRecord"
        size = 1 if single else body.get("batch_size", DEFAULT_BATCH_SIZE)
        calls = math.ceil(source.count / size)
        pause = body.get("over", 0) / calls
        for _ in range(calls):
            records = source.take(size, self.emulator.clock.now)
            if single:
                self._put_record(body["stream"], records[0])
            else:
                self._put_record_batch(body["stream"], records)
            self.records_put += len(records)
            self.timeline.on_put(
                self.emulator, body["stream"], len(records), sum(map(len, records))
            )
            if pause:
                self.emulator.advance(pause)

    def _fail(self, stream: str, count: int, code: str, message: str) -> None:
        now = self.emulator.clock.now()
        self.failed_puts.extend(
            FailedPut(stream, code, message, now) for _ in range(count)
        )
        logger.info("%d records put to %s failed: %s: %s", count, stream, code, message)

    def _put_record_batch(self, stream: str, records: list[bytes]) -> None:
        from botocore.exceptions import ClientError

        try:
            response = self.firehose.put_record_batch(
                DeliveryStreamName=stream, Records=[{"Data": data} for data in records]
            )
        except ClientError as error:
            details = error.response.get("Error", {})
            self._fail(
                stream,
                len(records),
                details.get("Code", ""),
                details.get("Message", ""),
            )
            return
        for entry in response["RequestResponses"]:
            if "ErrorCode" in entry:
                self._fail(stream, 1, entry["ErrorCode"], entry.get("ErrorMessage", ""))

    def _put_record(self, stream: str, data: bytes) -> None:
        from botocore.exceptions import ClientError

        try:
            self.firehose.put_record(DeliveryStreamName=stream, Record={"Data": data})
        except ClientError as error:
            details = error.response.get("Error", {})
            self._fail(stream, 1, details.get("Code", ""), details.get("Message", ""))

    def _advance(self, step: Step, body: Any) -> None:
        if isinstance(body, dict) and "to" in body:
            seconds = self._seconds_until(step, body["to"])
        else:
            seconds = body["seconds"] if isinstance(body, dict) else body
        self.emulator.advance(seconds)

    def _seconds_until(self, step: Step, time: str) -> float:
        # The loader rejects a time before the clock, so this check guards
        # scenarios built or changed in code.
        now = self.emulator.clock.now()
        seconds = parse_scenario_time(time) - now
        if seconds < -CLOCK_TOLERANCE_SECONDS:
            reads = format_instant(now)
            raise ScenarioRunError(
                self.scenario.file,
                step.line,
                format_path(step.path + ("advance",)),
                f"cannot move the clock back to {time}: it reads {reads}. Fix: give "
                f"a time at or after {reads}, or move the clock by seconds, such as "
                "advance: 60",
            )
        return max(seconds, 0.0)

    def _flush(self, step: Step, body: Any) -> None:
        stream = body.get("stream") if isinstance(body, dict) else body
        self.emulator.flush(stream)

    def _update_destination(self, step: Step, body: dict[str, Any]) -> None:
        name = body["stream"]
        description = self.firehose.describe_delivery_stream(DeliveryStreamName=name)
        description = description["DeliveryStreamDescription"]
        update_member = (
            "ExtendedS3DestinationUpdate"
            if "ExtendedS3DestinationUpdate" in body
            else "S3DestinationUpdate"
        )
        arguments = {
            "DeliveryStreamName": name,
            "CurrentDeliveryStreamVersionId": description["VersionId"],
            "DestinationId": description["Destinations"][0]["DestinationId"],
            update_member: body[update_member],
        }
        call_aws(
            self.scenario,
            step.path,
            "UpdateDestination",
            self.firehose.update_destination,
            arguments,
        )

    def _fault(self, step: Step, body: dict[str, Any]) -> None:
        from emulator import faults
        from emulator.errors import ConfigurationError

        kind, spec = next(iter(body.items()))
        spec = dict(spec or {})
        runtime = self.emulator.runtime
        try:
            if kind == "fail_records":
                faults.fail_records(runtime, spec.pop("stream"), **spec)
            elif kind == "throttle":
                faults.throttle(runtime, spec.pop("stream"), **spec)
            elif kind == "fail_next_writes":
                faults.fail_next_writes(runtime, spec.pop("count"), **spec)
            else:
                faults.clear(runtime, spec.get("stream"))
        except ConfigurationError as error:
            raise ScenarioFormatError(
                self.scenario.file,
                step.line,
                format_path(step.path + ("fault", kind)),
                str(error),
                "correct the fault as docs/scenarios.md describes",
            ) from None

    def _delete_stream(self, step: Step, body: Any) -> None:
        name = body["stream"] if isinstance(body, dict) else body
        call_aws(
            self.scenario,
            step.path,
            "DeleteDeliveryStream",
            self.firehose.delete_delivery_stream,
            {"DeliveryStreamName": name},
        )
