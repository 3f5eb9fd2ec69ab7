"""Tests for validating and parsing processing and dynamic-partitioning settings."""

from __future__ import annotations

import copy

import pytest

from emulator.errors import InvalidArgumentException, ValidationException
from emulator.processing_config import (
    LambdaSettings,
    parse_processing,
    query_keys,
    validate_processing,
)

SHAPE = "extendedS3DestinationConfiguration"
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:transform:$LATEST"
QUERY = '{customer_id: .customer_id, year: .ts|strftime("%Y")}'


def parameter(name: str, value: str) -> dict:
    return {"ParameterName": name, "ParameterValue": value}


def lambda_processor(*extra: dict) -> dict:
    return {
        "Type": "Lambda",
        "Parameters": [parameter("LambdaArn", LAMBDA_ARN), *extra],
    }


def metadata_processor(query: str = QUERY, engine: str | None = "JQ-1.6") -> dict:
    parameters = [parameter("MetadataExtractionQuery", query)]
    if engine is not None:
        parameters.append(parameter("JsonParsingEngine", engine))
    return {"Type": "MetadataExtraction", "Parameters": parameters}


def plain_destination(*processors: dict, enabled: bool = True) -> dict:
    return {
        "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300},
        "Prefix": "data/",
        "ProcessingConfiguration": {"Enabled": enabled, "Processors": list(processors)},
    }


def dynamic_destination(*processors: dict) -> dict:
    return {
        "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 60},
        "Prefix": "customer=!{partitionKeyFromQuery:customer_id}/"
        "year=!{partitionKeyFromQuery:year}/",
        "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
        "DynamicPartitioningConfiguration": {"Enabled": True},
        "ProcessingConfiguration": {"Enabled": True, "Processors": list(processors)},
    }


def invalid_argument(destination: dict, shape_path: str = SHAPE) -> str:
    with pytest.raises(InvalidArgumentException) as caught:
        validate_processing(destination, shape_path=shape_path)
    assert caught.value.code == "InvalidArgumentException"
    return caught.value.message


def validation_error(destination: dict, shape_path: str = SHAPE) -> str:
    with pytest.raises(ValidationException) as caught:
        validate_processing(destination, shape_path=shape_path)
    assert caught.value.code == "ValidationException"
    return caught.value.message


# Model constraints ---------------------------------------------------------


def test_validate_unknown_processor_type_names_path_and_enum():
    message = validation_error(plain_destination({"Type": "NotLambda"}))

    assert message.startswith("1 validation error detected: Value 'NotLambda' at ")
    assert f"'{SHAPE}.processingConfiguration.processors.1.member.type'" in message
    assert (
        "Member must satisfy enum value set: [Decompression, Lambda, "
        "RecordDeAggregation, MetadataExtraction, AppendDelimiterToRecord, "
        "CloudWatchLogProcessing]"
    ) in message


def test_validate_unknown_parameter_name_uses_update_shape_path():
    destination = plain_destination(lambda_processor(parameter("Bogus", "1")))

    message = validation_error(destination, shape_path="extendedS3DestinationUpdate")

    assert (
        "'extendedS3DestinationUpdate.processingConfiguration.processors.1.member"
        ".parameters.2.member.parameterName'"
    ) in message
    assert "Member must satisfy enum value set: [DataMessageExtraction, " in message


def test_validate_missing_type_is_not_null_violation():
    message = validation_error(plain_destination({"Parameters": []}))

    assert "Value null at" in message
    assert "processors.1.member.type' failed to satisfy constraint: " in message
    assert message.endswith("Member must not be null")


def test_validate_blank_parameter_value_fails_pattern():
    destination = plain_destination(
        {"Type": "Lambda", "Parameters": [parameter("LambdaArn", "   ")]}
    )

    message = validation_error(destination)

    assert message.startswith("1 validation error detected: ")
    assert "parameters.1.member.parameterValue" in message
    assert "Member must satisfy regular expression pattern: ^(?!\\s*$).+" in message


def test_validate_empty_parameter_value_reports_length_and_pattern():
    destination = plain_destination(
        {"Type": "Lambda", "Parameters": [parameter("LambdaArn", "")]}
    )

    message = validation_error(destination)

    assert message.startswith("2 validation errors detected: ")
    assert "Member must have length greater than or equal to 1; Value" in message
    assert message.endswith(
        "Member must satisfy regular expression pattern: ^(?!\\s*$).+"
    )


