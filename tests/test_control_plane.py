"""CreateDeliveryStream, Describe, List, Update, Delete and tags, through boto3."""

from __future__ import annotations

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from support.streams import ROLE_ARN, START, create_stream, s3_config

from emulator import FirehoseEmulator, ManualClock


@pytest.fixture
def firehose():
    with FirehoseEmulator(clock=ManualClock(START), seed=7) as emulator:
        yield emulator


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def _create(firehose, shape="ExtendedS3DestinationConfiguration", name="s1", **members):
    return firehose.client("firehose").create_delivery_stream(
        DeliveryStreamName=name, **{shape: s3_config(**members)}
    )


# Describe and defaults ---------------------------------------------------------


def test_describe_plain_s3_fills_aws_defaults(firehose):
    _create(firehose, shape="S3DestinationConfiguration")

    description = firehose.client("firehose").describe_delivery_stream(
        DeliveryStreamName="s1"
    )["DeliveryStreamDescription"]

    destination = description["Destinations"][0]
    assert description["VersionId"] == "1"
    assert description["DeliveryStreamStatus"] == "ACTIVE"
    assert description["DeliveryStreamType"] == "DirectPut"
    assert description["DeliveryStreamEncryptionConfiguration"] == {"Status": "DISABLED"}
    assert destination["DestinationId"] == "destinationId-000000000001"
    extended = destination["ExtendedS3DestinationDescription"]
    assert extended["BufferingHints"] == {"SizeInMBs": 5, "IntervalInSeconds": 300}
    assert extended["CompressionFormat"] == "UNCOMPRESSED"
    assert extended["EncryptionConfiguration"] == {"NoEncryptionConfig": "NoEncryption"}
    assert extended["CloudWatchLoggingOptions"] == {"Enabled": False}
    assert extended["S3BackupMode"] == "Disabled"


def test_describe_extended_shows_both_shapes(firehose):
    _create(firehose, FileExtension=".log", CustomTimeZone="Europe/Paris", Prefix="p/")

    destination = firehose.client("firehose").describe_delivery_stream(
        DeliveryStreamName="s1"
    )["DeliveryStreamDescription"]["Destinations"][0]

    plain = destination["S3DestinationDescription"]
    extended = destination["ExtendedS3DestinationDescription"]
    assert extended["FileExtension"] == ".log"
    assert extended["CustomTimeZone"] == "Europe/Paris"
    assert "FileExtension" not in plain
    assert "CustomTimeZone" not in plain
    assert "S3BackupMode" not in plain
    assert plain["Prefix"] == "p/"


def test_describe_create_timestamp_comes_from_emulator_clock(firehose):
    _create(firehose)

    description = firehose.client("firehose").describe_delivery_stream(
        DeliveryStreamName="s1"
    )["DeliveryStreamDescription"]

    assert description["CreateTimestamp"].isoformat() == "2026-12-04T15:00:00+00:00"
    assert "LastUpdateTimestamp" not in description


def test_describe_unknown_stream_not_found(firehose):
    with pytest.raises(ClientError) as excinfo:
        firehose.client("firehose").describe_delivery_stream(DeliveryStreamName="nope")

    assert _error(excinfo) == (
        "ResourceNotFoundException",
        "Firehose nope under account 123456789012 not found.",
    )


# Validation at create ----------------------------------------------------------


@pytest.mark.parametrize(
    ("hints", "path_and_constraint"),
    [
        (
            {"SizeInMBs": 129, "IntervalInSeconds": 60},
            "at 'extendedS3DestinationConfiguration.bufferingHints.sizeInMBs' failed to "
            "satisfy constraint: Member must have value less than or equal to 128",
        ),
        (
            {"SizeInMBs": 5, "IntervalInSeconds": 901},
            "at 'extendedS3DestinationConfiguration.bufferingHints.intervalInSeconds' "
            "failed to satisfy constraint: Member must have value less than or equal "
            "to 900",
        ),
    ],
    ids=["size-129", "interval-901"],
)
def test_create_buffering_hints_out_of_range_validation_error(firehose, hints, path_and_constraint):
    with pytest.raises(ClientError) as excinfo:
        _create(firehose, BufferingHints=hints)

    code, message = _error(excinfo)
    assert code == "ValidationException"
    assert path_and_constraint in message


