"""Tests of collecting scenario files as pytest items."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INI = "[pytest]\nfirehose_scenarios = scenario_*.yaml\n"


def _project(pytester) -> Path:
    pytester.makeini(INI)
    shutil.copytree(ROOT / "scenarios" / "vascular", pytester.path / "vascular")
    target = pytester.path / "scenario_vascular.yaml"
    shutil.copy(ROOT / "scenarios" / "vascular-inbox-events.yaml", target)
    return target


def test_collect_scenario_passing_item(pytester):
    _project(pytester)

    result = pytester.runpytest("-p", "emulator.scenario.pytest_collect", "-v")

    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*scenario_vascular.yaml::scenario_vascular PASSED*"])


def test_collect_scenario_failure_shows_difference(pytester):
    target = _project(pytester)
    target.write_text(
        target.read_text().replace("record_count: 6000", "record_count: 5999")
    )

    result = pytester.runpytest("-p", "emulator.scenario.pytest_collect")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*FAILED *scenario_vascular.yaml:*: records (lines) in s3://vascular-inbox-events",
            "*record_count  5999      6000*",
        ]
    )


def test_collect_malformed_scenario_names_line(pytester):
    pytester.makeini(INI)
    pytester.path.joinpath("scenario_bad.yaml").write_text(
        "version: 1\nsteps:\n  - nap: 1\n"
    )

    result = pytester.runpytest("-p", "emulator.scenario.pytest_collect")

    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*malformed scenario: *scenario_bad.yaml:3: steps[[]0[]]: unknown step 'nap'*"]
    )


def test_collect_without_patterns_ignores_yaml(pytester):
    pytester.path.joinpath("scenario_vascular.yaml").write_text("version: 1\n")

    result = pytester.runpytest("-p", "emulator.scenario.pytest_collect")

    result.assert_outcomes()
    assert result.ret == 5  # pytest's exit status when no tests were collected
