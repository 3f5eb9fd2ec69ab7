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
            'or advance: {to: "2026-12-04T15:05:00Z"}; the clock must stay before '
            "9999-01-01T00:00:00Z",
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
            "start: invalid time 'yesterday'. Fix: give an ISO 8601 time with a UTC "
            'offset, in quotes, such as start: "2026-12-04T15:00:00Z"',
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


# Limits on counts and times ------------------------------------------------------

ADVANCE_FIX = (
    "Fix: give the seconds to move the clock by, such as advance: 60, "
    'or advance: {to: "2026-12-04T15:05:00Z"}; the clock must stay before '
    "9999-01-01T00:00:00Z"
)


@pytest.mark.parametrize(
    ("steps", "line", "message"),
    [
        (
            "  - put: {stream: s, generate: {generator: vascular-events, "
            "count: 100000000000}}\n",
            10,
            "steps[0].put.generate.count: invalid value 100000000000: must be "
            "10000000 or less. Fix: give the number of records to generate, from 1 "
            "to 10000000, such as count: 6000",
        ),
        (
            "  - put: {stream: s, records: [a], over: .inf}\n",
            10,
            "steps[0].put.over: invalid value .inf: must be 253370764800 or less. "
            "Fix: give the seconds over which the calls are spread, such as over: 30; "
            "the clock must stay before 9999-01-01T00:00:00Z",
        ),
        (
            "  - put: {stream: s, records: [a], over: .nan}\n",
            10,
            "steps[0].put.over: invalid value .nan: not a number. "
            "Fix: give the seconds over which the calls are spread, such as over: 30; "
            "the clock must stay before 9999-01-01T00:00:00Z",
        ),
        (
            "  - advance: 60\n  - put: {stream: s, records: [a], over: 1.0e+11}\n"
            "  - put: {stream: s, records: [a], over: 1.0e+11}\n"
            "  - put: {stream: s, records: [a], over: 1.0e+11}\n",
            13,
            "steps[3].put.over: invalid value 100000000000.0: the scenario clock, "
            "which reads 8363-10-01T19:34:20Z at this step, would pass "
            "9999-01-01T00:00:00Z. Fix: give the seconds over which the calls are "
            "spread, such as over: 30; the clock must stay before 9999-01-01T00:00:00Z",
        ),
        (
            "  - advance: .inf\n",
            10,
            "steps[0].advance: invalid value .inf: must be "
            "253370764800 or less. " + ADVANCE_FIX,
        ),
        (
            "  - advance: .nan\n",
            10,
            "steps[0].advance: invalid value .nan: not a number. " + ADVANCE_FIX,
        ),
        (
            "  - advance: 1.0e+300\n",
            10,
            "steps[0].advance: invalid value 1e+300: must be 253370764800 or less. "
            + ADVANCE_FIX,
        ),
        (
            "  - advance: {seconds: .nan}\n",
            10,
            "steps[0].advance.seconds: invalid value .nan: not a number. "
            + ADVANCE_FIX,
        ),
        (
            "  - advance: 253370000000\n",
            10,
            "steps[0].advance: invalid value 253370000000: the scenario clock, which "
            "reads 2026-01-01T00:00:00Z at this step, would pass 9999-01-01T00:00:00Z. "
            + ADVANCE_FIX,
        ),
        (
            '  - advance: {to: "9999-06-01T00:00:00Z"}\n',
            10,
            "steps[0].advance.to: invalid time '9999-06-01T00:00:00Z': the clock must "
            "stay before 9999-01-01T00:00:00Z. Fix: give an ISO 8601 time with a UTC "
            'offset, in quotes, such as "2026-12-04T15:01:00Z"',
        ),
    ],
    ids=[
        "count-too-large",
        "over-inf",
        "over-nan",
        "over-total-past-9999",
        "advance-inf",
        "advance-nan",
        "advance-huge",
        "advance-seconds-nan",
        "advance-past-9999",
        "advance-to-past-9999",
    ],
)
def test_load_out_of_range_value_names_line_and_fix(tmp_path, steps, line, message):
    path, error = _error(tmp_path, HEADER + steps)

    assert str(error) == f"{path}:{line}: " + message
    assert error.line == line


# Times: offsets and the order of steps ---------------------------------------------


@pytest.mark.parametrize(
    ("steps", "line", "message"),
    [
        (
            '  - advance: 120\n  - advance: {to: "2026-01-01T00:01:00Z"}\n',
            11,
            "steps[1].advance.to: the time '2026-01-01T00:01:00Z' is before the "
            "scenario clock, which reads 2026-01-01T00:02:00Z at this step. "
            "Fix: give a time at or after 2026-01-01T00:02:00Z, or move the clock "
            "by seconds, such as advance: 60",
        ),
        (
            '  - advance: {to: "2025-12-31T23:00:00Z"}\n',
            10,
            "steps[0].advance.to: the time '2025-12-31T23:00:00Z' is before the "
            "scenario clock, which reads 2026-01-01T00:00:00Z at this step. "
            "Fix: give a time at or after 2026-01-01T00:00:00Z, or move the clock "
            "by seconds, such as advance: 60",
        ),
        (
            "  - put: {stream: s, records: [a], over: 30.5}\n"
            '  - advance: {to: "2026-01-01T00:00:10+00:00"}\n',
            11,
            "steps[1].advance.to: the time '2026-01-01T00:00:10+00:00' is before the "
            "scenario clock, which reads 2026-01-01T00:00:30.500Z at this step. "
            "Fix: give a time at or after 2026-01-01T00:00:30.500Z, or move the "
            "clock by seconds, such as advance: 60",
        ),
        (
            '  - advance: {seconds: 1, to: "2026-01-01T00:01:00Z"}\n',
            10,
            "steps[0].advance: expected exactly one of seconds and to, got "
            "['seconds', 'to']. Fix: write advance: {seconds: 60} to move the clock "
            'by 60 seconds, or advance: {to: "2026-12-04T15:05:00Z"} to move it to '
            "that time",
        ),
        (
            "  - advance: {}\n",
            10,
            "steps[0].advance: expected exactly one of seconds and to, got []. "
            "Fix: write advance: {seconds: 60} to move the clock by 60 seconds, or "
            'advance: {to: "2026-12-04T15:05:00Z"} to move it to that time',
        ),
        (
            '  - advance: {to: "2026-01-01T00:01:00"}\n',
            10,
            "steps[0].advance.to: invalid time '2026-01-01T00:01:00': it has no UTC "
            "offset. Fix: give an ISO 8601 time with a UTC offset, in quotes, such as "
            '"2026-12-04T15:01:00Z"',
        ),
    ],
    ids=[
        "to-before-advance",
        "to-before-start",
        "to-before-put-over",
        "seconds-and-to",
        "empty-mapping",
        "to-without-offset",
    ],
)
def test_load_advance_to_past_or_ambiguous_names_line_and_fix(
    tmp_path, steps, line, message
):
    path, error = _error(tmp_path, HEADER + steps)

    assert str(error) == f"{path}:{line}: " + message
    assert error.line == line