@pytest.mark.parametrize(
    "hints", [{"SizeInMBs": 5}, {"IntervalInSeconds": 60}], ids=["size-only", "interval-only"]
)
def test_create_buffering_hints_half_given_invalid_argument(firehose, hints):
    with pytest.raises(ClientError) as excinfo:
        _create(firehose, BufferingHints=hints)

    code, message = _error(excinfo)
    assert code == "InvalidArgumentException"
    assert "specify both SizeInMBs and IntervalInSeconds" in message


def test_create_buffering_hints_interval_zero_accepted(firehose):
    _create(firehose, BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 0})

    hints = firehose.client("firehose").describe_delivery_stream(DeliveryStreamName="s1")[
        "DeliveryStreamDescription"
    ]["Destinations"][0]["ExtendedS3DestinationDescription"]["BufferingHints"]
    assert hints == {"SizeInMBs": 1, "IntervalInSeconds": 0}


@pytest.mark.parametrize("value", ["SNAPPY", "gzip", "LZ4"])
def test_create_unknown_compression_format_validation_error(firehose, value):
    with pytest.raises(ClientError) as excinfo:
        _create(firehose, CompressionFormat=value)

    code, message = _error(excinfo)
    assert code == "ValidationException"
    assert (
        f"Value '{value}' at 'extendedS3DestinationConfiguration.compressionFormat' "
        "failed to satisfy constraint: Member must satisfy enum value set: "
        "[ZIP, UNCOMPRESSED, Snappy, HADOOP_SNAPPY, GZIP]"
    ) in message


def test_create_plain_shape_compression_path_names_plain_shape(firehose):
    with pytest.raises(ClientError) as excinfo:
        _create(firehose, shape="S3DestinationConfiguration", CompressionFormat="BZIP2")

    assert "'s3DestinationConfiguration.compressionFormat'" in _error(excinfo)[1]


@pytest.mark.parametrize("extension", ["gz", ".GZ", ".a b", ".json/x"])
def test_create_bad_file_extension_validation_error(firehose, extension):
    with pytest.raises(ClientError) as excinfo:
        _create(firehose, FileExtension=extension)

    code, message = _error(excinfo)
    assert code == "ValidationException"
    assert "extendedS3DestinationConfiguration.fileExtension" in message


@pytest.mark.parametrize("zone", ["Europe/Paris!", "UTC+1", "x" * 51])
def test_create_bad_custom_time_zone_validation_error(firehose, zone):
    with pytest.raises(ClientError) as excinfo:
        _create(firehose, CustomTimeZone=zone)

    code, message = _error(excinfo)
    assert code == "ValidationException"
    assert "customTimeZone" in message


def test_create_two_destinations_invalid_argument(firehose):
    with pytest.raises(ClientError) as excinfo:
        firehose.client("firehose").create_delivery_stream(
            DeliveryStreamName="s1",
            S3DestinationConfiguration=s3_config(),
            ExtendedS3DestinationConfiguration=s3_config(),
        )

    assert _error(excinfo) == (
        "InvalidArgumentException",
        "Exactly one destination configuration is supported for a Firehose",
    )


def test_create_prefix_expression_without_error_prefix_aws_message(firehose):
    with pytest.raises(ClientError) as excinfo:
        _create(firehose, Prefix="events/!{timestamp:yyyy}/")

    assert _error(excinfo) == (
        "InvalidArgumentException",
        "Ths supplied prefix(es) do not satisfy the following constraint: "
        "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions",
    )


