"""Tests of scenario loading: each malformed file gets a message with its line and fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emulator.scenario import ScenarioFormatError, load_scenario

ROOT = Path(__file__).resolve().parents[1]

HEADER = """\
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


def _load(tmp_path: Path, text: str):
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return path, load_scenario(path)


def _error(tmp_path: Path, text: str) -> tuple[Path, ScenarioFormatError]:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioFormatError) as caught:
        load_scenario(path)
    return path, caught.value


@pytest.mark.parametrize(
    ("steps", "line", "message"),
    [
        (
            "  - advance: soon\n",
            10,
            'steps[0].advance: invalid value "soon": expected a number or a mapping. '
            "Fix: give the seconds to move the clock by, such as advance: 60, "
            'or advance: {to: "2026-12-04T15:05:00Z"}',
        ),
        (
            "  - flush: {stream: nope}\n",
            10,
            "steps[0].flush.stream: unknown delivery stream 'nope'. "
            "Fix: use a stream created in setup.streams (s)",
        ),
        (
            "  - put:\n      stream: s\n      records: [a]\n"
            "      generate: {generator: vascular-events, count: 1}\n",
            11,
            "steps[0].put: expected exactly one source of records, got ['records', 'generate']. "
            "Fix: give one of records (a list), file (an NDJSON file) or generate (a generator)",
        ),
        (
            "  - put: {stream: s, generate: {generator: clicks, count: 5}}\n",
            10,
            "steps[0].put.generate.generator: unknown generator 'clicks'. "
            "Fix: use one of: vascular-events",
        ),
        (
            "  - put:\n      stream: s\n"
            "      generate: {generator: vascular-events, count: 5, mix: {Clicked: 3}}\n",
            12,
            "steps[0].put.generate.mix.Clicked: unknown event type 'Clicked'. "
            "Fix: use Delivered, Opened, Read, Deleted",
        ),
        (
            "  - put: {stream: s, file: missing.ndjson}\n",
            10,
            "steps[0].put.file: file not found: 'missing.ndjson' "
            "(looked for {dir}/missing.ndjson). "
            "Fix: give a path relative to the folder of the scenario file",
        ),
        (
            "  - expect:\n      objects:\n        - key: '^a(['\n",
            12,
            "steps[0].expect.objects[0].key: invalid regular expression '^a([': "
            "unterminated character set at position 3. "
            "Fix: correct the pattern; write it in single quotes so YAML keeps backslashes",
        ),
        (
            "  - expect:\n      object_count: {min: 3, max: 1}\n",
            11,
            "steps[0].expect.object_count: invalid range {'min': 3, 'max': 1}: min is above max. "
            "Fix: give min no larger than max",
        ),
        (
            "  - expect:\n      objects:\n        - key: x\n          reason: timeout\n",
            13,
            'steps[0].expect.objects[0].reason: invalid value "timeout". '
            "Fix: write one of size, interval, flush or error "
            "(written straight to the error output)",
        ),
        (
            "  - expect:\n      objects:\n        - key: x\n          recrods: 5\n",
            13,
            "steps[0].expect.objects[0].recrods: unknown field 'recrods'. Fix: did you mean "
            "'records'? The fields allowed here are: bucket, content, content_encoding, count, "
            "key, reason, records, size, stream",
        ),
        (
            "  - advance: 1\n  - wait: 5\n",
            11,
            "steps[1]: unknown step 'wait'. "
            "Fix: use one of: put, advance, flush, update_destination, delete_stream, "
            "fault, expect",
        ),
        (
            "  - advance: 1\n    flush: s\n",
            10,
            "steps[0]: a step must be a mapping with exactly one key, got ['advance', 'flush']. "
            "Fix: write each step on its own list item, such as '- advance: 60'",
        ),
    ],
    ids=[
        "advance-text",
        "flush-unknown-stream",
        "put-two-sources",
        "unknown-generator",
        "generator-option",
        "missing-ndjson",
        "bad-regex",
        "bad-range",
        "bad-reason",
        "misspelt-field",
        "unknown-step",
        "two-keys",
    ],
)
def test_load_malformed_step_names_line_and_fix(tmp_path, steps, line, message):
    path, error = _error(tmp_path, HEADER + steps)

    assert str(error) == f"{path}:{line}: " + message.replace("{dir}", str(tmp_path))
    assert error.line == line


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "steps:\n  - advance: 1\n",
            1,
            "the field 'version' is missing. Fix: add 'version: 1' as the first line of the file",
        ),
        (
            "version: 2\nsteps:\n  - advance: 1\n",
            1,
            "version: unsupported version 2. "
            "Fix: write version: 1 (the only format version this emulator reads)",
        ),
        (
            "version: 1\nstup: {}\nsteps:\n  - advance: 1\n",
            2,
            "stup: unknown field 'stup'. Fix: did you mean 'setup'? The fields allowed here "
            "are: account, description, name, region, seed, setup, start, steps, version",
        ),
        (
            "version: 1\naccount: 12345\nsteps:\n  - advance: 1\n",
            2,
            "account: invalid value 12345: expected a string. "
            'Fix: give 12 digits in quotes, such as account: "000000000000"',
        ),
        (
            "version: 1\nstart: yesterday\nsteps:\n  - advance: 1\n",
            2,
            "start: invalid time 'yesterday'. "
            'Fix: give an ISO 8601 time in quotes, such as start: "2026-12-04T15:00:00Z"',
        ),
        (
            "version: 1\nsteps:\n  - advance: 1\n  - advance: [1\n",
            5,
            "invalid YAML: while parsing a flow sequence expected ',' or ']', "
            "but got '<stream end>'. "
            "Fix: correct the YAML syntax at that line (indentation, quotes, a missing colon)",
        ),
        (
            "version: 1\nseed: 1\nseed: 2\nsteps:\n  - advance: 1\n",
            3,
            "seed: the field 'seed' is given twice in the same mapping. "
            "Fix: keep one of the two; YAML would silently use the last one",
        ),
        (
            "version: 1\nsetup:\n  settings: {iam_mod: enforce}\nsteps:\n  - advance: 1\n",
            3,
            "setup.settings.iam_mod: unknown setting 'iam_mod'. Fix: use one of: ",
        ),
        (
            "version: 1\nsteps: []\n",
            2,
            "steps: the list is empty. Fix: give a list of steps, each a mapping with one key: "
            "put, advance, flush, update_destination, delete_stream, fault or expect",
        ),
    ],
    ids=[
        "no-version",
        "version-2",
        "misspelt-top-level",
        "account-number",
        "bad-start",
        "yaml-syntax",
        "duplicate-key",
        "unknown-setting",
        "no-steps",
    ],
)
def test_load_malformed_file_names_line_and_fix(tmp_path, text, line, message):
    path, error = _error(tmp_path, text)

    assert str(error).startswith(f"{path}:{line}: " + message)
    assert error.line == line


