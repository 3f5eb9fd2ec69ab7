"""Tests for the record-processing stage, with real jq and Python transforms."""

from __future__ import annotations

import base64
import json
import random
import re
import threading

import pytest

from emulator.clock import ManualClock
from emulator.lambda_invoke import MAX_PAYLOAD_BYTES
from emulator.processing import (
    FailedRecord,
    PartitionKeyError,
    ProcessedRecord,
    SourceRecord,
    apply_delimiter,
    deaggregate,
    extract_partition_keys,
    invoke_transform,
    partition_key_failure,
    process_records,
)
from emulator.processing_config import LambdaSettings, ProcessingSettings

STREAM_ARN = "arn:aws:firehose:us-east-1:123456789012:deliverystream/events"
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:transform:$LATEST"
ARRIVAL = 1_767_225_600.123
QUERY = '{customer_id: .customer_id, year: .ts|strftime("%Y")}'
FUNCTION_ERROR_MESSAGE = (
    "The Lambda function was successfully invoked but it returned an error result."
)
UUID4 = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
)


def settings(**changes) -> ProcessingSettings:
    values = {
        "enabled": True,
        "lambda_": None,
        "metadata_query": None,
        "deaggregation": None,
        "delimiter": None,
        "append_delimiter": False,
        "dynamic_partitioning": False,
        "dynamic_partitioning_retry_seconds": 300,
    }
    values.update(changes)
    return ProcessingSettings(**values)


def lambda_settings(retries: int = 3) -> LambdaSettings:
    return LambdaSettings(
        arn=LAMBDA_ARN,
        number_of_retries=retries,
        buffer_size_bytes=1_048_576,
        buffer_interval_seconds=60.0,
        role_arn=None,
    )


def record(record_id: str, data: bytes) -> SourceRecord:
    return SourceRecord(record_id, data, ARRIVAL)


def invoke(records, transform, *, retries=3, clock=None, timeout_seconds=300.0):
    clock = clock or ManualClock(1_767_225_700.5)
    return invoke_transform(
        records,
        lambda_settings(retries),
        transform,
        stream_arn=STREAM_ARN,
        region="us-east-1",
        now=clock.now,
        rng=random.Random(7),
        timeout_seconds=timeout_seconds,
    )


def ok_entry(entry: dict, data: bytes, keys: dict | None = None) -> dict:
    result = {
        "recordId": entry["recordId"],
        "result": "Ok",
        "data": base64.b64encode(data).decode(),
    }
    if keys is not None:
        result["metadata"] = {"partitionKeys": keys}
    return result


def upper_transform(event, context):
    records = []
    for entry in event["records"]:
        data = base64.b64decode(entry["data"]).upper()
        records.append(ok_entry(entry, data))
    return {"records": records}


# De-aggregation --------------------------------------------------------------


def test_deaggregate_json_splits_concatenated_objects():
    data = b'{"a":1}{"a":2}\n  {"a": {"b": [3]}}\n'

    result = deaggregate([record("r", data)], settings(deaggregation="JSON"))

    assert [sub.data for sub in result] == [
        b'{"a":1}',
        b'{"a":2}',
        b'{"a": {"b": [3]}}',
    ]
    assert [sub.record_id for sub in result] == ["r:0", "r:1", "r:2"]
    assert all(sub.arrival == ARRIVAL for sub in result)


def test_deaggregate_json_with_500_objects_splits_every_one():
    data = b"".join(b'{"n":%d}' % n for n in range(500))

    result = deaggregate([record("r", data)], settings(deaggregation="JSON"))

    assert len(result) == 500
    assert result[499].data == b'{"n":499}'


def test_deaggregate_json_with_501_objects_leaves_record_unsplit():
    data = b"\n".join(b'{"n":%d}' % n for n in range(501))
    original = record("r", data)

    result = deaggregate([original], settings(deaggregation="JSON"))

    assert result == [original]


@pytest.mark.parametrize(
    "data",
    [b'[{"a":1},{"a":2}]', b'{"a":1} nonsense', b"\xff\xfe", b"   ", b'{"a":1}"text"'],
    ids=["array", "trailing-text", "not-utf8", "blank", "non-object"],
)
def test_deaggregate_json_not_object_stream_leaves_record_unsplit(data):
    original = record("r", data)

    result = deaggregate([original], settings(deaggregation="JSON"))

    assert result == [original]