def test_create_error_output_type_in_prefix_rejected(firehose):
    with pytest.raises(ClientError) as excinfo:
        _create(
            firehose,
            Prefix="!{firehose:error-output-type}/",
            ErrorOutputPrefix="e/!{firehose:error-output-type}/",
        )

    code, message = _error(excinfo)
    assert code == "InvalidArgumentException"
    assert "Prefix must not contain any occurrence of !{firehose:error-output-type}" in message


def test_create_unknown_namespace_rejected(firehose):
    with pytest.raises(ClientError) as excinfo:
        _create(firehose, Prefix="!{clock:now}/", ErrorOutputPrefix="e/!{firehose:error-output-type}")

    assert "Namespace to the left of colon (clock) is an invalid keyword!" in _error(excinfo)[1]


def test_create_bad_timestamp_letter_rejected(firehose):
    with pytest.raises(ClientError) as excinfo:
        _create(
            firehose,
            Prefix="!{timestamp:yyyy-bb}/",
            ErrorOutputPrefix="e/!{firehose:error-output-type}/",
        )

    assert (
        "Invalid conversion character used in the value of the expression in Prefix"
        in _error(excinfo)[1]
    )


def test_create_evaluated_prefix_over_512_rejected(firehose):
    with pytest.raises(ClientError) as excinfo:
        _create(
            firehose,
            Prefix="a" * 500 + "!{timestamp:yyyy/MM/dd/HH}/",
            ErrorOutputPrefix="e/!{firehose:error-output-type}/",
        )

    assert "Length of evaluated prefix cannot be greater than 512" in _error(excinfo)[1]


def test_create_bad_role_arn_validation_error(firehose):
    with pytest.raises(ClientError) as excinfo:
        firehose.client("firehose").create_delivery_stream(
            DeliveryStreamName="s1",
            ExtendedS3DestinationConfiguration={
                "RoleARN": "not-an-arn",
                "BucketARN": "arn:aws:s3:::b",
            },
        )

    code, message = _error(excinfo)
    assert code == "ValidationException"
    assert "extendedS3DestinationConfiguration.roleARN" in message


def test_create_logging_enabled_without_group_rejected(firehose):
    with pytest.raises(ClientError) as excinfo:
        _create(firehose, CloudWatchLoggingOptions={"Enabled": True})

    assert _error(excinfo) == (
        "InvalidArgumentException",
        "CloudWatch Log Group Name is required if CloudWatch Logging is enabled",
    )


def test_create_duplicate_name_resource_in_use(firehose):
    _create(firehose)

    with pytest.raises(ClientError) as excinfo:
        _create(firehose)

    assert _error(excinfo)[0] == "ResourceInUseException"


def test_create_bad_stream_name_validation_error(firehose):
    with pytest.raises(ClientError) as excinfo:
        _create(firehose, name="bad name!")

    code, message = _error(excinfo)
    assert code == "ValidationException"
    assert "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+" in message


def test_create_vascular_document_configuration_accepted(firehose):
    firehose.client("firehose").create_delivery_stream(
        DeliveryStreamName="message-interaction-events",
        DeliveryStreamType="DirectPut",
        S3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::000000000000:role/firehose-to-s3-writer",
            "BucketARN": "arn:aws:s3:::vascular-inbox-events",
            "Prefix": "vascular",
            "ErrorOutputPrefix": "test-error-log",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
            "CompressionFormat": "UNCOMPRESSED",
            "CloudWatchLoggingOptions": {
                "Enabled": False,
                "LogGroupName": "",
                "LogStreamName": "",
            },
        },
        Tags=[{"Key": "Environment", "Value": "Production"}],
    )

    client = firehose.client("firehose")
    tags = client.list_tags_for_delivery_stream(DeliveryStreamName="message-interaction-events")
    plain = client.describe_delivery_stream(DeliveryStreamName="message-interaction-events")[
        "DeliveryStreamDescription"
    ]["Destinations"][0]["S3DestinationDescription"]
    assert tags["Tags"] == [{"Key": "Environment", "Value": "Production"}]
    assert plain["ErrorOutputPrefix"] == "test-error-log"
    assert plain["CloudWatchLoggingOptions"]["LogGroupName"] == ""


