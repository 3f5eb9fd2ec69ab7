"""Checks of a CreateDeliveryStream configuration: what AWS rejects, and common traps.

``lint_configuration`` returns findings, each with a level, a check name and a
message. Levels ``error`` and ``warning`` are problems; ``info`` is advice.

Checks:

- ``aws-rejects``: the request fails validation as AWS validates it.
- ``unknown-field``: a member that the Firehose API does not define, which
  boto3 and the AWS CLI reject before sending the request.
- ``prefix-no-slash``: a prefix that does not end in ``/`` runs into the time
  path or the object name, as in ``vascular2026/12/04/15/``.
- ``no-delimiter`` (advice): records are concatenated byte for byte, which is
  right when the emitter ends each record with a newline itself.
- ``unused-error-prefix``: an ErrorOutputPrefix that this stream never writes to.
- ``logging-no-stream``: error logging enabled without a log stream.
- ``role-denied``, ``role-missing-permissions``, ``trust-denied``,
  ``trust-no-condition``: the role's policies, when given.
- ``notes-prefix``, ``notes-error-prefix``, ``notes-delivery-failures``,
  ``notes-time``, ``notes-buffering``, ``notes-logging``: prose notes that
  disagree with the configuration.
"""

from __future__ import annotations

import difflib
import random
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Iterable

from emulator import access, compression, config, prefixes
from emulator.errors import FirehoseException

__all__ = [
    "CHECKS",
    "EXAMPLE_INSTANT",
    "Finding",
    "RECOMMENDED_S3_ACTIONS",
    "error_prefix_used",
    "example_key",
    "lint_configuration",
    "unknown_field_findings",
]

# The arrival time used to show example keys.
EXAMPLE_INSTANT = datetime(2026, 12, 4, 15, 0, 0, tzinfo=timezone.utc)

# The S3 actions the Firehose developer guide ("Controlling access") grants the
# delivery role, on the bucket and on its objects.
RECOMMENDED_S3_ACTIONS = {
    "s3:AbortMultipartUpload": "object",
    "s3:GetBucketLocation": "bucket",
    "s3:GetObject": "object",
    "s3:ListBucket": "bucket",
    "s3:ListBucketMultipartUploads": "bucket",
    "s3:PutObject": "object",
}
PLAIN_SHAPE = "S3DestinationConfiguration"
EXTENDED_SHAPE = "ExtendedS3DestinationConfiguration"
CHECKS = (
    "aws-rejects",
    "unknown-field",
    "not-s3",
    "prefix-no-slash",
    "no-delimiter",
    "unused-error-prefix",
    "logging-no-stream",
    "role-denied",
    "role-missing-permissions",
    "trust-denied",
    "trust-no-condition",
    "notes-prefix",
    "notes-error-prefix",
    "notes-delivery-failures",
    "notes-time",
    "notes-buffering",
    "notes-logging",
)


@dataclass(frozen=True)
class Finding:
    """One result of a check: ``level`` is ``error``, ``warning`` or ``info``."""

    level: str
    check: str
    message: str

    @property
    def problem(self) -> bool:
        return self.level in ("error", "warning")

    def as_dict(self) -> dict[str, str]:
        return {"level": self.level, "check": self.check, "message": self.message}


def lint_configuration(
    request: dict[str, Any],
    policies: Iterable[dict[str, Any]] = (),
    notes: str = "",
    *,
    region: str = "us-east-1",
) -> list[Finding]:
    """Return the findings for a CreateDeliveryStream input, role policies and notes."""
    findings = unknown_field_findings(request)
    destination = _validated_destination(request, findings)
    if destination is None:
        return findings
    name = request.get("DeliveryStreamName") or "stream"
    findings.extend(_destination_traps(name, destination))
    findings.extend(_role_findings(name, destination, list(policies), region))
    if notes.strip():
        from emulator import lint_notes

        findings.extend(lint_notes.notes_findings(name, destination, notes))
    return findings


