"""Record what clients do against the standalone server, as a version-1 scenario.

``SessionRecorder`` observes an ``EmulatorServer`` (it is a ``RequestObserver``)
and wraps the server's sink. The calls that build infrastructure become the
scenario's ``setup``: S3 CreateBucket, IAM CreatePolicy, CreateRole,
PutRolePolicy and AttachRolePolicy, CloudWatch Logs CreateLogGroup and
CreateLogStream, and Firehose CreateDeliveryStream. The calls that act on
streams become its ``steps``: PutRecord, PutRecordBatch, UpdateDestination,
DeleteDeliveryStream, and the control API's flush and advance. Every object
delivered becomes an ``expect`` entry. ``emulator.scenario.recording`` turns
what was kept into the file.

Only calls that succeeded are kept, and of a PutRecordBatch only the records
that were accepted, so that a replay buffers exactly what the session did.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from emulator.recorder_calls import (
    accepted_entries,
    created_bucket,
    form_fields,
    policy_document,
    stream_arn_account,
)
from emulator.scenario.recording import (
    PutStep,
    RecordedObject,
    build_scenario,
    build_setup,
)
from emulator.server_http import request_protocol, signing_scope
from emulator.sinks import S3Object, Sink

if TYPE_CHECKING:
    from emulator.core import FirehoseEmulator
    from emulator.runtime import DeliveryAttempt

logger = logging.getLogger(__name__)

__all__ = ["RecordingSink", "SessionRecorder", "created_bucket"]

# The X-Amz-Target prefixes of the JSON-protocol services a scenario can set up.
FIREHOSE_SERVICE = "Firehose_20150804"
LOGS_SERVICE = "Logs_20140328"
READ_ONLY_PREFIXES = ("Describe", "List", "Get", "Head")
DEFAULT_ACCOUNT_ID = "123456789012"


@dataclass
class _Session:
    """The calls and objects of one emulator, from its start or the last reset on."""

    start: float
    manual: bool
    region: str
    region_locked: bool = False
    account: str | None = None
    buckets: list[str] = field(default_factory=list)
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    log_groups: dict[str, list[str]] = field(default_factory=dict)
    streams: dict[str, dict[str, Any]] = field(default_factory=dict)
    steps: list[Any] = field(default_factory=list)
    offset: float = 0.0
    objects: list[RecordedObject] = field(default_factory=list)
    deliveries: dict[tuple[str, str], DeliveryAttempt] = field(default_factory=dict)

    def add_role(self, name: str, trust_policy: Any) -> dict[str, Any]:
        """Add a role with no policies yet, and return it."""
        self.roles[name] = {
            "name": name,
            "trust_policy": trust_policy,
            "policies": {},
            "managed_policies": [],
        }
        return self.roles[name]


class RecordingSink(Sink):
    """Writes to another sink, then gives each written object to the recorder."""

    def __init__(self, inner: Sink, recorder: SessionRecorder):
        self.inner = inner
        self.recorder = recorder

    def put(self, obj: S3Object) -> None:
        self.inner.put(obj)
        self.recorder.object_written(obj)

    def describe(self) -> str:
        return self.inner.describe()


class SessionRecorder:
    """Keeps the calls a server handled and the objects it delivered, for a scenario.

    :param config: a loaded ``--config`` file (``emulator.cli_serve.load_config``),
        whose buckets, roles and streams the server creates at start.
    :param transforms: the ``--lambda`` options, as ``ARN=module:function``.
    """

    def __init__(
        self,
        *,
        config: dict[str, list[Any]] | None = None,
        transforms: list[str] | tuple[str, ...] = (),
    ):
        self._config = config or {}
        self._transforms = [spec.partition("=")[::2] for spec in transforms]
        self._lock = threading.RLock()
        self._session: _Session | None = None
        self._emulator: FirehoseEmulator | None = None
        self._left_out: set[str] = set()
        self._finished = False

    # RequestObserver -------------------------------------------------------

    def emulator_started(self, emulator: FirehoseEmulator) -> None:
        """Start a new recording; a reset drops everything recorded before it."""
        with self._lock:
            if self._session is not None:
                logger.warning(
                    "the emulator was reset: the recording starts again from here"
                )
            self._emulator = emulator
            now = emulator.clock.now()
            manual = emulator.clock.manual
            self._session = _Session(
                start=now if manual else float(math.floor(now)),
                manual=manual,
                region=emulator.region,
            )
            self._add_config(self._session)
            emulator.on_delivery(self._delivered)

    def aws_request(
        self, environ: dict[str, Any], body: bytes, response: tuple[int, Any, bytes]
    ) -> None:
        """Keep an AWS call that succeeded, when a scenario can express it."""
        status, _, response_body = response
        if not 200 <= status < 300:
            return
        with self._lock:
            session = self._require_session()
            self._catch_up()
            service, _, operation = (environ.get("HTTP_X_AMZ_TARGET") or "").partition(
                "."
            )
            if service == FIREHOSE_SERVICE:
                self._firehose(session, operation, environ, body, response_body)
            elif service == LOGS_SERVICE:
                self._logs(session, operation, body)
            elif operation:
                self._leave_out(operation)
            elif request_protocol(environ) == "query":
                self._iam(session, form_fields(body))
            elif environ.get("REQUEST_METHOD") == "PUT":
                self._s3_put(session, environ)

    def control_request(self, route: str, payload: dict[str, Any]) -> None:
        """Keep a control API flush or advance as a step."""
        with self._lock:
            session = self._require_session()
            self._catch_up()
            if route == "flush":
                stream = payload.get("stream")
                session.steps.append({"flush": stream if stream else {}})
            elif route == "advance":
                seconds = payload["seconds"]
                session.steps.append({"advance": _number(seconds)})
                session.offset += seconds

    # Sink and delivery log -------------------------------------------------

    def wrap_sink(self, sink: Sink) -> RecordingSink:
        """Return a sink that writes to ``sink`` and records each object it writes."""
        return RecordingSink(sink, self)

    def object_written(self, obj: S3Object) -> None:
        """Keep an object that the sink wrote."""
        recorded = RecordedObject.from_s3_object(obj)
        with self._lock:
            if self._session is not None:
                self._session.objects.append(recorded)

    def _delivered(self, attempt: DeliveryAttempt) -> None:
        if attempt.outcome != "delivered":
            return
        with self._lock:
            if self._session is not None:
                self._session.deliveries[(attempt.bucket, attempt.key)] = attempt

    # Output ----------------------------------------------------------------

    def finish(self) -> None:
        """End the recording with the final flush that a server makes when it stops."""
        with self._lock:
            session = self._require_session()
            if self._finished:
                return
            self._finished = True
            self._catch_up()
            session.steps.append({"flush": {}})

    def scenario(self, name: str) -> dict[str, Any]:
        """Return the recorded session as the data of a version-1 scenario file."""
        with self._lock:
            session = self._require_session()
            emulator = self._emulator
            assert emulator is not None
            for obj in session.objects:
                attempt = session.deliveries.get((obj.bucket, obj.key))
                if attempt is not None:
                    obj.stream, obj.reason = attempt.stream, attempt.reason
            return build_scenario(
                name=name,
                account=session.account or _account(emulator),
                region=session.region,
                start=session.start,
                seed=emulator.seed if emulator.seed is not None else 0,
                manual=session.manual,
                setup=self._setup(session),
                steps=session.steps,
                objects=session.objects,
            )

    def _setup(self, session: _Session) -> dict[str, Any]:
        return build_setup(
            buckets=session.buckets,
            policies=list(session.policies.values()),
            roles=list(session.roles.values()),
            log_groups=session.log_groups,
            transforms=self._transforms,
            streams=list(session.streams.values()),
        )

    # Recording -------------------------------------------------------------

    def _require_session(self) -> _Session:
        if self._session is None:
            raise RuntimeError("the recorder has seen no emulator start")
        return self._session

    def _catch_up(self) -> None:
        """On the system clock, turn the time since the last step into an advance step.

        A manual clock moves only through the control API's advance, which
        is recorded as it happens.
        """
        session = self._require_session()
        if session.manual or self._emulator is None:
            return
        elapsed = round(self._emulator.clock.now() - session.start)
        if elapsed > session.offset:
            session.steps.append({"advance": _number(elapsed - session.offset)})
            session.offset = elapsed

    def _leave_out(
        self, operation: str, reason: str = "a scenario has no step for it"
    ) -> None:
        if operation.startswith(READ_ONLY_PREFIXES) or operation in self._left_out:
            return
        self._left_out.add(operation)
        logger.warning("the recording leaves out %s calls: %s", operation, reason)

    def _add_config(self, session: _Session) -> None:
        for bucket in self._config.get("buckets", []):
            name = bucket if isinstance(bucket, str) else bucket["Bucket"]
            session.buckets.append(name)
        for role in self._config.get("roles", []):
            trust = role.get("AssumeRolePolicyDocument")
            policies = session.add_role(role["RoleName"], policy_document(trust))[
                "policies"
            ]
            for policy in role.get("Policies", []):
                document = policy_document(policy.get("PolicyDocument"))
                policies[policy["PolicyName"]] = document
        for stream in self._config.get("streams", []):
            session.streams[stream["DeliveryStreamName"]] = stream
        # --config streams are created in the server's region.
        session.region_locked = bool(session.streams)

    # Firehose and CloudWatch Logs --------------------------------------------

    def _firehose(
        self,
        session: _Session,
        operation: str,
        environ: dict[str, Any],
        body: bytes,
        response_body: bytes,
    ) -> None:
        request = json.loads(body or b"{}")
        name = request.get("DeliveryStreamName", "")
        if operation == "CreateDeliveryStream":
            self._create_stream(session, request, signing_scope(environ)[0])
            session.account = session.account or stream_arn_account(response_body)
        elif operation in ("PutRecord", "PutRecordBatch"):
            self._put(session, operation, request, response_body)
        elif operation == "UpdateDestination":
            self._update_destination(session, request)
        elif operation == "DeleteDeliveryStream":
            session.steps.append({"delete_stream": name})
        else:
            self._leave_out(operation)

    @staticmethod
    def _create_stream(
        session: _Session, request: dict[str, Any], region: str | None
    ) -> None:
        name = request["DeliveryStreamName"]
        if name in session.streams:
            logger.warning(
                "delivery stream %s was created again; the scenario creates it once, "
                "in setup, with its first configuration",
                name,
            )
            return
        session.streams[name] = request
        if region is not None and region != session.region:
            if session.region_locked:
                logger.warning(
                    "delivery stream %s is in %s, but the scenario runs in %s",
                    name,
                    region,
                    session.region,
                )
            else:
                session.region = region
        session.region_locked = True

    @staticmethod
    def _put(
        session: _Session,
        operation: str,
        request: dict[str, Any],
        response_body: bytes,
    ) -> None:
        if operation == "PutRecord":
            entries = [request.get("Record", {})]
        else:
            entries = accepted_entries(request.get("Records", []), response_body)
        try:
            records = [base64.b64decode(entry.get("Data", "")) for entry in entries]
        except binascii.Error:
            logger.warning("left out a %s call with invalid base64 data", operation)
            return
        if not records:
            return
        stream = request["DeliveryStreamName"]
        last = session.steps[-1] if session.steps else None
        if isinstance(last, PutStep) and last.extend(stream, operation, records):
            return
        session.steps.append(PutStep.start(stream, operation, records))

    def _update_destination(self, session: _Session, request: dict[str, Any]) -> None:
        members = [
            member
            for member in ("ExtendedS3DestinationUpdate", "S3DestinationUpdate")
            if member in request
        ]
        if not members:
            self._leave_out(
                "UpdateDestination", "only S3 destination updates can be replayed"
            )
            return
        step = {"stream": request["DeliveryStreamName"]}
        step[members[0]] = request[members[0]]
        session.steps.append({"update_destination": step})

    def _logs(self, session: _Session, operation: str, body: bytes) -> None:
        request = json.loads(body or b"{}")
        group = request.get("logGroupName", "")
        if operation == "CreateLogGroup":
            session.log_groups.setdefault(group, [])
        elif operation == "CreateLogStream" and group in session.log_groups:
            session.log_groups[group].append(request.get("logStreamName", ""))
        elif operation.startswith(("Create", "Put", "Delete")):
            self._leave_out(operation)

    # IAM and S3 ------------------------------------------------------------

    def _iam(self, session: _Session, fields: dict[str, str]) -> None:
        action = fields.get("Action", "")
        role = fields.get("RoleName", "")
        if action == "CreateRole":
            if fields.get("Path", "/") != "/":
                logger.warning(
                    "role %s has path %s; the scenario creates it with path /",
                    role,
                    fields["Path"],
                )
            session.add_role(
                role, policy_document(fields.get("AssumeRolePolicyDocument"))
            )
        elif action in ("PutRolePolicy", "AttachRolePolicy") and (
            role not in session.roles
        ):
            self._leave_out(
                f"{action} on role {role}", "the recording did not see the role created"
            )
        elif action == "PutRolePolicy":
            document = policy_document(fields.get("PolicyDocument"))
            session.roles[role]["policies"][fields.get("PolicyName", "")] = document
        elif action == "AttachRolePolicy":
            session.roles[role]["managed_policies"].append(fields.get("PolicyArn", ""))
        elif action == "CreatePolicy":
            name = fields.get("PolicyName", "")
            policy = {
                "name": name,
                "document": policy_document(fields.get("PolicyDocument")),
            }
            if fields.get("Path", "/") != "/":
                policy["path"] = fields["Path"]
            session.policies[name] = policy
        elif action:
            self._leave_out(action)

    def _s3_put(self, session: _Session, environ: dict[str, Any]) -> None:
        bucket = created_bucket(environ)
        if bucket is None:
            self._leave_out("S3 PUT", "only CreateBucket is part of a scenario")
        elif bucket not in session.buckets:
            session.buckets.append(bucket)


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _account(emulator: FirehoseEmulator) -> str:
    return (
        emulator.account_id or os.environ.get("MOTO_ACCOUNT_ID") or DEFAULT_ACCOUNT_ID
    )
