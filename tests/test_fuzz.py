"""Property-based tests: invalid and odd Firehose calls through boto3 never crash the emulator.

Each generated call must succeed or fail with an AWS error (a ClientError with
a 4xx status and a Firehose error code), or be rejected by botocore's own
parameter validation. Any other exception, or a 5xx status, fails the test.

Half of the calls go through a client with ``parameter_validation=False``, so
that wrongly typed values reach the emulator, as they would from a client
that does not validate.
"""

from __future__ import annotations

import collections

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator import FirehoseEmulator, ManualClock
from emulator.runtime import Settings


BASE_STREAM = "fuzz-base"
BUCKET = "fuzz-bucket"
ROLE_ARN = "arn:aws:iam::123456789012:role/firehose-fuzz"
AWS_ERROR_CODES = {
    "ConcurrentModificationException",
    "SerializationException",
    "InvalidArgumentException",
    "InvalidKMSResourceException",
    "LimitExceededException",
    "ResourceInUseException",
    "ResourceNotFoundException",
    "ServiceUnavailableException",
    "ValidationException",
}
# Calls per operation, 1,200 in all; each fuzz test checks that its share ran.
EXAMPLES = {"create": 400, "update": 300, "put_record": 250, "put_record_batch": 250}
FUZZ_SETTINGS = dict(
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

calls: collections.Counter[str] = collections.Counter()
outcomes: collections.Counter[str] = collections.Counter()


@pytest.fixture(scope="module")
def clients():
    with FirehoseEmulator(
        clock=ManualClock("2026-12-04T15:00:00Z"),
        seed=1,
        settings=Settings(iam_mode="off"),
    ) as firehose:
        firehose.client("s3").create_bucket(Bucket=BUCKET)
        strict = firehose.client("firehose")
        loose = firehose.client("firehose", config=Config(parameter_validation=False))
        strict.create_delivery_stream(
            DeliveryStreamName=BASE_STREAM,
            ExtendedS3DestinationConfiguration={
                "RoleARN": ROLE_ARN,
                "BucketARN": f"arn:aws:s3:::{BUCKET}",
                "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
            },
        )
        yield {True: strict, False: loose}
    total = sum(calls.values())
    print(f"\nfuzzed Firehose calls: {total} {dict(calls)}; outcomes: {dict(outcomes)}")


def call(operation: str, function, **arguments) -> str:
    """Make one call and return its outcome: ok, the AWS error code, or param."""
    calls[operation] += 1
    try:
        function(**arguments)
    except ParamValidationError:
        outcome = "param"
    except ClientError as error:
        status = error.response["ResponseMetadata"]["HTTPStatusCode"]
        outcome = error.response["Error"]["Code"]
        assert status < 500, f"{operation} returned HTTP {status}: {error}"
        assert outcome in AWS_ERROR_CODES, f"{operation} returned {outcome}: {error}"
    else:
        outcome = "ok"
    outcomes[outcome] += 1
    return outcome


# Strategies ---------------------------------------------------------------------------

number_junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
)
# Text in an integer member gets SerializationException, in process as in the
# server, so integer members get text junk too.
junk = st.one_of(number_junk, st.text(max_size=30))
prefix_parts = st.sampled_from(
    [
        "logs/",
        "a",
        "/",
        "!{",
        "}",
        "!{timestamp:yyyy}",
        "!{timestamp:yyyy/MM/dd/HH/}",
        "!{timestamp:}",
        "!{timestamp:'x'}",
        "!{firehose:error-output-type}",
        "!{firehose:random-string}",
        "!{firehose:bogus}",
        "!{partitionKeyFromQuery:k}",
        "!{partitionKeyFromLambda:k}",
        "!{bogus:x}",
        "ü",
    ]
)
prefixes = st.one_of(
    st.lists(prefix_parts, max_size=6).map("".join),
    st.text(max_size=40),
    st.just("x" * 1100),
)
role_arns = st.one_of(
    st.just(ROLE_ARN),
    st.text(max_size=40),
    st.text(alphabet="abc/_+=,.@-", max_size=20).map(
        lambda s: f"arn:aws:iam::123456789012:role/{s}"
    ),
)
bucket_arns = st.one_of(
    st.just(f"arn:aws:s3:::{BUCKET}"),
    st.just("arn:aws:s3:::missing-bucket"),
    st.text(max_size=40),
    st.text(max_size=20).map(lambda s: f"arn:aws:s3:::{s}"),
)
hints = st.fixed_dictionaries(
    {},
    optional={
        "SizeInMBs": st.one_of(st.integers(-5, 200), junk),
        "IntervalInSeconds": st.one_of(st.integers(-5, 1000), junk),
    },
)
processors = st.lists(
    st.fixed_dictionaries(
        {
            "Type": st.sampled_from(
                [
                    "AppendDelimiterToRecord",
                    "Lambda",
                    "MetadataExtraction",
                    "RecordDeAggregation",
                    "Decompression",
                    "CloudWatchLogProcessing",
                    "Bogus",
                ]
            )
        },
        optional={
            "Parameters": st.lists(
                st.fixed_dictionaries(
                    {
                        "ParameterName": st.sampled_from(
                            [
                                "LambdaArn",
                                "NumberOfRetries",
                                "MetadataExtractionQuery",
                                "JsonParsingEngine",
                                "RoleArn",
                                "BufferSizeInMBs",
                                "BufferIntervalInSeconds",
                                "SubRecordType",
                                "Delimiter",
                                "CompressionFormat",
                                "DataMessageExtraction",
                                "Bogus",
                            ]
                        ),
                        "ParameterValue": st.one_of(
                            st.text(max_size=30),
                            st.sampled_from(
                                [
                                    "arn:aws:lambda:us-east-1:123456789012:function:f",
                                    "{k: .k}",
                                    "JQ-1.6",
                                    "3",
                                    "JSON",
                                    "DELIMITED",
                                    "GZIP",
                                    "true",
                                ]
                            ),
                        ),
                    }
                ),
                max_size=3,
            )
        },
    ),
    max_size=3,
)
destination_members = {
    "Prefix": prefixes,
    "ErrorOutputPrefix": prefixes,
    "BufferingHints": hints,
    "CompressionFormat": st.sampled_from(
        ["UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY", "gzip", "", "LZ4"]
    ),
    "CloudWatchLoggingOptions": st.fixed_dictionaries(
        {},
        optional={
            "Enabled": st.booleans(),
            "LogGroupName": st.text(max_size=20),
            "LogStreamName": st.text(max_size=20),
        },
    ),
    "EncryptionConfiguration": st.one_of(
        st.just({"NoEncryptionConfig": "NoEncryption"}),
        st.just({"KMSEncryptionConfig": {"AWSKMSKeyARN": "bogus"}}),
        st.just({}),
    ),
}
extended_members = {
    **destination_members,
    "ProcessingConfiguration": st.fixed_dictionaries(
        {}, optional={"Enabled": st.booleans(), "Processors": processors}
    ),
    "DynamicPartitioningConfiguration": st.fixed_dictionaries(
        {},
        optional={
            "Enabled": st.booleans(),
            "RetryOptions": st.fixed_dictionaries(
                {"DurationInSeconds": st.integers(-1, 8000)}
            ),
        },
    ),
    "FileExtension": st.one_of(
        st.sampled_from([".json", "json", ".", ".GZ", ""]), st.text(max_size=10)
    ),
    "CustomTimeZone": st.one_of(
        st.sampled_from(
            ["UTC", "Europe/Paris", "America/New_York", "Mars/Olympus", "", "+01:00"]
        ),
        st.text(max_size=10),
    ),
    "S3BackupMode": st.sampled_from(["Disabled", "Enabled", "enabled"]),
}