def _validated_destination(
    request: dict[str, Any], findings: list[Finding]
) -> dict[str, Any] | None:
    shapes = [
        shape
        for shape in (PLAIN_SHAPE, EXTENDED_SHAPE)
        if request.get(shape) is not None
    ]
    others = [
        k for k in request if k.endswith("DestinationConfiguration") and k not in shapes
    ]
    if len(shapes) + len(others) != 1:
        findings.append(
            _rejected("InvalidArgumentException", _destination_count_message())
        )
        return None
    if others:
        findings.append(
            Finding(
                "info",
                "not-s3",
                f"{others[0]} is not checked: only S3 destinations are",
            )
        )
        return None
    try:
        _check_request_members(request)
        return config.normalise_destination(
            request[shapes[0]],
            extended=shapes[0] == EXTENDED_SHAPE,
            shape_path=shapes[0][0].lower() + shapes[0][1:],
        )
    except FirehoseException as error:
        findings.append(_rejected(error.code, error.message))
        return None


def _destination_count_message() -> str:
    return "Exactly one destination configuration is supported for a Firehose"


def _check_request_members(request: dict[str, Any]) -> None:
    from emulator import api_checks

    api_checks.check_create_input(
        request.get("DeliveryStreamName"), request.get("DeliveryStreamType")
    )
    api_checks.check_tags(request.get("Tags"), required=False)


@lru_cache(maxsize=1)
def _request_shape() -> Any:
    from botocore.session import get_session

    model = get_session().get_service_model("firehose")
    return model.operation_model("CreateDeliveryStream").input_shape


def unknown_field_findings(request: dict[str, Any]) -> list[Finding]:
    """Return an ``unknown-field`` error for each member the Firehose API lacks.

    The members come from botocore's Firehose service model, which boto3 and
    the AWS CLI use to reject such a request before sending it.
    """
    return [
        Finding("error", "unknown-field", message)
        for message in _unknown_members(request, _request_shape(), "")
    ]


def _unknown_members(value: Any, shape: Any, where: str) -> list[str]:
    if shape.type_name == "structure" and isinstance(value, dict):
        messages = []
        for name, member in value.items():
            if name in shape.members:
                inner = f"{where}.{name}" if where else name
                messages.extend(_unknown_members(member, shape.members[name], inner))
            else:
                messages.append(_unknown_message(str(name), shape, where))
        return messages
    if shape.type_name == "list" and isinstance(value, list):
        return [
            message
            for position, item in enumerate(value)
            for message in _unknown_members(item, shape.member, f"{where}[{position}]")
        ]
    if shape.type_name == "map" and isinstance(value, dict):
        return [
            message
            for key, item in value.items()
            for message in _unknown_members(item, shape.value, f"{where}.{key}")
        ]
    return []


def _unknown_message(name: str, shape: Any, where: str) -> str:
    members = list(shape.members)
    close = difflib.get_close_matches(name, members, n=1)
    hint = f' (did you mean "{close[0]}"?)' if close else ""
    return (
        f'unknown field "{name}" in {where or "the request"}, so boto3 and the AWS '
        f"CLI reject the request{hint}; valid members: {', '.join(members)}"
    )


def _rejected(code: str, message: str) -> Finding:
    return Finding(
        "error", "aws-rejects", f"AWS would reject this request: {code}: {message}"
    )


def example_key(name: str, destination: dict[str, Any], *, error: bool = False) -> str:
    """Return the key of an object written from ``destination`` for a sample record."""
    if error:
        template = prefixes.effective_error_prefix(
            destination.get("Prefix"), destination.get("ErrorOutputPrefix")
        )
    else:
        template = prefixes.effective_prefix(destination.get("Prefix"))
    query_names, lambda_names = prefixes.partition_key_names(template)
    zone = prefixes.zone_for(destination.get("CustomTimeZone"))
    instant = EXAMPLE_INSTANT.astimezone(zone)
    prefix = prefixes.evaluate(
        template,
        instant=instant,
        rng=random.Random(0),
        error_output_type="processing-failed",
        partition_keys_from_query={key: f"<{key}>" for key in query_names},
        partition_keys_from_lambda={key: f"<{key}>" for key in lambda_names},
    )
    extension = "" if error else _extension(destination)
    stamp = instant.strftime("%Y-%m-%d-%H-%M-%S")
    return f"{prefix}{name}-1-{stamp}-<uuid>{extension}"


