"""S3 prefix expressions: parsing, validation and evaluation as Firehose does them.

A ``Prefix`` or ``ErrorOutputPrefix`` is literal text with expressions of the
form ``!{namespace:value}``. The namespaces are ``timestamp`` (a Java
``DateTimeFormatter`` pattern), ``firehose`` (``random-string`` or
``error-output-type``), ``partitionKeyFromQuery`` and ``partitionKeyFromLambda``.
The rules follow the Firehose developer guide pages "Custom prefixes for Amazon
S3 objects" and "Configure Amazon S3 object name format", with the error
messages that AWS returns.
"""

from __future__ import annotations

import functools
import random
import re
import string
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo

from emulator.errors import (
    InvalidArgumentException,
    ValidationException,
    validation_message,
)
from emulator.javatime import PatternError, compile_pattern, format_java_datetime

__all__ = [
    "DEFAULT_TIME_PATH",
    "ERROR_OUTPUT_TYPES",
    "MAX_EVALUATED_PREFIX_LENGTH",
    "RANDOM_STRING_ALPHABET",
    "RANDOM_STRING_LENGTH",
    "Expression",
    "effective_error_prefix",
    "effective_prefix",
    "evaluate",
    "format_java_datetime",
    "max_evaluated_length",
    "parse",
    "partition_key_names",
    "uses_partition_keys",
    "uses_timestamp",
    "validate_custom_time_zone",
    "validate_prefixes",
    "zone_for",
]

DEFAULT_TIME_PATH = "!{timestamp:yyyy/MM/dd/HH/}"
MAX_EVALUATED_PREFIX_LENGTH = 512
RANDOM_STRING_LENGTH = 11
# NOTE: AWS does not document the alphabet. Mixed-case alphanumeric matches the
# sample "ztWxkdg3Thg" in AWS Prescriptive Guidance.
RANDOM_STRING_ALPHABET = string.ascii_letters + string.digits

# Values of !{firehose:error-output-type} named in the Firehose developer guide.
ERROR_OUTPUT_TYPES = (
    "processing-failed",
    "format-conversion-failed",
    "metadata-extraction-failed",
    "decompression-failed",
    "activePartitionExceeded",
    "AmazonOpenSearchService-failed",
    "elasticsearch-failed",
    "splunk-failed",
    "http-endpoint-failed",
)

TIMESTAMP = "timestamp"
FIREHOSE = "firehose"
KEY_FROM_QUERY = "partitionKeyFromQuery"
KEY_FROM_LAMBDA = "partitionKeyFromLambda"
NAMESPACES = (FIREHOSE, TIMESTAMP, KEY_FROM_QUERY, KEY_FROM_LAMBDA)
PARTITION_NAMESPACES = (KEY_FROM_QUERY, KEY_FROM_LAMBDA)
ERROR_OUTPUT_TYPE = "error-output-type"
RANDOM_STRING = "random-string"

# AWS prefixes one observed message with this text, typo included.
_CONSTRAINT_LEAD_IN = (
    "Ths supplied prefix(es) do not satisfy the following constraint: "
)
_TIME_ZONE_PATTERN = "^$|[a-zA-Z/_]+"
_TIME_ZONE_MAX_LENGTH = 50


@dataclass(frozen=True)
class Expression:
    """One ``!{namespace:value}`` expression and its span in the template."""

    namespace: str
    value: str
    start: int
    end: int


def parse(template: str, *, field: str) -> list[str | Expression]:
    """Split ``template`` into literal text and expressions, in order.

    ``field`` is ``Prefix`` or ``ErrorOutputPrefix`` and names the field in
    error messages. Raises ``InvalidArgumentException`` for a malformed
    expression, an unknown namespace, a ``firehose`` value other than
    ``random-string`` or ``error-output-type``, or a timestamp pattern that
    Java's ``DateTimeFormatter`` rejects.
    """
    return list(_parse(template, field))


