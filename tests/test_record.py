"""``firehose-emulator record``: a real boto3 session recorded, then replayed to the same objects."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import boto3
import pytest
import yaml

from emulator.clock import ManualClock, SystemClock
from emulator.control_client import ControlClient, ServerProcess
from emulator.core import FirehoseEmulator
from emulator.recorder import SessionRecorder, created_bucket
from emulator.scenario import load_scenario, run_scenario
from emulator.scenario.errors import ScenarioFormatError
from emulator.scenario.generators import make_generator
from emulator.scenario.recording import (
    PutStep,
    dump_scenario,
    key_pattern,
    record_text,
)

ROOT = Path(__file__).resolve().parent.parent
VASCULAR = ROOT / "scenarios" / "vascular"
STREAM = "message-interaction-events"
SCRATCH = "scratch-events"
BUCKET = "vascular-inbox-events"
ACCOUNT = "000000000000"
START = "2026-12-04T15:00:00Z"
BINARY_RECORD = b"\x00\x01binary\xff\xfe\n"
LOG_GROUP = "/aws/kinesisfirehose/message-interaction-events"
TRUST_POLICY = json.loads((VASCULAR / "trust-policy.json").read_text())
PERMISSIONS_POLICY = json.loads((VASCULAR / "permissions-policy.json").read_text())
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def client(service: str, endpoint: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def vascular_events(count: int, seed: int) -> list[bytes]:
    generator = make_generator("vascular-events", seed, {})
    return generator.records(count, ManualClock(START).now())


def put_batches(firehose, stream: str, records: list[bytes], size: int = 500):
    for first in range(0, len(records), size):
        batch = records[first : first + size]
        response = firehose.put_record_batch(
            DeliveryStreamName=stream, Records=[{"Data": data} for data in batch]
        )
        assert response["FailedPutCount"] == 0


def scratch_stream_request() -> dict:
    return {
        "DeliveryStreamName": SCRATCH,
        "DeliveryStreamType": "DirectPut",
        "ExtendedS3DestinationConfiguration": {
            "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/firehose-to-s3-writer",
            "BucketARN": f"arn:aws:s3:::{BUCKET}",
            "Prefix": "scratch/",
            "CompressionFormat": "GZIP",
        },
    }


def config_stream_request() -> dict:
    return {
        "DeliveryStreamName": "config-stream",
        "ExtendedS3DestinationConfiguration": {
            "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/config-writer",
            "BucketARN": "arn:aws:s3:::config-events",
        },
    }


def write_config(directory: Path) -> Path:
    config = {
        "version": 1,
        "buckets": ["config-events"],
        "roles": [
            {
                "RoleName": "config-writer",
                "AssumeRolePolicyDocument": TRUST_POLICY,
                "Policies": [
                    {"PolicyName": "config-write", "PolicyDocument": PERMISSIONS_POLICY}
                ],
            }
        ],
        "streams": [config_stream_request()],
    }
    path = directory / "config.json"
    path.write_text(json.dumps(config))
    return path


def create_infrastructure(endpoint: str) -> None:
    s3 = client("s3", endpoint)
    iam = client("iam", endpoint)
    logs = client("logs", endpoint)
    firehose = client("firehose", endpoint)

    s3.create_bucket(Bucket=BUCKET)
    logs.create_log_group(logGroupName=LOG_GROUP)
    logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName="DestinationDelivery")

    iam.create_role(
        RoleName="firehose-to-s3-writer",
        AssumeRolePolicyDocument=(VASCULAR / "trust-policy.json").read_text(),
    )
    iam.put_role_policy(
        RoleName="firehose-to-s3-writer",
        PolicyName="firehose-to-s3-writer-permissions",
        PolicyDocument=(VASCULAR / "permissions-policy.json").read_text(),
    )
    policy = iam.create_policy(
        PolicyName="vascular-read",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
                ],
            }
        ),
    )
    iam.attach_role_policy(
        RoleName="firehose-to-s3-writer", PolicyArn=policy["Policy"]["Arn"]
    )

    request = json.loads((VASCULAR / "message-interaction-events.json").read_text())
    firehose.create_delivery_stream(**request)
    firehose.create_delivery_stream(**scratch_stream_request())


def drive_session(endpoint: str) -> None:
    """Make every kind of call the recorder keeps, with a delivery of each reason."""
    control = ControlClient(endpoint)
    s3 = client("s3", endpoint)
    s3.create_bucket(Bucket="dropped-by-reset")
    control.reset()
    create_infrastructure(endpoint)
    firehose = client("firehose", endpoint)
    events = vascular_events(5000, seed=2026)

    # 15:00:00: 4,000 events of about 226 bytes, and a scratch object.
    put_batches(firehose, STREAM, events[:4000])
    put_batches(firehose, SCRATCH, [b'{"scratch":1}\n', b'{"scratch":2}\n'])
    control.flush(SCRATCH)
    put_batches(firehose, SCRATCH, [b'{"scratch":3}\n'])

    # 15:00:10: the buffer reaches 1 MiB; the rest opens a new buffer.
    control.advance(10)
    put_batches(firehose, STREAM, events[4000:])
    firehose.put_record(DeliveryStreamName=STREAM, Record={"Data": BINARY_RECORD})
    firehose.put_record(DeliveryStreamName=STREAM, Record={"Data": b"no newline"})

    # 15:01:10: the interval delivers the new buffer.
    control.advance(60)
    put_batches(firehose, STREAM, vascular_events(120, seed=7), size=50)
    control.flush()
    firehose.delete_delivery_stream(DeliveryStreamName=SCRATCH)
    description = firehose.describe_delivery_stream(DeliveryStreamName=STREAM)
    description = description["DeliveryStreamDescription"]
    firehose.update_destination(
        DeliveryStreamName=STREAM,
        CurrentDeliveryStreamVersionId=description["VersionId"],
        DestinationId=description["Destinations"][0]["DestinationId"],
        ExtendedS3DestinationUpdate={"Prefix": "vascular-v2/"},
    )

    # 15:01:15: records that only the final flush on SIGTERM delivers.
    control.advance(5)
    put_batches(firehose, STREAM, vascular_events(30, seed=8))


def exported_objects(directory: Path) -> dict[str, bytes]:
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def without_uuid(key: str) -> str:
    return UUID.sub("<uuid>", key)


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    directory = tmp_path_factory.mktemp("record")
    output = directory / "session.yaml"
    export = directory / "export"
    arguments = ["--output", str(output), "--host", "127.0.0.1", "--port", "0"]
    arguments += ["--clock", "manual", "--start", START, "--account-id", ACCOUNT]
    arguments += ["--export-dir", str(export)]
    arguments += ["--config", str(write_config(directory))]
    with ServerProcess(arguments, command="record", env=FAKE_CREDENTIALS) as process:
        try:
            drive_session(process.endpoint)
        finally:
            exit_code = process.stop()
        log = process.log_text()
    return {
        "file": output,
        "exit_code": exit_code,
        "log": log,
        "objects": exported_objects(export),
    }


@pytest.fixture(scope="module")
def replayed(recording):
    scenario = load_scenario(recording["file"])
    return scenario, run_scenario(scenario)


# The recorded session ------------------------------------------------------


def test_record_sigterm_exits_zero_and_writes_file(recording):
    assert recording["exit_code"] == 0, recording["log"]
    assert recording["file"].is_file()
    assert "wrote the recorded session to" in recording["log"]


def test_record_session_delivers_each_reason(recording):
    keys = sorted(recording["objects"])

    assert len(keys) == 6
    assert sum(key.startswith(f"{BUCKET}/vascular2026/") for key in keys) == 3
    assert sum(key.startswith(f"{BUCKET}/vascular-v2/") for key in keys) == 1
    assert sum(key.startswith(f"{BUCKET}/scratch/") for key in keys) == 2


def test_record_setup_holds_infrastructure_calls(replayed):
    scenario, _ = replayed
    role = scenario.roles[1]
    vascular, scratch = (stream.request for stream in scenario.streams[1:])

    assert scenario.account == ACCOUNT
    assert scenario.buckets == ["config-events", BUCKET]
    assert [policy.name for policy in scenario.policies] == ["vascular-read"]
    assert scenario.log_groups == [(LOG_GROUP, ["DestinationDelivery"])]
    assert role.name == "firehose-to-s3-writer"
    assert role.trust_policy == TRUST_POLICY
    assert role.policies == [("firehose-to-s3-writer-permissions", PERMISSIONS_POLICY)]
    assert role.managed_policies == [f"arn:aws:iam::{ACCOUNT}:policy/vascular-read"]
    assert vascular == json.loads(
        (VASCULAR / "message-interaction-events.json").read_text()
    )
    assert scratch == scratch_stream_request()


def test_record_setup_holds_config_resources(replayed):
    scenario, _ = replayed
    config_role = scenario.roles[0]

    assert config_role.name == "config-writer"
    assert config_role.trust_policy == TRUST_POLICY
    assert config_role.policies == [("config-write", PERMISSIONS_POLICY)]
    assert scenario.streams[0].request == config_stream_request()


def test_record_steps_follow_session_order(replayed):
    scenario, _ = replayed
    steps = [(step.kind, step.body) for step in scenario.steps]
    kinds = [kind for kind, _ in steps]

    assert kinds == [
        "put",  # 8 PutRecordBatch calls of 500
        "put",  # scratch
        "flush",
        "put",  # scratch
        "advance",
        "put",  # 2 calls of 500
        "put",  # PutRecord, binary
        "put",  # PutRecord, text
        "advance",
        "put",  # 3 calls: 50, 50 and 20
        "flush",
        "delete_stream",
        "update_destination",
        "advance",
        "put",
        "flush",  # the final flush on SIGTERM
        "expect",  # config-events
        "expect",  # vascular-inbox-events
    ]
    assert (steps[0][1]["batch_size"], len(steps[0][1]["records"])) == (500, 4000)
    assert steps[2][1] == SCRATCH
    assert steps[4][1] == 10
    assert steps[7][1] == {
        "stream": STREAM,
        "api": "PutRecord",
        "records": ["no newline"],
    }
    assert steps[8][1] == 60
    assert (steps[9][1]["batch_size"], len(steps[9][1]["records"])) == (50, 120)
    assert steps[10][1] == {}
    assert steps[11][1] == SCRATCH
    assert steps[12][1] == {
        "stream": STREAM,
        "ExtendedS3DestinationUpdate": {"Prefix": "vascular-v2/"},
    }
    assert steps[15][1] == {}


def test_record_binary_record_kept_as_base64(replayed):
    scenario, _ = replayed
    body = scenario.steps[6].body

    assert body["api"] == "PutRecord"
    assert body["encoding"] == "base64"
    assert [base64.b64decode(r) for r in body["records"]] == [BINARY_RECORD]


def test_record_text_records_kept_as_text(recording):
    document = yaml.safe_load(recording["file"].read_text())
    first = document["steps"][0]["put"]
    sent = vascular_events(5000, seed=2026)[:4000]

    assert "encoding" not in first
    assert [record.encode() for record in first["records"]] == sent
    assert "- |\n" in recording["file"].read_text()


def test_record_empty_bucket_expects_no_objects(replayed):
    scenario, _ = replayed

    assert scenario.steps[-2].body == {
        "bucket": "config-events",
        "object_count": 0,
        "record_count": 0,
    }


def test_record_reset_drops_earlier_calls(replayed):
    scenario, _ = replayed

    assert "dropped-by-reset" not in scenario.buckets


def test_record_expect_lists_objects_with_uuid_wildcard(replayed):
    scenario, _ = replayed
    expect = scenario.steps[-1].body
    patterns = [entry["key"] for entry in expect["objects"]]

    assert expect["bucket"] == BUCKET
    assert expect["object_count"] == 6
    assert patterns[1] == (
        "^vascular2026/12/04/15/message-interaction-events-1-2026-12-04-15-00-00-"
        "[0-9a-f-]{36}$"
    )
    assert [entry.get("reason") for entry in expect["objects"]] == [
        "flush",
        "size",
        "interval",
        "flush",
        "flush",
    ]
    # Both scratch objects hold records put at 15:00:00, so their keys share a pattern.
    assert expect["objects"][0]["count"] == 2
    assert expect["objects"][0]["content_encoding"] == "gzip"


# The replay ------------------------------------------------------------------


def test_replay_recorded_file_passes_expectations(replayed):
    _, result = replayed

    assert result.error is None
    assert [check.label for check in result.failed_checks] == []
    assert len(result.checks) == 9


def test_replay_recorded_file_writes_same_keys_and_bytes(recording, replayed):
    _, result = replayed
    session = {without_uuid(key): body for key, body in recording["objects"].items()}
    replay = {
        without_uuid(f"{obj.bucket}/{obj.key}"): obj.raw for obj in result.objects
    }

    assert sorted(replay) == sorted(session)
    for key, body in session.items():
        assert replay[key] == body, key


def test_replay_recorded_file_repeats_uuids(recording, replayed):
    _, result = replayed
    replay = sorted(f"{obj.bucket}/{obj.key}" for obj in result.objects)

    # The recording ran with seed 0, and so does the replay.
    assert replay == sorted(recording["objects"])


def test_replay_command_exits_zero_on_recorded_file(recording):
    completed = subprocess.run(
        [sys.executable, "-m", "emulator", "replay", "-q", str(recording["file"])],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, **FAKE_CREDENTIALS, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_record_missing_output_folder_exits_two(tmp_path):
    from click.testing import CliRunner

    from emulator.cli import cli

    output = tmp_path / "missing" / "session.yaml"
    result = CliRunner().invoke(cli, ["record", "--output", str(output)])

    assert result.exit_code == 2
    assert (
        f"Invalid value for '--output': the folder of {str(output)!r} does not "
        "exist; create it first"
    ) in result.output


# Units -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "pattern"),
    [
        (
            (
                "logs/2026/12/04/15/s-1-2026-12-04-15-00-00-"
                "7ed4d57b-1e2f-4b89-814c-343c1027c4d1.gz"
            ),
            "^logs/2026/12/04/15/s-1-2026-12-04-15-00-00-[0-9a-f-]{36}\\.gz$",
        ),
        ("events/type=Read (1)/a+b", "^events/type=Read \\(1\\)/a\\+b$"),
    ],
    ids=["uuid-and-extension", "special-characters"],
)
def test_key_pattern_key_matches_itself_only(key, pattern):
    assert key_pattern(key) == pattern
    assert re.search(key_pattern(key), key)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b'{"a":1}\n', '{"a":1}\n'),
        ("ünï€😀\r\n".encode(), "ünï€😀\r\n"),
        (b"tab\there", "tab\there"),
        (b"\x00nul", None),
        (b"\xff\xfe", None),
        ("line\u2028separator".encode(), None),
        (b"\x1b[0m", None),
    ],
    ids=["json-line", "unicode-crlf", "tab", "nul", "not-utf8", "yaml-break", "esc"],
)
def test_record_text_unsafe_bytes_none(data, text):
    assert record_text(data) == text


def test_dump_scenario_text_records_round_trip():
    records = [
        '{"a":"b"}\n',
        "  leading\n",
        "trailing  \n",
        "cr\r\n",
        "end\n\n",
        "\n",
        "",
        "yes",
        "null",
        "123",
        "# not a comment\n",
        "key: value\n",
    ]

    loaded = yaml.safe_load(dump_scenario({"records": records}, ["header"]))

    assert loaded["records"] == records


def test_put_step_merges_calls_a_replay_repeats():
    step = PutStep.start("s", "PutRecordBatch", [b"a\n", b"b\n"])

    assert step.extend("s", "PutRecordBatch", [b"c\n", b"d\n"]) is True
    assert step.extend("s", "PutRecordBatch", [b"e\n"]) is True
    assert step.extend("s", "PutRecordBatch", [b"f\n"]) is False
    assert step.extend("other", "PutRecordBatch", [b"g\n"]) is False
    assert step.as_step() == {
        "put": {
            "stream": "s",
            "batch_size": 2,
            "records": ["a\n", "b\n", "c\n", "d\n", "e\n"],
        }
    }


def test_put_step_binary_call_starts_new_step():
    step = PutStep.start("s", "PutRecord", [b"text\n"])

    assert step.extend("s", "PutRecord", [b"\x00"]) is False


@pytest.mark.parametrize(
    ("environ", "bucket"),
    [
        ({"PATH_INFO": "/events", "QUERY_STRING": ""}, "events"),
        ({"PATH_INFO": "/events/", "QUERY_STRING": "x-id=CreateBucket"}, "events"),
        ({"PATH_INFO": "/events/key.json", "QUERY_STRING": ""}, None),
        ({"PATH_INFO": "/events", "QUERY_STRING": "tagging"}, None),
        ({"PATH_INFO": "/", "HTTP_HOST": "events.localhost:4566"}, "events"),
        (
            {"PATH_INFO": "/", "HTTP_HOST": "my.events.s3.us-east-1.amazonaws.com"},
            "my.events",
        ),
        ({"PATH_INFO": "/", "HTTP_HOST": "127.0.0.1:4566"}, None),
    ],
    ids=[
        "path-style",
        "x-id",
        "put-object",
        "sub-resource",
        "localhost-host",
        "aws-host",
        "ip-host",
    ],
)
def test_created_bucket_put_request_bucket(environ, bucket):
    assert created_bucket(environ) == bucket


def test_recorder_system_clock_gap_becomes_advance():
    recorder = SessionRecorder()
    emulator = FirehoseEmulator(clock=SystemClock())
    recorder.emulator_started(emulator)

    time.sleep(1.2)
    recorder.control_request("flush", {})
    recorder.finish()
    steps = recorder.scenario("gap")["steps"]

    assert steps[0]["advance"] in (1, 2)
    assert steps[1] == {"flush": {}}
    assert steps[2] == {"flush": {}}
    assert "rounded to whole seconds" in recorder.scenario("gap")["description"]


def started_recorder() -> SessionRecorder:
    recorder = SessionRecorder()
    recorder.emulator_started(FirehoseEmulator(clock=ManualClock(START)))
    return recorder


def firehose_call(operation: str, request: dict, region: str = "us-east-1"):
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "HTTP_X_AMZ_TARGET": f"Firehose_20150804.{operation}",
        "HTTP_AUTHORIZATION": (
            f"AWS4-HMAC-SHA256 Credential=testing/20261204/{region}/firehose/"
            "aws4_request, SignedHeaders=host, Signature=0"
        ),
    }
    return environ, json.dumps(request).encode()


def batch_entries(records: list[bytes]) -> list[dict]:
    return [{"Data": base64.b64encode(record).decode()} for record in records]


def test_recorder_batch_keeps_accepted_records_only():
    recorder = started_recorder()
    request = {
        "DeliveryStreamName": "s",
        "Records": batch_entries([b"1\n", b"2\n", b"3\n"]),
    }
    response = {
        "FailedPutCount": 1,
        "RequestResponses": [
            {"RecordId": "a"},
            {"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "slow down"},
            {"RecordId": "c"},
        ],
    }

    recorder.aws_request(
        *firehose_call("PutRecordBatch", request),
        (200, [], json.dumps(response).encode()),
    )

    assert recorder.scenario("s")["steps"][0] == {
        "put": {"stream": "s", "batch_size": 2, "records": ["1\n", "3\n"]}
    }


def test_recorder_rejected_call_not_recorded():
    recorder = started_recorder()
    request = {"DeliveryStreamName": "s", "Record": {"Data": "AA=="}}

    recorder.aws_request(
        *firehose_call("PutRecord", request), (400, [], b'{"__type": "x"}')
    )

    assert recorder.scenario("s")["steps"] == []


def test_recorder_stream_region_and_account_taken_from_call():
    recorder = started_recorder()
    request = {"DeliveryStreamName": "s", "DeliveryStreamType": "DirectPut"}

    arn = "arn:aws:firehose:eu-west-1:111122223333:deliverystream/s"
    response = json.dumps({"DeliveryStreamARN": arn}).encode()

    recorder.aws_request(
        *firehose_call("CreateDeliveryStream", request, region="eu-west-1"),
        (200, [], response),
    )
    scenario = recorder.scenario("s")

    assert scenario["region"] == "eu-west-1"
    assert scenario["account"] == "111122223333"
    assert scenario["setup"]["streams"] == [request]


def test_recorder_create_policy_keeps_path():
    recorder = started_recorder()
    document = {"Version": "2012-10-17", "Statement": []}
    body = urlencode(
        {
            "Action": "CreatePolicy",
            "Version": "2010-05-08",
            "PolicyName": "writer",
            "Path": "/firehose/",
            "PolicyDocument": json.dumps(document),
        }
    ).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "CONTENT_TYPE": "application/x-www-form-urlencoded; charset=utf-8",
    }

    recorder.aws_request(environ, body, (200, [], b"<CreatePolicyResponse/>"))

    assert recorder.scenario("s")["setup"]["policies"] == [
        {"name": "writer", "document": document, "path": "/firehose/"}
    ]


def test_recorder_unsupported_call_logged_once(caplog):
    recorder = started_recorder()
    request = {"DeliveryStreamName": "s", "Tags": [{"Key": "k", "Value": "v"}]}

    for _ in range(2):
        recorder.aws_request(
            *firehose_call("TagDeliveryStream", request), (200, [], b"{}")
        )
    recorder.aws_request(
        *firehose_call("DescribeDeliveryStream", request), (200, [], b"{}")
    )

    expected = (
        "the recording leaves out TagDeliveryStream calls: "
        "a scenario has no step for it"
    )
    assert [record.getMessage() for record in caplog.records] == [expected]


# The scenario format's additions ---------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_load_scenario_invalid_base64_record_message(tmp_path):
    file = write(
        tmp_path / "bad.yaml",
        "version: 1\n"
        "setup:\n"
        "  buckets: [b-bucket]\n"
        "  streams:\n"
        "    - DeliveryStreamName: s\n"
        "steps:\n"
        "  - put:\n"
        "      stream: s\n"
        "      encoding: base64\n"
        "      records: ['AAE=', 'not base64!']\n",
    )

    with pytest.raises(ScenarioFormatError) as caught:
        load_scenario(file)

    assert str(caught.value) == (
        f"{file}:10: steps[0].put.records[1]: the record is not base64 "
        "(invalid base64: Only base64 data is allowed). Fix: give each record as "
        "the base64 text of its bytes, or remove encoding: base64 to send text "
        "as written"
    )


def test_load_scenario_base64_with_file_message(tmp_path):
    write(tmp_path / "events.ndjson", '{"a":1}\n')
    file = write(
        tmp_path / "bad.yaml",
        "version: 1\n"
        "setup:\n"
        "  streams:\n"
        "    - DeliveryStreamName: s\n"
        "steps:\n"
        "  - put: {stream: s, encoding: base64, file: events.ndjson}\n",
    )

    with pytest.raises(ScenarioFormatError) as caught:
        load_scenario(file)

    assert str(caught.value) == (
        f"{file}:6: steps[0].put.encoding: encoding: base64 applies only to inline "
        "records. Fix: give the records inline under records, or remove encoding"
    )


def test_run_scenario_managed_policy_attached_to_role(tmp_path):
    file = write(
        tmp_path / "policies.yaml",
        "version: 1\n"
        "setup:\n"
        "  policies:\n"
        "    - name: writer\n"
        "      path: /firehose/\n"
        "      document:\n"
        "        Version: '2012-10-17'\n"
        "        Statement: [{Effect: Allow, Action: 's3:PutObject', Resource: '*'}]\n"
        "  roles:\n"
        "    - name: r\n"
        "      trust_policy: {Version: '2012-10-17', Statement: []}\n"
        "      managed_policies: ['arn:aws:iam::123456789012:policy/firehose/writer']\n"
        "steps:\n"
        "  - flush: {}\n",
    )
    scenario = load_scenario(file)

    with FirehoseEmulator(clock=ManualClock()) as emulator:
        from emulator.scenario import setup

        setup.create_all(scenario, emulator)
        attached = emulator.client("iam").list_attached_role_policies(RoleName="r")

    assert [p["PolicyArn"] for p in attached["AttachedPolicies"]] == [
        "arn:aws:iam::123456789012:policy/firehose/writer"
    ]


def test_run_scenario_base64_records_sent_as_bytes(tmp_path):
    file = write(
        tmp_path / "binary.yaml",
        "version: 1\n"
        "setup:\n"
        "  settings: {iam_mode: 'off'}\n"
        "  buckets: [binary-bucket]\n"
        "  streams:\n"
        "    - DeliveryStreamName: s\n"
        "      ExtendedS3DestinationConfiguration:\n"
        "        RoleARN: arn:aws:iam::123456789012:role/r\n"
        "        BucketARN: arn:aws:s3:::binary-bucket\n"
        "steps:\n"
        "  - put: {stream: s, encoding: base64, records: ['AAH/', 'Cg==']}\n"
        "  - flush: {}\n",
    )

    result = run_scenario(load_scenario(file))

    assert [obj.raw for obj in result.objects] == [b"\x00\x01\xff\n"]
