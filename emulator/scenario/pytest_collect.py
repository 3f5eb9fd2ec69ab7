"""Collect scenario files as pytest test items.

Register this module as a plugin (``-p emulator.scenario.pytest_collect``, or
``pytest_plugins`` in a conftest) and list file name patterns in the ini
option ``firehose_scenarios``, for example ``firehose_scenarios =
scenario_*.yaml``. Each matching file becomes one test item. A failed
expectation is reported with the expected value beside the found one, and a
malformed file with its line and fix.
"""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest

__all__ = ["ScenarioFailed", "ScenarioFile", "ScenarioItem"]

INI_OPTION = "firehose_scenarios"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        INI_OPTION,
        "file name patterns of scenario files to collect as tests (none by default)",
        type="args",
        default=[],
    )


def pytest_collect_file(
    file_path: Path, parent: pytest.Collector
) -> pytest.File | None:
    patterns = parent.config.getini(INI_OPTION)
    if any(fnmatch(file_path.name, pattern) for pattern in patterns):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFailed(Exception):
    """A scenario ran, and an expectation failed or the run stopped."""

    def __init__(self, result: Any):
        self.result = result
        super().__init__(result.scenario.file)


class ScenarioFile(pytest.File):
    """A scenario file, collected as one item named after the scenario."""

    def collect(self) -> list[ScenarioItem]:
        return [ScenarioItem.from_parent(self, name=self.path.stem)]


class ScenarioItem(pytest.Item):
    """One scenario run; it fails when an expectation fails or the file is malformed."""

    def runtest(self) -> None:
        from emulator.scenario import load_scenario, run_scenario

        result = run_scenario(load_scenario(self.path))
        if not result.passed:
            raise ScenarioFailed(result)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> Any:
        from emulator.scenario.errors import ScenarioFormatError
        from emulator.scenario.render import render_result

        if isinstance(excinfo.value, ScenarioFailed):
            return "\n".join(render_result(excinfo.value.result))
        if isinstance(excinfo.value, ScenarioFormatError):
            return f"malformed scenario: {excinfo.value}"
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario {self.path.name}"
