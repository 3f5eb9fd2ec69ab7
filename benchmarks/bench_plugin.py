"""Benchmark the ``firehose`` fixture against a bare moto ``mock_aws`` fixture.

Writes a throwaway project with the same trivial test, parametrized into a
hundred cases, once with the ``firehose`` fixture and once with a fixture that
only sets a region and enters ``mock_aws``. Each test creates a bucket and a
delivery stream and puts one record through boto3. Both run through pytest in
subprocesses, in alternating rounds, and the median of each is printed with
the ratio (target: below 1.2x).

Two times are given: the test loop (every set-up, call and tear-down, measured
inside pytest) and the whole subprocess (interpreter start, imports,
collection).

Run: ``python benchmarks/bench_plugin.py [--cases 100] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

CONFTEST = """
import json
import os
import time

import pytest
from moto import mock_aws


@pytest.fixture
def bare_mock_aws(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session):
    started = time.perf_counter()
    try:
        return (yield)
    finally:
        elapsed = time.perf_counter() - started
        with open(os.environ["BENCH_RESULT"], "w") as result:
            json.dump({"loop_seconds": elapsed}, result)
"""

TEST_TEMPLATE = """
import boto3
import pytest


@pytest.mark.parametrize("case", range({cases}))
def test_put_record(case, {fixture}):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="bench-bucket")
    client = boto3.client("firehose")
    client.create_delivery_stream(
        DeliveryStreamName="bench",
        ExtendedS3DestinationConfiguration={{
            "RoleARN": "arn:aws:iam::123456789012:role/bench",
            "BucketARN": "arn:aws:s3:::bench-bucket",
        }},
    )
    response = client.put_record(
        DeliveryStreamName="bench", Record={{"Data": b'{{"case": %d}}\\n' % case}}
    )
    assert response["RecordId"]
"""

VARIANTS = {"bare mock_aws": "bare_mock_aws", "firehose": "firehose"}


def write_project(directory: Path, cases: int) -> None:
    """Write the conftest and one test module per fixture."""
    (directory / "conftest.py").write_text(textwrap.dedent(CONFTEST))
    for fixture in VARIANTS.values():
        module = TEST_TEMPLATE.format(cases=cases, fixture=fixture)
        (directory / f"test_{fixture}.py").write_text(module)


def run_once(directory: Path, fixture: str) -> tuple[float, float]:
    """Run one module through pytest; return the loop time and the wall time in seconds."""
    result_path = directory / f"result-{fixture}.json"
    environment = {
        **os.environ,
        "BENCH_RESULT": str(result_path),
        "PYTHONPATH": str(PROJECT_ROOT),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command.append(f"test_{fixture}.py")
    started = time.perf_counter()
    completed = subprocess.run(
        command,
        cwd=directory,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(
            f"pytest failed for {fixture}:\n{completed.stdout}\n{completed.stderr}"
        )
    loop = json.loads(result_path.read_text())["loop_seconds"]
    return loop, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100, help="test cases per run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each variant")
    arguments = parser.parse_args()
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in VARIANTS}
    with tempfile.TemporaryDirectory(prefix="bench-plugin-") as temporary:
        directory = Path(temporary)
        write_project(directory, arguments.cases)
        for _ in range(arguments.rounds):
            for name, fixture in VARIANTS.items():
                timings[name].append(run_once(directory, fixture))
    loops = {
        name: statistics.median(t[0] for t in runs) for name, runs in timings.items()
    }
    walls = {
        name: statistics.median(t[1] for t in runs) for name, runs in timings.items()
    }
    print(f"{arguments.cases} cases, median of {arguments.rounds} runs each")
    for name in VARIANTS:
        per_case = loops[name] / arguments.cases * 1000
        print(
            f"  {name:14}: test loop {loops[name]:6.2f} s ({per_case:5.1f} ms a case), "
            f"whole run {walls[name]:6.2f} s"
        )
    loop_ratio = loops["firehose"] / loops["bare mock_aws"]
    wall_ratio = walls["firehose"] / walls["bare mock_aws"]
    print(
        f"  ratio firehose / bare mock_aws: test loop {loop_ratio:.2f}x (target < 1.2x), "
        f"whole run {wall_ratio:.2f}x"
    )


if __name__ == "__main__":
    main()
