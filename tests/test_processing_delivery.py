"""Record processing end to end through boto3: transforms, partitions, error output.

Every test creates a stream through boto3 against ``FirehoseEmulator`` on a
manual clock, puts records, moves the clock, and reads back the exact keys
and bytes that landed in moto's S3.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import threading

import pytest
from botocore.exceptions import ClientError
from support.streams import START, create_stream, objects

from emulator import FirehoseEmulator, ManualClock
from emulator.runtime import Settings

STREAM = "message-interaction-events"
BUCKET = "vascular-inbox-events"
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:inbox-enricher:$LATEST"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
START_MS = 1796396400000  # 2026-12-04T15:00:00Z
SUFFIX = rf"{STREAM}-1-2026-12-04-15-00-00-{UUID}"
HOUR = "2026/12/04/15/"
ERROR_PREFIX = "errors/!{firehose:error-output-type}/"
TYPE_PREFIX = "events/type=!{partitionKeyFromQuery:type}/"
TYPE_QUERY = "{type: .eventType}"
PARTITIONED_HINTS = {"SizeInMBs": 64, "IntervalInSeconds": 60}


def make_emulator(**settings):
    return FirehoseEmulator(
        clock=ManualClock(START),
        seed=7,
        settings=Settings(iam_mode="off", **settings),
    )


@pytest.fixture
def firehose():
    with make_emulator() as emulator:
        yield emulator


# Builders -------------------------------------------------------------------------


def lambda_processor(arn=LAMBDA_ARN, *, size="1", interval="0", retries=None) -> dict:
    parameters = [{"ParameterName": "LambdaArn", "ParameterValue": arn}]
    if size is not None:
        parameters += [
            {"ParameterName": "BufferSizeInMBs", "ParameterValue": size},
            {"ParameterName": "BufferIntervalInSeconds", "ParameterValue": interval},
        ]
    if retries is not None:
        parameters.append(
            {"ParameterName": "NumberOfRetries", "ParameterValue": retries}
        )
    return {"Type": "Lambda", "Parameters": parameters}


def metadata_processor(query=TYPE_QUERY) -> dict:
    return {
        "Type": "MetadataExtraction",
        "Parameters": [
            {"ParameterName": "MetadataExtractionQuery", "ParameterValue": query},
            {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"},
        ],
    }


def deaggregation_processor(sub_record_type="JSON", delimiter=None) -> dict:
    parameters = [{"ParameterName": "SubRecordType", "ParameterValue": sub_record_type}]
    if delimiter is not None:
        encoded = base64.b64encode(delimiter).decode()
        parameters.append({"ParameterName": "Delimiter", "ParameterValue": encoded})
    return {"Type": "RecordDeAggregation", "Parameters": parameters}


DELIMITER_PROCESSOR = {"Type": "AppendDelimiterToRecord"}


def processing(*processors) -> dict:
    return {"Enabled": True, "Processors": list(processors)}


def create_transformed(firehose, *processors, **members):
    members.setdefault("Prefix", "data/")
    members.setdefault("BufferingHints", {"SizeInMBs": 1, "IntervalInSeconds": 60})
    return create_stream(
        firehose, ProcessingConfiguration=processing(*processors), **members
    )


def create_partitioned(firehose, *processors, prefix=TYPE_PREFIX, **members):
    return create_stream(
        firehose,
        Prefix=prefix,
        ErrorOutputPrefix=ERROR_PREFIX,
        BufferingHints=PARTITIONED_HINTS,
        DynamicPartitioningConfiguration={"Enabled": True},
        ProcessingConfiguration=processing(*processors),
        **members,
    )


def put(client, records, name=STREAM):
    for start in range(0, len(records), 500):
        batch = [{"Data": data} for data in records[start : start + 500]]
        response = client.put_record_batch(DeliveryStreamName=name, Records=batch)
        assert response["FailedPutCount"] == 0


def event(event_type, **fields) -> bytes:
    return json.dumps(
        {"eventType": event_type, **fields}, separators=(",", ":")
    ).encode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def bodies(firehose, bucket=BUCKET) -> dict[str, bytes]:
    return {obj["key"]: obj["body"] for obj in objects(firehose, bucket)}


def only_key(found: dict[str, bytes], pattern: str) -> str:
    """Return the one key that fully matches ``pattern``; fail with the keys found."""
    matched = [key for key in found if re.fullmatch(pattern, key)]
    assert len(matched) == 1, f"{pattern} matched {matched} among {sorted(found)}"
    return matched[0]


def error_documents(found: dict[str, bytes], error_type_path: str) -> list[dict]:
    key = only_key(found, rf"{error_type_path}{HOUR}{SUFFIX}")
    return [json.loads(line) for line in found[key].splitlines()]


class FakeLambda:
    """A transform that keeps its events and builds each response entry with ``answer``.

    ``answer(record_id, data)`` returns one response entry, or None to leave
    the record out of the response.
    """

    def __init__(self, answer=None):
        self.events: list[dict] = []
        self.answer = answer or (lambda record_id, data: ok(record_id, data))

    def __call__(self, event, context):
        self.events.append(event)
        entries = []
        for record in event["records"]:
            entry = self.answer(record["recordId"], base64.b64decode(record["data"]))
            if entry is not None:
                entries.append(entry)
        return {"records": entries}


def ok(record_id, data, **partition_keys):
    entry = {"recordId": record_id, "result": "Ok", "data": b64(data)}
    if partition_keys:
        entry["metadata"] = {"partitionKeys": partition_keys}
    return entry


def result_by_content(record_id, data):
    """Return Dropped for ``drop``, ProcessingFailed for ``fail``, or Ok in capitals."""
    if data == b"drop":
        return {"recordId": record_id, "result": "Dropped"}
    if data == b"fail":
        return {"recordId": record_id, "result": "ProcessingFailed", "data": b64(b"X")}
    return ok(record_id, data.upper())


# Lambda results ---------------------------------------------------------------------


def test_transform_ok_replaces_data(firehose):
    firehose.register_transform(LAMBDA_ARN, FakeLambda(result_by_content))
    client = create_transformed(firehose, lambda_processor())
    put(client, [b"abc", b"def"])

    firehose.advance(60)

    found = bodies(firehose)
    key = only_key(found, rf"data/{HOUR}{SUFFIX}")
    assert found == {key: b"ABCDEF"}


def test_transform_event_has_lambda_shape(firehose):
    fake = FakeLambda()
    firehose.register_transform(LAMBDA_ARN, fake)
    client = create_transformed(firehose, lambda_processor())

    put(client, [b"abc"])

    assert len(fake.events) == 1
    sent = fake.events[0]
    assert list(sent) == ["invocationId", "deliveryStreamArn", "region", "records"]
    assert re.fullmatch(UUID, sent["invocationId"])
    assert sent["deliveryStreamArn"] == (
        f"arn:aws:firehose:us-east-1:123456789012:deliverystream/{STREAM}"
    )
    assert sent["region"] == "us-east-1"
    record = sent["records"][0]
    assert list(record) == ["recordId", "approximateArrivalTimestamp", "data"]
    assert record["approximateArrivalTimestamp"] == START_MS
    assert record["data"] == b64(b"abc")


def test_transform_dropped_leaves_no_trace(firehose):
    firehose.register_transform(LAMBDA_ARN, FakeLambda(result_by_content))
    client = create_transformed(firehose, lambda_processor())
    put(client, [b"abc", b"drop", b"def"])

    firehose.advance(3600)

    found = bodies(firehose)
    assert list(found.values()) == [b"ABCDEF"]
    assert [attempt.kind for attempt in firehose.delivery_log] == ["data"]
    assert firehose.streams()[0]["buffered_records"] == 0


def test_transform_processing_failed_goes_to_error_output(firehose):
    firehose.register_transform(LAMBDA_ARN, FakeLambda(result_by_content))
    client = create_transformed(firehose, lambda_processor())
    put(client, [b"abc", b"fail"])

    firehose.advance(60)

    found = bodies(firehose)
    data_key = only_key(found, rf"data/{HOUR}{SUFFIX}")
    assert found[data_key] == b"ABC"
    [document] = error_documents(found, "data/processing-failed/")
    assert document["rawData"] == b64(b"fail")
    assert document["errorCode"] == "Lambda.ProcessingFailedStatus"
    assert document["errorMessage"] == "ProcessingFailed status set for record"
    assert document["attemptsMade"] == 1


def test_error_record_fields_match_aws_layout(firehose):
    firehose.register_transform(LAMBDA_ARN, FakeLambda(result_by_content))
    client = create_transformed(firehose, lambda_processor(size="1", interval="30"))
    put(client, [b"fail"])

    firehose.advance(30)

    found = bodies(firehose)
    key = only_key(found, rf"data/processing-failed/{HOUR}{SUFFIX}")
    line = found[key]
    assert line == (
        b'{"rawData":"ZmFpbA==","errorCode":"Lambda.ProcessingFailedStatus",'
        b'"errorMessage":"ProcessingFailed status set for record","attemptsMade":1,'
        b'"arrivalTimestamp":1796396400000,"attemptEndingTimestamp":1796396430000,'
        b'"lambdaARN":"arn:aws:lambda:us-east-1:123456789012:function:'
        b'inbox-enricher:$LATEST"}\n'
    )
    document = json.loads(line)
    assert base64.b64decode(document["rawData"]) == b"fail"  # not the "X" returned
    assert type(document["attemptsMade"]) is int
    assert type(document["arrivalTimestamp"]) is int
    assert type(document["attemptEndingTimestamp"]) is int
    assert document["lambdaARN"].endswith(":$LATEST")


def test_transform_missing_record_id_fails_that_record(firehose):
    def answer(record_id, data):
        return None if data == b"lost" else ok(record_id, data)

    firehose.register_transform(LAMBDA_ARN, FakeLambda(answer))
    client = create_transformed(firehose, lambda_processor())
    put(client, [b"kept", b"lost"])

    firehose.advance(60)

    found = bodies(firehose)
    assert found[only_key(found, rf"data/{HOUR}{SUFFIX}")] == b"kept"
    [document] = error_documents(found, "data/processing-failed/")
    assert document["rawData"] == b64(b"lost")
    assert document["errorCode"] == "Lambda.MissingRecordId"
    assert document["errorMessage"] == (
        "One or more record Ids were not returned. Ensure that the Lambda function "
        "returns all received record Ids."
    )


def test_transform_duplicated_record_id_fails_that_record(firehose):
    def transform(event, context):
        entries = [ok(r["recordId"], b"same") for r in event["records"]]
        return {"records": entries + [entries[0]]}

    firehose.register_transform(LAMBDA_ARN, transform)
    client = create_transformed(firehose, lambda_processor())
    put(client, [b"twice", b"once"])

    firehose.advance(60)

    found = bodies(firehose)
    assert found[only_key(found, rf"data/{HOUR}{SUFFIX}")] == b"same"
    [document] = error_documents(found, "data/processing-failed/")
    assert document["rawData"] == b64(b"twice")
    assert document["errorCode"] == "Lambda.DuplicatedRecordId"
    assert document["errorMessage"].startswith(
        "Multiple records were returned with the same record Id."
    )


def test_transform_unknown_record_ids_ignored(firehose):
    def transform(event, context):
        entries = [ok(r["recordId"], b"ok;") for r in event["records"]]
        return {"records": entries + [ok("49575469680524135041586805764649", b"?")]}

    firehose.register_transform(LAMBDA_ARN, transform)
    client = create_transformed(firehose, lambda_processor())
    put(client, [b"a", b"b"])

    firehose.advance(60)

    found = bodies(firehose)
    assert list(found.values()) == [b"ok;ok;"]


def test_transform_malformed_response_fails_batch_without_retry(firehose):
    calls = []

    def transform(event, context):
        calls.append(event["invocationId"])
        return '{"records": [ not json'

    firehose.register_transform(LAMBDA_ARN, transform)
    client = create_transformed(firehose, lambda_processor(retries="3"))
    put(client, [b"a", b"b"])

    firehose.advance(60)

    found = bodies(firehose)
    documents = error_documents(found, "data/processing-failed/")
    assert len(calls) == 1
    assert [d["rawData"] for d in documents] == [b64(b"a"), b64(b"b")]
    assert {d["errorCode"] for d in documents} == {"Lambda.JsonProcessingException"}
    assert {d["attemptsMade"] for d in documents} == {1}
    assert len(found) == 1


@pytest.mark.parametrize(
    ("retries", "attempts"), [("0", 1), ("2", 3), (None, 4)], ids=["0", "2", "default"]
)
def test_transform_exception_retried_per_number_of_retries(firehose, retries, attempts):
    calls = []

    def transform(event, context):
        calls.append(event["invocationId"])
        raise RuntimeError("inbox-enricher crashed")

    firehose.register_transform(LAMBDA_ARN, transform)
    client = create_transformed(firehose, lambda_processor(retries=retries))
    put(client, [b"a"])

    firehose.advance(60)

    [document] = error_documents(bodies(firehose), "data/processing-failed/")
    assert len(calls) == attempts
    assert len(set(calls)) == 1  # a retry is the same invocation
    assert document["attemptsMade"] == attempts
    assert document["errorCode"] == "Lambda.FunctionError"
    assert document["errorMessage"] == (
        "The Lambda function was successfully invoked but it returned an error result."
    )


def test_transform_exception_then_success_delivers(firehose):
    calls = []

    def transform(event, context):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("cold start failed")
        return {"records": [ok(r["recordId"], b"ok") for r in event["records"]]}

    firehose.register_transform(LAMBDA_ARN, transform)
    client = create_transformed(firehose, lambda_processor(retries="1"))
    put(client, [b"a"])

    firehose.advance(60)

    assert len(calls) == 2
    assert list(bodies(firehose).values()) == [b"ok"]


def test_transform_timeout_fails_after_retries():
    release = threading.Event()
    calls = []

    def transform(event, context):
        calls.append(context.get_remaining_time_in_millis())
        release.wait(5)
        return {"records": []}

    try:
        with make_emulator(transform_timeout_seconds=0.05) as firehose:
            firehose.register_transform(LAMBDA_ARN, transform)
            client = create_transformed(firehose, lambda_processor(retries="1"))
            put(client, [b"slow"])
            firehose.advance(60)
            found = bodies(firehose)
    finally:
        release.set()

    [document] = error_documents(found, "data/processing-failed/")
    assert len(calls) == 2
    # The manual clock does not move, so all 50 ms remain, less float error.
    assert 49 <= calls[0] <= 50
    assert document["attemptsMade"] == 2
    assert document["errorCode"] == "Lambda.InvokeTimeout"
    assert document["errorMessage"].startswith(
        "Firehose encountered timeout errors when calling AWS Lambda."
    )


def test_transform_not_registered_goes_to_error_output(firehose):
    client = create_transformed(firehose, lambda_processor())
    put(client, [b"a"])

    firehose.advance(60)

    [document] = error_documents(bodies(firehose), "data/processing-failed/")
    assert document["errorCode"] == "Lambda.ResourceNotFound"
    assert document["lambdaARN"] == LAMBDA_ARN


# The transform's own buffer ---------------------------------------------------


def test_transform_lambda_interval_then_destination_interval(firehose):
    fake = FakeLambda()
    firehose.register_transform(LAMBDA_ARN, fake)
    client = create_transformed(firehose, lambda_processor(size="1", interval="30"))
    put(client, [b"first"])
    firehose.advance(10)
    put(client, [b"second"])

    firehose.advance(19)
    calls_before = len(fake.events)
    firehose.advance(1)
    calls_at_interval = len(fake.events)
    firehose.advance(59)
    before_destination_interval = bodies(firehose)
    firehose.advance(1)

    assert calls_before == 0
    assert calls_at_interval == 1
    assert len(fake.events[0]["records"]) == 2
    assert before_destination_interval == {}
    found = bodies(firehose)
    key = only_key(found, rf"data/{HOUR}{SUFFIX}")  # the oldest record's arrival
    assert found[key] == b"firstsecond"
    assert firehose.delivery_log[0].time == ManualClock(START).now() + 90


def test_transform_lambda_size_hint_invokes_at_once(firehose):
    fake = FakeLambda()
    firehose.register_transform(LAMBDA_ARN, fake)
    client = create_transformed(firehose, lambda_processor(size="0.2", interval="900"))
    record = b"r" * 70_000

    put(client, [record, record])
    calls_below_hint = len(fake.events)
    put(client, [record])  # 210,000 bytes reach 0.2 MiB (209,715 bytes)

    assert calls_below_hint == 0
    assert len(fake.events) == 1
    assert len(fake.events[0]["records"]) == 3
    firehose.advance(59)
    assert bodies(firehose) == {}
    firehose.advance(1)
    assert list(bodies(firehose).values()) == [record * 3]


def test_transform_requests_split_at_6_mb(firehose):
    fake = FakeLambda()
    firehose.register_transform(LAMBDA_ARN, fake)
    client = create_transformed(
        firehose,
        lambda_processor(size="3", interval="900"),
        BufferingHints={"SizeInMBs": 16, "IntervalInSeconds": 60},
    )
    records = [bytes([ord("a") + index]) * 1_000_000 for index in range(5)]

    put(client, records[:3])  # 3,000,000 bytes: below the 3 MiB hint
    put(client, records[3:])  # five records are 6,666,880 bytes of base64 together
    firehose.advance(60)

    sizes = [len(json.dumps(e, separators=(",", ":"))) for e in fake.events]
    assert [len(e["records"]) for e in fake.events] == [4, 1]
    assert max(sizes) <= 6_000_000
    assert list(bodies(firehose).values()) == [b"".join(records)]


def test_transform_response_over_6_mb_is_function_error(firehose):
    calls = []

    def transform(event, context):
        calls.append(1)
        # 4,800,000 bytes are 6,400,000 characters of base64, over 6 MiB.
        entries = [ok(r["recordId"], b"x" * 4_800_000) for r in event["records"]]
        return {"records": entries}

    firehose.register_transform(LAMBDA_ARN, transform)
    client = create_transformed(firehose, lambda_processor(retries="1"))
    put(client, [b"small"])

    firehose.advance(60)

    found = bodies(firehose)
    [document] = error_documents(found, "data/processing-failed/")
    assert len(calls) == 2
    assert document["rawData"] == b64(b"small")
    assert document["errorCode"] == "Lambda.FunctionError"
    assert document["attemptsMade"] == 2
    assert len(found) == 1


# Error output layout --------------------------------------------------------------


def test_error_output_default_layout_follows_prefix(firehose):
    firehose.register_transform(LAMBDA_ARN, FakeLambda(result_by_content))
    client = create_transformed(firehose, lambda_processor(), Prefix="retries/")
    put(client, [b"fail"])

    firehose.advance(60)

    [key] = bodies(firehose)
    assert re.fullmatch(rf"retries/processing-failed/{HOUR}{SUFFIX}", key)


def test_error_output_without_any_prefix_at_top_level(firehose):
    firehose.register_transform(LAMBDA_ARN, FakeLambda(result_by_content))
    client = create_transformed(firehose, lambda_processor(), Prefix="")
    put(client, [b"abc", b"fail"])

    firehose.advance(60)

    found = bodies(firehose)
    assert found[only_key(found, rf"{HOUR}{SUFFIX}")] == b"ABC"
    assert error_documents(found, "processing-failed/")[0]["rawData"] == b64(b"fail")
    assert len(found) == 2


def test_error_output_prefix_expression_and_no_compression(firehose):
    firehose.register_transform(LAMBDA_ARN, FakeLambda(result_by_content))
    client = create_transformed(
        firehose,
        lambda_processor(),
        Prefix="data/",
        ErrorOutputPrefix=ERROR_PREFIX,
        CompressionFormat="GZIP",
    )
    put(client, [b"abc", b"fail"])

    firehose.advance(60)

    found = bodies(firehose)
    data_key = only_key(found, rf"data/{HOUR}{SUFFIX}\.gz")
    assert gzip.decompress(found[data_key]) == b"ABC"
    documents = error_documents(found, "errors/processing-failed/")
    assert documents[0]["rawData"] == b64(b"fail")


# S3 backup ------------------------------------------------------------------------

BACKUP_CONFIGURATION = {
    "RoleARN": "arn:aws:iam::123456789012:role/firehose-to-s3-writer",
    "BucketARN": "arn:aws:s3:::vascular-source-backup",
    "Prefix": "source/",
    "CompressionFormat": "GZIP",
    "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 120},
}


def test_backup_holds_untransformed_records_with_own_settings(firehose):
    firehose.register_transform(LAMBDA_ARN, FakeLambda(result_by_content))
    firehose.client("s3").create_bucket(Bucket="vascular-source-backup")
    client = create_transformed(
        firehose,
        lambda_processor(),
        S3BackupMode="Enabled",
        S3BackupConfiguration=BACKUP_CONFIGURATION,
    )
    put(client, [b"abc", b"drop", b"fail"])

    firehose.advance(60)
    backup_at_destination_interval = objects(firehose, "vascular-source-backup")
    firehose.advance(60)

    assert backup_at_destination_interval == []
    [backup] = objects(firehose, "vascular-source-backup")
    assert re.fullmatch(rf"source/{HOUR}{SUFFIX}\.gz", backup["key"])
    assert backup["content_encoding"] == "gzip"
    assert gzip.decompress(backup["body"]) == b"abcdropfail"
    found = bodies(firehose)
    assert found[only_key(found, rf"data/{HOUR}{SUFFIX}")] == b"ABC"


def test_backup_kept_by_update_destination(firehose):
    firehose.client("s3").create_bucket(Bucket="vascular-source-backup")
    client = create_transformed(
        firehose,
        DELIMITER_PROCESSOR,
        S3BackupMode="Enabled",
        S3BackupConfiguration=BACKUP_CONFIGURATION,
    )

    client.update_destination(
        DeliveryStreamName=STREAM,
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        ExtendedS3DestinationUpdate={"Prefix": "data-v2/"},
    )
    put(client, [b"abc"])
    firehose.advance(120)

    [backup] = objects(firehose, "vascular-source-backup")
    assert re.fullmatch(
        rf"source/{HOUR}{STREAM}-2-2026-12-04-15-00-00-{UUID}\.gz", backup["key"]
    )
    assert gzip.decompress(backup["body"]) == b"abc"


# Dynamic partitioning -------------------------------------------------------------


def test_partitioning_jq_writes_each_key_under_its_prefix(firehose):
    client = create_partitioned(firehose, metadata_processor())
    delivered, opened = event("Delivered", n=1), event("Opened", n=2)
    put(client, [delivered, opened, delivered])

    firehose.advance(60)

    found = bodies(firehose)
    assert len(found) == 2
    assert found[only_key(found, rf"events/type=Delivered/{SUFFIX}")] == delivered * 2
    assert found[only_key(found, rf"events/type=Opened/{SUFFIX}")] == opened


def test_partitioning_lambda_keys_write_each_under_its_prefix(firehose):
    def answer(record_id, data):
        return ok(record_id, data, channel=json.loads(data)["channel"])

    firehose.register_transform(LAMBDA_ARN, FakeLambda(answer))
    client = create_partitioned(
        firehose,
        lambda_processor(),
        prefix="events/channel=!{partitionKeyFromLambda:channel}/",
    )
    push, email = event("Read", channel="push"), event("Read", channel="email")
    put(client, [push, email])

    firehose.advance(60)

    found = bodies(firehose)
    assert found[only_key(found, rf"events/channel=push/{SUFFIX}")] == push
    assert found[only_key(found, rf"events/channel=email/{SUFFIX}")] == email
    assert len(found) == 2


def test_partitioning_query_and_lambda_keys_together(firehose):
    def answer(record_id, data):
        document = json.loads(data)
        channel = document.pop("channel")
        document["transformed"] = True
        return ok(record_id, json.dumps(document).encode(), channel=channel)

    firehose.register_transform(LAMBDA_ARN, FakeLambda(answer))
    client = create_partitioned(
        firehose,
        lambda_processor(),
        metadata_processor(),
        DELIMITER_PROCESSOR,
        prefix=TYPE_PREFIX + "channel=!{partitionKeyFromLambda:channel}/",
    )
    put(client, [event("Read", channel="push"), event("Opened", channel="push")])

    firehose.advance(60)

    found = bodies(firehose)
    read_key = only_key(found, rf"events/type=Read/channel=push/{SUFFIX}")
    opened_key = only_key(found, rf"events/type=Opened/channel=push/{SUFFIX}")
    assert found[read_key] == b'{"eventType": "Read", "transformed": true}\n'
    assert found[opened_key] == b'{"eventType": "Opened", "transformed": true}\n'


def test_partitioning_unused_keys_share_partition(firehose):
    def answer(record_id, data):
        return ok(record_id, data, channel="push", requestId=record_id)

    firehose.register_transform(LAMBDA_ARN, FakeLambda(answer))
    client = create_partitioned(
        firehose,
        lambda_processor(),
        prefix="events/channel=!{partitionKeyFromLambda:channel}/",
    )
    put(client, [b"a", b"b", b"c"])

    firehose.advance(60)

    found = bodies(firehose)
    assert found[only_key(found, rf"events/channel=push/{SUFFIX}")] == b"abc"
    assert len(found) == 1


def test_partitioning_each_partition_flushed_on_own_interval(firehose):
    client = create_partitioned(firehose, metadata_processor())
    put(client, [event("Delivered")])
    firehose.advance(30)
    put(client, [event("Opened")])

    firehose.advance(30)
    after_first_interval = sorted(bodies(firehose))
    firehose.advance(30)

    assert len(after_first_interval) == 1
    assert after_first_interval[0].startswith("events/type=Delivered/")
    found = bodies(firehose)
    only_key(found, rf"events/type=Opened/{STREAM}-1-2026-12-04-15-00-30-{UUID}")
    assert [
        attempt.time - ManualClock(START).now() for attempt in firehose.delivery_log
    ] == [
        60,
        90,
    ]


def test_partitioning_each_partition_flushed_on_own_size(firehose):
    client = create_partitioned(firehose, metadata_processor())
    padding = "x" * (1_000_000 - len(event("Delivered", pad="")))
    big = event("Delivered", pad=padding)
    assert len(big) == 1_000_000
    small = event("Opened")

    for _ in range(17):  # 68 records of 1,000,000 bytes, 4 per call
        put(client, [big] * 4)
    put(client, [small])

    found = bodies(firehose)
    key = only_key(found, rf"events/type=Delivered/{SUFFIX}")
    assert found[key] == big * 67  # the 68th would pass the 64 MiB hint
    assert len(found) == 1
    # A buffer's partition is (query keys, Lambda keys), each a tuple of pairs.
    buffered = {
        tuple(buffer["partition"][0]): buffer["records"]
        for buffer in firehose.streams()[0]["buffers"]
    }
    assert buffered == {(("type", "Delivered"),): 1, (("type", "Opened"),): 1}


def test_partitioning_active_partition_limit_writes_overflow_error():
    with make_emulator(max_active_partitions=3) as firehose:
        client = create_partitioned(firehose, metadata_processor(), DELIMITER_PROCESSOR)
        kinds = ["Delivered", "Opened", "Read", "Deleted"]
        put(client, [event(kind) for kind in kinds])
        firehose.advance(60)
        found_at_limit = bodies(firehose)
        put(client, [event("Deleted", again=True)])  # the partitions were delivered
        firehose.advance(60)
        found = bodies(firehose)

    assert sorted(
        k.split("/")[1] for k in found_at_limit if k.startswith("events/")
    ) == [
        "type=Delivered",
        "type=Opened",
        "type=Read",
    ]
    [document] = error_documents(found_at_limit, "errors/activePartitionExceeded/")
    assert base64.b64decode(document["rawData"]) == event("Deleted")  # no newline
    assert document["errorCode"] == "DynamicPartitioning.ActivePartitionsLimitExceeded"
    assert document["errorMessage"] == (
        "The number of active partitions has reached the limit of 3 for this "
        "delivery stream."
    )
    assert "lambdaARN" not in document
    deleted_key = only_key(
        found, rf"events/type=Deleted/{STREAM}-1-2026-12-04-15-01-00-{UUID}"
    )
    assert found[deleted_key] == event("Deleted", again=True) + b"\n"


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (b"Delivered,not-json", "Non JSON record provided"),
        (b'{"eventType":"Delivered"}{"eventType":"Read"}', "Non JSON record provided"),
        (b'{"userId":"user-00001"}', "partitionKeys values must not be null or empty"),
        (b'{"eventType":null}', "partitionKeys values must not be null or empty"),
        (b'{"eventType":""}', "partitionKeys values must not be null or empty"),
    ],
    ids=["not-json", "two-objects", "missing-key", "null-key", "empty-key"],
)
def test_partitioning_unresolvable_keys_write_extraction_error(
    firehose, record, message
):
    client = create_partitioned(firehose, metadata_processor())
    put(client, [record, event("Read")])

    firehose.advance(60)

    found = bodies(firehose)
    assert found[only_key(found, rf"events/type=Read/{SUFFIX}")] == event("Read")
    key = only_key(found, rf"errors/metadata-extraction-failed/{HOUR}{SUFFIX}")
    expected = {
        "rawData": b64(record),
        "errorCode": "DynamicPartitioning.MetadataExtractionFailed",
        "errorMessage": message,
        "attemptsMade": 1,
        "arrivalTimestamp": START_MS,
        "attemptEndingTimestamp": START_MS,
    }
    assert found[key] == json.dumps(expected, separators=(",", ":")).encode() + b"\n"
    assert len(found) == 2


def test_partitioning_missing_lambda_key_writes_extraction_error(firehose):
    def answer(record_id, data):
        channel = json.loads(data).get("channel")
        return ok(record_id, data, channel=channel) if channel else ok(record_id, data)

    firehose.register_transform(LAMBDA_ARN, FakeLambda(answer))
    client = create_partitioned(
        firehose,
        lambda_processor(),
        prefix="events/channel=!{partitionKeyFromLambda:channel}/",
    )
    put(client, [event("Read"), event("Read", channel="push")])

    firehose.advance(60)

    found = bodies(firehose)
    assert found[only_key(found, rf"events/channel=push/{SUFFIX}")] == event(
        "Read", channel="push"
    )
    [document] = error_documents(found, "errors/metadata-extraction-failed/")
    assert document["rawData"] == b64(event("Read"))
    assert document["errorCode"] == "DynamicPartitioning.MetadataExtractionFailed"
    assert document["errorMessage"] == "partitionKeys values must not be null or empty"
    assert len(found) == 2


# De-aggregation and delimiters ---------------------------------------------------


def test_deaggregation_json_splits_and_partitions_concatenated_objects(firehose):
    client = create_partitioned(
        firehose,
        deaggregation_processor("JSON"),
        metadata_processor(),
        DELIMITER_PROCESSOR,
    )
    record = (
        b'{"eventType":"Delivered","n":1}{"eventType":"Read","n":2}\n'
        b' {"eventType":"Delivered","n":3}'
    )

    put(client, [record])
    firehose.advance(60)

    found = bodies(firehose)
    assert found[only_key(found, rf"events/type=Delivered/{SUFFIX}")] == (
        b'{"eventType":"Delivered","n":1}\n{"eventType":"Delivered","n":3}\n'
    )
    assert found[only_key(found, rf"events/type=Read/{SUFFIX}")] == (
        b'{"eventType":"Read","n":2}\n'
    )
    assert len(found) == 2


@pytest.mark.parametrize(("count", "split"), [(500, True), (501, False)])
def test_deaggregation_json_caps_sub_records_at_500(firehose, count, split):
    client = create_partitioned(
        firehose, deaggregation_processor("JSON"), metadata_processor()
    )
    record = b"".join(event("Read", n=n) for n in range(count))

    put(client, [record])
    firehose.advance(60)

    found = bodies(firehose)
    if split:
        assert found[only_key(found, rf"events/type=Read/{SUFFIX}")] == record
        assert len(found) == 1
        return
    [document] = error_documents(found, "errors/metadata-extraction-failed/")
    assert document["rawData"] == b64(record)
    assert document["errorMessage"] == "Non JSON record provided"
    assert len(found) == 1


@pytest.mark.parametrize(("count", "split"), [(500, True), (501, False)])
def test_deaggregation_delimited_splits_at_delimiter(firehose, count, split):
    client = create_partitioned(
        firehose,
        deaggregation_processor("DELIMITED", b"####"),
        metadata_processor(),
        DELIMITER_PROCESSOR,
    )
    events = [event("Opened" if n % 2 else "Deleted", n=n) for n in range(count)]
    record = b"####".join(events) + b"####"

    put(client, [record])
    firehose.advance(60)

    found = bodies(firehose)
    if not split:
        [document] = error_documents(found, "errors/metadata-extraction-failed/")
        assert document["rawData"] == b64(record)
        assert document["errorMessage"] == "Non JSON record provided"
        assert len(found) == 1
        return
    opened = b"".join(e + b"\n" for e in events[1::2])
    deleted = b"".join(e + b"\n" for e in events[0::2])
    assert found[only_key(found, rf"events/type=Opened/{SUFFIX}")] == opened
    assert found[only_key(found, rf"events/type=Deleted/{SUFFIX}")] == deleted
    assert len(found) == 2


def test_append_delimiter_without_partitioning(firehose):
    client = create_transformed(firehose, DELIMITER_PROCESSOR)
    put(client, [b'{"n":1}', b'{"n":2}'])

    firehose.advance(60)

    assert list(bodies(firehose).values()) == [b'{"n":1}\n{"n":2}\n']


def test_append_delimiter_after_transform(firehose):
    firehose.register_transform(LAMBDA_ARN, FakeLambda(result_by_content))
    client = create_transformed(firehose, lambda_processor(), DELIMITER_PROCESSOR)
    put(client, [b"abc", b"drop", b"def"])

    firehose.advance(60)

    assert list(bodies(firehose).values()) == [b"ABC\nDEF\n"]


# Validation through boto3 ---------------------------------------------------------


def _create_error(firehose, **members) -> dict:
    with pytest.raises(ClientError) as caught:
        create_stream(firehose, **members)
    return caught.value.response["Error"]


LAMBDA_SIZE_WITHOUT_INTERVAL = {
    "Type": "Lambda",
    "Parameters": [
        {"ParameterName": "LambdaArn", "ParameterValue": LAMBDA_ARN},
        {"ParameterName": "BufferSizeInMBs", "ParameterValue": "1"},
    ],
}
PARTITIONING = {
    "Prefix": TYPE_PREFIX,
    "ErrorOutputPrefix": ERROR_PREFIX,
    "BufferingHints": PARTITIONED_HINTS,
    "DynamicPartitioningConfiguration": {"Enabled": True},
}


@pytest.mark.parametrize(
    ("members", "message"),
    [
        (
            {"ProcessingConfiguration": processing(lambda_processor(size="5"))},
            "BufferSizeInMBs for lambda processor must be between 0.2 and 3.",
        ),
        (
            {"ProcessingConfiguration": processing(LAMBDA_SIZE_WITHOUT_INTERVAL)},
            (
                "Both BufferSizeInMBs and BufferIntervalInSeconds are required to "
                "configure buffering for lambda processor."
            ),
        ),
        (
            {"ProcessingConfiguration": processing(metadata_processor())},
            (
                "class com.amazonaws.services.firehose.internal.model."
                "MetadataExtractionProcessor can only be present when Dynamic "
                "Partitioning is enabled."
            ),
        ),
        (
            {
                **PARTITIONING,
                "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 60},
                "ProcessingConfiguration": processing(metadata_processor()),
            },
            (
                "BufferingHints.SizeInMBs must be at least 64 when Dynamic "
                "Partitioning is enabled."
            ),
        ),
        (
            {
                **PARTITIONING,
                "ProcessingConfiguration": processing(
                    metadata_processor("{type: .eventType, user: .userId}")
                ),
            },
            (
                "MetaDataExtraction JQ Query can't contain keys that are not present "
                "in the S3 Prefix expression"
            ),
        ),
        (
            {
                **PARTITIONING,
                "ProcessingConfiguration": processing(
                    deaggregation_processor("DELIMITED"), metadata_processor()
                ),
            },
            "Delimiter should be present for DELIMITED",
        ),
    ],
    ids=[
        "lambda-size",
        "lambda-size-without-interval",
        "metadata-without-partitioning",
        "partitioning-buffer-below-64",
        "query-key-not-in-prefix",
        "delimited-without-delimiter",
    ],
)
def test_create_invalid_processing_raises_invalid_argument(firehose, members, message):
    error = _create_error(firehose, **members)

    assert error["Code"] == "InvalidArgumentException"
    assert message in error["Message"]


def test_create_unknown_processor_type_raises_validation(firehose):
    bad = processing({"Type": "Transform", "Parameters": []})

    error = _create_error(firehose, ProcessingConfiguration=bad)

    assert error["Code"] == "ValidationException"
    assert (
        "Value 'Transform' at 'extendedS3DestinationConfiguration."
        "processingConfiguration.processors.1.member.type' failed to satisfy "
        "constraint: Member must satisfy enum value set: [Decompression, Lambda, RecordDeAggregation, "
        "MetadataExtraction, AppendDelimiterToRecord, CloudWatchLogProcessing]"
    ) in error["Message"]


def test_create_partitioning_without_error_prefix_raises(firehose):
    error = _create_error(
        firehose,
        Prefix=TYPE_PREFIX,
        BufferingHints=PARTITIONED_HINTS,
        DynamicPartitioningConfiguration={"Enabled": True},
        ProcessingConfiguration=processing(metadata_processor()),
    )

    assert error["Code"] == "InvalidArgumentException"
    assert "ErrorOutputPrefix cannot be null or empty" in error["Message"]