# List ---------------------------------------------------------------------------


def test_list_delivery_streams_defaults_to_ten_names(firehose):
    for index in range(12):
        _create(firehose, name=f"stream-{index:02d}")

    listing = firehose.client("firehose").list_delivery_streams()

    assert listing["DeliveryStreamNames"] == [f"stream-{i:02d}" for i in range(10)]
    assert listing["HasMoreDeliveryStreams"] is True


def test_list_delivery_streams_exclusive_start_and_limit(firehose):
    for index in range(5):
        _create(firehose, name=f"stream-{index}")

    listing = firehose.client("firehose").list_delivery_streams(
        Limit=2, ExclusiveStartDeliveryStreamName="stream-1"
    )

    assert listing["DeliveryStreamNames"] == ["stream-2", "stream-3"]
    assert listing["HasMoreDeliveryStreams"] is True


def test_list_delivery_streams_limit_over_10000_validation_error(firehose):
    with pytest.raises(ClientError) as excinfo:
        firehose.client("firehose").list_delivery_streams(Limit=10001)

    assert _error(excinfo)[0] == "ValidationException"


# Update -------------------------------------------------------------------------


def _update(firehose, version="1", name="s1", shape="ExtendedS3DestinationUpdate", **members):
    firehose.client("firehose").update_destination(
        DeliveryStreamName=name,
        CurrentDeliveryStreamVersionId=version,
        DestinationId="destinationId-000000000001",
        **{shape: members},
    )


def _extended(firehose, name="s1"):
    return firehose.client("firehose").describe_delivery_stream(DeliveryStreamName=name)[
        "DeliveryStreamDescription"
    ]


