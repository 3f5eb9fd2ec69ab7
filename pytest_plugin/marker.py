"""The ``firehose_stream`` marker: a delivery stream, its bucket and role, made before a test.

Arguments are checked at collection by calling :func:`firehose_stream`, whose
signature is the marker's. The resources are created through boto3 at test
set-up, so AWS's own validation applies to the stream's configuration.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "MARKER",
    "MarkerError",
    "StreamSpec",
    "create_streams",
    "firehose_stream",
    "marker_description",
    "parse_marker",
]

MARKER = "firehose_stream"
DEFAULT_ROLE_NAME = "firehose-delivery-role"
S3_SHAPES = ("ExtendedS3DestinationConfiguration", "S3DestinationConfiguration")
OTHER_DESTINATIONS = (
    "RedshiftDestinationConfiguration",
    "ElasticsearchDestinationConfiguration",
    "AmazonopensearchserviceDestinationConfiguration",
    "AmazonOpenSearchServerlessDestinationConfiguration",
    "SplunkDestinationConfiguration",
    "HttpEndpointDestinationConfiguration",
    "SnowflakeDestinationConfiguration",
    "IcebergDestinationConfiguration",
)
# AWS's defaults, used for the other hint when a marker gives only one,
# because AWS rejects BufferingHints with one member.
DEFAULT_SIZE_MB = 5
DEFAULT_INTERVAL_SECONDS = 300
# The S3 permissions that the Firehose developer guide ("Controlling access
# with Amazon Data Firehose") grants a delivery role on the bucket and its objects.
S3_DELIVERY_ACTIONS = [
    "s3:AbortMultipartUpload",
    "s3:GetBucketLocation",
    "s3:GetObject",
    "s3:ListBucket",
    "s3:ListBucketMultipartUploads",
    "s3:PutObject",
]
# Keyword -> destination member; the last two exist only in the extended shape.
_MEMBERS = {
    "prefix": "Prefix",
    "error_output_prefix": "ErrorOutputPrefix",
    "compression_format": "CompressionFormat",
    "file_extension": "FileExtension",
    "custom_time_zone": "CustomTimeZone",
}
_EXTENDED_ONLY = ("file_extension", "custom_time_zone")


class MarkerError(ValueError):
    """A ``firehose_stream`` marker has invalid arguments or an unreadable config."""


def firehose_stream(
    name: str | None = None,
    *,
    config: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    bucket: str | None = None,
    prefix: str | None = None,
    error_output_prefix: str | None = None,
    buffering_size_mb: int | None = None,
    buffering_interval_seconds: int | None = None,
    compression_format: str | None = None,
    file_extension: str | None = None,
    custom_time_zone: str | None = None,
    role_arn: str | None = None,
    destination: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    create_bucket: bool = True,
    create_role: bool = True,
) -> dict[str, Any]:
    """Return the marker's arguments by name; this signature is the marker's.

    :param name: the DeliveryStreamName; overrides the config's.
    :param config: a CreateDeliveryStream request as a mapping, or the path of
        a JSON file that contains one (relative to the test file, then rootdir).
    :param bucket: the destination bucket's name; overrides the config's BucketARN.
    :param destination: more destination members, such as ``ProcessingConfiguration``.
    :param tags: tags as a mapping; merged into the config's ``Tags``.
    :param create_bucket: create the bucket if it does not exist.
    :param create_role: create the role, with a trust policy for Firehose and
        an inline policy that allows delivery to the bucket.
    """
    return dict(locals())


def marker_description() -> str:
    """Return the marker's signature and purpose, for ``pytest --markers``."""
    signature = inspect.signature(firehose_stream)
    plain = signature.replace(
        parameters=[
            parameter.replace(annotation=inspect.Parameter.empty)
            for parameter in signature.parameters.values()
        ],
        return_annotation=inspect.Signature.empty,
    )
    return (
        f"{MARKER}{plain}: create a Firehose delivery stream, its S3 bucket and "
        "its IAM role before the test, from keyword arguments or a CreateDeliveryStream "
        "JSON file; implies the firehose fixture."
    )


@dataclass(frozen=True)
class StreamSpec:
    """A delivery stream to create: the request, with the bucket and role still by name."""

    request: dict[str, Any]
    shape: str
    bucket: str
    role_arn: str | None
    create_bucket: bool
    create_role: bool

    @property
    def name(self) -> str:
        return self.request["DeliveryStreamName"]

    def build_request(self, partition: str, account_id: str) -> dict[str, Any]:
        """Return the CreateDeliveryStream request with BucketARN and RoleARN filled in."""
        request = copy.deepcopy(self.request)
        destination = request[self.shape]
        destination["BucketARN"] = f"arn:{partition}:s3:::{self.bucket}"
        destination["RoleARN"] = self.role_arn or (
            f"arn:{partition}:iam::{account_id}:role/{DEFAULT_ROLE_NAME}"
        )
        return request