def test_validate_parameter_value_over_5120_characters_fails_length():
    destination = plain_destination(lambda_processor(parameter("RoleArn", "a" * 5121)))

    message = validation_error(destination)

    assert "Member must have length less than or equal to 5120" in message


@pytest.mark.parametrize(
    ("duration", "constraint"),
    [
        (7201, "Member must have value less than or equal to 7200"),
        (-1, "Member must have value greater than or equal to 0"),
    ],
    ids=["above-7200", "negative"],
)
def test_validate_retry_duration_out_of_range_fails(duration, constraint):
    destination = dynamic_destination(metadata_processor())
    destination["DynamicPartitioningConfiguration"]["RetryOptions"] = {
        "DurationInSeconds": duration
    }

    message = validation_error(destination)

    assert (
        f"'{SHAPE}.dynamicPartitioningConfiguration.retryOptions.durationInSeconds'"
    ) in message
    assert message.endswith(constraint)


def test_validate_retry_duration_7200_is_accepted():
    destination = dynamic_destination(metadata_processor())
    destination["DynamicPartitioningConfiguration"]["RetryOptions"] = {
        "DurationInSeconds": 7200
    }

    validate_processing(destination, shape_path=SHAPE)

    assert parse_processing(destination).dynamic_partitioning_retry_seconds == 7200


# Lambda processor ------------------------------------------------------------


def test_validate_lambda_without_arn_is_rejected():
    destination = plain_destination(
        {"Type": "Lambda", "Parameters": [parameter("NumberOfRetries", "2")]}
    )

    message = invalid_argument(destination)

    assert message == "LambdaArn is required when Lambda processor is used."


@pytest.mark.parametrize("given", ["BufferSizeInMBs", "BufferIntervalInSeconds"])
def test_validate_lambda_buffering_half_given_is_rejected(given):
    destination = plain_destination(lambda_processor(parameter(given, "1")))

    message = invalid_argument(destination)

    assert message == (
        "Both BufferSizeInMBs and BufferIntervalInSeconds are required to configure "
        "buffering for lambda processor."
    )


@pytest.mark.parametrize("size", ["0.1", "3.5", "big", "nan"])
def test_validate_lambda_buffer_size_out_of_range(size):
    destination = plain_destination(
        lambda_processor(
            parameter("BufferSizeInMBs", size),
            parameter("BufferIntervalInSeconds", "60"),
        )
    )

    message = invalid_argument(destination)

    assert message == "BufferSizeInMBs for lambda processor must be between 0.2 and 3."


@pytest.mark.parametrize("interval", ["-1", "901", "1.5"])
def test_validate_lambda_buffer_interval_out_of_range(interval):
    destination = plain_destination(
        lambda_processor(
            parameter("BufferSizeInMBs", "1"),
            parameter("BufferIntervalInSeconds", interval),
        )
    )

    message = invalid_argument(destination)

    assert message == (
        "BufferIntervalInSeconds for lambda processor must be between 0 and 900."
    )


@pytest.mark.parametrize("retries", ["-1", "301", "three"])
def test_validate_number_of_retries_out_of_range(retries):
    destination = plain_destination(
        lambda_processor(parameter("NumberOfRetries", retries))
    )

    message = invalid_argument(destination)

    assert message == "Number of retries for lambda must be between 0 and 300."


@pytest.mark.parametrize("retries", ["0", "300"])
def test_validate_number_of_retries_at_bounds_is_accepted(retries):
    destination = plain_destination(
        lambda_processor(parameter("NumberOfRetries", retries))
    )

    validate_processing(destination, shape_path=SHAPE)

    assert parse_processing(destination).lambda_.number_of_retries == int(retries)


def test_validate_two_lambda_processors_are_rejected():
    destination = plain_destination(lambda_processor(), lambda_processor())

    message = invalid_argument(destination)

    assert message == "Cannot have more than 1 Lambda processor."


def test_validate_six_processors_are_rejected():
    processors = [{"Type": "AppendDelimiterToRecord"}] * 6

    message = invalid_argument(plain_destination(*processors))

    assert message == (
        "A maximum of 5 and a minimum of 1 processor needs to be supplied when "
        "processing is enabled."
    )


def test_validate_enabled_without_processors_is_rejected():
    message = invalid_argument(plain_destination())

    assert message.startswith("A maximum of 5 and a minimum of 1 processor")


