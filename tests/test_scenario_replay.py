"""Tests of ``firehose-emulator replay`` on the bundled Vascular scenario and broken copies."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from emulator.cli import cli

ROOT = Path(__file__).resolve().parents[1]
VASCULAR = ROOT / "scenarios" / "vascular-inbox-events.yaml"
SIZE_KEY_PREFIX = (
    "vascular2026/12/04/15/message-interaction-events-1-2026-12-04-15-00-00-"
)
INTERVAL_KEY_PREFIX = (
    "vascular2026/12/04/15/message-interaction-events-1-2026-12-04-15-00-18-"
)


def _replay(*arguments: str):
    return CliRunner().invoke(cli, ["replay", *arguments])


def _copy_vascular(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "scenarios" / "vascular", tmp_path / "vascular")
    target = tmp_path / "vascular-inbox-events.yaml"
    shutil.copy(VASCULAR, target)
    return target


def _line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return path


MINIMAL_SETUP = """\
version: 1
setup:
  buckets: [events]
  streams:
    - DeliveryStreamName: s
      ExtendedS3DestinationConfiguration:
        RoleARN: arn:aws:iam::123456789012:role/r
        BucketARN: arn:aws:s3:::events
steps:
"""


def test_replay_vascular_exits_zero_and_lists_objects():
    result = _replay(str(VASCULAR))

    assert result.exit_code == 0, result.output
    assert SIZE_KEY_PREFIX in result.output
    assert INTERVAL_KEY_PREFIX in result.output
    assert "1048489     4635  size at 2026-12-04T15:00:18Z" in result.output
    assert "308699     1365  interval at 2026-12-04T15:01:18Z" in result.output
    assert "Expectations: 13 passed, 0 failed" in result.output
    assert "vascular-inbox-events  passed" in result.output


def test_replay_changed_expectation_exits_one_with_difference(tmp_path):
    scenario = _copy_vascular(tmp_path)
    text = scenario.read_text()
    scenario.write_text(text.replace("records: 4635", "records: 4636"))
    line = _line_of(scenario, "message-interaction-events-1-2026-12-04-15-00-00-")

    result = _replay(str(scenario))

    assert result.exit_code == 1
    assert (
        f"FAILED {scenario}:{line}: objects in s3://vascular-inbox-events with key ~ "
        "^vascular2026/12/04/15/message-interaction-events-1-2026-12-04-15-00-00-"
    ) in result.output
    assert "records  4636      4635" in result.output
    assert "Expectations: 12 passed, 1 failed" in result.output
    assert "vascular-inbox-events  failed" in result.output


def test_replay_expected_object_missing_lists_found_objects(tmp_path):
    scenario = _copy_vascular(tmp_path)
    scenario.write_text(
        scenario.read_text().replace("'^myorg-log/'", "'^vascular2026/'")
    )

    result = _replay(str(scenario))

    assert result.exit_code == 1
    assert (
        "no object in s3://vascular-inbox-events with key ~ ^vascular2026/"
        in result.output
    )
    assert "count  0         2" in result.output
    assert f"      {SIZE_KEY_PREFIX}" in result.output


def test_replay_malformed_field_exits_two_with_line(tmp_path):
    path = _write(tmp_path, MINIMAL_SETUP + "  - advance: -5\n")

    result = _replay(str(path))

    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {path}:10: steps[0].advance: invalid value -5: must be 0 or more. "
        "Fix: give the seconds to move the clock by, such as advance: 60, "
        'or advance: {to: "2026-12-04T15:05:00Z"}; the clock must stay before '
        "9999-01-01T00:00:00Z\n"
    )
    assert "Traceback" not in result.output


def test_replay_unknown_step_exits_two_with_known_steps(tmp_path):
    path = _write(tmp_path, MINIMAL_SETUP + "  - advance: 5\n  - sleep: 5\n")

    result = _replay(str(path))

    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {path}:11: steps[1]: unknown step 'sleep'. "
        "Fix: use one of: put, advance, flush, update_destination, delete_stream, fault, expect\n"
    )


def test_replay_malformed_and_valid_files_exits_two_and_runs_valid(tmp_path):
    broken = _write(tmp_path, MINIMAL_SETUP + "  - sleep: 5\n")

    result = _replay(str(broken), str(VASCULAR))

    assert result.exit_code == 2
    assert "vascular-inbox-events  passed" in result.output
    assert re.search(
        rf"^  -\s+malformed\s.*{re.escape(str(broken))}$", result.output, re.M
    )


def test_replay_missing_path_is_usage_error(tmp_path):
    result = _replay(str(tmp_path / "absent.yaml"))

    assert result.exit_code == 2
    assert f"no such file or folder: {tmp_path / 'absent.yaml'}" in result.output


def test_replay_module_subprocess_exits_zero():
    environment = dict(os.environ)
    environment.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
    )

    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "emulator",
            "replay",
            "scenarios/vascular-inbox-events.yaml",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert SIZE_KEY_PREFIX in completed.stdout
    assert INTERVAL_KEY_PREFIX in completed.stdout
    assert completed.stderr == ""


IAM_WARNING_SCENARIO = """\
version: 1
setup:
  buckets: [events]
  roles:
    - name: r
      trust_policy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: firehose.amazonaws.com}
            Action: "sts:AssumeRole"
      policies:
        - name: other-bucket
          document:
            Version: "2012-10-17"
            Statement:
              - {Effect: Allow, Action: "s3:*", Resource: "arn:aws:s3:::other/*"}
  streams:
    - DeliveryStreamName: s
      ExtendedS3DestinationConfiguration:
        RoleARN: arn:aws:iam::123456789012:role/r
        BucketARN: arn:aws:s3:::events
steps:
  - put: {stream: s, records: [a]}
  - flush: s
  - expect: {object_count: 1}
"""
IAM_WARNING = (
    "delivery stream s: no policy of the role arn:aws:iam::123456789012:role/r "
    "allows s3:PutObject on the bucket events; AWS would fail the delivery"
)


def _replay_subprocess(*arguments: str) -> subprocess.CompletedProcess:
    environment = dict(os.environ)
    environment.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
    )
    return subprocess.run(
        [sys.executable, "-m", "emulator", "replay", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_replay_fidelity_warning_printed_once(tmp_path):
    path = _write(tmp_path, IAM_WARNING_SCENARIO)

    completed = _replay_subprocess(str(path))

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stderr.count(IAM_WARNING) == 1
    assert " WARNING emulator.access: " + IAM_WARNING in completed.stderr
    assert "warn_once(" not in completed.stderr
    assert "FidelityWarning" not in completed.stderr


def test_replay_fidelity_warning_shown_below_log_level(tmp_path):
    path = _write(tmp_path, IAM_WARNING_SCENARIO)

    completed = _replay_subprocess("--log-level", "error", str(path))

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stderr.count(IAM_WARNING) == 1
    assert completed.stderr.startswith("warning: " + IAM_WARNING)
    assert "warn_once(" not in completed.stderr
