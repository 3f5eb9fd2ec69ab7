"""Tests for emulator.prefixes: S3 prefix expressions, validation and evaluation."""

from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest

from emulator.errors import InvalidArgumentException, ValidationException
from emulator.prefixes import (
    DEFAULT_TIME_PATH,
    RANDOM_STRING_ALPHABET,
    Expression,
    effective_error_prefix,
    effective_prefix,
    evaluate,
    format_java_datetime,
    max_evaluated_length,
    parse,
    partition_key_names,
    uses_partition_keys,
    uses_timestamp,
    validate_custom_time_zone,
    validate_prefixes,
    zone_for,
)

INSTANT = datetime(2026, 12, 4, 15, 7, 9, tzinfo=timezone.utc)
ERROR_TYPE = "!{firehose:error-output-type}"
ZONE_PATH = "extendedS3DestinationConfiguration.customTimeZone"
REJECTED_LETTERS = "CIJPRTUVbfijloprt"
ACCEPTED_LETTERS = "ABDEFGHKLMNOQSWXYZacdeghkmnqsuvwxyz"


def rejection(prefix, error_output_prefix, **options) -> InvalidArgumentException:
    with pytest.raises(InvalidArgumentException) as caught:
        validate_prefixes(prefix, error_output_prefix, **options)
    assert caught.value.code == "InvalidArgumentException"
    return caught.value


def key_prefix(template, *, instant=INSTANT, seed=0, **options) -> str:
    return evaluate(template, instant=instant, rng=random.Random(seed), **options)


def test_parse_mixed_template_returns_parts_in_order():
    parts = parse("logs/!{timestamp:yyyy}/x!{firehose:random-string}", field="Prefix")

    assert parts == [
        "logs/",
        Expression("timestamp", "yyyy", 5, 22),
        "/x",
        Expression("firehose", "random-string", 24, 49),
    ]


def test_parse_value_with_colon_keeps_colon_in_value():
    parts = parse("!{timestamp:HH:mm}", field="Prefix")

    assert parts == [Expression("timestamp", "HH:mm", 0, 18)]


def test_parse_braces_without_bang_stay_literal():
    assert parse("a{b}!c/", field="Prefix") == ["a{b}!c/"]


@pytest.mark.parametrize(
    "template",
    [
        "logs/!{timestamp:yyyy",
        "logs/!{",
        "!{timestamp}",
        "!{timestamp:}",
        "!{timestamp:!{firehose:random-string}}",
    ],
)
def test_parse_malformed_expression_raises_invalid_usage(template):
    with pytest.raises(InvalidArgumentException) as caught:
        parse(template, field="Prefix")

    assert caught.value.message == "Invalid expression usage"


def test_parse_unknown_namespace_names_it():
    with pytest.raises(InvalidArgumentException) as caught:
        parse("!{time:yyyy}", field="Prefix")

    assert caught.value.message == (
        "Namespace to the left of colon (time) is an invalid keyword!"
    )


@pytest.mark.parametrize("field", ["Prefix", "ErrorOutputPrefix"])
@pytest.mark.parametrize(
    "expression", ["!{firehose:random}", "!{firehose:uuid}", "!{timestamp:yyyy-ii}"]
)
def test_parse_bad_value_raises_invalid_conversion_for_field(field, expression):
    with pytest.raises(InvalidArgumentException) as caught:
        parse(expression, field=field)

    assert caught.value.message == (
        f"Invalid conversion character used in the value of the expression in {field}"
    )


@pytest.mark.parametrize("letter", list(REJECTED_LETTERS))
def test_validate_prefixes_rejected_pattern_letter_raises(letter):
    error = rejection(f"p/!{{timestamp:{letter}}}/", f"e/{ERROR_TYPE}/")

    assert error.message == (
        "Invalid conversion character used in the value of the expression in Prefix"
    )


@pytest.mark.parametrize("letter", list(REJECTED_LETTERS))
def test_validate_prefixes_error_prefix_letter_names_field(letter):
    error = rejection(None, f"e/{ERROR_TYPE}/!{{timestamp:{letter}}}/")

    assert error.message == (
        "Invalid conversion character used in the value of the expression "
        "in ErrorOutputPrefix"
    )