def test_deaggregate_delimited_splits_and_drops_empty_pieces():
    data = b"one####two########three####"

    result = deaggregate(
        [record("r", data)], settings(deaggregation="DELIMITED", delimiter=b"####")
    )

    assert [sub.data for sub in result] == [b"one", b"two", b"three"]
    assert [sub.record_id for sub in result] == ["r:0", "r:1", "r:2"]


def test_deaggregate_delimited_with_501_pieces_leaves_record_unsplit():
    data = b"|".join(b"x" for _ in range(501))
    original = record("r", data)

    result = deaggregate(
        [original], settings(deaggregation="DELIMITED", delimiter=b"|")
    )

    assert result == [original]


def test_deaggregate_without_setting_returns_records_unchanged():
    records = [record("a", b'{"a":1}{"a":2}')]

    assert deaggregate(records, settings()) is records


# Partition keys ----------------------------------------------------------------


def test_extract_partition_keys_converts_values_to_text():
    data = json.dumps(
        {"id": 42, "ratio": 1.5, "flag": True, "tags": {"k": [1, 2]}, "name": "ann"}
    ).encode()
    query = "{id: .id, ratio: .ratio, flag: .flag, tags: .tags, name: .name}"

    keys = extract_partition_keys(query, data)

    assert keys == {
        "id": "42",
        "ratio": "1.5",
        "flag": "true",
        "tags": '{"k":[1,2]}',
        "name": "ann",
    }


def test_extract_partition_keys_runs_jq_functions():
    keys = extract_partition_keys(QUERY, b'{"customer_id": "c-1", "ts": 1700000000}')

    assert keys == {"customer_id": "c-1", "year": "2023"}


@pytest.mark.parametrize(
    "data",
    [b'{"customer_id": null, "ts": 1}', b'{"ts": 1}', b'{"customer_id": "", "ts": 1}'],
    ids=["null", "missing", "empty"],
)
def test_extract_partition_keys_null_or_empty_value_fails(data):
    with pytest.raises(PartitionKeyError) as caught:
        extract_partition_keys("{customer_id: .customer_id}", data)

    assert caught.value.code == "DynamicPartitioning.MetadataExtractionFailed"
    assert caught.value.message == "partitionKeys values must not be null or empty"


@pytest.mark.parametrize(
    "data",
    [b"plain text", b'{"a":1}{"a":2}', b"\xff", b'{"a": NaN}'],
    ids=["text", "two-objects", "not-utf8", "nan"],
)
def test_extract_partition_keys_non_json_record_fails(data):
    with pytest.raises(PartitionKeyError) as caught:
        extract_partition_keys("{a: .a}", data)

    assert caught.value.code == "DynamicPartitioning.MetadataExtractionFailed"
    assert caught.value.message == "Non JSON record provided"


def test_extract_partition_keys_jq_error_fails():
    with pytest.raises(PartitionKeyError) as caught:
        extract_partition_keys("{a: .a.b}", b'{"a": "text"}')

    assert caught.value.code == "DynamicPartitioning.MetadataExtractionFailed"
    assert "Cannot index string with" in caught.value.message


def test_partition_key_failure_uses_data_the_query_saw():
    source = record("r", b"raw")
    processed = ProcessedRecord(source, b"transformed")
    error = PartitionKeyError(
        "DynamicPartitioning.MetadataExtractionFailed", "Non JSON record provided"
    )

    failed = partition_key_failure(processed, error, 1_767_225_700.0)

    assert failed.source == SourceRecord("r", b"transformed", ARRIVAL)
    assert failed.error_output_type == "metadata-extraction-failed"
    assert failed.error_code == "DynamicPartitioning.MetadataExtractionFailed"
    assert failed.error_message == "Non JSON record provided"
    assert failed.attempts_made == 1
    assert failed.attempt_ending == 1_767_225_700.0
    assert failed.lambda_arn is None


# Delimiter ---------------------------------------------------------------------


def test_apply_delimiter_appends_newline_when_configured():
    assert apply_delimiter(b'{"a":1}', settings(append_delimiter=True)) == b'{"a":1}\n'


def test_apply_delimiter_leaves_data_when_not_configured():
    assert apply_delimiter(b'{"a":1}', settings()) == b'{"a":1}'


# Lambda invocation: event and results ---------------------------------------------


