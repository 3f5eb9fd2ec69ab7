"""Destination configuration: validation with AWS's errors, defaults, descriptions.

A stream created with either ``S3DestinationConfiguration`` or
``ExtendedS3DestinationConfiguration`` is stored as one normalised extended
configuration: every default AWS fills in is present, so that describing the
stream and delivering from it read the same values.
"""

from __future__ import annotations

import copy
import re
import warnings
from typing import Any

from emulator import prefixes, processing_config
from emulator.errors import (
    FidelityWarning,
    InvalidArgumentException,
    ValidationException,
)
from emulator.errors import validation_message

__all__ = [
    "COMPRESSION_FORMATS",
    "DEFAULT_INTERVAL_SECONDS",
    "DEFAULT_SIZE_MIB",
    "EXTENDED_ONLY_MEMBERS",
    "describe_extended",
    "describe_plain",
    "merge_update",
    "normalise_destination",
]

COMPRESSION_FORMATS = ("UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY")
DEFAULT_SIZE_MIB = 5
DEFAULT_INTERVAL_SECONDS = 300

PLAIN_MEMBERS = (
    "RoleARN",
    "BucketARN",
    "Prefix",
    "ErrorOutputPrefix",
    "BufferingHints",
    "CompressionFormat",
    "EncryptionConfiguration",
    "CloudWatchLoggingOptions",
)
EXTENDED_ONLY_MEMBERS = (
    "ProcessingConfiguration",
    "S3BackupMode",
    "S3BackupConfiguration",
    "S3BackupUpdate",
    "DataFormatConversionConfiguration",
    "DynamicPartitioningConfiguration",
    "FileExtension",
    "CustomTimeZone",
)

# Patterns from the botocore model of Firehose (service-2.json, 2015-08-04).
ROLE_ARN_PATTERN = re.compile(r"arn:.*:iam::\d{12}:role/[a-zA-Z_0-9+=,.@\-_/]+")
BUCKET_ARN_PATTERN = re.compile(r"arn:.*:s3:::[\w\.\-]{1,255}")
FILE_EXTENSION_PATTERN = re.compile(r"^$|\.[0-9a-z!\-_.*'()]+")
LOG_GROUP_PATTERN = re.compile(r"[\.\-_/#A-Za-z0-9]*")
LOG_STREAM_PATTERN = re.compile(r"[^:*]*")
KMS_ARN_PATTERN = re.compile(
    r"arn:.*:kms:[a-zA-Z0-9\-]+:\d{12}:(key|alias)/[a-zA-Z_0-9+=,.@\-_/]+"
)


def _camel(name: str) -> str:
    """Return a member name as AWS spells it in validation paths (lower camel case)."""
    if name.isupper():
        return name.lower()
    if name.startswith("S3"):
        return "s3" + name[2:]
    head = re.match(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]", name)
    if head is None:
        return name
    return head.group(0).lower() + name[len(head.group(0)) :]


def _path(shape_path: str, *members: str) -> str:
    return ".".join([shape_path, *(_camel(member) for member in members)])


def _require(config: dict[str, Any], member: str, shape_path: str) -> Any:
    value = config.get(member)
    if value is None:
        raise ValidationException(
            validation_message(
                _path(shape_path, member), None, "Member must not be null"
            ).replace("Value 'None' at", "Value null at")
        )
    return value


def _check_string(
    value: Any,
    path: str,
    *,
    minimum: int = 0,
    maximum: int,
    pattern: re.Pattern[str] | None = None,
) -> None:
    if not isinstance(value, str):
        raise ValidationException(
            validation_message(path, value, "Member must be a string")
        )
    if len(value) < minimum:
        raise ValidationException(
            validation_message(
                path,
                value,
                f"Member must have length greater than or equal to {minimum}",
            )
        )
    if len(value) > maximum:
        raise ValidationException(
            validation_message(
                path, value, f"Member must have length less than or equal to {maximum}"
            )
        )
    if pattern is not None and not pattern.fullmatch(value):
        raise ValidationException(
            validation_message(
                path,
                value,
                f"Member must satisfy regular expression pattern: {pattern.pattern}",
            )
        )