def _members_of_junk(*names: str) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({}, optional={name: junk for name in names})


# botocore serialises a structure only from a dict of its own members, so a
# wrongly typed structure is one whose members have the wrong types.
STRUCTURE_JUNK = {
    "BufferingHints": st.fixed_dictionaries(
        {}, optional={"SizeInMBs": junk, "IntervalInSeconds": junk}
    ),
    "CloudWatchLoggingOptions": _members_of_junk(
        "Enabled", "LogGroupName", "LogStreamName"
    ),
    "EncryptionConfiguration": _members_of_junk("NoEncryptionConfig"),
    "ProcessingConfiguration": _members_of_junk("Enabled"),
    "DynamicPartitioningConfiguration": _members_of_junk("Enabled"),
}


def destinations(members: dict, loose: bool) -> st.SearchStrategy[dict]:
    optional = {
        name: st.one_of(strategy, STRUCTURE_JUNK.get(name, junk)) if loose else strategy
        for name, strategy in members.items()
    }
    return st.fixed_dictionaries(
        {},
        optional={"RoleARN": role_arns, "BucketARN": bucket_arns, **optional},
    )


@st.composite
def create_requests(draw):
    loose = draw(st.booleans())
    request = {
        "DeliveryStreamName": draw(
            st.one_of(
                st.from_regex(r"fuzz-[a-zA-Z0-9_.-]{1,20}", fullmatch=True),
                st.text(max_size=70),
                st.just(BASE_STREAM),
            )
        )
    }
    if draw(st.booleans()):
        request["DeliveryStreamType"] = draw(
            st.sampled_from(
                ["DirectPut", "KinesisStreamAsSource", "directput", "Bogus"]
            )
        )
    shapes = draw(
        st.sampled_from(
            [
                ["ExtendedS3DestinationConfiguration"],
                ["S3DestinationConfiguration"],
                ["S3DestinationConfiguration", "ExtendedS3DestinationConfiguration"],
                [],
            ]
        )
    )
    for shape in shapes:
        members = (
            extended_members if shape.startswith("Extended") else destination_members
        )
        request[shape] = draw(destinations(members, loose))
    if draw(st.booleans()):
        request["Tags"] = draw(
            st.lists(
                st.fixed_dictionaries(
                    {"Key": st.text(max_size=10)},
                    optional={"Value": st.text(max_size=10)},
                ),
                max_size=52,
            )
        )
    return loose, request