def test_invoke_transform_sends_lambda_event_and_context():
    seen: dict = {}

    def transform(event, context):
        seen["event"] = json.loads(json.dumps(event))
        seen["context"] = {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "aws_request_id": context.aws_request_id,
            "remaining": context.get_remaining_time_in_millis(),
        }
        return upper_transform(event, context)

    records = [record("r1", b"hello"), SourceRecord("r2", b"\x00\xff", ARRIVAL + 1)]

    processed, failed = invoke(records, transform, timeout_seconds=60.0)

    event = seen["event"]
    assert UUID4.fullmatch(event["invocationId"])
    assert event["deliveryStreamArn"] == STREAM_ARN
    assert event["region"] == "us-east-1"
    assert event["records"] == [
        {
            "recordId": "r1",
            "approximateArrivalTimestamp": 1_767_225_600_123,
            "data": "aGVsbG8=",
        },
        {
            "recordId": "r2",
            "approximateArrivalTimestamp": 1_767_225_601_123,
            "data": "AP8=",
        },
    ]
    assert seen["context"]["function_name"] == "transform"
    assert seen["context"]["function_version"] == "$LATEST"
    assert seen["context"]["invoked_function_arn"] == LAMBDA_ARN
    assert UUID4.fullmatch(seen["context"]["aws_request_id"])
    assert seen["context"]["remaining"] == 60_000
    assert [p.data for p in processed] == [b"HELLO", b"\x00\xff"]
    assert failed == []


def test_invoke_transform_ok_keeps_lambda_partition_keys():
    def transform(event, context):
        return {
            "records": [
                ok_entry(entry, b"out", {"region": "eu", "shard": 7, "gone": None})
                for entry in event["records"]
            ]
        }

    processed, failed = invoke([record("r1", b"in")], transform)

    assert processed[0].source == record("r1", b"in")
    assert processed[0].data == b"out"
    assert processed[0].keys_from_lambda == {"region": "eu", "shard": "7"}
    assert processed[0].keys_from_query == {}
    assert failed == []


def test_invoke_transform_results_sorted_per_record():
    def transform(event, context):
        first, second, third = event["records"]
        return {
            "records": [
                ok_entry(first, b"kept"),
                {"recordId": second["recordId"], "result": "Dropped"},
                {"recordId": third["recordId"], "result": "ProcessingFailed"},
                ok_entry({"recordId": "never-sent"}, b"ignored"),
            ]
        }

    clock = ManualClock(1_767_225_700.5)
    records = [record("a", b"1"), record("b", b"2"), record("c", b"3")]

    processed, failed = invoke(records, transform, clock=clock)

    assert [(p.source.record_id, p.data) for p in processed] == [("a", b"kept")]
    assert failed == [
        FailedRecord(
            source=record("c", b"3"),
            error_output_type="processing-failed",
            error_code="Lambda.ProcessingFailedStatus",
            error_message="ProcessingFailed status set for record",
            attempts_made=1,
            attempt_ending=1_767_225_700.5,
            lambda_arn=LAMBDA_ARN,
        )
    ]


def test_invoke_transform_missing_record_id_fails_that_record():
    def transform(event, context):
        return {"records": [ok_entry(event["records"][0], b"x")]}

    processed, failed = invoke([record("a", b"1"), record("b", b"2")], transform)

    assert [p.source.record_id for p in processed] == ["a"]
    assert [f.source.record_id for f in failed] == ["b"]
    assert failed[0].error_code == "Lambda.MissingRecordId"
    assert failed[0].error_message == (
        "One or more record Ids were not returned. Ensure that the Lambda function "
        "returns all received record Ids."
    )


def test_invoke_transform_duplicated_record_id_fails_that_record():
    def transform(event, context):
        first, second = event["records"]
        return {
            "records": [
                ok_entry(first, b"x"),
                ok_entry(second, b"y"),
                ok_entry(second, b"z"),
            ]
        }

    processed, failed = invoke([record("a", b"1"), record("b", b"2")], transform)

    assert [p.source.record_id for p in processed] == ["a"]
    assert [f.source.record_id for f in failed] == ["b"]
    assert failed[0].error_code == "Lambda.DuplicatedRecordId"
    assert failed[0].error_message.startswith(
        "Multiple records were returned with the same record Id."
    )


def test_invoke_transform_response_without_records_misses_every_id():
    calls = []

    def transform(event, context):
        calls.append(1)
        return {"items": []}

    processed, failed = invoke([record("a", b"1"), record("b", b"2")], transform)

    assert processed == []
    assert [f.error_code for f in failed] == ["Lambda.MissingRecordId"] * 2
    assert [f.attempts_made for f in failed] == [1, 1]
    assert len(calls) == 1


def test_invoke_transform_unparsable_response_is_not_retried():
    calls = []

    def transform(event, context):
        calls.append(1)
        return "{not json"

    processed, failed = invoke([record("a", b"1")], transform)

    assert processed == []
    assert failed[0].error_code == "Lambda.JsonProcessingException"
    assert failed[0].error_message.startswith(
        "There was an error parsing returned records from the Lambda function."
    )
    assert failed[0].attempts_made == 1
    assert len(calls) == 1


