"""Tests for ``firehose-emulator lint`` (emulator.lint, emulator.lint_notes, emulator.cli_lint)."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from emulator.cli import cli
from emulator.lint import example_key, lint_configuration

ROLE_ARN = "arn:aws:iam::000000000000:role/firehose-to-s3-writer"
BUCKET_ARN = "arn:aws:s3:::vascular-inbox-events"

# The Vascular set-up document: its stream configuration, role policies and notes.
VASCULAR_CONFIG = {
    "DeliveryStreamName": "message-interaction-events",
    "DeliveryStreamType": "DirectPut",
    "S3DestinationConfiguration": {
        "RoleARN": ROLE_ARN,
        "BucketARN": BUCKET_ARN,
        "Prefix": "vascular",
        "ErrorOutputPrefix": "test-error-log",
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
        "CompressionFormat": "UNCOMPRESSED",
        "CloudWatchLoggingOptions": {
            "Enabled": False,
            "LogGroupName": "",
            "LogStreamName": "",
        },
    },
    "Tags": [{"Key": "Environment", "Value": "Production"}],
}
VASCULAR_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "firehose.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
VASCULAR_PERMISSIONS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:PutObjectAcl"],
            "Resource": ["arn:aws:s3:::vascular-inbox-events/*"],
        }
    ],
}
VASCULAR_NOTES = """Notes

  • S3 prefix: Files will be written to S3 under the prefix myorg-log/YYYY/MM/DD/HH/, \
based on the time the data was delivered.
  • Buffering: Records are flushed to S3 when either 1 MB of data is accumulated or 60 \
seconds have passed.
  • Compression: By default, data is stored uncompressed. You can change the compression \
format to GZIP or Snappy if needed.
  • Error output prefix: If delivery to S3 fails, failed records are written to the \
error-log/ prefix for inspection.
  • CloudWatch logging: Logging is disabled in the example config. Enable it by setting \