def test_load_invalid_stream_json_names_json_line(tmp_path):
    (tmp_path / "stream.json").write_text(
        '{\n  "DeliveryStreamName": "s",\n  oops\n}\n'
    )
    text = "version: 1\nsetup:\n  streams:\n    - file: stream.json\nsteps:\n  - advance: 1\n"

    path, error = _error(tmp_path, text)

    assert str(error) == (
        f"{tmp_path / 'stream.json'}:3: invalid JSON: Expecting property name enclosed in "
        f"double quotes (column 3), in the file that {path}:4 names. "
        "Fix: correct the JSON syntax at that line"
    )


def test_load_stream_override_merges_into_file(tmp_path):
    text = (
        f"version: 1\nsetup:\n  streams:\n"
        f"    - file: {ROOT}/scenarios/vascular/message-interaction-events.json\n"
        "      override: {S3DestinationConfiguration: {CompressionFormat: GZIP}}\n"
        "steps:\n  - advance: 1\n"
    )

    _, scenario = _load(tmp_path, text)

    destination = scenario.streams[0].request["S3DestinationConfiguration"]
    assert destination["CompressionFormat"] == "GZIP"
    assert destination["Prefix"] == "vascular"
    assert destination["BufferingHints"] == {"SizeInMBs": 1, "IntervalInSeconds": 60}


def test_load_vascular_reads_document_files_unchanged():
    scenario = load_scenario(ROOT / "scenarios" / "vascular-inbox-events.yaml")

    folder = ROOT / "scenarios" / "vascular"
    assert scenario.streams[0].request == json.loads(
        (folder / "message-interaction-events.json").read_text()
    )
    assert scenario.roles[0].trust_policy == json.loads(
        (folder / "trust-policy.json").read_text()
    )
    assert scenario.roles[0].policies == [
        (
            "firehose-to-s3-writer-permissions",
            json.loads((folder / "permissions-policy.json").read_text()),
        )
    ]
    assert scenario.account == "000000000000"
    assert [step.kind for step in scenario.steps] == [
        "put",
        "expect",
        "advance",
        "expect",
        "advance",
        "expect",
    ]