def test_validate_cloudwatch_processing_without_decompression_is_rejected():
    destination = plain_destination({"Type": "CloudWatchLogProcessing"})

    message = invalid_argument(destination)

    assert message == (
        "CloudWatchLogProcessingProcessor can only be enabled with DecompressionProcessor"
    )


def test_validate_disabled_processing_skips_firehose_rules():
    destination = plain_destination(
        {"Type": "Lambda", "Parameters": [parameter("NumberOfRetries", "900")]},
        enabled=False,
    )

    validate_processing(destination, shape_path=SHAPE)

    settings = parse_processing(destination)
    assert settings.enabled is False
    assert settings.lambda_ is None


# Dynamic-partitioning processors ------------------------------------------------


@pytest.mark.parametrize(
    "processor_type", ["MetadataExtraction", "RecordDeAggregation"]
)
def test_validate_partitioning_processor_needs_dynamic_partitioning(processor_type):
    processor = (
        metadata_processor()
        if processor_type == "MetadataExtraction"
        else {
            "Type": "RecordDeAggregation",
            "Parameters": [parameter("SubRecordType", "JSON")],
        }
    )

    message = invalid_argument(plain_destination(processor))

    assert message == (
        f"class com.amazonaws.services.firehose.internal.model.{processor_type}"
        "Processor can only be present when Dynamic Partitioning is enabled."
    )


@pytest.mark.parametrize("engine", ["JQ-1.5", None], ids=["wrong", "missing"])
def test_validate_json_parsing_engine_not_jq16_rejected(engine):
    destination = dynamic_destination(metadata_processor(engine=engine))

    message = invalid_argument(destination)

    assert message == "MetaDataExtraction JSON Parsing Engine has to be one of JQ-1.6"


def test_validate_metadata_extraction_without_query_is_rejected():
    destination = dynamic_destination(
        {
            "Type": "MetadataExtraction",
            "Parameters": [parameter("JsonParsingEngine", "JQ-1.6")],
        }
    )

    message = invalid_argument(destination)

    assert message == (
        "MetadataExtractionQuery is required when MetadataExtraction processor is used."
    )


def test_validate_sub_record_type_outside_enum_is_rejected():
    destination = dynamic_destination(
        metadata_processor(),
        {
            "Type": "RecordDeAggregation",
            "Parameters": [parameter("SubRecordType", "XML")],
        },
    )

    message = invalid_argument(destination)

    assert message == "SubRecordType has to be one of JSON, DELIMITED"


def test_validate_delimited_without_delimiter_is_rejected():
    destination = dynamic_destination(
        metadata_processor(),
        {
            "Type": "RecordDeAggregation",
            "Parameters": [parameter("SubRecordType", "DELIMITED")],
        },
    )

    message = invalid_argument(destination)

    assert message == "Delimiter should be present for DELIMITED"


def test_validate_delimiter_not_base64_is_rejected():
    destination = dynamic_destination(
        metadata_processor(),
        {
            "Type": "RecordDeAggregation",
            "Parameters": [
                parameter("SubRecordType", "DELIMITED"),
                parameter("Delimiter", "####"),
            ],
        },
    )

    message = invalid_argument(destination)

    assert message == (
        "Delimiter '####' is not a valid base64-encoded string; encode the delimiter, "
        "for example #### as IyMjIw==."
    )


def test_validate_append_delimiter_with_parameters_is_accepted():
    destination = plain_destination(
        {
            "Type": "AppendDelimiterToRecord",
            "Parameters": [parameter("Delimiter", "Cg==")],
        }
    )

    validate_processing(destination, shape_path=SHAPE)

    assert parse_processing(destination).append_delimiter is True


# Dynamic partitioning ----------------------------------------------------------


def test_validate_dynamic_partitioning_without_error_prefix_is_rejected():
    destination = dynamic_destination(metadata_processor())
    del destination["ErrorOutputPrefix"]

    message = invalid_argument(destination)

    assert message == (
        "Ths supplied prefix(es) do not satisfy the following constraint: "
        "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions"
    )


def test_validate_plain_prefix_without_error_prefix_rejected():
    destination = dynamic_destination(lambda_processor())
    destination["Prefix"] = "data/"
    destination["ErrorOutputPrefix"] = ""

    message = invalid_argument(destination)

    assert message.endswith(
        "ErrorOutputPrefix cannot be null or empty when Dynamic Partitioning is enabled"
    )


def test_validate_dynamic_partitioning_size_below_64_is_rejected():
    destination = dynamic_destination(metadata_processor())
    destination["BufferingHints"]["SizeInMBs"] = 63

    message = invalid_argument(destination)

    assert message == (
        "BufferingHints.SizeInMBs must be at least 64 when Dynamic Partitioning is "
        "enabled."
    )


