"""Stopping the server: SIGTERM and Ctrl-C deliver every buffered record first.

The server delivers to a separate moto server (--s3-endpoint) and exports
every object to disk (--export-dir), so the objects outlive it.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest

from emulator.control_client import ServerProcess

VASCULAR_STREAM = Path(__file__).parent / "js" / "vascular-stream.json"
STREAM = "message-interaction-events"
BUCKET = "vascular-inbox-events"
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def remote_s3():
    """A plain moto server on loopback, standing in for any S3-compatible endpoint."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("the separate moto server did not start within 30 s")
    yield endpoint
    process.terminate()
    process.wait(timeout=30)


def remote_objects(endpoint: str) -> dict[str, bytes]:
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    listing = s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {
        item["Key"]: s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
        for item in listing
    }


def exported_objects(directory: Path) -> dict[str, bytes]:
    root = directory / BUCKET
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
    }


def empty_bucket(endpoint: str) -> None:
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    if BUCKET in [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]:
        for key in remote_objects(endpoint):
            s3.delete_object(Bucket=BUCKET, Key=key)


@pytest.mark.parametrize(
    "signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"]
)
def test_signal_delivers_buffered_records_to_remote_and_export(
    remote_s3, tmp_path, signum
):
    empty_bucket(remote_s3)
    config = tmp_path / "config.yaml"
    config.write_text(
        f"version: 1\nbuckets: [{BUCKET}]\nstreams: ['{VASCULAR_STREAM}']\n"
    )
    export_dir = tmp_path / "export"
    arguments = ["--clock", "system", "--config", str(config)]
    arguments += ["--s3-endpoint", remote_s3, "--export-dir", str(export_dir)]
    records = [f'{{"event":"Opened","id":{index}}}\n'.encode() for index in range(1200)]

    with ServerProcess(arguments, env=FAKE_CREDENTIALS) as server:
        firehose = boto3.client(
            "firehose", endpoint_url=server.endpoint, region_name="us-east-1"
        )
        firehose.put_record(DeliveryStreamName=STREAM, Record={"Data": records[0]})
        for start in range(1, len(records), 500):
            batch = [{"Data": data} for data in records[start : start + 500]]
            firehose.put_record_batch(DeliveryStreamName=STREAM, Records=batch)
        buffered = server.control.streams()["streams"][0]["buffered_records"]
        before = remote_objects(remote_s3)
        exit_code = server.stop(signum)
        log = server.log_text()
    delivered = remote_objects(remote_s3)
    exported = exported_objects(export_dir)

    assert buffered == 1200
    assert before == {}
    assert exit_code == 0, log
    assert "the final flush delivered 1200 records in 1 objects" in log
    assert len(delivered) == 1
    assert b"".join(delivered.values()) == b"".join(records)
    assert exported == delivered


def test_sigterm_unreachable_destination_exits_1():
    closed_endpoint = f"http://127.0.0.1:{free_port()}"
    request = json.loads(VASCULAR_STREAM.read_text())
    arguments = ["--clock", "manual", "--s3-endpoint", closed_endpoint]

    with ServerProcess(arguments, env=FAKE_CREDENTIALS) as server:
        firehose = boto3.client(
            "firehose", endpoint_url=server.endpoint, region_name="us-east-1"
        )
        firehose.create_delivery_stream(**request)
        firehose.put_record(DeliveryStreamName=STREAM, Record={"Data": b"lost"})
        exit_code = server.stop(signal.SIGTERM)
        log = server.log_text()

    assert exit_code == 1
    assert "lost 1 records of stream message-interaction-events on shutdown" in log
