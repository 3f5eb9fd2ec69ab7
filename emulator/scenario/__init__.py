"""Scenario files: infrastructure, a timeline of puts and clock moves, and expectations.

``load_scenario`` reads and checks a file (format version 1, described in
``docs/scenarios.md`` and ``emulator/schemas/scenario-v1.json``), and
``run_scenario`` plays it on a fresh emulator with a manual clock.
"""

from __future__ import annotations

from emulator.scenario.errors import ScenarioFormatError, ScenarioRunError
from emulator.scenario.loader import load_scenario
from emulator.scenario.model import Scenario
from emulator.scenario.runner import ScenarioResult, run_scenario

__all__ = [
    "Scenario",
    "ScenarioFormatError",
    "ScenarioResult",
    "ScenarioRunError",
    "load_scenario",
    "run_scenario",
]
