"""pytest plugin of firehose-emulator: fixtures, the ``firehose_stream`` marker and options.

pytest loads it through the ``pytest11`` entry point in every run of every
environment that installs firehose-emulator, so this package imports only
pytest and the standard library. The emulator, moto and boto3 load when a
test first requests a fixture.

Fixtures: ``firehose``, ``firehose_server`` (and ``firehose_server_session``),
and the overridable defaults ``firehose_start_time``, ``firehose_region``,
``firehose_account_id``, ``firehose_seed`` and ``firehose_settings``.
"""

from __future__ import annotations

import pytest

from pytest_plugin import options
from pytest_plugin.fixtures import (
    _firehose_stream_marker as _firehose_stream_marker,  # pytest finds fixtures here
)
from pytest_plugin.fixtures import (
    firehose,
    firehose_account_id,
    firehose_region,
    firehose_seed,
    firehose_server,
    firehose_server_session,
    firehose_settings,
    firehose_start_time,
    search_dirs,
)
from pytest_plugin.marker import MARKER, MarkerError, marker_description, parse_marker

# Scenario files matching the ini option ``firehose_scenarios`` become test
# items; the hook module imports only pytest until a scenario is collected.
pytest_plugins = ["emulator.scenario.pytest_collect"]

__all__ = [
    "firehose",
    "firehose_account_id",
    "firehose_region",
    "firehose_seed",
    "firehose_server",
    "firehose_server_session",
    "firehose_settings",
    "firehose_start_time",
    "pytest_addoption",
    "pytest_configure",
    "pytest_generate_tests",
    "pytest_report_header",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", marker_description())
    options.configure(config)


def pytest_report_header(config: pytest.Config) -> str:
    return options.report_header(config)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Check ``firehose_stream`` markers while collecting, so bad arguments fail early."""
    definition = metafunc.definition
    for mark in definition.iter_markers(MARKER):
        problem = _marker_problem(mark, definition)
        if problem is not None:
            message = f"invalid {MARKER} marker on {definition.nodeid}: {problem}"
            pytest.fail(message, pytrace=False)


def _marker_problem(mark: pytest.Mark, definition: pytest.Function) -> str | None:
    try:
        parse_marker(mark, search_dirs(definition))
    except MarkerError as error:
        return str(error)
    return None