@pytest.mark.parametrize(
    "encode", [json.dumps, lambda value: json.dumps(value).encode()]
)
def test_invoke_transform_accepts_json_text_response(encode):
    def transform(event, context):
        return encode(upper_transform(event, context))

    processed, failed = invoke([record("a", b"abc")], transform)

    assert [p.data for p in processed] == [b"ABC"]
    assert failed == []


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        ({"result": "Ok"}, "Lambda.InvalidReturnFormat"),
        ({"result": "Ok", "data": None}, "Lambda.InvalidReturnFormat"),
        ({"result": "Ok", "data": "%%%"}, "Lambda.JsonProcessingException"),
        ({"result": "Ok", "data": 5}, "Lambda.JsonProcessingException"),
        ({"result": "Maybe", "data": "eA=="}, "Lambda.JsonProcessingException"),
    ],
    ids=["missing-data", "null-data", "bad-base64", "number-data", "unknown-result"],
)
def test_invoke_transform_malformed_entry_fails_record(entry, code):
    def transform(event, context):
        return {"records": [{"recordId": event["records"][0]["recordId"], **entry}]}

    processed, failed = invoke([record("a", b"1")], transform)

    assert processed == []
    assert failed[0].error_code == code
    assert failed[0].attempts_made == 1


def test_invoke_transform_null_data_message():
    def transform(event, context):
        return {"records": [{"recordId": "a", "result": "Ok", "data": None}]}

    _, failed = invoke([record("a", b"1")], transform)

    assert failed[0].error_message.startswith(
        "The data field cannot be null when the SourceType is DirectPut or "
        "KinesisStreamAsSource and processing result is Ok."
    )


# Lambda invocation: retries, timeouts, sizes ----------------------------------------


def test_invoke_transform_succeeds_on_third_attempt():
    calls = []
    clock = ManualClock(1_767_225_700.0)

    def transform(event, context):
        calls.append(event["invocationId"])
        clock.advance(1)
        if len(calls) < 3:
            raise RuntimeError("cold start")
        first, second = event["records"]
        return {
            "records": [
                ok_entry(first, b"done"),
                {"recordId": second["recordId"], "result": "ProcessingFailed"},
            ]
        }

    processed, failed = invoke(
        [record("a", b"1"), record("b", b"2")], transform, retries=3, clock=clock
    )

    assert len(calls) == 3
    assert len(set(calls)) == 1
    assert [p.data for p in processed] == [b"done"]
    assert failed[0].attempts_made == 3
    assert failed[0].attempt_ending == 1_767_225_703.0


def test_invoke_transform_always_raising_fails_batch_after_retries():
    calls = []
    clock = ManualClock(1_767_225_700.0)

    def transform(event, context):
        calls.append(1)
        clock.advance(10)
        raise ValueError("broken")

    processed, failed = invoke(
        [record("a", b"1"), record("b", b"2")], transform, retries=3, clock=clock
    )

    assert processed == []
    assert len(calls) == 4
    assert [f.source.record_id for f in failed] == ["a", "b"]
    for failure in failed:
        assert failure.error_output_type == "processing-failed"
        assert failure.error_code == "Lambda.FunctionError"
        assert failure.error_message == FUNCTION_ERROR_MESSAGE
        assert failure.attempts_made == 4
        assert failure.attempt_ending == 1_767_225_740.0
        assert failure.lambda_arn == LAMBDA_ARN


def test_invoke_transform_timeout_is_retried_then_fails():
    release = threading.Event()
    calls = []

    def transform(event, context):
        calls.append(1)
        release.wait(5)
        return upper_transform(event, context)

    try:
        processed, failed = invoke(
            [record("a", b"1")], transform, retries=1, timeout_seconds=0.05
        )
    finally:
        release.set()

    assert processed == []
    assert len(calls) == 2
    assert failed[0].error_code == "Lambda.InvokeTimeout"
    assert failed[0].error_message == (
        "Firehose encountered timeout errors when calling AWS Lambda. The maximum "
        "supported function timeout is 5 minutes."
    )
    assert failed[0].attempts_made == 2


