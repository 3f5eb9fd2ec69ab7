"""Input checks of the Firehose API that the botocore model or Firehose itself enforce.

moto's request parser converts members to the model's types where it can, but
passes on values of the wrong shape (a string for a list, a list for a
string). These checks turn them into AWS's errors instead of crashes.
"""

from __future__ import annotations

import re
from typing import Any

from emulator import config as config_module
from emulator.errors import (
    ConcurrentModificationException,
    InvalidArgumentException,
    ValidationException,
    validation_message,
)

__all__ = [
    "check_create_input",
    "check_encryption_input",
    "check_limit",
    "check_optional_string",
    "check_plain_update",
    "check_stream_name",
    "check_stream_type",
    "check_tag_keys",
    "check_tags",
    "check_update",
    "normalise_create",
]

STREAM_NAME_PATTERN = re.compile(r"[a-zA-Z0-9_.-]+")
STREAM_TYPES = ("DirectPut", "KinesisStreamAsSource", "MSKAsSource", "DatabaseAsSource")
KEY_TYPES = ("AWS_OWNED_CMK", "CUSTOMER_MANAGED_CMK")
MAX_TAGS_PER_CALL = 50


def check_stream_name(name: Any, path: str = "deliveryStreamName") -> None:
    if not isinstance(name, str) or not name:
        raise ValidationException(
            f"1 validation error detected: Value null at '{path}' failed to satisfy "
            "constraint: Member must not be null"
        )
    if len(name) > 64:
        raise ValidationException(
            validation_message(
                path, name, "Member must have length less than or equal to 64"
            )
        )
    if not STREAM_NAME_PATTERN.fullmatch(name):
        raise ValidationException(
            validation_message(
                path,
                name,
                "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
            )
        )


def check_create_input(name: Any, stream_type: str | None) -> str:
    """Validate the stream name and type of CreateDeliveryStream; return the type."""
    check_stream_name(name)
    stream_type = stream_type or "DirectPut"
    check_stream_type(stream_type)
    return stream_type


def check_stream_type(stream_type: Any) -> None:
    """Check a ``DeliveryStreamType`` against the model's enum."""
    if stream_type not in STREAM_TYPES:
        listing = ", ".join(STREAM_TYPES)
        raise ValidationException(
            validation_message(
                "deliveryStreamType",
                stream_type,
                f"Member must satisfy enum value set: [{listing}]",
            )
        )


def normalise_create(
    plain: dict[str, Any] | None, extended: dict[str, Any] | None
) -> dict[str, Any]:
    """Validate the S3 destination of CreateDeliveryStream, in whichever shape it came."""
    if extended:
        return config_module.normalise_destination(
            extended, extended=True, shape_path="extendedS3DestinationConfiguration"
        )
    return config_module.normalise_destination(
        plain, extended=False, shape_path="s3DestinationConfiguration"
    )


def check_update(stream: Any, version_id: str, destination_id: str) -> None:
    """Check the version and destination an UpdateDestination call names."""
    if stream.version_id != version_id:
        raise ConcurrentModificationException(
            f"Cannot update firehose: {stream.delivery_stream_name} since the current "
            f"version id: {stream.version_id} and specified version id: "
            f"{version_id} do not match"
        )
    if destination_id != stream.destinations[0]["destination_id"]:
        raise InvalidArgumentException(f"Destination Id {destination_id} not found")


def check_plain_update(update: dict[str, Any]) -> None:
    """Reject extended-only members sent in the plain ``S3DestinationUpdate`` shape."""
    unknown = [member for member in update if member in config_module.EXTENDED_ONLY_MEMBERS]
    if unknown:
        raise ValidationException(
            f"1 validation error detected: {unknown[0]} is not a member of "
            "s3DestinationUpdate; use ExtendedS3DestinationUpdate for it"
        )