def test_validate_dynamic_partitioning_zero_interval_is_rejected():
    destination = dynamic_destination(metadata_processor())
    destination["BufferingHints"]["IntervalInSeconds"] = 0

    message = invalid_argument(destination)

    assert message == (
        "Zero buffering (BufferingHints.IntervalInSeconds 0) is not supported when "
        "Dynamic Partitioning is enabled."
    )


def test_validate_query_key_missing_from_prefix_is_rejected():
    destination = dynamic_destination(metadata_processor())
    destination["Prefix"] = "customer=!{partitionKeyFromQuery:customer_id}/"

    message = invalid_argument(destination)

    assert message == (
        "MetaDataExtraction JQ Query can't contain keys that are not present in the "
        "S3 Prefix expression"
    )


def test_validate_complete_dynamic_destination_parses_every_setting():
    destination = dynamic_destination(
        {
            "Type": "RecordDeAggregation",
            "Parameters": [
                parameter("SubRecordType", "DELIMITED"),
                parameter("Delimiter", "IyMjIw=="),
            ],
        },
        lambda_processor(
            parameter("NumberOfRetries", "5"),
            parameter("BufferSizeInMBs", "0.5"),
            parameter("BufferIntervalInSeconds", "30"),
            parameter("RoleArn", "arn:aws:iam::123456789012:role/invoke"),
        ),
        metadata_processor(),
        {"Type": "AppendDelimiterToRecord"},
    )
    original = copy.deepcopy(destination)

    validate_processing(destination, shape_path=SHAPE)
    settings = parse_processing(destination)

    assert destination == original
    assert settings.enabled is True
    assert settings.lambda_ == LambdaSettings(
        arn=LAMBDA_ARN,
        number_of_retries=5,
        buffer_size_bytes=524_288,
        buffer_interval_seconds=30.0,
        role_arn="arn:aws:iam::123456789012:role/invoke",
    )
    assert settings.metadata_query == QUERY
    assert settings.deaggregation == "DELIMITED"
    assert settings.delimiter == b"####"
    assert settings.append_delimiter is True
    assert settings.dynamic_partitioning is True
    assert settings.dynamic_partitioning_retry_seconds == 300


def test_parse_lambda_defaults_match_aws():
    settings = parse_processing(plain_destination(lambda_processor()))

    assert settings.lambda_.number_of_retries == 3
    assert settings.lambda_.buffer_size_bytes == 1_048_576
    assert settings.lambda_.buffer_interval_seconds == 60.0
    assert settings.lambda_.role_arn is None
    assert settings.metadata_query is None
    assert settings.deaggregation is None
    assert settings.append_delimiter is False
    assert settings.dynamic_partitioning is False


def test_parse_destination_without_processing_is_disabled():
    settings = parse_processing({"Prefix": "data/"})

    assert settings.enabled is False
    assert settings.lambda_ is None
    assert settings.dynamic_partitioning_retry_seconds == 300


# query_keys ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        (QUERY, {"customer_id", "year"}),
        ('{"device-type": .device.type, region}', {"device-type", "region"}),
        ("{$__loc__, a: {b: .c}, d: .e[1:2]}", {"__loc__", "a", "d"}),
        ('{a: "x:\\(.y, "z")", b: 1} # c: 2', {"a", "b"}),
        ("{(.name): .value, fixed: 1}", {"fixed"}),
    ],
    ids=[
        "identifiers",
        "string-and-shorthand",
        "variable",
        "interpolation",
        "computed",
    ],
)
def test_query_keys_returns_top_level_keys(query, keys):
    assert query_keys(query) == keys


def test_query_keys_invalid_jq_is_rejected():
    with pytest.raises(InvalidArgumentException) as caught:
        query_keys("{a: .x | nosuchfunction}")

    assert caught.value.message.startswith(
        "MetaDataExtraction JQ Query is not a valid JQ expression: jq: error: "
    )
    assert "nosuchfunction/0 is not defined" in caught.value.message


def test_query_keys_non_object_query_is_rejected():
    with pytest.raises(InvalidArgumentException) as caught:
        query_keys(".customer_id")

    assert caught.value.message == (
        "MetaDataExtraction JQ Query must be a JSON object construction such as "
        "{customer_id: .customer_id}: the query must be one object construction {...}"
    )
