"""End-to-end tests of the pytest plugin: throwaway projects run with ``pytester``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import boto3  # noqa: F401  # kept loaded across in-process runs
import pytest

import emulator.core  # noqa: F401  # kept loaded across in-process runs

ROOT = Path(__file__).resolve().parent.parent

VASCULAR_STREAM = {
    "DeliveryStreamName": "message-interaction-events",
    "DeliveryStreamType": "DirectPut",
    "S3DestinationConfiguration": {
        "RoleARN": "arn:aws:iam::000000000000:role/firehose-to-s3-writer",
        "BucketARN": "arn:aws:s3:::vascular-inbox-events",
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

PUT_AND_FLUSH = """
import boto3
import pytest


@pytest.mark.firehose_stream("events", bucket="events-bucket")
def test_put(firehose):
    boto3.client("firehose").put_record(
        DeliveryStreamName="events", Record={"Data": b"hi"}
    )
    firehose.flush()
    firehose.assert_delivered("events", objects=EXPECTED)
"""


# Plugins that the throwaway projects do not need; hypothesis's alone imports
# hypothesis again in every in-process run, which costs seconds.
UNUSED_PLUGINS = (
    "-p",
    "no:hypothesispytest",
    "-p",
    "no:benchmark",
    "-p",
    "no:cacheprovider",
)


def run(pytester, *arguments):
    return pytester.runpytest(*UNUSED_PLUGINS, *arguments)


def run_subprocess(pytester, monkeypatch, *arguments):
    # The project root comes first, so that the subprocess imports this
    # checkout's packages whatever the installed copy is.
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    return pytester.runpytest_subprocess(*UNUSED_PLUGINS, *arguments)


# Import cost -------------------------------------------------------------------


def test_plugin_import_loads_no_moto_boto3_or_engine():
    code = (
        "import sys, pytest_plugin\n"
        "heavy = ('moto', 'boto3', 'botocore', 'emulator.core', 'emulator.backend')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in heavy))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )

    assert result.stdout.strip() == "[]"


# The firehose fixture ----------------------------------------------------------


def test_firehose_fixture_project_passes(pytester):
    pytester.makepyfile(
        """
        import boto3


        def test_emit_and_read(firehose):
            boto3.client("s3").create_bucket(Bucket="events-bucket")
            client = boto3.client("firehose")
            client.create_delivery_stream(
                DeliveryStreamName="events",
                ExtendedS3DestinationConfiguration={
                    "RoleARN": "arn:aws:iam::123456789012:role/delivery",
                    "BucketARN": "arn:aws:s3:::events-bucket",
                    "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
                },
            )
            client.put_record(DeliveryStreamName="events", Record={"Data": b'{"n": 1}\\n'})
            assert firehose.buffered_records("events") == 1
            firehose.advance(60)
            firehose.assert_delivered("events", objects=1, records=1, documents=[{"n": 1}])
        """
    )

    result = run(pytester)

    result.assert_outcomes(passed=1)


def test_firehose_fixture_state_isolated_between_tests(pytester):
    pytester.makepyfile(
        """
        import boto3
        import pytest


        @pytest.mark.firehose_stream("events", bucket="events-bucket")
        def test_first(firehose):
            boto3.client("firehose").put_record(
                DeliveryStreamName="events", Record={"Data": b"left behind"}
            )
            assert firehose.buffered_records() == 1


        def test_second(firehose):
            assert boto3.client("firehose").list_delivery_streams()["DeliveryStreamNames"] == []
            assert boto3.client("s3").list_buckets()["Buckets"] == []
            assert firehose.buffered_records() == 0
            assert firehose.delivery_log == []
        """
    )

    result = run(pytester)

    result.assert_outcomes(passed=2)


def test_firehose_fixture_environment_sealed_then_restored(pytester, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALLOOKING")
    pytester.makepyfile(
        """
        import os

        import boto3


        def test_inside(firehose):
            # moto's mock_aws puts its own fake key over the fixture's.
            assert os.environ["AWS_ACCESS_KEY_ID"] in ("testing", "FOOBARKEY")
            assert os.environ["AWS_REGION"] == "us-east-1"
            assert "AWS_ENDPOINT_URL" not in os.environ
            assert "AWS_ENDPOINT_URL_S3" not in os.environ
            assert "AWS_PROFILE" not in os.environ
            assert boto3.client("s3").meta.endpoint_url == "https://s3.amazonaws.com"
            credentials = boto3.Session().get_credentials()
            assert credentials.access_key == os.environ["AWS_ACCESS_KEY_ID"]


        def test_after():
            assert os.environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9"
            assert os.environ["AWS_PROFILE"] == "production"
            assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAREALLOOKING"
        """
    )

    result = run(pytester)

    result.assert_outcomes(passed=2)


def test_firehose_fixture_inside_mock_aws_joins_it(pytester):
    pytester.makepyfile(
        """
        import boto3
        import pytest
        from moto import mock_aws


        @pytest.fixture
        def outer_mock():
            with mock_aws():
                boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="made-before")
                yield


        def test_joined(outer_mock, firehose):
            names = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
            assert names == ["made-before"]
        """
    )

    result = run(pytester)

    result.assert_outcomes(passed=1)


def test_firehose_fixture_client_made_at_import_intercepted(pytester, monkeypatch):
    # A subprocess, so that moto is not yet imported when the module is
    # collected. Were the client not intercepted, its request would go to a
    # proxy on the loopback discard port and fail there.
    pytester.makepyfile(
        """
        import boto3
        from botocore.config import Config

        EARLY = boto3.client(
            "s3",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(
                proxies={"https": "http://127.0.0.1:9", "http": "http://127.0.0.1:9"},
                retries={"max_attempts": 1},
                connect_timeout=1,
            ),
        )


        def test_early_client(firehose):
            EARLY.create_bucket(Bucket="made-early")
            names = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
            assert names == ["made-early"]
        """
    )

    result = run_subprocess(pytester, monkeypatch)

    result.assert_outcomes(passed=1)


def test_wrong_expectation_fails_with_diagnostic_message(pytester):
    pytester.makepyfile(PUT_AND_FLUSH.replace("EXPECTED", "2"))

    result = run(pytester)

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            (
                "E       AssertionError: delivery check failed for stream 'events': "
                "expected 2 objects, found 1"
            ),
            "E       delivered objects (1):",
            (
                "E         s3://events-bucket/2026/01/01/00/events-1-2026-01-01-00-00-00-*"
                "  2 bytes, 1 record, delivered 2026-01-01T00:00:00Z"
            ),
        ]
    )


def test_right_expectation_same_project_passes(pytester):
    pytester.makepyfile(PUT_AND_FLUSH.replace("EXPECTED", "1"))

    result = run(pytester)

    result.assert_outcomes(passed=1)


# The firehose_stream marker ----------------------------------------------------


def test_marker_keywords_create_stream_bucket_and_role(pytester):
    pytester.makepyfile(
        """
        import boto3
        import pytest


        @pytest.mark.firehose_stream(
            "events",
            bucket="events-bucket",
            prefix="events/",
            error_output_prefix="errors/",
            buffering_size_mb=2,
            compression_format="GZIP",
            file_extension=".json.gz",
            tags={"team": "inbox"},
        )
        def test_described(request):
            assert "firehose" in request.fixturenames
            client = boto3.client("firehose")
            description = client.describe_delivery_stream(DeliveryStreamName="events")
            destination = description["DeliveryStreamDescription"]["Destinations"][0][
                "ExtendedS3DestinationDescription"
            ]
            assert destination["BucketARN"] == "arn:aws:s3:::events-bucket"
            assert destination["Prefix"] == "events/"
            assert destination["ErrorOutputPrefix"] == "errors/"
            assert destination["CompressionFormat"] == "GZIP"
            assert destination["FileExtension"] == ".json.gz"
            assert destination["BufferingHints"] == {"SizeInMBs": 2, "IntervalInSeconds": 300}
            role_arn = "arn:aws:iam::123456789012:role/firehose-delivery-role"
            assert destination["RoleARN"] == role_arn
            tags = client.list_tags_for_delivery_stream(DeliveryStreamName="events")["Tags"]
            assert tags == [{"Key": "team", "Value": "inbox"}]
            role = boto3.client("iam").get_role(RoleName="firehose-delivery-role")["Role"]
            assert role["Arn"] == role_arn
            assert boto3.client("s3").head_bucket(Bucket="events-bucket")
        """
    )

    result = run(pytester)

    result.assert_outcomes(passed=1)


def test_marker_vascular_json_file_delivers_in_strict_mode(pytester):
    pytester.mkdir("streams")
    stream_file = pytester.path / "streams" / "message-interaction-events.json"
    stream_file.write_text(json.dumps(VASCULAR_STREAM))
    pytester.makeconftest(
        """
        import pytest


        @pytest.fixture(scope="session")
        def firehose_account_id():
            return "000000000000"
        """
    )
    pytester.makepyfile(
        """
        import boto3
        import pytest


        @pytest.mark.firehose_stream(config="streams/message-interaction-events.json")
        def test_vascular(firehose):
            client = boto3.client("firehose")
            client.put_record(
                DeliveryStreamName="message-interaction-events",
                Record={"Data": b'{"eventType": "Read"}\\n'},
            )
            firehose.advance(60)
            (obj,) = firehose.assert_delivered("message-interaction-events", records=1)
            assert obj.bucket == "vascular-inbox-events"
            assert obj.key.startswith("vascular2026/01/01/00/message-interaction-events-1-")
            tags = client.list_tags_for_delivery_stream(
                DeliveryStreamName="message-interaction-events"
            )["Tags"]
            assert tags == [{"Key": "Environment", "Value": "Production"}]
        """
    )

    result = run(pytester, "--firehose-strict")

    result.assert_outcomes(passed=1)


def test_marker_name_overrides_config_and_closest_marker_wins(pytester):
    pytester.makepyfile(
        """
        import boto3
        import pytest

        CONFIG = {
            "DeliveryStreamName": "from-config",
            "S3DestinationConfiguration": {"BucketARN": "arn:aws:s3:::config-bucket"},
        }
        pytestmark = pytest.mark.firehose_stream("events", bucket="module-bucket")


        @pytest.mark.firehose_stream("events", bucket="function-bucket")
        @pytest.mark.firehose_stream("renamed", config=CONFIG)
        def test_streams():
            client = boto3.client("firehose")
            names = client.list_delivery_streams()["DeliveryStreamNames"]
            assert names == ["events", "renamed"]
            description = client.describe_delivery_stream(DeliveryStreamName="events")
            destination = description["DeliveryStreamDescription"]["Destinations"][0]
            bucket = destination["ExtendedS3DestinationDescription"]["BucketARN"]
            assert bucket == "arn:aws:s3:::function-bucket"
        """
    )

    result = run(pytester)

    result.assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        (
            'firehose_stream("events", buket="b")',
            (
                "firehose_stream() got an unexpected keyword argument 'buket' "
                "(did you mean 'bucket'?); the marker accepts: name, config, bucket, prefix, "
                "error_output_prefix, buffering_size_mb, buffering_interval_seconds, "
                "compression_format, file_extension, custom_time_zone, role_arn, destination, "
                "tags, create_bucket, create_role"
            ),
        ),
        (
            'firehose_stream("events")',
            (
                "stream 'events' has no bucket: give bucket=\"my-bucket\" or a BucketARN in "
                "the config"
            ),
        ),
        (
            'firehose_stream(bucket="b")',
            (
                'no stream name: give one, as in firehose_stream("events", '
                'bucket="my-bucket"), or a config with a DeliveryStreamName'
            ),
        ),
        (
            'firehose_stream("events", bucket="b", buffering_size_mb="1")',
            "buffering_size_mb must be int, not str '1'",
        ),
        (
            'firehose_stream("events", bucket="b", create_bucket=None)',
            "create_bucket must be bool, not NoneType None",
        ),
        (
            'firehose_stream("a", "b")',
            (
                "firehose_stream() takes from 0 to 1 positional arguments but 2 were given; "
                "the marker accepts: name, config, bucket, prefix, error_output_prefix, "
                "buffering_size_mb, buffering_interval_seconds, compression_format, "
                "file_extension, custom_time_zone, role_arn, destination, tags, create_bucket, "
                "create_role"
            ),
        ),
        (
            (
                'firehose_stream(config={"DeliveryStreamName": "s", '
                '"RedshiftDestinationConfiguration": {}})'
            ),
            (
                "the config has RedshiftDestinationConfiguration; the emulator delivers only "
                "to S3, so use ExtendedS3DestinationConfiguration or S3DestinationConfiguration"
            ),
        ),
    ],
    ids=[
        "unknown-keyword",
        "no-bucket",
        "no-name",
        "wrong-type",
        "none-flag",
        "extra-positional",
        "not-s3",
    ],
)
def test_marker_bad_arguments_error_at_collection(pytester, marker, message):
    pytester.makepyfile(
        test_bad=f"""
        import pytest


        @pytest.mark.{marker}
        def test_x():
            pass
        """
    )

    result = run(pytester)

    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting test_bad.py*",
            f"invalid firehose_stream marker on test_bad.py::test_x: {message}",
        ]
    )


def test_marker_missing_config_file_lists_paths_tried(pytester):
    pytester.makepyfile(
        test_bad="""
        import pytest


        @pytest.mark.firehose_stream(config="streams/missing.json")
        def test_x():
            pass
        """
    )

    result = run(pytester)

    result.assert_outcomes(errors=1)
    project = pytester.path
    result.stdout.fnmatch_lines(
        [
            (
                "invalid firehose_stream marker on test_bad.py::test_x: config file "
                "'streams/missing.json' not found; looked for "
                f"{project}/streams/missing.json, {project}/streams/missing.json"
            )
        ]
    )


def test_marker_invalid_json_file_errors_at_collection(pytester):
    (pytester.path / "stream.json").write_text("{not json")
    pytester.makepyfile(
        test_bad="""
        import pytest


        @pytest.mark.firehose_stream(config="stream.json")
        def test_x():
            pass
        """
    )

    result = run(pytester)

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            (
                f"invalid firehose_stream marker on test_bad.py::test_x: config "
                f"'{pytester.path}/stream.json' is not valid JSON: Expecting property name "
                "enclosed in double quotes: line 1 column 2 (char 1)"
            )
        ]
    )


def test_marker_configuration_aws_rejects_errors_at_setup(pytester):
    pytester.makepyfile(
        """
        import pytest


        @pytest.mark.firehose_stream("events", bucket="events-bucket", compression_format="SNAPPY")
        def test_x():
            pass
        """
    )

    result = run(pytester)

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            (
                "the firehose_stream marker could not create delivery stream 'events': "
                "An error occurred (ValidationException) when calling the CreateDeliveryStream "
                "operation: *compressionFormat*"
            )
        ]
    )


def test_marker_registered_with_its_signature(pytester):
    result = run(pytester, "--markers")

    result.stdout.fnmatch_lines(
        [
            (
                "@pytest.mark.firehose_stream(name=None, *, config=None, bucket=None, "
                "prefix=None, error_output_prefix=None, buffering_size_mb=None, "
                "buffering_interval_seconds=None, compression_format=None, "
                "file_extension=None, custom_time_zone=None, role_arn=None, destination=None, "
                "tags=None, create_bucket=True, create_role=True): create a Firehose delivery "
                "stream, its S3 "
                "bucket and its IAM role before the test, *implies the firehose fixture."
            )
        ]
    )


# Options, ini keys and the report header ----------------------------------------


def test_report_header_shows_settings_and_sources(pytester):
    pytester.makefile(".ini", pytest="[pytest]\nfirehose_region = eu-west-1\n")
    pytester.makepyfile("def test_nothing():\n    pass\n")

    result = run(pytester, "--firehose-seed", "7")

    result.stdout.fnmatch_lines(
        [
            (
                "firehose-emulator *: start time 2026-01-01T00:00:00Z (default), "
                "region eu-west-1 (from pytest.ini), account 123456789012 (default), "
                "seed 7 (from --firehose-seed), strict off (default)"
            )
        ]
    )


def test_options_and_ini_set_fixture_defaults(pytester):
    pytester.makefile(
        ".ini",
        pytest=(
            "[pytest]\n"
            "firehose_start_time = 2026-12-04T15:00:00Z\n"
            "firehose_region = us-east-1\n"
            "firehose_account_id = 111122223333\n"
        ),
    )
    pytester.makepyfile(
        """
        import os


        def test_defaults(firehose):
            assert firehose.clock.now_datetime().isoformat() == "2026-12-04T15:00:00+00:00"
            assert firehose.region == "ap-southeast-2"
            assert os.environ["AWS_DEFAULT_REGION"] == "ap-southeast-2"
            assert firehose.account_id == "111122223333"
            assert os.environ["MOTO_ACCOUNT_ID"] == "111122223333"
            assert firehose.seed == 42
        """
    )

    result = run(pytester, "--firehose-region=ap-southeast-2", "--firehose-seed=42")

    result.assert_outcomes(passed=1)


def test_override_fixtures_and_parametrize_change_emulator(pytester):
    pytester.makeconftest(
        """
        import pytest


        @pytest.fixture
        def firehose_region():
            return "eu-central-1"
        """
    )
    pytester.makepyfile(
        """
        import pytest


        @pytest.mark.parametrize("firehose_start_time", ["2030-06-01T12:00:00Z"])
        def test_overridden(firehose):
            assert firehose.region == "eu-central-1"
            assert firehose.clock.now_datetime().year == 2030
        """
    )

    result = run(pytester)

    result.assert_outcomes(passed=1)


def test_settings_override_enforces_iam(pytester):
    pytester.makepyfile(
        """
        import boto3
        import pytest
        from emulator.runtime import Settings


        @pytest.fixture
        def firehose_settings():
            return Settings(iam_mode="strict")


        @pytest.mark.firehose_stream(
            "events", bucket="events-bucket", create_role=False,
            role_arn="arn:aws:iam::123456789012:role/missing",
        )
        def test_denied(firehose):
            boto3.client("firehose").put_record(DeliveryStreamName="events", Record={"Data": b"x"})
            (attempt,) = firehose.flush()
            assert attempt.outcome == "failed"
            assert attempt.error_code == "S3.AccessDenied"
        """
    )

    result = run(pytester)

    result.assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("arguments", "ini", "message"),
    [
        (
            ["--firehose-region=EU"],
            "",
            (
                "ERROR: invalid --firehose-region value 'EU': use an AWS region name, "
                "for example eu-west-1"
            ),
        ),
        (
            [],
            "firehose_account_id = 12\n",
            (
                "ERROR: invalid firehose_account_id value '12' in pytest.ini: use 12 digits, "
                "for example 123456789012"
            ),
        ),
        (
            ["--firehose-start-time", "yesterday"],
            "",
            (
                "ERROR: invalid --firehose-start-time value 'yesterday': use ISO 8601, "
                "for example 2026-12-04T15:00:00Z"
            ),
        ),
        (
            [],
            "firehose_seed = seven\n",
            (
                "ERROR: invalid firehose_seed value 'seven' in pytest.ini: use an integer, "
                "for example 7"
            ),
        ),
    ],
    ids=["region-option", "account-ini", "start-time-option", "seed-ini"],
)
def test_invalid_setting_is_usage_error(pytester, arguments, ini, message):
    pytester.makefile(".ini", pytest="[pytest]\n" + ini)
    pytester.makepyfile("def test_nothing():\n    pass\n")

    result = run(pytester, *arguments)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


# Strict mode -------------------------------------------------------------------

MISSING_ROLE = """
import boto3


