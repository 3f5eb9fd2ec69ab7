"""The serve and control commands: options, --config files, --lambda, and their output."""

from __future__ import annotations

import json
import socket
import textwrap
from pathlib import Path

import boto3
import click
import pytest
from click.testing import CliRunner

from emulator import cli_control
from emulator.cli_serve import (
    ConfigFileError,
    _is_loopback,
    load_config,
    load_transform,
    serve,
)
from emulator.control_client import ServerProcess

VASCULAR_STREAM = Path(__file__).parent / "js" / "vascular-stream.json"
STREAM = "message-interaction-events"
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:upper"
TRANSFORM_MODULE = textwrap.dedent(
    """
    import base64


    def handler(event, context):
        return {
            "records": [
                {
                    "recordId": record["recordId"],
                    "result": "Ok",
                    "data": base64.b64encode(
                        base64.b64decode(record["data"]).upper()
                    ).decode(),
                }
                for record in event["records"]
            ]
        }
    """
)


# --config files ---------------------------------------------------------------


def test_load_config_stream_path_relative_to_config(tmp_path):
    (tmp_path / "stream.json").write_text(VASCULAR_STREAM.read_text())
    config_path = tmp_path / "config.yaml"
    config_path.write_text("version: 1\nbuckets: [b1]\nstreams: [stream.json]\n")

    config = load_config(config_path)

    assert config["buckets"] == ["b1"]
    assert config["roles"] == []
    assert config["streams"] == [json.loads(VASCULAR_STREAM.read_text())]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[1, 2]",
            " must contain a mapping with keys ('version', 'buckets', 'roles', 'streams')",
        ),
        (
            "bucket: [x]",
            ": unknown key 'bucket'; the keys are version, buckets, roles, streams",
        ),
        ("version: 2", ": unsupported version 2; use version: 1"),
        ("buckets: x", ": 'buckets' must be a list"),
        (
            "streams: [{DeliveryStreamType: DirectPut}]",
            ": streams[0] must be a CreateDeliveryStream request with a DeliveryStreamName, "
            "or the path of a JSON file that contains one",
        ),
        (
            "buckets: [42]",
            ": buckets[0] must be a bucket name or a CreateBucket request with a Bucket",
        ),
        (
            "roles: [{Path: /}]",
            ": roles[0] must be a CreateRole request with a RoleName",
        ),
    ],
    ids=[
        "not-mapping",
        "unknown-key",
        "version",
        "not-list",
        "stream-without-name",
        "bucket-number",
        "role-without-name",
    ],
)
def test_load_config_invalid_file_raises_message(tmp_path, text, message):
    config_path = tmp_path / "config.yaml"
    config_path.write_text(text)

    with pytest.raises(ConfigFileError) as caught:
        load_config(config_path)

    assert caught.value.message == f"{config_path}{message}"
    assert caught.value.exit_code == 2


def test_load_config_malformed_json_names_file(tmp_path):
    config_path = tmp_path / "config.json"
    config_path.write_text("{")

    with pytest.raises(ConfigFileError) as caught:
        load_config(config_path)

    assert caught.value.message.startswith(f"{config_path} is not valid JSON or YAML: ")


# --lambda and --host ----------------------------------------------------------


def test_load_transform_imports_function_from_current_directory(tmp_path, monkeypatch):
    (tmp_path / "upper_transform.py").write_text(TRANSFORM_MODULE)
    monkeypatch.chdir(tmp_path)

    arn, function = load_transform(f"{LAMBDA_ARN}=upper_transform:handler")

    assert arn == LAMBDA_ARN
    assert function.__name__ == "handler"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "upper_transform:handler",
            "'upper_transform:handler' is not ARN=module:function, for example "
            "arn:aws:lambda:us-east-1:123456789012:function:enrich=transforms:handler",
        ),
        (
            f"{LAMBDA_ARN}=no_such_module_here:handler",
            "cannot load 'no_such_module_here:handler' for "
            f"{LAMBDA_ARN}: No module named 'no_such_module_here'",
        ),
    ],
    ids=["no-arn", "missing-module"],
)
def test_load_transform_invalid_spec_raises_bad_parameter(spec, message):
    with pytest.raises(click.BadParameter) as caught:
        load_transform(spec)

    assert caught.value.message == message


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.0.2.10", False),
        ("build-host.example", False),
    ],
)
def test_is_loopback_classifies_hosts(host, expected):
    assert _is_loopback(host) is expected


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--start", "2026-12-04T15:00:00Z"], "--start needs --clock manual"),
        (
            ["--account-id", "42"],
            "Invalid value for '--account-id': '42' is not 12 digits",
        ),
        (
            ["--clock", "manual", "--start", "yesterday"],
            "Invalid value for '--start': invalid time 'yesterday': use ISO 8601, "
            "for example 2026-12-04T15:00:00Z",
        ),
    ],
    ids=["start-without-manual", "account-id", "start-format"],
)
def test_serve_invalid_options_exit_2(arguments, message):
    result = CliRunner().invoke(serve, arguments)

    assert result.exit_code == 2
    assert message in result.output


# Control commands against a server --------------------------------------------