@pytest.mark.parametrize("letter", list(ACCEPTED_LETTERS))
def test_validate_prefixes_accepted_pattern_letter_passes(letter):
    prefix = f"p/!{{timestamp:{letter}}}/"

    validate_prefixes(prefix, f"e/{ERROR_TYPE}/")

    assert uses_timestamp(prefix)


@pytest.mark.parametrize(
    ("pattern", "accepted"),
    [
        ("V", False),
        ("VV", True),
        ("VVV", False),
        ("yyyy'-'MM'-'dd", True),
        ("'year='yyyy", True),
        ("'o''clock'", True),
        ("yyyy'-MM", False),
        ("HHH", False),
    ],
)
def test_validate_prefixes_timestamp_pattern_follows_java(pattern, accepted):
    prefix = f"p/!{{timestamp:{pattern}}}/"
    if accepted:
        validate_prefixes(prefix, f"e/{ERROR_TYPE}/")
        assert uses_timestamp(prefix)
    else:
        error = rejection(prefix, f"e/{ERROR_TYPE}/")
        assert error.message.startswith("Invalid conversion character")


@pytest.mark.parametrize("error_output_prefix", [None, ""])
def test_validate_prefixes_expressions_without_error_prefix_raises(
    error_output_prefix,
):
    error = rejection("p/!{timestamp:yyyy}/", error_output_prefix)

    assert error.message == (
        "Ths supplied prefix(es) do not satisfy the following constraint: "
        "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions"
    )


def test_validate_prefixes_random_string_needs_error_prefix():
    error = rejection("p/!{firehose:random-string}/", None)

    assert "ErrorOutputPrefix cannot be null or empty" in error.message


def test_validate_prefixes_error_prefix_without_error_type_raises():
    error = rejection("p/!{timestamp:yyyy}/", "e/!{timestamp:yyyy}/")

    assert error.message == (
        "ErrorOutputPrefix must contain at least one occurrence of "
        "!{firehose:error-output-type}"
    )


def test_validate_prefixes_error_type_in_prefix_raises():
    error = rejection(f"p/{ERROR_TYPE}/", f"e/{ERROR_TYPE}/")

    assert error.message == (
        "Prefix must not contain any occurrence of !{firehose:error-output-type}"
    )


@pytest.mark.parametrize(
    "key", ["!{partitionKeyFromQuery:id}", "!{partitionKeyFromLambda:id}"]
)
def test_validate_prefixes_partition_key_in_error_prefix_raises(key):
    error = rejection("p/!{partitionKeyFromQuery:id}/", f"e/{ERROR_TYPE}/{key}/")

    assert error.message == (
        "Dynamic Partitioning Namespaces can't be part of an error prefix expression"
    )


@pytest.mark.parametrize("prefix", [None, "static/", "p/!{timestamp:yyyy}/"])
def test_validate_prefixes_dynamic_partitioning_without_keys_raises(prefix):
    error = rejection(prefix, f"e/{ERROR_TYPE}/", dynamic_partitioning=True)

    assert error.message == (
        "S3 Prefix should contain Dynamic Partitioning namespaces when Dynamic "
        "Partitioning is enabled"
    )


def test_validate_prefixes_query_key_missing_from_prefix_raises():
    error = rejection(
        "c=!{partitionKeyFromQuery:customer}/",
        f"e/{ERROR_TYPE}/",
        dynamic_partitioning=True,
        query_keys={"customer", "device"},
    )

    assert error.message == (
        "MetaDataExtraction JQ Query can't contain keys that are not present in "
        "the S3 Prefix expression"
    )


def test_validate_prefixes_lambda_key_not_query_key():
    error = rejection(
        "c=!{partitionKeyFromLambda:customer}/",
        f"e/{ERROR_TYPE}/",
        dynamic_partitioning=True,
        query_keys={"customer"},
    )

    assert error.message.startswith("MetaDataExtraction JQ Query")