Enabled: true and providing a log group and stream if needed.
"""
VASCULAR_KEY = (
    "vascular2026/12/04/15/message-interaction-events-1-2026-12-04-15-00-00-<uuid>"
)
RECOMMENDED_PERMISSIONS = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "s3:AbortMultipartUpload",
                "s3:GetBucketLocation",
                "s3:GetObject",
                "s3:ListBucket",
                "s3:ListBucketMultipartUploads",
                "s3:PutObject",
            ],
            "Resource": [BUCKET_ARN, f"{BUCKET_ARN}/*"],
        }
    ],
}


def vascular_document() -> str:
    """Return the document as its readers see it: prose with JSON blocks."""
    return "\n\n".join(
        [
            "Streaming analytics events to S3",
            "Trust relationship policy\n\njson",
            json.dumps(VASCULAR_TRUST, indent=2),
            "Permissions policy\n\njson",
            json.dumps(VASCULAR_PERMISSIONS, indent=2),
            "Example: message-interaction-events configuration\n\njson",
            json.dumps(VASCULAR_CONFIG, indent=2),
            VASCULAR_NOTES,
        ]
    )


def clean_config(**members) -> dict:
    destination = {
        "RoleARN": ROLE_ARN,
        "BucketARN": BUCKET_ARN,
        "Prefix": "events/",
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
        "ProcessingConfiguration": {
            "Enabled": True,
            "Processors": [{"Type": "AppendDelimiterToRecord"}],
        },
    }
    destination.update(members)
    return {
        "DeliveryStreamName": "events",
        "ExtendedS3DestinationConfiguration": destination,
    }


def write(tmp_path, name: str, content) -> str:
    path = tmp_path / name
    text = content if isinstance(content, str) else json.dumps(content)
    path.write_text(text, encoding="utf-8")
    return str(path)


def run_lint(*arguments: str):
    return CliRunner().invoke(cli, ["lint", *arguments])


def findings_of(result) -> dict[str, list[str]]:
    """Return {check: [message, ...]} from a text report."""
    found: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():
        if " [" in line and "] " in line:
            check = line.split(" [", 1)[1].split("] ", 1)[0]
            found.setdefault(check, []).append(line.split("] ", 1)[1])
    return found


# The Vascular document ------------------------------------------------------------


def test_lint_vascular_document_reports_wrong_notes(tmp_path):
    path = write(tmp_path, "vascular.txt", vascular_document())

    result = run_lint(path)
    found = findings_of(result)

    assert result.exit_code == 1
    assert found["notes-prefix"] == [
        "the notes say objects go under myorg-log/YYYY/MM/DD/HH/, but Prefix is "
        f"'vascular', so keys look like {VASCULAR_KEY}"
    ]
    assert found["notes-error-prefix"] == [
        "the notes name the error prefix error-log/, but ErrorOutputPrefix is "
        "'test-error-log' and this stream never writes there"
    ]
    assert (
        "Firehose retries the delivery for 24 hours"
        in found["notes-delivery-failures"][0]
    )
    assert found["notes-time"][0].startswith(
        "the notes date objects by 'time the data was delivered'"
    )
    assert "notes-buffering" not in found


def test_lint_vascular_document_reports_configuration_traps(tmp_path):
    path = write(tmp_path, "vascular.txt", vascular_document())

    found = findings_of(run_lint(path))

    assert VASCULAR_KEY in found["prefix-no-slash"][0]
    assert "use 'vascular/' for a folder" in found["prefix-no-slash"][0]
    assert (
        "ErrorOutputPrefix 'test-error-log' is never used"
        in found["unused-error-prefix"][0]
    )
    assert "no-delimiter" in found
    assert "notes-logging" in found


def test_lint_vascular_document_counts_advice_apart(tmp_path):
    path = write(tmp_path, "vascular.txt", vascular_document())

    result = run_lint(path)

    assert result.exit_code == 1
    assert f"{path}: info [no-delimiter]" in result.stdout
    assert result.stdout.splitlines()[-1] == (
        f"{path}: 8 problems (0 errors, 8 warnings) and 2 info findings"
    )


def test_lint_vascular_policies_write_but_lack_recommended_actions(tmp_path):
    path = write(tmp_path, "vascular.txt", vascular_document())

    found = findings_of(run_lint(path))

    assert "role-denied" not in found
    assert "trust-denied" not in found
    missing = found["role-missing-permissions"][0]
    assert "s3:GetBucketLocation on arn:aws:s3:::vascular-inbox-events;" in missing
    assert "s3:AbortMultipartUpload on arn:aws:s3:::vascular-inbox-events/*" in missing
    assert "s3:PutObject on" not in missing
    assert 'sts:ExternalId": "000000000000"' in found["trust-no-condition"][0]


def test_lint_json_with_policy_files_matches_document(tmp_path):
    config = write(tmp_path, "stream.json", VASCULAR_CONFIG)
    trust = write(tmp_path, "trust.json", VASCULAR_TRUST)
    permissions = write(tmp_path, "permissions.json", VASCULAR_PERMISSIONS)
    notes = write(tmp_path, "notes.txt", VASCULAR_NOTES)

    result = run_lint(
        config, "--policy", trust, "--policy", permissions, "--notes", notes
    )

    assert result.exit_code == 1
    assert set(findings_of(result)) == set(
        findings_of(run_lint(write(tmp_path, "vascular.txt", vascular_document())))
    )


def test_lint_json_format_lists_findings(tmp_path):
    path = write(tmp_path, "stream.json", VASCULAR_CONFIG)

    result = run_lint(path, "--format", "json")
    findings = json.loads(result.stdout)

    assert result.exit_code == 1
    assert {f["check"]: f["level"] for f in findings} == {
        "prefix-no-slash": "warning",
        "no-delimiter": "info",
        "unused-error-prefix": "warning",
    }


# Clean and rejected configurations ------------------------------------------------


def test_lint_clean_configuration_exits_zero(tmp_path):
    trust = json.loads(json.dumps(VASCULAR_TRUST))
    trust["Statement"][0]["Condition"] = {
        "StringEquals": {"sts:ExternalId": "000000000000"}
    }
    config = write(tmp_path, "stream.json", clean_config())
    policies = [
        write(tmp_path, "trust.json", trust),
        write(
            tmp_path, "permissions.json", {"PolicyDocument": RECOMMENDED_PERMISSIONS}
        ),
    ]

    result = run_lint(config, "--policy", policies[0], "--policy", policies[1])

    assert result.exit_code == 0
    assert result.stdout == f"{config}: no problems found\n"


def test_lint_rejected_buffering_hint_reports_aws_error(tmp_path):
    config = clean_config(BufferingHints={"SizeInMBs": 200, "IntervalInSeconds": 60})
    path = write(tmp_path, "stream.json", config)

    result = run_lint(path)
    found = findings_of(result)

    assert result.exit_code == 1
    assert found["aws-rejects"][0].startswith(
        "AWS would reject this request: ValidationException: 1 validation error detected"
    )
    assert "Member must have value less than or equal to 128" in found["aws-rejects"][0]
    assert "error [aws-rejects]" in result.stdout


def test_lint_invalid_stream_name_reports_aws_error(tmp_path):
    config = clean_config()
    config["DeliveryStreamName"] = "bad name!"
    path = write(tmp_path, "stream.json", config)

    found = findings_of(run_lint(path))

    assert "Member must satisfy regular expression pattern" in found["aws-rejects"][0]


def test_lint_two_destinations_reports_aws_error(tmp_path):
    config = clean_config()
    config["S3DestinationConfiguration"] = {
        "RoleARN": ROLE_ARN,
        "BucketARN": BUCKET_ARN,
    }
    path = write(tmp_path, "stream.json", config)

    found = findings_of(run_lint(path))

    assert found["aws-rejects"] == [
        "AWS would reject this request: InvalidArgumentException: Exactly one "
        "destination configuration is supported for a Firehose"
    ]


def test_lint_policy_for_other_bucket_reports_denied(tmp_path):
    other = {
        "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::other/*"}
        ]
    }
    config = write(tmp_path, "stream.json", clean_config())
    policy = write(tmp_path, "permissions.json", other)

    found = findings_of(run_lint(config, "--policy", policy))

    assert found["role-denied"][0].startswith(
        "the role's policies do not allow s3:PutObject on "
        "arn:aws:s3:::vascular-inbox-events/events/2026/12/04/15/events-1-"
    )
    assert found["role-denied"][0].endswith(
        "so every delivery fails with S3.AccessDenied"
    )


def test_lint_trust_for_other_service_reports_denied(tmp_path):
    trust = json.loads(json.dumps(VASCULAR_TRUST))
    trust["Statement"][0]["Principal"] = {"Service": "lambda.amazonaws.com"}
    config = write(tmp_path, "stream.json", clean_config())
    policy = write(tmp_path, "trust.json", trust)

    result = run_lint(config, "--policy", policy)

    assert result.exit_code == 1
    assert "trust-denied" in findings_of(result)


def test_lint_logging_without_stream_and_log_permission(tmp_path):
    logging_options = {"Enabled": True, "LogGroupName": "/aws/kinesisfirehose/events"}
    config = write(
        tmp_path, "stream.json", clean_config(CloudWatchLoggingOptions=logging_options)
    )
    policy = write(tmp_path, "permissions.json", RECOMMENDED_PERMISSIONS)

    found = findings_of(run_lint(config, "--policy", policy, "--region", "eu-west-1"))

    assert "without a LogStreamName" in found["logging-no-stream"][0]
    assert found["role-missing-permissions"] == [
        "the role's policies lack permissions that the Firehose developer guide grants "
        "the delivery role: logs:PutLogEvents on arn:aws:logs:eu-west-1:000000000000:"
        "log-group:/aws/kinesisfirehose/events:log-stream:*"
    ]


def test_lint_ignore_skips_check(tmp_path):
    path = write(tmp_path, "stream.json", clean_config(Prefix="events"))

    plain = findings_of(run_lint(path))
    ignored = run_lint(path, "--ignore", "prefix-no-slash")

    assert "prefix-no-slash" in plain
    assert ignored.exit_code == 0
    assert "prefix-no-slash" not in findings_of(ignored)


def test_lint_notes_buffering_mismatch_reported(tmp_path):
    path = write(tmp_path, "stream.json", clean_config())
    notes = write(
        tmp_path, "notes.txt", "Buffering: flushed every 5 MB or 300 seconds.\n"
    )

    found = findings_of(run_lint(path, "--notes", notes))

    assert found["notes-buffering"] == [
        'the notes say "Buffering: flushed every 5 MB or 300 seconds.", but SizeInMBs is 1',
        'the notes say "Buffering: flushed every 5 MB or 300 seconds.", '
        "but IntervalInSeconds is 60",
    ]


def test_lint_notes_matching_prefix_not_reported(tmp_path):
    path = write(tmp_path, "stream.json", clean_config())
    notes = write(
        tmp_path,
        "notes.txt",
        "Objects are written under the prefix events/YYYY/MM/DD/HH/.",
    )

    result = run_lint(path, "--notes", notes)

    assert result.exit_code == 0


# Unreadable input ---------------------------------------------------------------------


def test_lint_missing_file_exits_two(tmp_path):
    missing = str(tmp_path / "absent.json")

    result = run_lint(missing)

    assert result.exit_code == 2
    assert result.stderr == (
        f"firehose-emulator lint: cannot read {missing}: No such file or directory\n"
    )


def test_lint_text_without_configuration_exits_two(tmp_path):
    path = write(tmp_path, "readme.txt", "Nothing here but {not json} prose.")

    result = run_lint(path)

    assert result.exit_code == 2
    assert f"no CreateDeliveryStream input found in {path}" in result.stderr


def test_lint_policy_given_as_file_exits_two(tmp_path):
    path = write(tmp_path, "trust.json", VASCULAR_TRUST)

    result = run_lint(path)

    assert result.exit_code == 2
    assert "is JSON but not a CreateDeliveryStream input" in result.stderr


def test_lint_invalid_policy_json_exits_two(tmp_path):
    config = write(tmp_path, "stream.json", clean_config())
    policy = write(tmp_path, "policy.json", "{not json")

    result = run_lint(config, "--policy", policy)

    assert result.exit_code == 2
    assert f"{policy} is not valid JSON" in result.stderr


def test_lint_unknown_ignored_check_exits_two(tmp_path):
    config = write(tmp_path, "stream.json", clean_config())

    result = run_lint(config, "--ignore", "no-such-check")

    assert result.exit_code == 2
    assert "unknown check 'no-such-check'" in result.stderr


# The library ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("vascular", "vascular2026/12/04/15/s-1-2026-12-04-15-00-00-<uuid>"),
        ("logs/!{timestamp:yyyy}", "logs/2026s-1-2026-12-04-15-00-00-<uuid>"),
        ("logs/", "logs/2026/12/04/15/s-1-2026-12-04-15-00-00-<uuid>"),
    ],
    ids=["plain", "expression", "slash"],
)
def test_example_key_shows_glued_prefix(prefix, expected):
    destination = {"Prefix": prefix, "CompressionFormat": "UNCOMPRESSED"}

    assert example_key("s", destination) == expected


def test_lint_configuration_expression_prefix_without_slash_warns():
    config = clean_config(
        Prefix="logs/!{timestamp:yyyy}",
        ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
    )

    findings = lint_configuration(config)

    messages = [f.message for f in findings if f.check == "prefix-no-slash"]
    assert len(messages) == 1
    assert "the object name follows it with no separator" in messages[0]
    assert "logs/2026events-1-2026-12-04-15-00-00-<uuid>" in messages[0]


# Malformed JSON and unknown fields --------------------------------------------------


def test_lint_broken_json_file_names_line_and_column(tmp_path):
    path = write(tmp_path, "stream.json", '{\n  "DeliveryStreamName": "x",,\n}')

    result = run_lint(path)

    assert result.exit_code == 2
    assert result.stderr == (
        f"firehose-emulator lint: {path} is not valid JSON: Expecting property name "
        "enclosed in double quotes: line 2 column 29 (char 30)\n"
    )


def test_lint_broken_json_block_in_document_names_line(tmp_path):
    text = 'Set-up notes\n\n{\n  "DeliveryStreamName": "x",,\n}\n\nMore prose.\n'
    path = write(tmp_path, "readme.txt", text)

    result = run_lint(path)

    assert result.exit_code == 2
    assert result.stderr == (
        f"firehose-emulator lint: {path}: the JSON block that starts at line 3 is not "
        "valid JSON: Expecting property name enclosed in double quotes: line 4 "
        "column 29 (char 44)\n"
    )


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("arrays.json", "[" * 100_000 + "]" * 100_000),
        ("objects.txt", "prose " + '{"a": ' * 5_000 + "1" + "}" * 5_000),
    ],
    ids=["json-file", "document"],
)
def test_lint_deeply_nested_json_exits_two_without_traceback(tmp_path, name, text):
    path = write(tmp_path, name, text)

    result = run_lint(path)

    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stderr == (
        f"firehose-emulator lint: {path} is nested too deeply to parse: Python's "
        f"json module reads at most about {sys.getrecursionlimit()} levels of nested "
        "arrays and objects; check that this is the CreateDeliveryStream input or "
        "policy you meant\n"
    )


def test_lint_deeply_nested_policy_exits_two(tmp_path):
    config = write(tmp_path, "stream.json", clean_config())
    policy = write(tmp_path, "policy.json", "[" * 100_000 + "]" * 100_000)

    result = run_lint(config, "--policy", policy)

    assert result.exit_code == 2
    assert f"{policy} is nested too deeply to parse" in result.stderr


def test_lint_unknown_fields_reported_with_valid_members(tmp_path):
    config = {"Bogus": 1, **clean_config(Whatever=2)}
    path = write(tmp_path, "stream.json", config)

    result = run_lint(path)
    found = findings_of(result)

    assert result.exit_code == 1
    assert "error [unknown-field]" in result.stdout
    assert found["unknown-field"][0] == (
        'unknown field "Bogus" in the request, so boto3 and the AWS CLI reject the '
        "request; valid members: DeliveryStreamName, DeliveryStreamType, "
        "DirectPutSourceConfiguration, KinesisStreamSourceConfiguration, "
        "DeliveryStreamEncryptionConfigurationInput, S3DestinationConfiguration, "
        "ExtendedS3DestinationConfiguration, RedshiftDestinationConfiguration, "
        "ElasticsearchDestinationConfiguration, "
        "AmazonopensearchserviceDestinationConfiguration, "
        "SplunkDestinationConfiguration, HttpEndpointDestinationConfiguration, Tags, "
        "AmazonOpenSearchServerlessDestinationConfiguration, MSKSourceConfiguration, "
        "SnowflakeDestinationConfiguration, IcebergDestinationConfiguration, "
        "DatabaseSourceConfiguration"
    )
    assert found["unknown-field"][1].startswith(
        'unknown field "Whatever" in ExtendedS3DestinationConfiguration, so boto3 '
        "and the AWS CLI reject the request; valid members: RoleARN, BucketARN, "
        "Prefix, ErrorOutputPrefix,"
    )
    assert len(found["unknown-field"]) == 2


def test_lint_unknown_nested_field_matches_botocore(tmp_path):
    from botocore.exceptions import ParamValidationError
    from botocore.session import get_session
    from botocore.validate import validate_parameters

    processors = [{"Type": "AppendDelimiterToRecord", "Paramters": []}]
    config = clean_config(
        ProcessingConfiguration={"Enabled": True, "Processors": processors}
    )
    model = get_session().get_service_model("firehose")
    shape = model.operation_model("CreateDeliveryStream").input_shape

    findings = lint_configuration(config)
    messages = [f.message for f in findings if f.check == "unknown-field"]
    with pytest.raises(ParamValidationError) as rejected:
        validate_parameters(config, shape)

    assert messages == [
        'unknown field "Paramters" in '
        "ExtendedS3DestinationConfiguration.ProcessingConfiguration.Processors[0], "
        "so boto3 and the AWS CLI reject the request (did you mean "
        '"Parameters"?); valid members: Type, Parameters'
    ]
    assert (
        "Unknown parameter in ExtendedS3DestinationConfiguration.ProcessingConfiguration"
        '.Processors[0]: "Paramters", must be one of: Type, Parameters'
    ) in str(rejected.value)


# Advice --------------------------------------------------------------------------


def test_lint_no_delimiter_is_advice_and_exits_zero(tmp_path):
    config = clean_config()
    del config["ExtendedS3DestinationConfiguration"]["ProcessingConfiguration"]
    path = write(tmp_path, "stream.json", config)

    result = run_lint(path)

    assert result.exit_code == 0
    assert f"{path}: info [no-delimiter] records are written" in result.stdout
    assert result.stdout.splitlines()[0].endswith(
        "if the emitter already ends each record with a newline, "
        "silence this with --ignore no-delimiter"
    )
    assert result.stdout.splitlines()[-1] == (
        f"{path}: no problems found (1 info finding)"
    )


def test_lint_no_delimiter_ignored_prints_no_advice(tmp_path):
    config = clean_config()
    del config["ExtendedS3DestinationConfiguration"]["ProcessingConfiguration"]
    path = write(tmp_path, "stream.json", config)

    result = run_lint(path, "--ignore", "no-delimiter")

    assert result.exit_code == 0
    assert result.stdout == f"{path}: no problems found\n"