def record_data():
    return st.one_of(
        st.binary(max_size=200),
        st.text(max_size=50),
        st.sampled_from([b"", b"\x00" * 10, b'{"k":"v"}\n']),
        st.integers(1_023_990, 1_024_010).map(lambda n: b"x" * n),
    )


records = st.one_of(st.fixed_dictionaries({"Data": record_data()}), st.just({}))
stream_names = st.one_of(
    st.just(BASE_STREAM), st.text(max_size=70), st.just("absent-stream")
)


# Tests --------------------------------------------------------------------------------


@settings(max_examples=EXAMPLES["create"], **FUZZ_SETTINGS)
@given(case=create_requests())
def _fuzz_create(clients, case):
    validated, request = not case[0], case[1]
    client = clients[validated]

    outcome = call("create", client.create_delivery_stream, **request)

    if outcome == "ok":
        assert request["DeliveryStreamName"] != BASE_STREAM
        clients[True].delete_delivery_stream(
            DeliveryStreamName=request["DeliveryStreamName"]
        )


@st.composite
def update_requests(draw):
    loose = draw(st.booleans())
    request = {
        "DeliveryStreamName": draw(stream_names),
        "CurrentDeliveryStreamVersionId": draw(
            st.one_of(st.just("current"), st.sampled_from(["0", "999", "", "x"]))
        ),
        "DestinationId": draw(
            st.one_of(st.just("destinationId-000000000001"), st.text(max_size=20))
        ),
    }
    shape = draw(
        st.sampled_from(
            ["ExtendedS3DestinationUpdate", "S3DestinationUpdate", "both", "none"]
        )
    )
    for name in ("S3DestinationUpdate", "ExtendedS3DestinationUpdate"):
        if shape in (name, "both"):
            members = (
                extended_members if name.startswith("Extended") else destination_members
            )
            request[name] = draw(destinations(members, loose))
    return loose, request


@settings(max_examples=EXAMPLES["update"], **FUZZ_SETTINGS)
@given(case=update_requests())
def _fuzz_update(clients, case):
    validated, request = not case[0], dict(case[1])
    if request["CurrentDeliveryStreamVersionId"] == "current":
        description = clients[True].describe_delivery_stream(
            DeliveryStreamName=BASE_STREAM
        )
        request["CurrentDeliveryStreamVersionId"] = description[
            "DeliveryStreamDescription"
        ]["VersionId"]

    outcome = call("update", clients[validated].update_destination, **request)

    assert outcome != "ok" or request["DeliveryStreamName"] == BASE_STREAM


@settings(max_examples=EXAMPLES["put_record"], **FUZZ_SETTINGS)
@given(validated=st.booleans(), name=stream_names, record=records)
def _fuzz_put_record(clients, validated, name, record):
    outcome = call(
        "put_record",
        clients[validated].put_record,
        DeliveryStreamName=name,
        Record=record,
    )

    if outcome == "ok":
        assert name == BASE_STREAM
        assert len(record.get("Data") or b"") <= 1_024_000


@settings(max_examples=EXAMPLES["put_record_batch"], **FUZZ_SETTINGS)
@given(
    validated=st.booleans(),
    name=stream_names,
    batch=st.one_of(
        st.lists(records, max_size=8),
        st.integers(499, 502).map(lambda n: [{"Data": b"r"}] * n),
        st.just([{"Data": b"x" * 1_000_000}] * 5),
    ),
)
def _fuzz_put_record_batch(clients, validated, name, batch):
    outcome = call(
        "put_record_batch",
        clients[validated].put_record_batch,
        DeliveryStreamName=name,
        Records=batch,
    )

    if outcome == "ok":
        assert 1 <= len(batch) <= 500


def test_fuzz_create_delivery_stream_returns_aws_errors(clients):
    before = calls["create"]

    _fuzz_create(clients)

    assert calls["create"] - before >= EXAMPLES["create"]


def test_fuzz_update_destination_returns_aws_errors(clients):
    before = calls["update"]

    _fuzz_update(clients)

    assert calls["update"] - before >= EXAMPLES["update"]


def test_fuzz_put_record_returns_aws_errors(clients):
    before = calls["put_record"]

    _fuzz_put_record(clients)

    assert calls["put_record"] - before >= EXAMPLES["put_record"]


def test_fuzz_put_record_batch_returns_aws_errors(clients):
    before = calls["put_record_batch"]

    _fuzz_put_record_batch(clients)

    assert calls["put_record_batch"] - before >= EXAMPLES["put_record_batch"]


@pytest.mark.parametrize(
    "hints",
    [{"SizeInMBs": "five"}, {"IntervalInSeconds": ""}],
    ids=["size-word", "interval-empty"],
)
def test_text_for_integer_member_returns_serialization_exception(clients, hints):
    request = {
        "DeliveryStreamName": "fuzz-text-hint",
        "ExtendedS3DestinationConfiguration": {
            "RoleARN": ROLE_ARN,
            "BucketARN": f"arn:aws:s3:::{BUCKET}",
            "BufferingHints": hints,
        },
    }

    with pytest.raises(ClientError) as caught:
        clients[False].create_delivery_stream(**request)

    assert caught.value.response["Error"]["Code"] == "SerializationException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