@functools.lru_cache(maxsize=512)
def _parse(template: str, field: str) -> tuple[str | Expression, ...]:
    parts: list[str | Expression] = []
    pos = 0
    while (start := template.find("!{", pos)) >= 0:
        close = template.find("}", start + 2)
        if close < 0:
            raise InvalidArgumentException("Invalid expression usage")
        namespace, colon, value = template[start + 2 : close].partition(":")
        # NOTE: an empty value and a nested "!{" are rejected as malformed. How
        # AWS handles those two cases has not been observed.
        if not colon or not value or "!{" in value:
            raise InvalidArgumentException("Invalid expression usage")
        _check_expression(namespace, value, field)
        if start > pos:
            parts.append(template[pos:start])
        parts.append(Expression(namespace, value, start, close + 1))
        pos = close + 1
    if pos < len(template):
        parts.append(template[pos:])
    return tuple(parts)


def _check_expression(namespace: str, value: str, field: str) -> None:
    if namespace not in NAMESPACES:
        raise InvalidArgumentException(
            f"Namespace to the left of colon ({namespace}) is an invalid keyword!"
        )
    if namespace == FIREHOSE and value not in (ERROR_OUTPUT_TYPE, RANDOM_STRING):
        raise _invalid_conversion(field)
    if namespace == TIMESTAMP:
        try:
            compile_pattern(value)
        except PatternError:
            raise _invalid_conversion(field) from None


def _invalid_conversion(field: str) -> InvalidArgumentException:
    return InvalidArgumentException(
        f"Invalid conversion character used in the value of the expression in {field}"
    )


def _expressions(template: str | None, field: str) -> list[Expression]:
    parts = _parse(template or "", field)
    return [part for part in parts if isinstance(part, Expression)]


def _has(expressions: list[Expression], namespace: str, value: str) -> bool:
    return any(e.namespace == namespace and e.value == value for e in expressions)


def uses_timestamp(template: str | None) -> bool:
    """Return whether ``template`` contains a ``!{timestamp:...}`` expression."""
    return any(e.namespace == TIMESTAMP for e in _expressions(template, "Prefix"))


def uses_partition_keys(template: str | None) -> bool:
    """Return whether ``template`` contains a ``partitionKeyFrom*`` expression."""
    expressions = _expressions(template, "Prefix")
    return any(e.namespace in PARTITION_NAMESPACES for e in expressions)


def partition_key_names(template: str | None) -> tuple[set[str], set[str]]:
    """Return the partition key names in ``template``: (from query, from Lambda)."""
    from_query: set[str] = set()
    from_lambda: set[str] = set()
    for expression in _expressions(template, "Prefix"):
        if expression.namespace == KEY_FROM_QUERY:
            from_query.add(expression.value)
        elif expression.namespace == KEY_FROM_LAMBDA:
            from_lambda.add(expression.value)
    return from_query, from_lambda


def validate_prefixes(
    prefix: str | None,
    error_output_prefix: str | None,
    *,
    dynamic_partitioning: bool = False,
    query_keys: set[str] | None = None,
) -> None:
    """Raise ``InvalidArgumentException`` unless Firehose accepts the two prefixes.

    ``query_keys`` are the keys that the MetadataExtraction query produces, and
    each of them must appear in ``Prefix`` as ``!{partitionKeyFromQuery:key}``.
    ``None`` skips that check. The messages are AWS's, as observed or as quoted
    by a third-party pre-flight linter.
    """
    prefix_expressions = _expressions(prefix, "Prefix")
    error_expressions = _expressions(error_output_prefix, "ErrorOutputPrefix")
    _check_namespace_placement(prefix_expressions, error_expressions)
    if prefix_expressions and not error_output_prefix:
        raise InvalidArgumentException(
            _CONSTRAINT_LEAD_IN + "ErrorOutputPrefix cannot be null or empty "
            "when Prefix contains expressions"
        )
    if error_expressions and not _has(error_expressions, FIREHOSE, ERROR_OUTPUT_TYPE):
        raise InvalidArgumentException(
            "ErrorOutputPrefix must contain at least one occurrence of "
            "!{firehose:error-output-type}"
        )
    _check_partition_keys(prefix, dynamic_partitioning, query_keys)
    _check_evaluated_lengths(prefix, error_output_prefix)


