"""Every bundled scenario replays green, twice, with byte-identical objects and keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.scenario import load_scenario, run_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
BUNDLED = sorted(
    path for path in SCENARIOS.rglob("*.yaml") if "transforms" not in path.parts
)


def test_bundled_scenarios_found():
    names = {path.name for path in BUNDLED}

    assert {
        "vascular-inbox-events.yaml",
        "vascular-inbox-events-gzip.yaml",
        "vascular-partitioned.yaml",
        "key-layout.yaml",
    } <= names


@pytest.mark.parametrize("path", BUNDLED, ids=[path.stem for path in BUNDLED])
def test_bundled_scenario_twice_identical_objects(path):
    first = run_scenario(load_scenario(path))
    second = run_scenario(load_scenario(path))

    assert first.passed, [check.label for check in first.failed_checks]
    assert second.passed
    assert first.objects, "the scenario delivered no object"
    assert [(o.key, o.raw) for o in first.objects] == [
        (o.key, o.raw) for o in second.objects
    ]