def test_missing_role(firehose):
    boto3.client("s3").create_bucket(Bucket="events-bucket")
    client = boto3.client("firehose")
    client.create_delivery_stream(
        DeliveryStreamName="events",
        ExtendedS3DestinationConfiguration={
            "RoleARN": "arn:aws:iam::123456789012:role/missing",
            "BucketARN": "arn:aws:s3:::events-bucket",
        },
    )
    client.put_record(DeliveryStreamName="events", Record={"Data": b"x"})
    firehose.flush()
"""


def test_strict_option_turns_fidelity_warning_into_error(pytester):
    pytester.makepyfile(MISSING_ROLE)

    result = run(pytester, "--firehose-strict")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            (
                "E       emulator.errors.FidelityWarning: delivery stream events: the role "
                "arn:aws:iam::123456789012:role/missing does not exist in IAM; *"
            )
        ]
    )


def test_strict_ini_key_turns_fidelity_warning_into_error(pytester):
    pytester.makefile(".ini", pytest="[pytest]\nfirehose_strict = true\n")
    pytester.makepyfile(MISSING_ROLE)

    result = run(pytester)

    result.assert_outcomes(failed=1)


def test_without_strict_fidelity_warning_only_warns(pytester):
    pytester.makepyfile(MISSING_ROLE)

    result = run(pytester)

    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["*FidelityWarning: delivery stream events: the role*"])


# pytest-xdist ----------------------------------------------------------------


def test_xdist_two_workers_run_fixture_tests(pytester, monkeypatch):
    pytester.makepyfile(
        """
        import boto3
        import pytest


        @pytest.mark.parametrize("n", range(6))
        @pytest.mark.firehose_stream("events", bucket="events-bucket")
        def test_worker(firehose, n):
            boto3.client("firehose").put_record(
                DeliveryStreamName="events", Record={"Data": b"%d" % n}
            )
            firehose.flush()
            firehose.assert_delivered("events", objects=1, records=1, contains=str(n))
        """
    )

    result = run_subprocess(pytester, monkeypatch, "-n", "2")

    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["created: 2/2 workers*"])