@pytest.mark.parametrize(
    ("start", "problem"),
    [
        (
            "2026-12-04T15:00:00",
            "invalid time '2026-12-04T15:00:00': it has no UTC offset",
        ),
        ("yesterday", "invalid time 'yesterday'"),
        (
            "9999-06-01T00:00:00Z",
            "invalid time '9999-06-01T00:00:00Z': the clock must stay before "
            "9999-01-01T00:00:00Z",
        ),
    ],
    ids=["no-offset", "not-a-time", "past-9999"],
)
def test_load_bad_start_names_offset_fix(tmp_path, start, problem):
    text = f'version: 1\nstart: "{start}"\nsteps:\n  - advance: 1\n'

    path, error = _error(tmp_path, text)

    assert str(error) == (
        f"{path}:2: start: {problem}. Fix: give an ISO 8601 time with a UTC offset, "
        'in quotes, such as start: "2026-12-04T15:00:00Z"'
    )


def test_load_advance_to_after_steps_is_accepted(tmp_path):
    steps = (
        "  - put: {stream: s, records: [a], over: 30}\n"
        "  - advance: 30\n"
        '  - advance: {to: "2026-01-01T00:01:00Z"}\n'
        '  - advance: {to: "2026-01-01T01:01:00+01:00"}\n'
    )

    _, scenario = _load(tmp_path, HEADER + steps)

    assert [step.kind for step in scenario.steps] == ["put", "advance"] + [
        "advance"
    ] * 2


# Buckets named by expectations -----------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "line", "message"),
    [
        (
            "  - expect: {bucket: evnets, no_objects: ['^'], object_count: 0}\n",
            10,
            "steps[0].expect.bucket: unknown bucket 'evnets': it is not in "
            "setup.buckets, and no step creates buckets. Fix: did you mean 'events'? "
            "Name a bucket from setup.buckets (events)",
        ),
        (
            "  - expect:\n      objects:\n        - {bucket: other, key: x}\n",
            12,
            "steps[0].expect.objects[0].bucket: unknown bucket 'other': it is not in "
            "setup.buckets, and no step creates buckets. Fix: name a bucket from "
            "setup.buckets (events)",
        ),
        (
            "  - expect:\n      error_records:\n        - {bucket: event, count: 0}\n",
            12,
            "steps[0].expect.error_records[0].bucket: unknown bucket 'event': it is "
            "not in setup.buckets, and no step creates buckets. Fix: did you mean "
            "'events'? Name a bucket from setup.buckets (events)",
        ),
    ],
    ids=["expect-bucket", "objects-bucket", "error-records-bucket"],
)
def test_load_expect_unknown_bucket_names_line_and_fix(tmp_path, steps, line, message):
    path, error = _error(tmp_path, HEADER + steps)

    assert str(error) == f"{path}:{line}: " + message
    assert error.line == line


def test_load_expect_missing_destination_bucket_suggests_deliveries(tmp_path):
    text = HEADER.replace("  buckets: [events]\n", "") + (
        "  - expect: {bucket: events, object_count: 0}\n"
    )

    path, error = _error(tmp_path, text)

    assert str(error) == (
        f"{path}:9: steps[0].expect.bucket: unknown bucket 'events': it is not in "
        "setup.buckets, and no step creates buckets. Fix: name a bucket from "
        "setup.buckets (none yet); to check that nothing reached a bucket that does "
        "not exist, expect deliveries: [{stream: NAME, outcome: delivered, count: 0}]"
    )


def test_load_alias_bomb_rejected_quickly(tmp_path):
    text = "a: &a [1,1,1,1,1,1,1,1,1]\n"
    previous = "a"
    for name in "bcdefg":
        text += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    path = tmp_path / "bomb.yaml"
    path.write_text(text + "version: 1\nname: x\nsetup: {buckets: *g}\nsteps: [advance: 1]\n")

    with pytest.raises(ScenarioFormatError) as excinfo:
        load_scenario(path)

    assert "expands to more than 1,000,000 values" in str(excinfo.value)


def test_load_deep_nesting_rejected(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("version: 1\nname: x\nsteps: " + "[" * 5000 + "]" * 5000 + "\n")

    with pytest.raises(ScenarioFormatError) as excinfo:
        load_scenario(path)

    assert "nested too deeply" in str(excinfo.value)
