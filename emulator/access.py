"""Checks that the delivery role may write an object, in the configured IAM mode.

Firehose writes to S3 as the stream's role: it assumes the role through STS
and then needs ``s3:PutObject`` on the object. Three modes, chosen by
``Settings.iam_mode``:

- ``off``: no check.
- ``warn`` (the default): the check runs and a failure is logged and raised
  once per stream and reason as a ``FidelityWarning``, but the object is
  written, so tests that never create IAM roles keep working.
- ``strict``: a failure makes the delivery fail with ``S3.AccessDenied``, as on
  AWS, and Firehose retries it.

Policy statements are matched by moto's own evaluator
(``moto.iam.access_control.IAMPolicyStatement``). moto compares only AWS
principals and only ``StringEquals`` conditions, so two parts are done here:
matching the ``firehose.amazonaws.com`` service principal of a trust policy,
and reading a statement's effect. A condition moto cannot evaluate counts as
met. Bucket policies, service control policies and KMS key policies are not
evaluated.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.parse
import warnings
import weakref
from typing import TYPE_CHECKING, Any, Iterable

from emulator.errors import ConfigurationError, FidelityWarning
from emulator.runtime import IAM_MODES
from emulator.sinks import DeliveryError

if TYPE_CHECKING:
    from emulator.runtime import Runtime
    from emulator.stream import StreamRuntime

logger = logging.getLogger(__name__)

__all__ = [
    "FIREHOSE_PRINCIPAL",
    "IAM_MODES",
    "check_delivery",
    "check_role",
    "document_allows",
    "role_denial",
    "statements_of",
]

FIREHOSE_PRINCIPAL = "firehose.amazonaws.com"

# Streams that were already warned about, with the reasons, so that warn mode
# warns once per stream and reason instead of once per object.
_warned: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def check_delivery(
    stream: StreamRuntime,
    destination: dict[str, Any],
    bucket: str,
    key: str,
    runtime: Runtime,
) -> None:
    """Raise ``DeliveryError("S3.AccessDenied")`` if the role may not write the object.

    In warn mode the denial is reported instead of raised.
    """
    mode = iam_mode(runtime)
    if mode == "off":
        return
    reason = role_denial(
        destination["RoleARN"],
        "s3:PutObject",
        f"arn:{stream.partition}:s3:::{bucket}/{key}",
        stream=stream,
        bucket=bucket,
    )
    if reason is None:
        return
    if mode == "strict":
        logger.debug(
            "stream %s may not write s3://%s/%s: %s", stream.name, bucket, key, reason
        )
        raise DeliveryError("S3.AccessDenied")
    warn_once(stream, reason)


def check_role(
    stream: StreamRuntime, role_arn: str, action: str, resource: str, runtime: Runtime
) -> bool:
    """Return whether the emulator should act as ``role_arn`` doing ``action``.

    Used for the side effects of a delivery, such as writing error logs: strict
    mode returns False when the role is denied, warn mode warns and returns True.
    """
    mode = iam_mode(runtime)
    if mode == "off":
        return True
    reason = role_denial(role_arn, action, resource, stream=stream)
    if reason is None:
        return True
    if mode == "strict":
        logger.warning("stream %s: %s", stream.name, reason)
        return False
    warn_once(stream, reason)
    return True


def iam_mode(runtime: Runtime) -> str:
    """Return the runtime's IAM mode, or raise ``ConfigurationError`` if it is unknown."""
    mode = runtime.settings.iam_mode
    if mode not in IAM_MODES:
        raise ConfigurationError(
            f"invalid iam_mode {mode!r}: use one of {', '.join(IAM_MODES)}, "
            'for example Settings(iam_mode="strict")'
        )
    return mode


def warn_once(stream: StreamRuntime, reason: str) -> None:
    """Log ``reason`` and raise it as a ``FidelityWarning``, once per stream."""
    seen = _warned.setdefault(stream, set())
    if reason in seen:
        return
    seen.add(reason)
    message = (
        f"delivery stream {stream.name}: {reason}; AWS would fail the delivery with "
        'S3.AccessDenied. The emulator delivers anyway (iam_mode "warn"); use '
        'Settings(iam_mode="strict") to fail as AWS does, or "off" to skip the check'
    )
    logger.warning("%s", message)
    warnings.warn(message, FidelityWarning, stacklevel=2)