def _check_namespace_placement(
    prefix_expressions: list[Expression], error_expressions: list[Expression]
) -> None:
    if _has(prefix_expressions, FIREHOSE, ERROR_OUTPUT_TYPE):
        raise InvalidArgumentException(
            "Prefix must not contain any occurrence of !{firehose:error-output-type}"
        )
    if any(e.namespace in PARTITION_NAMESPACES for e in error_expressions):
        raise InvalidArgumentException(
            "Dynamic Partitioning Namespaces can't be part of an error prefix "
            "expression"
        )


def _check_partition_keys(
    prefix: str | None, dynamic_partitioning: bool, query_keys: set[str] | None
) -> None:
    if dynamic_partitioning and not uses_partition_keys(prefix):
        raise InvalidArgumentException(
            "S3 Prefix should contain Dynamic Partitioning namespaces "
            "when Dynamic Partitioning is enabled"
        )
    used_query_keys, _ = partition_key_names(prefix)
    if query_keys is not None and not set(query_keys) <= used_query_keys:
        raise InvalidArgumentException(
            "MetaDataExtraction JQ Query can't contain keys that are not present "
            "in the S3 Prefix expression"
        )


def _check_evaluated_lengths(
    prefix: str | None, error_output_prefix: str | None
) -> None:
    limit = MAX_EVALUATED_PREFIX_LENGTH
    if max_evaluated_length(effective_prefix(prefix)) > limit:
        raise InvalidArgumentException(
            f"Length of evaluated prefix cannot be greater than {limit}"
        )
    if not error_output_prefix:
        return
    error_template = effective_error_prefix(prefix, error_output_prefix)
    if max_evaluated_length(error_template) > limit:
        raise InvalidArgumentException(
            f"Length of evaluated ErrorOutputPrefix cannot be greater than {limit}"
        )


def max_evaluated_length(template: str) -> int:
    """Return the longest string that ``template`` can evaluate to, in characters.

    A timestamp counts its pattern's widest output for four-digit years, a
    random string 11 characters, and an error output type the longest type
    name. A partition key counts as long as its own ``!{...}`` placeholder.
    """
    # NOTE: AWS does not document how it bounds a partition key value, which
    # is unknown until records arrive. The placeholder length is an assumption.
    total = 0
    for part in _parse(template, "Prefix"):
        if isinstance(part, str):
            total += len(part)
        elif part.namespace == TIMESTAMP:
            total += compile_pattern(part.value).max_width
        elif part.namespace == FIREHOSE and part.value == RANDOM_STRING:
            total += RANDOM_STRING_LENGTH
        elif part.namespace == FIREHOSE:
            total += max(len(name) for name in ERROR_OUTPUT_TYPES)
        else:
            total += part.end - part.start
    return total


def _with_time_path(template: str) -> str:
    # Firehose appends the default time path to a prefix that has no timestamp
    # expression. A prefix with partition keys is used as given, as in the
    # documented dynamic partitioning example keys.
    if uses_timestamp(template) or uses_partition_keys(template):
        return template
    return template + DEFAULT_TIME_PATH


def effective_prefix(prefix: str | None) -> str:
    """Return the template that Firehose evaluates for a data object's key.

    No prefix gives the default UTC time path ``yyyy/MM/dd/HH/``. The time path
    is appended without a separator, so ``vascular`` becomes
    ``vascular2026/12/04/15/``. A prefix that contains only
    ``!{firehose:random-string}`` also gets the time path.
    """
    if not prefix:
        return DEFAULT_TIME_PATH
    return _with_time_path(prefix)


def effective_error_prefix(prefix: str | None, error_output_prefix: str | None) -> str:
    """Return the template that Firehose evaluates for an error object's key.

    Without an ErrorOutputPrefix the error type and the time path follow the
    Prefix, as AWS wrote ``retries/processing-failed/2025/03/04/11/`` for the
    Prefix ``retries/``.
    """
    if error_output_prefix:
        return _with_time_path(error_output_prefix)
    return f"{prefix or ''}!{{firehose:{ERROR_OUTPUT_TYPE}}}/{DEFAULT_TIME_PATH}"


