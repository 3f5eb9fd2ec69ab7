"""End-to-end tests of the ``firehose_server`` fixture: ``firehose-emulator serve`` in a subprocess."""

from __future__ import annotations

import importlib.util

import boto3  # noqa: F401  # kept loaded across in-process runs
import pytest

import emulator.core  # noqa: F401  # kept loaded across in-process runs

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("emulator.cli_serve") is None,
    reason="firehose_server needs the firehose-emulator serve command (emulator.cli_serve)",
)

UNUSED_PLUGINS = (
    "-p",
    "no:hypothesispytest",
    "-p",
    "no:benchmark",
    "-p",
    "no:cacheprovider",
)

SERVER_PROJECT = """
import subprocess
import sys

EMITTER = (
    "import boto3; boto3.client('firehose').put_record("
    "DeliveryStreamName='events', Record={'Data': b'from a subprocess'})"
)


def create_stream(server):
    server.client("s3").create_bucket(Bucket="events-bucket")
    server.client("firehose").create_delivery_stream(
        DeliveryStreamName="events",
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/delivery",
            "BucketARN": "arn:aws:s3:::events-bucket",
            "CompressionFormat": "GZIP",
        },
    )


def test_subprocess_emitter(firehose_server):
    assert firehose_server.endpoint_url == f"http://127.0.0.1:{firehose_server.port}"
    create_stream(firehose_server)

    subprocess.run([sys.executable, "-c", EMITTER], env=firehose_server.env, check=True)

    assert firehose_server.buffered_records("events") == 1
    firehose_server.advance(300)
    (obj,) = firehose_server.assert_delivered(
        "events", objects=1, records=1, contains="from a subprocess"
    )
    assert obj.compression == "GZIP"
    assert obj.key.startswith("2026/01/01/00/events-1-2026-01-01-00-00-00-")


def test_reset_before_next_test(firehose_server):
    assert firehose_server.client("firehose").list_delivery_streams()["DeliveryStreamNames"] == []
    assert firehose_server.client("s3").list_buckets()["Buckets"] == []
    assert firehose_server.delivery_log == []


def test_wrong_expectation_lists_objects(firehose_server):
    create_stream(firehose_server)
    firehose_server.client("firehose").put_record(
        DeliveryStreamName="events", Record={"Data": b"one"}
    )
    firehose_server.flush()
    firehose_server.assert_delivered("events", objects=3)


def test_one_server_per_session(firehose_server, firehose_server_session):
    assert firehose_server is firehose_server_session
"""


def test_firehose_server_fixture_project_runs(pytester):
    pytester.makepyfile(SERVER_PROJECT)

    result = pytester.runpytest(*UNUSED_PLUGINS)

    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            (
                "E       AssertionError: delivery check failed for stream 'events': "
                "expected 3 objects, found 1"
            ),
            "E       delivered objects (1):",
            (
                "E         s3://events-bucket/2026/01/01/00/events-1-2026-01-01-00-00-00-*.gz"
                "  * bytes GZIP (3 bytes uncompressed), 1 record, delivered 2026-01-01T00:00:00Z"
            ),
        ]
    )