def test_validate_prefixes_dynamic_partitioning_valid_config_passes():
    prefix = "c=!{partitionKeyFromQuery:customer}/d=!{partitionKeyFromLambda:d}/"

    validate_prefixes(
        prefix,
        f"errors/{ERROR_TYPE}/!{{timestamp:yyyy/MM/dd}}/",
        dynamic_partitioning=True,
        query_keys={"customer"},
    )

    assert partition_key_names(prefix) == ({"customer"}, {"d"})


@pytest.mark.parametrize(
    ("prefix", "error_output_prefix"),
    [
        (None, None),
        ("", ""),
        ("vascular", None),
        ("vascular/", "errors/"),
        ("!{timestamp:yyyy}/", "errors/"),
        ("/retries/", None),
    ],
)
def test_validate_prefixes_valid_pairs_pass(prefix, error_output_prefix):
    validate_prefixes(prefix, error_output_prefix)

    assert max_evaluated_length(effective_prefix(prefix)) <= 512


def test_validate_prefixes_prefix_at_length_limit_passes():
    prefix = "a" * (512 - len("2026/12/04/15/"))

    validate_prefixes(prefix, None)

    assert max_evaluated_length(effective_prefix(prefix)) == 512


def test_validate_prefixes_prefix_over_length_limit_raises():
    prefix = "a" * (513 - len("2026/12/04/15/"))

    error = rejection(prefix, None)

    assert error.message == "Length of evaluated prefix cannot be greater than 512"


def test_validate_prefixes_long_timestamp_text_counts_max_width():
    # At most 490 + 4 + 1 + 9 + 1 + 9 = 514, though INSTANT prints only 510.
    prefix = "a" * 490 + "!{timestamp:yyyy/MMMM/EEEE}"

    error = rejection(prefix, f"e/{ERROR_TYPE}/")

    assert error.message == "Length of evaluated prefix cannot be greater than 512"


def test_validate_prefixes_error_prefix_at_length_limit_passes():
    # The longest error type is AmazonOpenSearchService-failed (30 characters).
    error_output_prefix = "e" * (512 - 30 - 1 - 14) + f"{ERROR_TYPE}/"

    validate_prefixes(None, error_output_prefix)

    assert (
        max_evaluated_length(effective_error_prefix(None, error_output_prefix)) == 512
    )


def test_validate_prefixes_error_prefix_over_length_limit_raises():
    error_output_prefix = "e" * (513 - 30 - 1 - 14) + f"{ERROR_TYPE}/"

    error = rejection(None, error_output_prefix)

    assert error.message == (
        "Length of evaluated ErrorOutputPrefix cannot be greater than 512"
    )


def test_max_evaluated_length_counts_each_expression_kind():
    template = (
        "x/!{firehose:random-string}/!{partitionKeyFromQuery:id}/"
        "!{firehose:error-output-type}/!{timestamp:yyyy}"
    )

    length = max_evaluated_length(template)

    assert length == 2 + 11 + 1 + len("!{partitionKeyFromQuery:id}") + 1 + 30 + 1 + 4


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        (None, DEFAULT_TIME_PATH),
        ("", DEFAULT_TIME_PATH),
        ("vascular", "vascular" + DEFAULT_TIME_PATH),
        ("vascular/", "vascular/" + DEFAULT_TIME_PATH),
        (
            "r/!{firehose:random-string}/",
            "r/!{firehose:random-string}/" + DEFAULT_TIME_PATH,
        ),
        ("y=!{timestamp:yyyy}/", "y=!{timestamp:yyyy}/"),
        ("c=!{partitionKeyFromQuery:c}/", "c=!{partitionKeyFromQuery:c}/"),
    ],
)
def test_effective_prefix_appends_time_path_only_without_expressions(prefix, expected):
    assert effective_prefix(prefix) == expected