@pytest.fixture(scope="module")
def lambda_server(tmp_path_factory):
    """A server whose options all come from FIREHOSE_EMULATOR_* variables."""
    directory = tmp_path_factory.mktemp("lambda-server")
    (directory / "upper_transform.py").write_text(TRANSFORM_MODULE)
    request = json.loads(VASCULAR_STREAM.read_text())
    destination = request.pop("S3DestinationConfiguration")
    destination["ProcessingConfiguration"] = {
        "Enabled": True,
        "Processors": [
            {
                "Type": "Lambda",
                "Parameters": [
                    {"ParameterName": "LambdaArn", "ParameterValue": LAMBDA_ARN}
                ],
            }
        ],
    }
    request["ExtendedS3DestinationConfiguration"] = destination
    config = {"buckets": ["vascular-inbox-events"], "streams": [request]}
    (directory / "config.json").write_text(json.dumps(config))
    env = {
        **FAKE_CREDENTIALS,
        "FIREHOSE_EMULATOR_CLOCK": "manual",
        "FIREHOSE_EMULATOR_START": "2026-12-04T15:00:00Z",
        "FIREHOSE_EMULATOR_CONFIG": str(directory / "config.json"),
        "FIREHOSE_EMULATOR_LAMBDA": f"{LAMBDA_ARN}=upper_transform:handler",
    }
    with ServerProcess(env=env, cwd=directory) as server:
        yield server


@pytest.fixture
def runner(lambda_server, monkeypatch):
    lambda_server.control.reset()
    monkeypatch.setenv("FIREHOSE_EMULATOR_ENDPOINT", lambda_server.endpoint)
    return CliRunner()


def put(server: ServerProcess, *datas: bytes) -> None:
    firehose = boto3.client("firehose", endpoint_url=server.endpoint)
    firehose.put_record_batch(
        DeliveryStreamName=STREAM, Records=[{"Data": d} for d in datas]
    )


def test_serve_env_options_run_lambda_transform(lambda_server, runner):
    put(lambda_server, b"read\n", b"opened\n")

    result = runner.invoke(cli_control.flush, ["--output", "json"])

    assert result.exit_code == 0, result.output
    [attempt] = json.loads(result.output)["deliveries"]
    s3 = boto3.client("s3", endpoint_url=lambda_server.endpoint)
    body = s3.get_object(Bucket=attempt["bucket"], Key=attempt["key"])["Body"].read()
    assert body == b"READ\nOPENED\n"
    assert attempt["key"].startswith(
        "vascular2026/12/04/15/message-interaction-events-1-"
    )


def test_streams_command_prints_table(lambda_server, runner):
    put(lambda_server, b"abc")
    runner.invoke(cli_control.advance, ["5"])

    result = runner.invoke(cli_control.streams, [])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "clock: manual, now: 2026-12-04T15:00:05Z"
    assert lines[1].split() == [
        "STREAM",
        "REGION",
        "BUFFERED",
        "RECORDS",
        "BUFFERED",
        "BYTES",
        "DUE",
        "IN",
        "(S)",
        "RETRYING",
        "RECORDS",
    ]
    assert lines[2].split()[:3] == [STREAM, "us-east-1", "1"]


def test_advance_command_prints_deliveries_table(lambda_server, runner):
    put(lambda_server, b"abc")

    result = runner.invoke(cli_control.advance, ["120"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "clock: manual, now: 2026-12-04T15:02:00Z"
    assert lines[1].split() == [
        "TIME",
        "STREAM",
        "OUTCOME",
        "RECORDS",
        "BYTES",
        "OBJECT",
    ]
    fields = lines[2].split()
    assert fields[1:5] == [STREAM, "delivered", "1", "3"]
    assert fields[5].startswith("s3://vascular-inbox-events/vascular2026/12/04/15/")


def test_deliveries_command_without_deliveries_says_so(runner):
    result = runner.invoke(cli_control.deliveries, ["--stream", STREAM])

    assert result.exit_code == 0
    assert result.output.splitlines()[1] == "no deliveries"


def test_reset_command_reports_dropped_records(lambda_server, runner):
    put(lambda_server, b"a", b"b")

    result = runner.invoke(cli_control.reset, [])

    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "reset: dropped 2 buffered records"


def test_flush_command_unknown_stream_exits_1_with_message(runner):
    result = runner.invoke(cli_control.flush, ["--stream", "nope"])

    assert result.exit_code == 1
    assert "Error: 404 StreamNotFound: cannot flush stream 'nope'" in result.output


def test_control_command_unreachable_server_exits_1():
    result = CliRunner().invoke(
        cli_control.streams, ["--endpoint", "http://127.0.0.1:9"]
    )

    assert result.exit_code == 1
    assert "ConnectionFailed: cannot reach the control API at http://127.0.0.1:9" in (
        result.output
    )


def test_serve_config_stream_rejected_by_aws_exits_2(tmp_path):
    request = json.loads(VASCULAR_STREAM.read_text())
    destination = request["S3DestinationConfiguration"]
    destination["Prefix"] = "events/!{timestamp:yyyy}/"
    del destination["ErrorOutputPrefix"]
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps({"streams": [request]}))

    result = CliRunner().invoke(
        serve, ["--port", "0", "--config", str(config_path), "--log-level", "error"]
    )

    assert result.exit_code == 2
    assert (
        "Error: cannot create delivery stream 'message-interaction-events' from "
        "--config: An error occurred (InvalidArgumentException)" in result.output
    )
    assert "ErrorOutputPrefix cannot be null or empty" in result.output


def test_serve_port_in_use_exits_1_with_advice():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = CliRunner().invoke(
            serve, ["--port", str(port), "--log-level", "error"]
        )

    assert result.exit_code == 1
    assert (
        f"Error: cannot listen on 127.0.0.1 port {port}: Address already in use; "
        "choose another --port, or --port 0 for a free one"
    ) in result.output