# Parsing --------------------------------------------------------------------


def parse_marker(mark: Any, search_dirs: list[Path]) -> StreamSpec:
    """Check a marker's arguments and return the stream it requests.

    :param search_dirs: where a relative ``config`` path is looked for, in order.
    :raises MarkerError: with a message that names the fix.
    """
    try:
        arguments = firehose_stream(*mark.args, **mark.kwargs)
    except TypeError as error:
        raise MarkerError(_signature_problem(error, mark.kwargs)) from None
    _check_types(arguments)
    request = _load_config(arguments["config"], search_dirs)
    if arguments["name"] is not None:
        request["DeliveryStreamName"] = arguments["name"]
    if not request.get("DeliveryStreamName"):
        raise MarkerError(
            'no stream name: give one, as in firehose_stream("events", bucket="my-bucket"), '
            "or a config with a DeliveryStreamName"
        )
    shape = _destination_shape(request, arguments)
    destination = request[shape]
    _apply_members(destination, arguments)
    bucket = arguments["bucket"] or _bucket_from_arn(destination.get("BucketARN"))
    if not bucket:
        raise MarkerError(
            f'stream {request["DeliveryStreamName"]!r} has no bucket: give bucket="my-bucket" '
            "or a BucketARN in the config"
        )
    if arguments["tags"]:
        request["Tags"] = _merge_tags(request.get("Tags", []), arguments["tags"])
    return StreamSpec(
        request=request,
        shape=shape,
        bucket=bucket,
        role_arn=arguments["role_arn"] or destination.get("RoleARN"),
        create_bucket=arguments["create_bucket"],
        create_role=arguments["create_role"],
    )


def _signature_problem(error: TypeError, keywords: Mapping[str, Any]) -> str:
    import difflib

    accepted = list(inspect.signature(firehose_stream).parameters)
    message = str(error)
    for keyword in keywords:
        if keyword not in accepted:
            close = difflib.get_close_matches(keyword, accepted, n=1)
            if close:
                message += f" (did you mean {close[0]!r}?)"
            break
    return f"{message}; the marker accepts: {', '.join(accepted)}"


_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "config": (str, os.PathLike, Mapping),
    "bucket": (str,),
    "prefix": (str,),
    "error_output_prefix": (str,),
    "buffering_size_mb": (int,),
    "buffering_interval_seconds": (int,),
    "compression_format": (str,),
    "file_extension": (str,),
    "custom_time_zone": (str,),
    "role_arn": (str,),
    "destination": (Mapping,),
    "tags": (Mapping,),
    "create_bucket": (bool,),
    "create_role": (bool,),
}


def _check_types(arguments: dict[str, Any]) -> None:
    for name, value in arguments.items():
        if value is None and name not in ("create_bucket", "create_role"):
            continue
        expected = _TYPES[name]
        is_bool = isinstance(value, bool)
        if not isinstance(value, expected) or (is_bool and bool not in expected):
            kinds = " or ".join(kind.__name__ for kind in expected)
            raise MarkerError(
                f"{name} must be {kinds}, not {type(value).__name__} {value!r}"
            )


def _load_config(config: Any, search_dirs: list[Path]) -> dict[str, Any]:
    if config is None:
        return {}
    if isinstance(config, Mapping):
        return copy.deepcopy(dict(config))
    path = _find_file(Path(config), search_dirs)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise MarkerError(
            f"cannot read config {str(path)!r}: {error.strerror}"
        ) from None
    except ValueError as error:
        raise MarkerError(f"config {str(path)!r} is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise MarkerError(
            f"config {str(path)!r} must hold a JSON object (a CreateDeliveryStream request)"
        )
    return document


def _find_file(path: Path, search_dirs: list[Path]) -> Path:
    if path.is_absolute():
        candidates = [path]
    else:
        candidates = [directory / path for directory in search_dirs]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    tried = ", ".join(str(candidate) for candidate in candidates)
    raise MarkerError(f"config file {str(path)!r} not found; looked for {tried}")


def _destination_shape(request: dict[str, Any], arguments: dict[str, Any]) -> str:
    others = [key for key in OTHER_DESTINATIONS if key in request]
    if others:
        raise MarkerError(
            f"the config has {others[0]}; the emulator delivers only to S3, so use "
            "ExtendedS3DestinationConfiguration or S3DestinationConfiguration"
        )
    shapes = [shape for shape in S3_SHAPES if shape in request]
    if len(shapes) > 1:
        raise MarkerError(
            "the config has both S3DestinationConfiguration and "
            "ExtendedS3DestinationConfiguration; keep one"
        )
    if not shapes:
        request["ExtendedS3DestinationConfiguration"] = {}
        return "ExtendedS3DestinationConfiguration"
    shape = shapes[0]
    if not isinstance(request[shape], dict):
        raise MarkerError(f"{shape} in the config must be a JSON object")
    wants_extended = any(arguments[name] is not None for name in _EXTENDED_ONLY)
    if shape == "S3DestinationConfiguration" and wants_extended:
        # FileExtension and CustomTimeZone exist only in the extended shape,
        # which accepts every member of the plain one.
        request["ExtendedS3DestinationConfiguration"] = request.pop(shape)
        return "ExtendedS3DestinationConfiguration"
    return shape