def check_limit(limit: Any, path: str, maximum: int) -> None:
    """Check an optional ``Limit`` member against the model's range 1 to ``maximum``."""
    if limit is None:
        return
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise ValidationException(validation_message(path, limit, "Member must be an integer"))
    if limit < 1:
        raise ValidationException(
            validation_message(path, limit, "Member must have value greater than or equal to 1")
        )
    if limit > maximum:
        raise ValidationException(
            validation_message(
                path, limit, f"Member must have value less than or equal to {maximum}"
            )
        )


def check_optional_string(value: Any, path: str) -> None:
    """Reject a member that must be a string but arrived as another JSON type."""
    if value is not None and not isinstance(value, str):
        raise ValidationException(validation_message(path, value, "Member must be a string"))


def _check_tag_list_length(tags: Any, path: str) -> None:
    if not isinstance(tags, list):
        raise ValidationException(validation_message(path, tags, "Member must be a list"))
    if not tags:
        raise ValidationException(
            validation_message(path, tags, "Member must have length greater than or equal to 1")
        )
    if len(tags) > MAX_TAGS_PER_CALL:
        raise ValidationException(
            validation_message(
                path,
                f"[{len(tags)} tags]",
                f"Member must have length less than or equal to {MAX_TAGS_PER_CALL}",
            )
        )


def check_tags(tags: Any, path: str = "tags", *, required: bool = True) -> None:
    """Check a list of ``{"Key": ..., "Value": ...}`` tags: 1 to 50, keys 1 to 128 characters."""
    if tags is None and not required:
        return
    _check_tag_list_length(tags, path)
    for index, tag in enumerate(tags, 1):
        member = f"{path}.{index}.member"
        if not isinstance(tag, dict) or not isinstance(tag.get("Key"), str):
            raise ValidationException(
                f"1 validation error detected: Value null at '{member}.key' failed to "
                "satisfy constraint: Member must not be null"
            )
        if not 1 <= len(tag["Key"]) <= 128:
            raise ValidationException(
                validation_message(
                    f"{member}.key",
                    tag["Key"],
                    "Member must have length between 1 and 128",
                )
            )
        value = tag.get("Value")
        if value is not None and (not isinstance(value, str) or len(value) > 256):
            raise ValidationException(
                validation_message(
                    f"{member}.value", value, "Member must be a string of at most 256 characters"
                )
            )


def check_tag_keys(keys: Any) -> None:
    """Check the ``TagKeys`` of UntagDeliveryStream: 1 to 50 strings."""
    _check_tag_list_length(keys, "tagKeys")
    for index, key in enumerate(keys, 1):
        if not isinstance(key, str) or not 1 <= len(key) <= 128:
            raise ValidationException(
                validation_message(
                    f"tagKeys.{index}.member",
                    key,
                    "Member must be a string of 1 to 128 characters",
                )
            )


def check_encryption_input(encryption: Any) -> None:
    """Check a ``DeliveryStreamEncryptionConfigurationInput``: a KeyType, and a KeyARN for CMKs."""
    path = "deliveryStreamEncryptionConfigurationInput"
    if not isinstance(encryption, dict):
        raise ValidationException(
            f"1 validation error detected: Value null at '{path}' failed to satisfy "
            "constraint: Member must not be null"
        )
    key_type = encryption.get("KeyType")
    if key_type not in KEY_TYPES:
        raise ValidationException(
            validation_message(
                f"{path}.keyType",
                key_type,
                "Member must satisfy enum value set: [AWS_OWNED_CMK, CUSTOMER_MANAGED_CMK]",
            )
        )
    key_arn = encryption.get("KeyARN")
    check_optional_string(key_arn, f"{path}.keyARN")
    if key_type == "CUSTOMER_MANAGED_CMK" and not key_arn:
        raise InvalidArgumentException(
            "KeyARN is required when KeyType is CUSTOMER_MANAGED_CMK: give the ARN of "
            "the customer managed KMS key."
        )
    if key_type == "AWS_OWNED_CMK" and key_arn:
        raise InvalidArgumentException(
            "KeyARN must not be given when KeyType is AWS_OWNED_CMK."
        )
