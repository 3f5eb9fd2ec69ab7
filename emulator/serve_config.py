"""The ``--config`` file of ``serve`` and ``record``: buckets, roles and streams to create at start."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

logger = logging.getLogger(__name__)

__all__ = ["ConfigFileError", "apply_config", "load_config"]

CONFIG_KEYS = ("version", "buckets", "roles", "streams")


class ConfigFileError(click.ClickException):
    """The ``--config`` file is malformed or describes resources AWS rejects."""

    exit_code = 2


def _parse_document(path: Path) -> Any:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigFileError(f"cannot read {path}: {error.strerror}") from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        raise ConfigFileError(f"{path} is not valid JSON or YAML: {error}") from None


def load_config(path: str | os.PathLike[str]) -> dict[str, list[Any]]:
    """Read a ``--config`` file (YAML or JSON) and return its buckets, roles and streams.

    A stream is a CreateDeliveryStream request as JSON, or the path of a file
    that contains one, relative to the configuration file.
    """
    path = Path(path)
    document = _parse_document(path)
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise ConfigFileError(f"{path} must contain a mapping with keys {CONFIG_KEYS}")
    unknown = sorted(set(document) - set(CONFIG_KEYS))
    if unknown:
        raise ConfigFileError(
            f"{path}: unknown key {unknown[0]!r}; the keys are {', '.join(CONFIG_KEYS)}"
        )
    if document.get("version", 1) != 1:
        raise ConfigFileError(
            f"{path}: unsupported version {document['version']!r}; use version: 1"
        )
    config: dict[str, list[Any]] = {}
    for key in ("buckets", "roles", "streams"):
        entries = document.get(key) or []
        if not isinstance(entries, list):
            raise ConfigFileError(f"{path}: {key!r} must be a list")
        config[key] = entries
    for index, bucket in enumerate(config["buckets"]):
        if not isinstance(bucket, str) and not (
            isinstance(bucket, dict) and isinstance(bucket.get("Bucket"), str)
        ):
            raise ConfigFileError(
                f"{path}: buckets[{index}] must be a bucket name or a CreateBucket "
                "request with a Bucket"
            )
    for index, role in enumerate(config["roles"]):
        if not isinstance(role, dict) or not isinstance(role.get("RoleName"), str):
            raise ConfigFileError(
                f"{path}: roles[{index}] must be a CreateRole request with a RoleName"
            )
    config["streams"] = [
        _stream_request(entry, path, index)
        for index, entry in enumerate(config["streams"])
    ]
    return config


def _stream_request(entry: Any, config_path: Path, index: int) -> dict[str, Any]:
    if isinstance(entry, str):
        entry = _parse_document(config_path.parent / entry)
    if not isinstance(entry, dict) or not entry.get("DeliveryStreamName"):
        raise ConfigFileError(
            f"{config_path}: streams[{index}] must be a CreateDeliveryStream request "
            "with a DeliveryStreamName, or the path of a JSON file that contains one"
        )
    return entry


def _local_client(service: str, region: str) -> Any:
    """Return a boto3 client that reaches moto inside this process, never the network."""
    import boto3

    from emulator import moto_glue

    if not moto_glue.mock_active():
        raise RuntimeError(
            "cannot apply --config: moto's mock_aws is not active in this process, "
            "so the setup requests would go to AWS"
        )
    host = (
        "iam.amazonaws.com" if service == "iam" else f"{service}.{region}.amazonaws.com"
    )
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=f"https://{host}",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _create_bucket(client: Any, entry: Any, region: str) -> None:
    request = {"Bucket": entry} if isinstance(entry, str) else dict(entry)
    if region != "us-east-1":
        request.setdefault("CreateBucketConfiguration", {"LocationConstraint": region})
    try:
        client.create_bucket(**request)
    except client.exceptions.BucketAlreadyOwnedByYou:
        logger.info(
            "bucket %s already exists at %s",
            request["Bucket"],
            client.meta.endpoint_url,
        )


def _create_role(client: Any, entry: dict[str, Any]) -> None:
    request = dict(entry)
    policies = request.pop("Policies", [])
    trust = request.get("AssumeRolePolicyDocument")
    if isinstance(trust, dict):
        request["AssumeRolePolicyDocument"] = json.dumps(trust)
    client.create_role(**request)
    for policy in policies:
        document = policy.get("PolicyDocument")
        if isinstance(document, dict):
            document = json.dumps(document)
        client.put_role_policy(
            RoleName=request["RoleName"],
            PolicyName=policy.get("PolicyName"),
            PolicyDocument=document,
        )


def apply_config(
    config: dict[str, list[Any]], region: str, remote_s3: Any | None = None
) -> None:
    """Create the buckets, roles and delivery streams of a loaded ``--config`` file.

    Requests go through boto3 to moto inside this process, so AWS's validation
    applies. With ``remote_s3`` (a boto3 S3 client for ``--s3-endpoint``), each
    bucket is also created there.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    steps: list[tuple[str, Callable[[], Any]]] = []
    s3 = _local_client("s3", region)
    iam = _local_client("iam", region)
    firehose = _local_client("firehose", region)
    for bucket in config["buckets"]:
        name = bucket if isinstance(bucket, str) else bucket["Bucket"]
        steps.append(
            (f"bucket {name!r}", lambda b=bucket: _create_bucket(s3, b, region))
        )
        if remote_s3 is not None:
            steps.append(
                (
                    f"bucket {name!r} at {remote_s3.meta.endpoint_url}",
                    lambda b=bucket: _create_bucket(remote_s3, b, region),
                )
            )
    for role in config["roles"]:
        name = role["RoleName"]
        steps.append((f"role {name!r}", lambda r=role: _create_role(iam, r)))
    for stream in config["streams"]:
        name = stream["DeliveryStreamName"]
        steps.append(
            (
                f"delivery stream {name!r}",
                lambda s=stream: firehose.create_delivery_stream(**s),
            )
        )
    for description, step in steps:
        try:
            step()
        except (ClientError, BotoCoreError, TypeError, AttributeError) as error:
            raise ConfigFileError(
                f"cannot create {description} from --config: {error}"
            ) from None
        logger.info("created %s", description)