@pytest.mark.parametrize(
    ("prefix", "error_output_prefix", "expected"),
    [
        ("retries/", None, f"retries/{ERROR_TYPE}/{DEFAULT_TIME_PATH}"),
        (None, None, f"{ERROR_TYPE}/{DEFAULT_TIME_PATH}"),
        ("", "", f"{ERROR_TYPE}/{DEFAULT_TIME_PATH}"),
        ("p/", "errors/", "errors/" + DEFAULT_TIME_PATH),
        ("p/", f"e/{ERROR_TYPE}/", f"e/{ERROR_TYPE}/{DEFAULT_TIME_PATH}"),
        (
            "p/",
            f"e/{ERROR_TYPE}/!{{timestamp:yyyy}}/",
            f"e/{ERROR_TYPE}/!{{timestamp:yyyy}}/",
        ),
    ],
)
def test_effective_error_prefix_follows_prefix_rules(
    prefix, error_output_prefix, expected
):
    assert effective_error_prefix(prefix, error_output_prefix) == expected


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("vascular", "vascular2026/12/04/15/"),
        ("vascular/", "vascular/2026/12/04/15/"),
        (None, "2026/12/04/15/"),
        ("year=!{timestamp:yyyy}/day=!{timestamp:dd}/", "year=2026/day=04/"),
        ("!{timestamp:yyyy'-'MM'-'dd}/", "2026-12-04/"),
    ],
)
def test_evaluate_data_prefix_matches_aws_keys(prefix, expected):
    assert key_prefix(effective_prefix(prefix)) == expected


def test_evaluate_default_error_prefix_matches_observed():
    instant = datetime(2025, 3, 4, 11, 48, 32, tzinfo=timezone.utc)
    template = effective_error_prefix("retries/", None)

    prefix = key_prefix(
        template, instant=instant, error_output_type="processing-failed"
    )

    assert prefix == "retries/processing-failed/2025/03/04/11/"


def test_evaluate_error_type_same_in_every_occurrence():
    template = f"{ERROR_TYPE}/x/{ERROR_TYPE}/"

    prefix = key_prefix(template, error_output_type="metadata-extraction-failed")

    assert prefix == "metadata-extraction-failed/x/metadata-extraction-failed/"


def test_evaluate_error_type_missing_raises_value_error():
    with pytest.raises(ValueError, match="error_output_type is required"):
        key_prefix(f"{ERROR_TYPE}/")


def test_evaluate_every_timestamp_uses_same_instant():
    instant = datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc)
    template = "!{timestamp:yyyy}/!{timestamp:MM-dd HH:mm:ss.SSS}/!{timestamp:yyyy}"

    assert key_prefix(template, instant=instant) == "2026/12-31 23:59:59.999/2026"


def test_evaluate_random_string_has_11_allowed_characters():
    prefix = key_prefix("!{firehose:random-string}", seed=7)

    assert len(prefix) == 11
    assert set(prefix) <= set(RANDOM_STRING_ALPHABET)


def test_evaluate_random_string_same_seed_reproduces_value():
    template = "a/!{firehose:random-string}/"

    assert key_prefix(template, seed=42) == key_prefix(template, seed=42)
    assert key_prefix(template, seed=42) != key_prefix(template, seed=43)


def test_evaluate_random_string_fresh_per_occurrence():
    prefix = key_prefix("!{firehose:random-string}/!{firehose:random-string}")

    first, second = prefix.split("/")
    assert len(first) == len(second) == 11
    assert first != second


def test_evaluate_random_string_draws_only_from_given_rng():
    rng = random.Random(5)
    expected = "".join(random.Random(5).choices(RANDOM_STRING_ALPHABET, k=11))

    prefix = evaluate("!{firehose:random-string}", instant=INSTANT, rng=rng)

    assert prefix == expected


def test_evaluate_partition_keys_fill_from_query_and_lambda():
    template = "c=!{partitionKeyFromQuery:customer}/d=!{partitionKeyFromLambda:device}/"

    prefix = key_prefix(
        template,
        partition_keys_from_query={"customer": "1234567890"},
        partition_keys_from_lambda={"device": "mobile"},
    )

    assert prefix == "c=1234567890/d=mobile/"