def _extension(destination: dict[str, Any]) -> str:
    if destination.get("FileExtension"):
        return destination["FileExtension"]
    return compression.default_extension(
        destination.get("CompressionFormat", "UNCOMPRESSED")
    )


def _processing(destination: dict[str, Any]) -> Any:
    from emulator import processing_config

    return processing_config.parse_processing(destination)


def error_prefix_used(destination: dict[str, Any]) -> bool:
    """Return whether Firehose can ever write to the destination's error prefix."""
    settings = _processing(destination)
    conversion = destination.get("DataFormatConversionConfiguration") or {}
    return bool(
        settings.lambda_ is not None
        or settings.dynamic_partitioning
        or conversion.get("Enabled", bool(conversion))
    )


def _destination_traps(name: str, destination: dict[str, Any]) -> list[Finding]:
    findings = _prefix_traps(name, destination)
    settings = _processing(destination)
    conversion = destination.get("DataFormatConversionConfiguration") or {}
    if not (settings.append_delimiter or settings.lambda_ or conversion.get("Enabled")):
        findings.append(
            Finding(
                "info",
                "no-delimiter",
                "records are written one after another with no delimiter, so three "
                "JSON records arrive as {...}{...}{...} unless the emitter ends each "
                "record with a newline: do that, or add the AppendDelimiterToRecord "
                f"processor ({EXTENDED_SHAPE} only); if the emitter already ends each "
                "record with a newline, silence this with --ignore no-delimiter",
            )
        )
    if destination.get("ErrorOutputPrefix") and not error_prefix_used(destination):
        findings.append(
            Finding(
                "warning",
                "unused-error-prefix",
                f"ErrorOutputPrefix {destination['ErrorOutputPrefix']!r} is never "
                "used: Firehose writes there only records that a Lambda transform, dynamic "
                "partitioning or format conversion failed, and this stream has none; "
                "a failed S3 delivery is retried for 24 hours and then dropped",
            )
        )
    logging_options = destination.get("CloudWatchLoggingOptions") or {}
    if logging_options.get("Enabled") and not logging_options.get("LogStreamName"):
        findings.append(
            Finding(
                "warning",
                "logging-no-stream",
                "CloudWatchLoggingOptions is enabled without a LogStreamName, so no "
                "error is logged: name a log stream (the console uses S3Delivery) and "
                "create the log group and log stream before creating the delivery stream",
            )
        )
    return findings


def _prefix_traps(name: str, destination: dict[str, Any]) -> list[Finding]:
    findings = []
    members = [("Prefix", False)]
    if error_prefix_used(destination):
        members.append(("ErrorOutputPrefix", True))
    for member, error in members:
        value = destination.get(member)
        if not value or value.endswith("/"):
            continue
        key = example_key(name, destination, error=error)
        if "!{" not in value:
            detail = "the time path is appended to it with no separator"
        else:
            detail = "the object name follows it with no separator"
        findings.append(
            Finding(
                "warning",
                "prefix-no-slash",
                f"{member} {value!r} does not end in '/': {detail}, so a record that "
                f"arrived at {_example_time(destination)} is written to {key}; "
                f"use {value + '/'!r} for a folder",
            )
        )
    return findings


def _example_time(destination: dict[str, Any]) -> str:
    zone = destination.get("CustomTimeZone")
    suffix = f", keys in {zone} time" if zone and zone != "UTC" else ""
    return f"{EXAMPLE_INSTANT:%Y-%m-%d %H:%M:%S} UTC{suffix}"


def _role_findings(
    name: str, destination: dict[str, Any], policies: list[dict[str, Any]], region: str
) -> list[Finding]:
    trusts = [p for p in policies if _is_trust_policy(p)]
    permissions = [p for p in policies if not _is_trust_policy(p)]
    findings = [f for trust in trusts for f in _trust_findings(destination, trust)]
    if permissions:
        findings.extend(_permission_findings(name, destination, permissions, region))
    return findings


