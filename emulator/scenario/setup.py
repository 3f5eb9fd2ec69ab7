"""Create a scenario's infrastructure through boto3: buckets, roles, log groups, streams."""

from __future__ import annotations

import importlib
import json
import logging
import sys
from collections.abc import Callable
from typing import Any

from emulator.scenario.errors import ScenarioFormatError, ScenarioRunError
from emulator.scenario.model import Scenario
from emulator.scenario.yamlfile import Path, format_path

logger = logging.getLogger(__name__)

__all__ = ["call_aws", "create_all", "import_callable", "s3_client"]


def s3_client(emulator: Any) -> Any:
    """Return an S3 client that addresses buckets by path.

    moto routes a virtual-hosted request by its host name, so a bucket named
    like a service (``events.s3.amazonaws.com``) would reach that service.
    """
    from botocore.config import Config

    return emulator.client("s3", config=Config(s3={"addressing_style": "path"}))


def create_all(scenario: Scenario, emulator: Any) -> None:
    """Create the buckets, managed policies, roles, log groups, transforms and streams.

    They are created in that order, so a role can attach a policy of the setup.
    """
    _create_buckets(scenario, emulator)
    _create_policies(scenario, emulator)
    _create_roles(scenario, emulator)
    _create_log_groups(scenario, emulator)
    for position, (arn, function) in enumerate(scenario.transforms):
        path = ("setup", "transforms", position, "function")
        emulator.register_transform(arn, import_callable(function, scenario, path))
    firehose = emulator.client("firehose")
    for stream in scenario.streams:
        call_aws(
            scenario,
            stream.path,
            "CreateDeliveryStream",
            firehose.create_delivery_stream,
            stream.request,
        )
        logger.info(
            "scenario %s created delivery stream %s", scenario.name, stream.name
        )


def _create_buckets(scenario: Scenario, emulator: Any) -> None:
    s3 = s3_client(emulator)
    for position, bucket in enumerate(scenario.buckets):
        arguments: dict[str, Any] = {"Bucket": bucket}
        if scenario.region != "us-east-1":
            # S3 rejects an explicit us-east-1 location, and needs every other one.
            arguments["CreateBucketConfiguration"] = {
                "LocationConstraint": scenario.region
            }
        path = ("setup", "buckets", position)
        call_aws(scenario, path, "CreateBucket", s3.create_bucket, arguments)


def _create_roles(scenario: Scenario, emulator: Any) -> None:
    iam = emulator.client("iam")
    for role in scenario.roles:
        arguments = {
            "RoleName": role.name,
            "AssumeRolePolicyDocument": json.dumps(role.trust_policy),
        }
        call_aws(scenario, role.path, "CreateRole", iam.create_role, arguments)
        for name, document in role.policies:
            arguments = {
                "RoleName": role.name,
                "PolicyName": name,
                "PolicyDocument": json.dumps(document),
            }
            call_aws(
                scenario, role.path, "PutRolePolicy", iam.put_role_policy, arguments
            )
        for arn in role.managed_policies:
            arguments = {"RoleName": role.name, "PolicyArn": arn}
            call_aws(
                scenario,
                role.path,
                "AttachRolePolicy",
                iam.attach_role_policy,
                arguments,
            )


def _create_policies(scenario: Scenario, emulator: Any) -> None:
    iam = emulator.client("iam")
    for policy in scenario.policies:
        arguments = {
            "PolicyName": policy.name,
            "Path": policy.iam_path,
            "PolicyDocument": json.dumps(policy.document),
        }
        call_aws(scenario, policy.path, "CreatePolicy", iam.create_policy, arguments)


def _create_log_groups(scenario: Scenario, emulator: Any) -> None:
    logs = emulator.client("logs")
    for position, (group, streams) in enumerate(scenario.log_groups):
        path = ("setup", "log_groups", position)
        arguments = {"logGroupName": group}
        call_aws(scenario, path, "CreateLogGroup", logs.create_log_group, arguments)
        for stream in streams:
            arguments = {"logGroupName": group, "logStreamName": stream}
            call_aws(
                scenario, path, "CreateLogStream", logs.create_log_stream, arguments
            )


def call_aws(
    scenario: Scenario,
    path: Path,
    operation: str,
    method: Callable[..., Any],
    arguments: dict[str, Any],
) -> Any:
    from botocore.exceptions import ClientError, ParamValidationError

    line = scenario.index.line(path)
    try:
        return method(**arguments)
    except ParamValidationError as error:
        raise ScenarioFormatError(
            scenario.file,
            line,
            format_path(path),
            f"invalid {operation} input: {error}",
            f"correct the input as the AWS API reference of {operation} describes it",
        ) from None
    except ClientError as error:
        details = error.response.get("Error", {})
        raise ScenarioRunError(
            scenario.file,
            line,
            format_path(path),
            f"{operation} failed: {details.get('Code')}: {details.get('Message')}",
        ) from None


def _forget_shadowed(top: str, folder: Any) -> None:
    # Two scenario folders may each contain a module of the same name, so a
    # module imported for an earlier scenario must not be used for this one.
    if not ((folder / f"{top}.py").is_file() or (folder / top).is_dir()):
        return
    for name in [n for n in sys.modules if n == top or n.startswith(f"{top}.")]:
        del sys.modules[name]


def import_callable(
    reference: str, scenario: Scenario, path: Path
) -> Callable[..., Any]:
    """Import ``module:function``, looking in the scenario's folder first."""
    module_name, _, attribute = reference.partition(":")
    folder = str(scenario.base_dir)
    _forget_shadowed(module_name.split(".")[0], scenario.base_dir)
    sys.path.insert(0, folder)
    try:
        module = importlib.import_module(module_name)
        function = getattr(module, attribute)
    except (ImportError, AttributeError) as error:
        raise ScenarioFormatError(
            scenario.file,
            scenario.index.line(path),
            format_path(path),
            f"cannot import {reference!r}: {error}",
            "give module:function of a Python file in the scenario's folder or on the import path",
        ) from None
    finally:
        sys.path.remove(folder)
    if not callable(function):
        raise ScenarioFormatError(
            scenario.file,
            scenario.index.line(path),
            format_path(path),
            f"{reference!r} is not callable",
            "name a function that takes (event, context) as a Lambda handler does",
        )
    return function