@pytest.mark.parametrize("keys", [None, {}, {"customer": ""}, {"other": "x"}])
def test_evaluate_partition_key_missing_raises_key_error(keys):
    with pytest.raises(KeyError) as caught:
        key_prefix(
            "c=!{partitionKeyFromQuery:customer}/", partition_keys_from_query=keys
        )

    assert caught.value.args == ("customer",)


def test_evaluate_query_key_not_taken_from_lambda_keys():
    with pytest.raises(KeyError) as caught:
        key_prefix(
            "c=!{partitionKeyFromQuery:customer}/",
            partition_keys_from_lambda={"customer": "1"},
        )

    assert caught.value.args == ("customer",)


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        (None, "2026/12/04/15/"),
        ("", "2026/12/04/15/"),
        ("UTC", "2026/12/04/15/"),
        ("America/New_York", "2026/12/04/10/"),
        ("Asia/Calcutta", "2026/12/04/20/"),
        ("Pacific/Auckland", "2026/12/05/04/"),
    ],
)
def test_evaluate_custom_time_zone_changes_time_path(zone, expected):
    instant = INSTANT.astimezone(zone_for(zone))

    assert key_prefix(DEFAULT_TIME_PATH, instant=instant) == expected


def test_evaluate_custom_time_zone_shows_half_hour_offset():
    instant = INSTANT.astimezone(zone_for("Asia/Calcutta"))

    assert key_prefix("!{timestamp:HH:mm xxx}/", instant=instant) == "20:37 +05:30/"


def test_uses_helpers_detect_expression_kinds():
    assert uses_timestamp("a/!{timestamp:yyyy}/")
    assert not uses_timestamp("a/!{firehose:random-string}/")
    assert not uses_timestamp(None)
    assert uses_partition_keys("a/!{partitionKeyFromLambda:k}/")
    assert not uses_partition_keys("a/!{timestamp:yyyy}/")


@pytest.mark.parametrize(
    "name",
    [None, "", "UTC", "America/New_York", "Asia/Calcutta", "America/Buenos_Aires"],
)
def test_validate_custom_time_zone_valid_name_passes(name):
    validate_custom_time_zone(name, field_path=ZONE_PATH)

    assert zone_for(name).key == (name or "UTC")


def test_validate_custom_time_zone_pattern_violation_raises_validation():
    with pytest.raises(ValidationException) as caught:
        validate_custom_time_zone("Etc/GMT+5", field_path=ZONE_PATH)

    assert caught.value.code == "ValidationException"
    assert caught.value.message == (
        "1 validation error detected: Value 'Etc/GMT+5' at "
        f"'{ZONE_PATH}' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: ^$|[a-zA-Z/_]+"
    )


def test_validate_custom_time_zone_too_long_raises_validation():
    name = "America/" + "a" * 43

    with pytest.raises(ValidationException) as caught:
        validate_custom_time_zone(name, field_path=ZONE_PATH)

    assert caught.value.message.endswith(
        "Member must have length less than or equal to 50"
    )
    assert caught.value.message.startswith("1 validation error detected")


def test_validate_custom_time_zone_two_violations_listed():
    name = "9" * 51

    with pytest.raises(ValidationException) as caught:
        validate_custom_time_zone(name, field_path=ZONE_PATH)

    assert caught.value.message.startswith("2 validation errors detected: ")
    assert "regular expression pattern" in caught.value.message
    assert "length less than or equal to 50" in caught.value.message


def test_validate_custom_time_zone_unknown_rejected():
    with pytest.raises(InvalidArgumentException) as caught:
        validate_custom_time_zone("Mars/Olympus_Mons", field_path=ZONE_PATH)

    assert caught.value.code == "InvalidArgumentException"
    assert "Mars/Olympus_Mons" in caught.value.message


def test_zone_for_unset_returns_utc():
    assert zone_for(None).key == "UTC"
    assert zone_for("").key == "UTC"


def test_format_java_datetime_reexported_from_prefixes():
    assert format_java_datetime("yyyy/MM/dd/HH", INSTANT) == "2026/12/04/15"