def evaluate(
    template: str,
    *,
    instant: datetime,
    rng: random.Random,
    error_output_type: str | None = None,
    partition_keys_from_query: Mapping[str, str] | None = None,
    partition_keys_from_lambda: Mapping[str, str] | None = None,
) -> str:
    """Evaluate ``template`` into the prefix of one object key.

    :param instant: aware time in the stream's zone, used by every timestamp.
    :param rng: the only source of the random strings, one per occurrence.
    :param error_output_type: the value of ``!{firehose:error-output-type}``.
    :raises KeyError: a partition key is missing, ``None`` or empty. The
        exception's argument is the key name.
    :raises ValueError: the template needs ``error_output_type`` and it is None.
    """
    pieces: list[str] = []
    for part in _parse(template, "Prefix"):
        if isinstance(part, str):
            pieces.append(part)
        elif part.namespace == TIMESTAMP:
            pieces.append(compile_pattern(part.value).format(instant))
        elif part.namespace == FIREHOSE:
            pieces.append(_firehose_value(part.value, rng, error_output_type))
        elif part.namespace == KEY_FROM_QUERY:
            pieces.append(_partition_key(part.value, partition_keys_from_query))
        else:
            pieces.append(_partition_key(part.value, partition_keys_from_lambda))
    return "".join(pieces)


def _firehose_value(
    value: str, rng: random.Random, error_output_type: str | None
) -> str:
    if value == RANDOM_STRING:
        return "".join(rng.choices(RANDOM_STRING_ALPHABET, k=RANDOM_STRING_LENGTH))
    if error_output_type is None:
        raise ValueError(
            "error_output_type is required to evaluate !{firehose:error-output-type}"
        )
    return error_output_type


def _partition_key(name: str, keys: Mapping[str, str] | None) -> str:
    value = (keys or {}).get(name)
    if value is None or value == "":
        raise KeyError(name)
    return str(value)


def validate_custom_time_zone(name: str | None, *, field_path: str) -> None:
    """Raise unless ``name`` is a valid ``CustomTimeZone``.

    ``ValidationException`` reports a value that breaks the API model (at most
    50 characters matching ``^$|[a-zA-Z/_]+``), worded as AWS does, with
    ``field_path`` such as ``extendedS3DestinationConfiguration.customTimeZone``.
    ``InvalidArgumentException`` reports a well-formed name that is not a time
    zone. ``None`` and the empty string mean UTC.
    """
    if name is None:
        return
    constraints = []
    if not re.fullmatch(_TIME_ZONE_PATTERN, name):
        constraints.append(
            f"Member must satisfy regular expression pattern: {_TIME_ZONE_PATTERN}"
        )
    if len(name) > _TIME_ZONE_MAX_LENGTH:
        constraints.append(
            f"Member must have length less than or equal to {_TIME_ZONE_MAX_LENGTH}"
        )
    if len(constraints) == 1:
        raise ValidationException(validation_message(field_path, name, constraints[0]))
    if constraints:
        raise ValidationException(_two_violations(field_path, name, constraints))
    zone_for(name)


def _two_violations(path: str, value: str, constraints: list[str]) -> str:
    details = "; ".join(
        f"Value '{value}' at '{path}' failed to satisfy constraint: {constraint}"
        for constraint in constraints
    )
    return f"{len(constraints)} validation errors detected: {details}"


@functools.lru_cache(maxsize=1)
def _known_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def zone_for(name: str | None) -> tzinfo:
    """Return the time zone for a ``CustomTimeZone``: UTC when it is unset or empty.

    Raises ``InvalidArgumentException`` for a name that is not in the tz
    database.
    """
    if not name:
        return zoneinfo.ZoneInfo("UTC")
    # NOTE: AWS does not document what it does with an unlisted zone. Rejecting
    # it at configuration time is an assumption.
    if name not in _known_zone_names():
        raise InvalidArgumentException(
            f"CustomTimeZone {name} is not a supported time zone. Use a time zone "
            "ID from the tz database, for example America/New_York."
        )
    return zoneinfo.ZoneInfo(name)