def _check_int(value: Any, path: str, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationException(
            validation_message(path, value, "Member must be an integer")
        )
    if value < minimum:
        raise ValidationException(
            validation_message(
                path,
                value,
                f"Member must have value greater than or equal to {minimum}",
            )
        )
    if value > maximum:
        raise ValidationException(
            validation_message(
                path, value, f"Member must have value less than or equal to {maximum}"
            )
        )
    return value


def _check_enum(value: Any, path: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        # AWS lists the enum in its own order, which is not the model's order.
        listing = ", ".join(sorted(allowed, reverse=True))
        raise ValidationException(
            validation_message(
                path, value, f"Member must satisfy enum value set: [{listing}]"
            )
        )


def _check_buffering_hints(hints: Any, path: str) -> dict[str, int]:
    if hints is None:
        return {
            "SizeInMBs": DEFAULT_SIZE_MIB,
            "IntervalInSeconds": DEFAULT_INTERVAL_SECONDS,
        }
    if not isinstance(hints, dict):
        raise ValidationException(
            validation_message(path, hints, "Member must be a structure")
        )
    size = hints.get("SizeInMBs")
    interval = hints.get("IntervalInSeconds")
    if (size is None) != (interval is None):
        # AWS requires both hints or neither; the exact text it returns is not
        # documented, so this message names the fix.
        given, missing = (
            ("SizeInMBs", "IntervalInSeconds")
            if interval is None
            else ("IntervalInSeconds", "SizeInMBs")
        )
        raise InvalidArgumentException(
            f"BufferingHints.{given} is set but BufferingHints.{missing} is not: "
            "specify both SizeInMBs and IntervalInSeconds, or neither to use the "
            f"defaults ({DEFAULT_SIZE_MIB} MiB, {DEFAULT_INTERVAL_SECONDS} seconds)."
        )
    if size is None:
        return {
            "SizeInMBs": DEFAULT_SIZE_MIB,
            "IntervalInSeconds": DEFAULT_INTERVAL_SECONDS,
        }
    _check_int(size, f"{path}.sizeInMBs", 1, 128)
    _check_int(interval, f"{path}.intervalInSeconds", 0, 900)
    return {"SizeInMBs": size, "IntervalInSeconds": interval}


def _check_encryption(encryption: Any, path: str) -> dict[str, Any]:
    if encryption is None:
        return {"NoEncryptionConfig": "NoEncryption"}
    no_encryption = encryption.get("NoEncryptionConfig")
    kms = encryption.get("KMSEncryptionConfig")
    if (no_encryption is None) == (kms is None):
        raise InvalidArgumentException(
            "Exactly one of NoEncryptionConfig or KMSEncryptionConfig must be specified"
        )
    if no_encryption is not None:
        _check_enum(no_encryption, f"{path}.noEncryptionConfig", ("NoEncryption",))
    else:
        key_arn = _require(kms, "AWSKMSKeyARN", f"{path}.kMSEncryptionConfig")
        _check_string(
            key_arn,
            f"{path}.kMSEncryptionConfig.aWSKMSKeyARN",
            minimum=1,
            maximum=512,
            pattern=KMS_ARN_PATTERN,
        )
    return copy.deepcopy(encryption)


def _check_logging(options: Any, path: str) -> dict[str, Any]:
    if options is None:
        return {"Enabled": False}
    result = copy.deepcopy(options)
    group = options.get("LogGroupName")
    stream = options.get("LogStreamName")
    if group is not None:
        _check_string(
            group, f"{path}.logGroupName", maximum=512, pattern=LOG_GROUP_PATTERN
        )
    if stream is not None:
        _check_string(
            stream, f"{path}.logStreamName", maximum=512, pattern=LOG_STREAM_PATTERN
        )
    if options.get("Enabled") and not group:
        raise InvalidArgumentException(
            "CloudWatch Log Group Name is required if CloudWatch Logging is enabled"
        )
    result.setdefault("Enabled", False)
    return result


def _check_common(config: dict[str, Any], shape_path: str) -> dict[str, Any]:
    """Validate the members shared by both S3 shapes and return them normalised."""
    result: dict[str, Any] = {}
    role = _require(config, "RoleARN", shape_path)
    _check_string(
        role,
        _path(shape_path, "RoleARN"),
        minimum=1,
        maximum=512,
        pattern=ROLE_ARN_PATTERN,
    )
    bucket = _require(config, "BucketARN", shape_path)
    _check_string(
        bucket,
        _path(shape_path, "BucketARN"),
        minimum=1,
        maximum=2048,
        pattern=BUCKET_ARN_PATTERN,
    )
    result["RoleARN"] = role
    result["BucketARN"] = bucket

    for member in ("Prefix", "ErrorOutputPrefix"):
        value = config.get(member)
        if value is not None:
            _check_string(value, _path(shape_path, member), maximum=1024)
            result[member] = value

    result["BufferingHints"] = _check_buffering_hints(
        config.get("BufferingHints"), _path(shape_path, "BufferingHints")
    )
    compression = config.get("CompressionFormat", "UNCOMPRESSED")
    _check_enum(
        compression, _path(shape_path, "CompressionFormat"), COMPRESSION_FORMATS
    )
    result["CompressionFormat"] = compression
    result["EncryptionConfiguration"] = _check_encryption(
        config.get("EncryptionConfiguration"),
        _path(shape_path, "EncryptionConfiguration"),
    )
    result["CloudWatchLoggingOptions"] = _check_logging(
        config.get("CloudWatchLoggingOptions"),
        _path(shape_path, "CloudWatchLoggingOptions"),
    )
    return result


def _check_extended(
    config: dict[str, Any], shape_path: str, result: dict[str, Any]
) -> None:
    extension = config.get("FileExtension")
    if extension is not None:
        _check_string(
            extension,
            _path(shape_path, "FileExtension"),
            maximum=128,
            pattern=FILE_EXTENSION_PATTERN,
        )
        result["FileExtension"] = extension
    zone = config.get("CustomTimeZone")
    if zone is not None:
        prefixes.validate_custom_time_zone(
            zone, field_path=_path(shape_path, "CustomTimeZone")
        )
        result["CustomTimeZone"] = zone

    backup_mode = config.get("S3BackupMode", "Disabled")
    _check_enum(backup_mode, _path(shape_path, "S3BackupMode"), ("Disabled", "Enabled"))
    result["S3BackupMode"] = backup_mode
    backup = config.get("S3BackupConfiguration") or config.get("S3BackupUpdate")
    if backup_mode == "Enabled" and backup is None:
        raise InvalidArgumentException(
            "S3 backup destination configuration is required when enabling S3 backup."
        )
    if backup is not None:
        backup_path = _path(shape_path, "S3BackupConfiguration")
        result["S3BackupConfiguration"] = _check_common(backup, backup_path)
        if result["S3BackupConfiguration"]["BufferingHints"]["IntervalInSeconds"] == 0:
            raise InvalidArgumentException(
                "Zero buffering (BufferingHints.IntervalInSeconds 0) is not supported "
                "for the S3 backup destination."
            )

    for member in (
        "ProcessingConfiguration",
        "DataFormatConversionConfiguration",
        "DynamicPartitioningConfiguration",
    ):
        if config.get(member) is not None:
            result[member] = copy.deepcopy(config[member])
    result.setdefault("DynamicPartitioningConfiguration", None)
    if result["DynamicPartitioningConfiguration"] is None:
        del result["DynamicPartitioningConfiguration"]


def _dynamic_partitioning_enabled(config: dict[str, Any]) -> bool:
    dynamic = config.get("DynamicPartitioningConfiguration") or {}
    return bool(dynamic.get("Enabled"))


def normalise_destination(
    config: dict[str, Any], *, extended: bool, shape_path: str
) -> dict[str, Any]:
    """Validate a destination configuration and return it with AWS's defaults filled in.

    :param config: the ``S3DestinationConfiguration`` or
        ``ExtendedS3DestinationConfiguration`` as the caller sent it.
    :param extended: whether ``config`` arrived in the extended shape; the plain
        shape rejects extended-only members, as the AWS model does.
    :param shape_path: the member path AWS names in validation messages, such as
        ``extendedS3DestinationConfiguration``.
    :raises ValidationException: a value breaks a constraint of the AWS model.
    :raises InvalidArgumentException: a value breaks one of Firehose's own rules.
    """
    if not isinstance(config, dict):
        raise ValidationException(
            validation_message(shape_path, config, "Member must be a structure")
        )
    if not extended:
        unknown = [member for member in config if member in EXTENDED_ONLY_MEMBERS]
        if unknown:
            raise ValidationException(
                f"1 validation error detected: {unknown[0]} is not a member of "
                f"{shape_path}; use ExtendedS3DestinationConfiguration for it"
            )
    result = _check_common(config, shape_path)
    _check_extended(config, shape_path, result)
    _check_format_conversion(config, result)
    _validate_cross_member_rules(result, shape_path)
    return result


def _format_conversion_enabled(config: dict[str, Any]) -> bool:
    conversion = config.get("DataFormatConversionConfiguration")
    # Enabled defaults to true once the block is given (the AWS API reference).
    return isinstance(conversion, dict) and conversion.get("Enabled", True) is not False


def _check_format_conversion(config: dict[str, Any], result: dict[str, Any]) -> None:
    """Apply the rules of record format conversion, which is stored but not performed."""
    if not _format_conversion_enabled(config):
        return
    if result["CompressionFormat"] != "UNCOMPRESSED":
        raise InvalidArgumentException(
            "The S3 destination's compression format must be set to UNCOMPRESSED "
            "when data format conversion is enabled"
        )
    if config.get("BufferingHints") is None:
        # With conversion, AWS's default buffer is 128 MiB instead of 5.
        result["BufferingHints"] = {
            "SizeInMBs": 128,
            "IntervalInSeconds": DEFAULT_INTERVAL_SECONDS,
        }
    elif result["BufferingHints"]["SizeInMBs"] < 64:
        raise InvalidArgumentException(
            "BufferingHints.SizeInMBs must be at least 64 when data format conversion "
            f"is enabled (got {result['BufferingHints']['SizeInMBs']})."
        )
    warnings.warn(
        "DataFormatConversionConfiguration is stored and validated, but records are "
        "not converted to Parquet or ORC: they are delivered as they arrive",
        FidelityWarning,
        stacklevel=2,
    )


def _validate_cross_member_rules(result: dict[str, Any], shape_path: str) -> None:
    dynamic = _dynamic_partitioning_enabled(result)
    query_keys: set[str] | None = None
    processing_config.validate_processing(result, shape_path=shape_path)
    query = processing_config.parse_processing(result).metadata_query
    if query:
        query_keys = processing_config.query_keys(query)
    if not dynamic and prefixes.uses_partition_keys(result.get("Prefix") or ""):
        # Partition keys exist only under dynamic partitioning; without it the
        # prefix could never be evaluated.
        raise InvalidArgumentException(
            "Dynamic Partitioning Namespaces can only be used in the S3 Prefix when "
            "Dynamic Partitioning is enabled: set "
            "DynamicPartitioningConfiguration.Enabled to true, or remove the "
            "!{partitionKeyFrom...} expressions from the Prefix."
        )
    prefixes.validate_prefixes(
        result.get("Prefix"),
        result.get("ErrorOutputPrefix"),
        dynamic_partitioning=dynamic,
        query_keys=query_keys,
    )


def merge_update(
    current: dict[str, Any], update: dict[str, Any], *, extended: bool, shape_path: str
) -> dict[str, Any]:
    """Merge an ``UpdateDestination`` input into the current configuration.

    Members given replace the current ones and members left out keep their
    values, as AWS documents for an update of the same destination type. The
    result is validated as a whole, so an update cannot produce a
    configuration that CreateDeliveryStream would reject.
    """
    merged = copy.deepcopy(current)
    for member, value in update.items():
        if member == "BufferingHints" and isinstance(value, dict):
            hints = dict(merged.get("BufferingHints") or {})
            hints.update(value)
            merged["BufferingHints"] = hints
        elif member == "S3BackupUpdate":
            merged["S3BackupConfiguration"] = value
        else:
            merged[member] = copy.deepcopy(value)
    if (
        current.get("S3BackupMode") == "Enabled"
        and merged.get("S3BackupMode") == "Disabled"
    ):
        raise InvalidArgumentException(
            "S3BackupMode cannot be changed from Enabled to Disabled."
        )
    if _dynamic_partitioning_enabled(merged) != _dynamic_partitioning_enabled(current):
        raise InvalidArgumentException(
            "Dynamic Partitioning can only be enabled when the delivery stream is "
            "created, and cannot be disabled once enabled."
        )
    return normalise_destination(merged, extended=True, shape_path=shape_path)


def describe_extended(config: dict[str, Any]) -> dict[str, Any]:
    """Return the ``ExtendedS3DestinationDescription`` of a normalised configuration."""
    description = copy.deepcopy(config)
    backup = description.pop("S3BackupConfiguration", None)
    if backup is not None:
        description["S3BackupDescription"] = backup
    return description


def describe_plain(config: dict[str, Any]) -> dict[str, Any]:
    """Return the ``S3DestinationDescription``: the plain members only."""
    return {
        member: copy.deepcopy(config[member])
        for member in PLAIN_MEMBERS
        if member in config
    }