def _apply_members(destination: dict[str, Any], arguments: dict[str, Any]) -> None:
    for keyword, member in _MEMBERS.items():
        if arguments[keyword] is not None:
            destination[member] = arguments[keyword]
    size = arguments["buffering_size_mb"]
    interval = arguments["buffering_interval_seconds"]
    if size is not None or interval is not None:
        hints = dict(destination.get("BufferingHints") or {})
        if size is not None:
            hints["SizeInMBs"] = size
        if interval is not None:
            hints["IntervalInSeconds"] = interval
        hints.setdefault("SizeInMBs", DEFAULT_SIZE_MB)
        hints.setdefault("IntervalInSeconds", DEFAULT_INTERVAL_SECONDS)
        destination["BufferingHints"] = hints
    if arguments["destination"]:
        destination.update(copy.deepcopy(dict(arguments["destination"])))


def _bucket_from_arn(arn: Any) -> str | None:
    if not isinstance(arn, str) or ":::" not in arn:
        return None
    return arn.split(":::", 1)[1] or None


def _merge_tags(
    existing: list[dict[str, str]], extra: Mapping[str, str]
) -> list[dict[str, str]]:
    merged = {tag["Key"]: tag["Value"] for tag in existing}
    merged.update(extra)
    return [{"Key": key, "Value": value} for key, value in merged.items()]


# Creating -------------------------------------------------------------------


def partition_of(region: str) -> str:
    """Return the AWS partition of a region: ``aws``, ``aws-cn`` or ``aws-us-gov``."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def create_streams(emulator: Any, specs: list[StreamSpec]) -> None:
    """Create each stream's bucket, role and the stream itself through boto3.

    :raises pytest.fail.Exception: naming the stream and AWS's error, when a
        request fails.
    """
    import pytest
    from botocore.exceptions import BotoCoreError, ClientError

    clients = _Clients(emulator)
    partition = partition_of(emulator.region)
    for spec in specs:
        request = spec.build_request(partition, emulator.account_id)
        role_arn = request[spec.shape]["RoleARN"]
        try:
            if spec.create_bucket:
                _ensure_bucket(clients.get("s3"), spec.bucket, emulator.region)
            if spec.create_role:
                _ensure_role(clients.get("iam"), role_arn, spec.bucket, partition)
            clients.get("firehose").create_delivery_stream(**request)
        except (ClientError, BotoCoreError) as error:
            pytest.fail(
                f"the {MARKER} marker could not create delivery stream {spec.name!r}: {error}",
                pytrace=False,
            )


class _Clients:
    def __init__(self, emulator: Any):
        self._emulator = emulator
        self._clients: dict[str, Any] = {}

    def get(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._emulator.client(service)
        return self._clients[service]


def _ensure_bucket(s3: Any, bucket: str, region: str) -> None:
    request: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        request["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        s3.create_bucket(**request)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass


def _ensure_role(iam: Any, role_arn: str, bucket: str, partition: str) -> None:
    parts = role_arn.split(":", 5)
    if len(parts) != 6 or not parts[5].startswith("role/"):
        return  # CreateDeliveryStream rejects the ARN with AWS's message.
    account_id = parts[4]
    path, _, role_name = parts[5][len("role") :].rpartition("/")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "firehose.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    access = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": S3_DELIVERY_ACTIONS,
                "Resource": [
                    f"arn:{partition}:s3:::{bucket}",
                    f"arn:{partition}:s3:::{bucket}/*",
                ],
            }
        ],
    }
    with _acting_in(account_id):
        try:
            iam.create_role(
                RoleName=role_name,
                Path=f"{path}/",
                AssumeRolePolicyDocument=json.dumps(trust),
            )
        except iam.exceptions.EntityAlreadyExistsException:
            pass
        iam.put_role_policy(
            RoleName=role_name,
            PolicyName=f"firehose-delivery-to-{bucket}",
            PolicyDocument=json.dumps(access),
        )


@contextlib.contextmanager
def _acting_in(account_id: str) -> Iterator[None]:
    """Make moto serve requests in another account, through ``MOTO_ACCOUNT_ID``."""
    previous = os.environ.get("MOTO_ACCOUNT_ID")
    os.environ["MOTO_ACCOUNT_ID"] = account_id
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("MOTO_ACCOUNT_ID", None)
        else:
            os.environ["MOTO_ACCOUNT_ID"] = previous
