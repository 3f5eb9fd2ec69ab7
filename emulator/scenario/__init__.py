"""Scenario files: infrastructure, a timeline of puts and clock moves, and expectations.

``load_scenario`` reads and checks a file (format version 1, described in
``docs/scenarios.md`` and ``emulator/schemas/scenario-v1.json``), and
``run_scenario`` plays it on a fresh emulator with a manual clock. The names
load on first use, so that the pytest collection hook in
``emulator.scenario.pytest_collect`` stays cheap to import.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "Scenario",
    "ScenarioFormatError",
    "ScenarioResult",
    "ScenarioRunError",
    "load_scenario",
    "run_scenario",
]

_HOMES = {
    "Scenario": "emulator.scenario.model",
    "ScenarioFormatError": "emulator.scenario.errors",
    "ScenarioResult": "emulator.scenario.runner",
    "ScenarioRunError": "emulator.scenario.errors",
    "load_scenario": "emulator.scenario.loader",
    "run_scenario": "emulator.scenario.runner",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
