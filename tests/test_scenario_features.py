"""Tests of scenario steps and expectation kinds beyond the Vascular replay."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from emulator.cli import cli
from emulator.scenario import load_scenario, run_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
VASCULAR = SCENARIOS / "vascular-inbox-events.yaml"

STREAM = """\
    - DeliveryStreamName: s
      ExtendedS3DestinationConfiguration:
        RoleARN: arn:aws:iam::123456789012:role/r
        BucketARN: arn:aws:s3:::events
        Prefix: ok/
        ErrorOutputPrefix: "failed/!{firehose:error-output-type}/"
"""


def _run(tmp_path: Path, text: str):
    # The role r does not exist, and these scenarios test other things than IAM.
    text = text.replace("setup:\n", "setup:\n  settings: {iam_mode: 'off'}\n", 1)
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return run_scenario(load_scenario(path))


def _failed(result) -> list[str]:
    return [
        f"{c.label}: {[(m.field, m.expected, m.found) for m in c.mismatches]}"
        for c in result.failed_checks
    ]


def _copy_vascular(tmp_path: Path) -> Path:
    shutil.copytree(SCENARIOS / "vascular", tmp_path / "vascular")
    target = tmp_path / "vascular-inbox-events.yaml"
    shutil.copy(VASCULAR, target)
    return target


@pytest.mark.parametrize(
    "name", ["vascular-inbox-events.yaml", "vascular-inbox-events-gzip.yaml"]
)
def test_run_twice_same_keys_and_bytes(name):
    first = run_scenario(load_scenario(SCENARIOS / name))
    second = run_scenario(load_scenario(SCENARIOS / name))

    assert first.passed and second.passed
    assert len(first.objects) == 2
    assert {o.key: o.raw for o in first.objects} == {
        o.key: o.raw for o in second.objects
    }


def test_replay_directory_runs_every_bundled_scenario():
    result = CliRunner().invoke(cli, ["replay", "--quiet", str(SCENARIOS)])

    assert result.exit_code == 0, result.output
    passed = re.findall(r"^  (\S+)\s+passed\s", result.output, re.M)
    assert {"key-layout", "vascular-inbox-events", "vascular-inbox-events-gzip"} <= set(
        passed
    )
    assert not re.search(r"^  \S+\s+(failed|error|malformed)\s", result.output, re.M)


def test_replay_junit_xml_marks_failed_check(tmp_path):
    scenario = _copy_vascular(tmp_path)
    scenario.write_text(
        scenario.read_text().replace("record_count: 6000", "record_count: 6001")
    )
    report = tmp_path / "junit.xml"

    result = CliRunner().invoke(
        cli, ["replay", "-q", "--junit-xml", str(report), str(scenario)]
    )

    assert result.exit_code == 1
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite.get("tests") == "13"
    assert suite.get("failures") == "1"
    failures = suite.findall("testcase/failure")
    assert len(failures) == 1
    assert "record_count  6001      6000" in failures[0].text


def test_replay_update_rewrites_only_failed_values(tmp_path):
    scenario = _copy_vascular(tmp_path)
    original = scenario.read_text()
    scenario.write_text(
        original.replace("records: 1365\n", "records: 1300\n", 1).replace(
            "count: 2\n", "count: 3\n"
        )
    )

    result = CliRunner().invoke(cli, ["replay", "-q", "--update", str(scenario)])

    assert result.exit_code == 0, result.output
    assert "steps[1].expect.buffered[0].records: 1300 -> 1365" in result.output
    assert "steps[5].expect.deliveries[0].count: 3 -> 2" in result.output
    assert scenario.read_text() == original


def test_replay_update_keeps_content_mismatch_and_exits_one(tmp_path):
    scenario = _copy_vascular(tmp_path)
    changed = scenario.read_text().replace(
        "first: {eventType: Delivered}", "first: {eventType: Read}"
    )
    scenario.write_text(changed)

    result = CliRunner().invoke(cli, ["replay", "-q", "--update", str(scenario)])

    assert result.exit_code == 1
    assert "(not updated: write it by hand)" in result.output
    assert scenario.read_text() == changed


def test_replay_progress_prints_each_step(tmp_path):
    result = CliRunner().invoke(cli, ["replay", "-q", "--progress", str(VASCULAR)])

    assert result.exit_code == 0
    assert result.stderr.splitlines()[:3] == [
        "  [1/6] line 30: put 6000 vascular-events records to message-interaction-events over 24 s",
        "  [2/6] line 42: expect objects, buffered",
        "  [3/6] line 57: advance the clock to 2026-12-04T15:01:17Z",
    ]


def test_expect_failed_puts_counts_oversized_record(tmp_path):
    lines = [
        json.dumps({"n": 1}),
        json.dumps({"blob": "x" * 1_100_000}),
        json.dumps({"n": 3}),
    ]
    (tmp_path / "records.ndjson").write_text("\n".join(lines) + "\n")
    text = (
        "version: 1\nsetup:\n  buckets: [events]\n  streams:\n" + STREAM + "steps:\n"
        "  - put: {stream: s, file: records.ndjson, api: PutRecord}\n"
        "  - flush: s\n"
        "  - expect:\n"
        "      failed_puts:\n"
        "        - {stream: s, error_code: ValidationException, count: 1}\n"
        "      objects:\n"
        "        - key: '^ok/'\n"
        "          records: 2\n"
        "          reason: flush\n"
        "          content: {lines: ['{\"n\": 1}', '{\"n\": 3}']}\n"
    )

    result = _run(tmp_path, text)

    assert _failed(result) == []
    assert len(result.failed_puts) == 1
    assert result.failed_puts[0].error_message.endswith(
        "Member must have length less than or equal to 1024000"
    )


def test_expect_delivery_failures_without_bucket(tmp_path):
    text = (
        "version: 1\nsetup:\n  streams:\n" + STREAM + "steps:\n"
        "  - put: {stream: s, records: [{n: 1}]}\n"
        "  - advance: 310\n"
        "  - expect:\n"
        "      deliveries:\n"
        "        - {stream: s, outcome: failed, error_code: S3.NoSuchBucket,\n"
        "           count: {min: 1}, records: {min: 1}}\n"
        "        - {stream: s, outcome: delivered, count: 0}\n"
    )

    result = _run(tmp_path, text)

    assert _failed(result) == []
    assert result.deliveries[0].error_code == "S3.NoSuchBucket"


def test_expect_error_records_from_failing_transform(tmp_path):
    (tmp_path / "transforms.py").write_text(
        "import base64, json\n"
        "def reject_deleted(event, context):\n"
        "    out = []\n"
        "    for r in event['records']:\n"
        "        data = json.loads(base64.b64decode(r['data']))\n"
        "        result = 'ProcessingFailed' if data['eventType'] == 'Deleted' else 'Ok'\n"
        "        out.append({'recordId': r['recordId'], 'result': result, 'data': r['data']})\n"
        "    return {'records': out}\n"
    )
    arn = "arn:aws:lambda:us-east-1:123456789012:function:reject-deleted"
    text = (
        "version: 1\nsetup:\n  buckets: [events]\n"
        f"  transforms:\n    - {{arn: '{arn}', function: 'transforms:reject_deleted'}}\n"
        "  streams:\n" + STREAM + "        ProcessingConfiguration:\n"
        "          Enabled: true\n"
        "          Processors:\n"
        "            - Type: Lambda\n"
        f"              Parameters: [{{ParameterName: LambdaArn, ParameterValue: '{arn}'}}]\n"
        "steps:\n"
        "  - put:\n"
        "      stream: s\n"
        "      records: [{eventType: Delivered}, {eventType: Deleted}, {eventType: Read}]\n"
        "  - advance: 400\n"
        "  - expect:\n"
        "      error_records:\n"
        "        - {error_code: Lambda.ProcessingFailedStatus, count: 1}\n"
        "        - {key: '^failed/processing-failed/2026/', count: 1}\n"
        "      objects:\n"
        "        - {key: '^ok/', records: 2, content: {includes: [{eventType: Read}]}}\n"
        "      deliveries:\n"
        "        - {kind: error, outcome: delivered, count: 1, records: 1}\n"
    )

    result = _run(tmp_path, text)

    assert _failed(result) == []


def test_update_destination_applies_from_next_buffer(tmp_path):
    text = (
        "version: 1\nstart: '2026-12-04T15:00:00Z'\nsetup:\n  buckets: [events]\n  streams:\n"
        + STREAM
        + "steps:\n"
        "  - put: {stream: s, records: [{n: 1}]}\n"
        "  - update_destination: {stream: s, ExtendedS3DestinationUpdate: {Prefix: moved/}}\n"
        "  - flush: s\n"
        "  - put: {stream: s, records: [{n: 2}]}\n"
        "  - flush: s\n"
        "  - expect:\n"
        "      objects:\n"
        "        - {key: '^ok/2026/12/04/15/s-1-', records: 1}\n"
        "        - {key: '^moved/2026/12/04/15/s-2-', records: 1}\n"
    )

    result = _run(tmp_path, text)

    assert _failed(result) == []


def test_delete_stream_drops_buffered_records(tmp_path):
    text = (
        "version: 1\nsetup:\n  buckets: [events]\n  streams:\n" + STREAM + "steps:\n"
        "  - put: {stream: s, records: [{n: 1}, {n: 2}]}\n"
        "  - delete_stream: s\n"
        "  - advance: 600\n"
        "  - expect:\n"
        "      object_count: 0\n"
        "      deliveries: [{count: 0}]\n"
    )

    result = _run(tmp_path, text)

    assert _failed(result) == []
    assert result.records_put == 2


def test_failed_check_lists_expected_beside_found(tmp_path):
    text = (
        "version: 1\nsetup:\n  buckets: [events]\n  streams:\n" + STREAM + "steps:\n"
        "  - put: {stream: s, records: [{eventType: Read, n: 1}]}\n"
        "  - flush: s\n"
        "  - expect:\n"
        "      objects:\n"
        "        - key: '^ok/'\n"
        "          reason: interval\n"
        "          content: {every: {eventType: Opened}}\n"
    )

    result = _run(tmp_path, text)

    [check] = result.failed_checks
    assert [(m.field, m.expected, m.found) for m in check.mismatches] == [
        ("reason", "interval", "flush"),
        (
            "content",
            'every record matching {"eventType": "Opened"}',
            'record 1: {"eventType": "Read", "n": 1} '
            "(eventType: expected 'Opened', found 'Read')",
        ),
    ]
    assert check.line == 17


def test_fault_steps_and_log_events(tmp_path):
    group = "/aws/kinesisfirehose/s"
    text = (
        "version: 1\nstart: '2026-12-04T15:00:00Z'\nsetup:\n  buckets: [events]\n"
        f"  log_groups: [{{name: {group}, streams: [DestinationDelivery]}}]\n"
        "  streams:\n"
        + STREAM
        + "        BufferingHints: {SizeInMBs: 1, IntervalInSeconds: 60}\n"
        "        CloudWatchLoggingOptions:\n"
        f"          {{Enabled: true, LogGroupName: {group}, LogStreamName: DestinationDelivery}}\n"
        "steps:\n"
        "  - fault: {fail_records: {stream: s, indexes: [1], calls: 1}}\n"
        "  - fault: {fail_next_writes: {count: 1, code: S3.AccessDenied}}\n"
        "  - put: {stream: s, records: [{n: 1}, {n: 2}, {n: 3}]}\n"
        "  - advance: 60\n"
        "  - expect:\n"
        "      failed_puts: [{stream: s, error_code: ServiceUnavailableException, count: 1}]\n"
        "      deliveries: [{outcome: failed, error_code: S3.AccessDenied, count: 1}]\n"
        "      log_events:\n"
        f"        - {{group: {group}, stream: DestinationDelivery,\n"
        "           error_code: S3.AccessDenied, count: 1}\n"
        "      object_count: 0\n"
        "  - advance: 10\n"
        "  - expect:\n"
        "      objects: [{key: '^ok/2026/12/04/15/s-1-', records: 2, reason: interval}]\n"
    )

    result = _run(tmp_path, text)

    assert _failed(result) == []
    assert [(a.outcome, a.error_code) for a in result.deliveries] == [
        ("failed", "S3.AccessDenied"),
        ("delivered", None),
    ]


def test_expect_unknown_bucket_fails_run_check(tmp_path):
    (tmp_path / "transforms.py").write_text(
        "def identity(event, context):\n"
        "    return {'records': [dict(r, result='Ok') for r in event['records']]}\n"
    )
    arn = "arn:aws:lambda:us-east-1:123456789012:function:identity"
    text = (
        "version: 1\nsetup:\n  buckets: [bkt-one]\n"
        f"  transforms:\n    - {{arn: '{arn}', function: 'transforms:identity'}}\n"
        "  streams:\n" + STREAM.replace("events", "bkt-one") + "steps:\n"
        "  - expect: {bucket: bkt-onee, no_objects: ['^'], object_count: 0}\n"
    )

    result = _run(tmp_path, text)

    assert _failed(result) == [
        "bucket s3://bkt-onee: [('bucket', 'an existing bucket', "
        "\"no bucket named 'bkt-onee'; did you mean 'bkt-one'?\")]"
    ]
    assert result.failed_checks[0].line == 15
    assert result.failed_checks[0].found == ["  buckets: bkt-one"]


def test_advance_to_past_stops_run(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text(
        "version: 1\nstart: '2026-12-04T15:00:00Z'\nsetup:\n  buckets: [events]\n"
        "  streams:\n" + STREAM + "steps:\n"
        "  - advance: 120\n"
        "  - advance: {to: '2026-12-04T15:05:00Z'}\n"
    )
    scenario = load_scenario(path)
    # A time the loader cannot see: the step's body changed after loading.
    scenario.steps[1].body = {"to": "2026-12-04T15:01:00Z"}

    result = run_scenario(scenario)

    assert str(result.error) == (
        f"{path}:14: steps[1].advance: cannot move the clock back to "
        "2026-12-04T15:01:00Z: it reads 2026-12-04T15:02:00Z. Fix: give a time at "
        "or after 2026-12-04T15:02:00Z, or move the clock by seconds, such as "
        "advance: 60"
    )
    assert not result.passed


def test_advance_to_end_of_put_over_is_accepted(tmp_path):
    text = (
        "version: 1\nstart: '2026-12-04T15:00:00Z'\nsetup:\n  buckets: [events]\n"
        "  streams:\n" + STREAM + "steps:\n"
        "  - put: {stream: s, records: [a, b, c], batch_size: 1, over: 0.3}\n"
        "  - advance: {to: '2026-12-04T15:00:00.300Z'}\n"
        "  - flush: s\n"
        "  - expect: {object_count: 1}\n"
    )

    result = _run(tmp_path, text)

    assert result.error is None
    assert _failed(result) == []
    assert result.steps[1].ended == pytest.approx(1796396400.3)