def test_update_destination_merges_and_bumps_version(firehose):
    _create(firehose, Prefix="old/", BufferingHints={"SizeInMBs": 2, "IntervalInSeconds": 120})
    firehose.clock.advance(30)

    _update(firehose, CompressionFormat="GZIP")

    description = _extended(firehose)
    extended = description["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert description["VersionId"] == "2"
    assert extended["CompressionFormat"] == "GZIP"
    assert extended["Prefix"] == "old/"
    assert extended["BufferingHints"] == {"SizeInMBs": 2, "IntervalInSeconds": 120}
    assert description["LastUpdateTimestamp"].isoformat() == "2026-12-04T15:00:30+00:00"


def test_update_destination_stale_version_concurrent_modification(firehose):
    _create(firehose)
    _update(firehose, Prefix="a/")

    with pytest.raises(ClientError) as excinfo:
        _update(firehose, version="1", Prefix="b/")

    code, message = _error(excinfo)
    assert code == "ConcurrentModificationException"
    assert "current version id: 2 and specified version id: 1" in message


def test_update_destination_validates_merged_configuration(firehose):
    _create(firehose)

    with pytest.raises(ClientError) as excinfo:
        _update(firehose, BufferingHints={"SizeInMBs": 200, "IntervalInSeconds": 60})

    code, message = _error(excinfo)
    assert code == "ValidationException"
    assert "extendedS3DestinationUpdate.bufferingHints.sizeInMBs" in message
    assert _extended(firehose)["VersionId"] == "1"


def test_update_destination_plain_shape_keeps_extended_members(firehose):
    _create(firehose, FileExtension=".log", Prefix="old/")

    _update(firehose, shape="S3DestinationUpdate", Prefix="new/")

    extended = _extended(firehose)["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert extended["Prefix"] == "new/"
    assert extended["FileExtension"] == ".log"


# Delete and tags ------------------------------------------------------------------


def test_delete_delivery_stream_then_not_found(firehose):
    _create(firehose)

    firehose.client("firehose").delete_delivery_stream(DeliveryStreamName="s1")

    with pytest.raises(ClientError) as excinfo:
        _extended(firehose)
    assert _error(excinfo)[0] == "ResourceNotFoundException"
    assert firehose.client("firehose").list_delivery_streams()["DeliveryStreamNames"] == []


def test_tags_add_overwrite_untag(firehose):
    _create(firehose)
    client = firehose.client("firehose")

    client.tag_delivery_stream(
        DeliveryStreamName="s1", Tags=[{"Key": "team", "Value": "inbox"}, {"Key": "env", "Value": "dev"}]
    )
    client.tag_delivery_stream(DeliveryStreamName="s1", Tags=[{"Key": "env", "Value": "prod"}])
    client.untag_delivery_stream(DeliveryStreamName="s1", TagKeys=["team", "missing"])

    tags = client.list_tags_for_delivery_stream(DeliveryStreamName="s1")["Tags"]
    assert tags == [{"Key": "env", "Value": "prod"}]


def test_create_stream_helper_creates_bucket_and_stream(firehose):
    client = create_stream(firehose)

    names = client.list_delivery_streams()["DeliveryStreamNames"]
    buckets = [b["Name"] for b in firehose.client("s3").list_buckets()["Buckets"]]
    assert names == ["message-interaction-events"]
    assert buckets == ["vascular-inbox-events"]


# Format conversion and partition keys ------------------------------------------

CONVERSION = {
    "Enabled": True,
    "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
    "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {}}},
    "SchemaConfiguration": {
        "RoleARN": ROLE_ARN,
        "DatabaseName": "analytics",
        "TableName": "events",
    },
}


def test_create_format_conversion_requires_uncompressed(firehose):
    with pytest.raises(ClientError) as excinfo:
        _create(firehose, DataFormatConversionConfiguration=CONVERSION, CompressionFormat="GZIP")

    assert _error(excinfo) == (
        "InvalidArgumentException",
        "The S3 destination's compression format must be set to UNCOMPRESSED when "
        "data format conversion is enabled",
    )


def test_create_format_conversion_defaults_128_mib(firehose):
    with pytest.warns(UserWarning, match="not converted to Parquet or ORC"):
        _create(firehose, DataFormatConversionConfiguration=CONVERSION)

    hints = _extended(firehose)["Destinations"][0]["ExtendedS3DestinationDescription"][
        "BufferingHints"
    ]
    assert hints == {"SizeInMBs": 128, "IntervalInSeconds": 300}


def test_create_format_conversion_small_buffer_rejected(firehose):
    with pytest.raises(ClientError) as excinfo:
        _create(
            firehose,
            DataFormatConversionConfiguration=CONVERSION,
            BufferingHints={"SizeInMBs": 5, "IntervalInSeconds": 60},
        )

    assert "must be at least 64 when data format conversion is enabled" in _error(excinfo)[1]


def test_create_partition_key_without_dynamic_partitioning_rejected(firehose):
    with pytest.raises(ClientError) as excinfo:
        _create(
            firehose,
            Prefix="type=!{partitionKeyFromQuery:type}/",
            ErrorOutputPrefix="e/!{firehose:error-output-type}/",
        )

    code, message = _error(excinfo)
    assert code == "InvalidArgumentException"
    assert "when Dynamic Partitioning is enabled" in message


@pytest.mark.parametrize("limit", [0, 10001], ids=["zero", "over-10000"])
def test_describe_limit_out_of_range_validation_error(firehose, limit):
    _create(firehose)

    # botocore checks the minimum itself; a raw client reaches the service.
    client = firehose.client("firehose", config=Config(parameter_validation=False))

    with pytest.raises(ClientError) as excinfo:
        client.describe_delivery_stream(DeliveryStreamName="s1", Limit=limit)

    code, message = _error(excinfo)
    assert code == "ValidationException"
    assert f"Value '{limit}' at 'limit'" in message