def test_invoke_transform_splits_requests_over_6_mb():
    events = []

    def transform(event, context):
        events.append(len(json.dumps(event, separators=(",", ":"))))
        return {"records": [ok_entry(entry, b"k") for entry in event["records"]]}

    records = [record(f"r{n}", bytes([n]) * 1_000_000) for n in range(6)]

    processed, failed = invoke(records, transform)

    assert len(events) == 2
    assert all(size <= MAX_PAYLOAD_BYTES for size in events)
    assert [p.source.record_id for p in processed] == [f"r{n}" for n in range(6)]
    assert failed == []


def test_invoke_transform_response_over_6_mb_fails():
    calls = []

    def transform(event, context):
        calls.append(1)
        return {"records": [ok_entry(event["records"][0], b"x" * 4_600_000)]}

    processed, failed = invoke([record("a", b"1")], transform, retries=1)

    assert processed == []
    assert len(calls) == 2
    assert failed[0].error_code == "Lambda.FunctionError"
    assert failed[0].attempts_made == 2


def test_invoke_transform_unserialisable_response_fails():
    def transform(event, context):
        return {"records": {1, 2}}

    processed, failed = invoke([record("a", b"1")], transform, retries=0)

    assert processed == []
    assert failed[0].error_code == "Lambda.FunctionError"
    assert failed[0].attempts_made == 1


def test_invoke_transform_empty_batch_makes_no_call():
    calls = []

    def transform(event, context):
        calls.append(1)
        return {"records": []}

    assert invoke([], transform) == ([], [])
    assert calls == []


# The whole stage -----------------------------------------------------------------


def test_process_records_splits_json_and_partitions_each_object():
    data = (
        b'{"customer_id": "c1", "ts": 1700000000}\n'
        b'{"customer_id": "c2", "ts": 1735689600}'
        b'{"customer_id": null, "ts": 1}'
    )
    clock = ManualClock(1_767_225_700.0)

    processed, failed = process_records(
        [record("r", data)],
        settings(
            deaggregation="JSON",
            metadata_query=QUERY,
            dynamic_partitioning=True,
            append_delimiter=True,
        ),
        None,
        stream_arn=STREAM_ARN,
        region="us-east-1",
        now=clock.now,
        rng=random.Random(1),
    )

    assert [p.source.record_id for p in processed] == ["r:0", "r:1"]
    assert [p.keys_from_query for p in processed] == [
        {"customer_id": "c1", "year": "2023"},
        {"customer_id": "c2", "year": "2025"},
    ]
    assert processed[0].data == b'{"customer_id": "c1", "ts": 1700000000}\n'
    assert [f.source.record_id for f in failed] == ["r:2"]
    assert failed[0].error_output_type == "metadata-extraction-failed"
    assert failed[0].error_message == "partitionKeys values must not be null or empty"


def test_process_records_runs_query_on_transformed_data():
    def transform(event, context):
        records = []
        for entry in event["records"]:
            payload = json.loads(base64.b64decode(entry["data"]))
            payload["customer_id"] = payload.pop("customer")
            records.append(
                ok_entry(entry, json.dumps(payload).encode(), {"source": "app"})
            )
        return {"records": records}

    processed, failed = process_records(
        [record("r", b'{"customer": "c9", "ts": 1700000000}')],
        settings(
            lambda_=lambda_settings(),
            metadata_query=QUERY,
            dynamic_partitioning=True,
            append_delimiter=True,
        ),
        transform,
        stream_arn=STREAM_ARN,
        region="us-east-1",
        now=ManualClock(1_767_225_700.0).now,
        rng=random.Random(1),
    )

    assert failed == []
    assert processed[0].keys_from_query == {"customer_id": "c9", "year": "2023"}
    assert processed[0].keys_from_lambda == {"source": "app"}
    assert processed[0].data == b'{"ts": 1700000000, "customer_id": "c9"}\n'


def test_process_records_disabled_passes_records_through():
    original = record("r", b'{"a":1}{"a":2}')

    processed, failed = process_records(
        [original],
        settings(enabled=False, deaggregation="JSON", append_delimiter=True),
        None,
        stream_arn=STREAM_ARN,
        region="us-east-1",
        now=ManualClock().now,
        rng=random.Random(1),
    )

    assert processed == [ProcessedRecord(original, b'{"a":1}{"a":2}')]
    assert failed == []


def test_process_records_lambda_without_transform_raises():
    with pytest.raises(ValueError) as caught:
        process_records(
            [record("r", b"x")],
            settings(lambda_=lambda_settings()),
            None,
            stream_arn=STREAM_ARN,
            region="us-east-1",
            now=ManualClock().now,
            rng=random.Random(1),
        )

    assert str(caught.value) == (
        f"no transform given for the Lambda function {LAMBDA_ARN}; "
        "pass the Python callable that stands in for it"
    )