def role_denial(
    role_arn: str,
    action: str,
    resource: str,
    *,
    stream: StreamRuntime,
    bucket: str | None = None,
) -> str | None:
    """Return why Firehose may not do ``action`` on ``resource`` as the role, or None.

    The reason names the role and, for S3, the bucket, but not the object key,
    so that it is the same for every object of a stream.
    """
    from moto.iam.exceptions import NotFoundException

    from emulator import moto_glue

    account_id = _account_of(role_arn)
    if account_id is None:
        return f"the role ARN {role_arn} names no account"
    try:
        backend = moto_glue.iam_backend(account_id, stream.partition)
        role = backend.get_role_by_arn(role_arn)
    except NotFoundException:
        return f"the role {role_arn} does not exist in IAM"
    context = {
        "sts:ExternalId": stream.account_id,
        "aws:SourceAccount": stream.account_id,
        "aws:SourceArn": stream.arn,
    }
    trust = _load(role.assume_role_policy_document)
    if not trust_allows(trust, role_arn, context):
        return (
            f"the trust policy of the role {role_arn} does not let "
            f"{FIREHOSE_PRINCIPAL} assume it (sts:AssumeRole)"
        )
    target = f"the bucket {bucket}" if bucket is not None else resource
    if not _policies_allow(backend, role, action, resource):
        return f"no policy of the role {role_arn} allows {action} on {target}"
    return None


def trust_allows(
    document: dict[str, Any], role_arn: str, context: dict[str, str]
) -> bool:
    """Return whether a trust policy lets Firehose assume the role."""
    firehose_statements = [
        statement for statement in statements_of(document) if _names_firehose(statement)
    ]
    return _decide(firehose_statements, "sts:AssumeRole", role_arn, context)


def document_allows(
    document: dict[str, Any],
    action: str,
    resource: str,
    context: dict[str, str] | None = None,
) -> bool:
    """Return whether one identity policy document allows ``action`` on ``resource``."""
    return _decide(statements_of(document), action, resource, context or {})


def statements_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the statements of a policy document as a list."""
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    return [statement for statement in statements if isinstance(statement, dict)]


def _policies_allow(backend: Any, role: Any, action: str, resource: str) -> bool:
    documents = [_load(text) for text in role.policies.values()]
    for policy in role.managed_policies.values():
        documents.append(_load(_default_version(backend, policy)))
    statements = [s for document in documents for s in statements_of(document)]
    if not _decide(statements, action, resource, {}):
        return False
    boundary_arn = role.permissions_boundary_arn
    if boundary_arn:
        boundary = backend.get_policy(boundary_arn)
        return document_allows(
            _load(_default_version(backend, boundary)), action, resource
        )
    return True


def _default_version(backend: Any, policy: Any) -> str:
    return backend.get_policy_version(policy.arn, policy.default_version_id).document


def _decide(
    statements: Iterable[dict[str, Any]],
    action: str,
    resource: str,
    context: dict[str, str],
) -> bool:
    """Return True when a statement allows the request and none denies it."""
    allowed = False
    for statement in statements:
        if not _applies(statement, action, resource, context):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def _applies(
    statement: dict[str, Any], action: str, resource: str, context: dict[str, str]
) -> bool:
    """Return whether a statement's action, resource and conditions match the request.

    moto's evaluator reports a failed condition as DENIED whatever the effect,
    and a statement without ``Resource`` as PERMITTED, so the statement is
    evaluated as an Allow and the effect is applied by the caller.
    """
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    probe = {key: value for key, value in statement.items() if key != "NotResource"}
    probe["Effect"] = "Allow"
    try:
        result = IAMPolicyStatement(probe).is_action_permitted(
            action, resource, None, context
        )
        if result != PermissionResult.PERMITTED:
            return False
        if "NotResource" in statement:
            excluded = {
                "Effect": "Allow",
                "Action": action,
                "Resource": statement["NotResource"],
            }
            matched = IAMPolicyStatement(excluded).is_action_permitted(action, resource)
            return matched != PermissionResult.PERMITTED
    except (KeyError, TypeError, AttributeError, ValueError, re.error) as error:
        # moto turns patterns into regular expressions without escaping them;
        # a statement it cannot read matches nothing.
        logger.debug(
            "ignoring a policy statement moto cannot evaluate (%s): %s",
            error,
            statement,
        )
        return False
    return True


def _names_firehose(statement: dict[str, Any]) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for kind in ("Service", "AWS"):
        values = principal.get(kind)
        values = [values] if isinstance(values, str) else values or []
        if kind == "Service" and FIREHOSE_PRINCIPAL in values:
            return True
        if kind == "AWS" and "*" in values:
            return True
    return False


def _account_of(arn: str) -> str | None:
    parts = arn.split(":")
    if len(parts) < 6 or not parts[4].isdigit():
        return None
    return parts[4]


def _load(document: Any) -> dict[str, Any]:
    if isinstance(document, dict):
        return document
    text = str(document)
    try:
        return json.loads(text)
    except ValueError:
        try:
            return json.loads(urllib.parse.unquote(text))
        except ValueError:
            logger.debug("ignoring a policy document that is not JSON: %.200s", text)
            return {}