def _is_trust_policy(document: dict[str, Any]) -> bool:
    return any("Principal" in statement for statement in access.statements_of(document))


def _trust_findings(
    destination: dict[str, Any], trust: dict[str, Any]
) -> list[Finding]:
    role = destination["RoleARN"]
    account = role.split(":")[4]
    if not access.trust_allows(trust, role, {"sts:ExternalId": account}):
        return [
            Finding(
                "error",
                "trust-denied",
                f"the trust policy does not let {access.FIREHOSE_PRINCIPAL} assume the "
                "role (sts:AssumeRole), so every delivery fails with S3.AccessDenied",
            )
        ]
    conditions = [
        key
        for statement in access.statements_of(trust)
        for operator in (statement.get("Condition") or {}).values()
        if isinstance(operator, dict)
        for key in operator
    ]
    guarded = {"sts:externalid", "aws:sourceaccount", "aws:sourcearn"}
    if not any(key.lower() in guarded for key in conditions):
        return [
            Finding(
                "info",
                "trust-no-condition",
                "the trust policy has no sts:ExternalId (or aws:SourceAccount) "
                f'condition; AWS recommends {{"StringEquals": {{"sts:ExternalId": "{account}"}}}} '
                "against the confused deputy problem",
            )
        ]
    return []


def _merged(documents: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Statement": [
            s for document in documents for s in access.statements_of(document)
        ]
    }


def _permission_findings(
    name: str,
    destination: dict[str, Any],
    permissions: list[dict[str, Any]],
    region: str,
) -> list[Finding]:
    document = _merged(permissions)
    bucket_arn = destination["BucketARN"]
    object_arn = f"{bucket_arn}/{example_key(name, destination)}"
    findings = []
    if not access.document_allows(document, "s3:PutObject", object_arn):
        findings.append(
            Finding(
                "error",
                "role-denied",
                f"the role's policies do not allow s3:PutObject on {object_arn}, so "
                "every delivery fails with S3.AccessDenied",
            )
        )
    missing = [
        f"{action} on {bucket_arn if scope == 'bucket' else bucket_arn + '/*'}"
        for action, scope in RECOMMENDED_S3_ACTIONS.items()
        if not access.document_allows(
            document, action, bucket_arn if scope == "bucket" else object_arn
        )
    ]
    missing.extend(_other_missing(destination, document, region))
    if missing:
        findings.append(
            Finding(
                "warning",
                "role-missing-permissions",
                "the role's policies lack permissions that the Firehose developer "
                f"guide grants the delivery role: {'; '.join(missing)}",
            )
        )
    return findings


def _other_missing(
    destination: dict[str, Any], document: dict[str, Any], region: str
) -> list[str]:
    account = destination["RoleARN"].split(":")[4]
    needed: list[tuple[str, str]] = []
    logging_options = destination.get("CloudWatchLoggingOptions") or {}
    if logging_options.get("Enabled") and logging_options.get("LogGroupName"):
        group = logging_options["LogGroupName"]
        stream = logging_options.get("LogStreamName") or "*"
        resource = (
            f"arn:aws:logs:{region}:{account}:log-group:{group}:log-stream:{stream}"
        )
        needed.append(("logs:PutLogEvents", resource))
    settings = _processing(destination)
    if settings.lambda_ is not None:
        needed.append(("lambda:InvokeFunction", settings.lambda_.arn))
        needed.append(("lambda:GetFunctionConfiguration", settings.lambda_.arn))
    kms = (destination.get("EncryptionConfiguration") or {}).get("KMSEncryptionConfig")
    if kms:
        needed.append(("kms:GenerateDataKey", kms["AWSKMSKeyARN"]))
        needed.append(("kms:Decrypt", kms["AWSKMSKeyARN"]))
    return [
        f"{action} on {resource}"
        for action, resource in needed
        if not access.document_allows(document, action, resource)
    ]
