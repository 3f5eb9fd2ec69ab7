"""Real AWS clients against the server subprocess: the AWS CLI and the JavaScript SDK v3."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from emulator.control_client import ServerProcess

JS_DIR = Path(__file__).parent / "js"
VASCULAR_STREAM = JS_DIR / "vascular-stream.json"
STREAM = "message-interaction-events"
BUCKET = "vascular-inbox-events"
START = "2026-12-04T15:00:00Z"
KEY_PATTERN = re.compile(
    r"vascular2026/12/04/15/message-interaction-events-1-2026-12-04-15-00-00-"
    r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
)


def require_tool(available: bool, reason: str) -> None:
    """Skip a test whose client is missing, except in CI, where it must be installed."""
    if not available:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; .ci/run must install it")
        pytest.skip(reason)


@pytest.fixture
def server():
    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    arguments = ["--clock", "manual", "--start", START, "--seed", "11"]
    with ServerProcess(arguments, env=credentials) as process:
        yield process


@pytest.fixture
def client_env(server):
    """Environment that points any AWS SDK or CLI at the server, with fake credentials."""
    return {
        **os.environ,
        "AWS_ENDPOINT_URL": server.endpoint,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }


def aws(env: dict[str, str], *arguments: str, cwd: Path | None = None) -> str:
    result = subprocess.run(
        ["aws", *arguments],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"aws {' '.join(arguments)} failed: {result.stderr}"
    return result.stdout


def test_aws_cli_vascular_json_delivers_objects(server, client_env, tmp_path):
    require_tool(shutil.which("aws") is not None, "the AWS CLI (aws) is not installed")
    records = [{"Data": '{"event":"Read"}\n'}, {"Data": '{"event":"Opened"}\n'}]
    (tmp_path / "records.json").write_text(json.dumps(records))

    aws(client_env, "s3api", "create-bucket", "--bucket", BUCKET)
    created = json.loads(
        aws(
            client_env,
            "firehose",
            "create-delivery-stream",
            "--cli-input-json",
            f"file://{VASCULAR_STREAM}",
        )
    )
    put = json.loads(
        aws(
            client_env,
            "firehose",
            "put-record",
            "--delivery-stream-name",
            STREAM,
            "--record",
            json.dumps({"Data": '{"event":"Delivered"}'}),
        )
    )
    batch = json.loads(
        aws(
            client_env,
            "firehose",
            "put-record-batch",
            "--delivery-stream-name",
            STREAM,
            "--records",
            "file://records.json",
            cwd=tmp_path,
        )
    )
    flushed = subprocess.run(
        [sys.executable, "-m", "emulator", "flush", "--output", "json"],
        env={**client_env, "FIREHOSE_EMULATOR_ENDPOINT": server.endpoint},
        capture_output=True,
        text=True,
        timeout=60,
    )
    [delivery] = json.loads(flushed.stdout)["deliveries"]
    key = delivery["key"]
    copied = subprocess.run(
        ["aws", "s3", "cp", f"s3://{BUCKET}/{key}", "-"],
        env=client_env,
        capture_output=True,
        timeout=120,
    )
    aws(
        client_env,
        "s3api",
        "get-object",
        "--bucket",
        BUCKET,
        "--key",
        key,
        str(tmp_path / "out"),
    )

    assert created["DeliveryStreamARN"] == (
        "arn:aws:firehose:us-east-1:123456789012:deliverystream/message-interaction-events"
    )
    assert len(put["RecordId"]) == 56
    assert batch["FailedPutCount"] == 0
    assert flushed.returncode == 0, flushed.stderr
    assert delivery["records"] == 3
    assert KEY_PATTERN.fullmatch(key)
    expected = b'{"event":"Delivered"}{"event":"Read"}\n{"event":"Opened"}\n'
    assert copied.returncode == 0, copied.stderr
    assert copied.stdout == expected
    assert (tmp_path / "out").read_bytes() == expected


def test_javascript_sdk_delivers_objects(client_env):
    require_tool(shutil.which("node") is not None, "Node.js (node) is not installed")
    require_tool(
        (JS_DIR / "node_modules" / "@aws-sdk" / "client-firehose").is_dir(),
        "the JavaScript SDK is not installed: run npm ci --prefix tests/js",
    )

    result = subprocess.run(
        ["node", str(JS_DIR / "firehose_client.mjs"), str(VASCULAR_STREAM)],
        env=client_env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["failedPutCount"] == 0
    [key] = output["keys"]
    assert KEY_PATTERN.fullmatch(key)
    assert base64.b64decode(output["bodies"][key]) == (
        b'{"event":"Delivered","id":0}\n{"event":"Read","id":1}\n'
        b'{"event":"Opened","id":2}\n{"event":"Deleted","id":3}\n'
    )
