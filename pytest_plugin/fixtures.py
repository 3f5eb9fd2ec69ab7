"""Fixtures of the firehose plugin.

The emulator, moto and boto3 are imported inside the fixtures, so that a run
that never uses them does not pay for the imports.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_plugin.emulation import SessionFactory, running_emulator
from pytest_plugin.marker import (
    MARKER,
    MarkerError,
    StreamSpec,
    create_streams,
    parse_marker,
)
from pytest_plugin.options import settings_of

__all__ = [
    "firehose",
    "firehose_account_id",
    "firehose_region",
    "firehose_seed",
    "firehose_server",
    "firehose_server_session",
    "firehose_settings",
    "firehose_start_time",
]

SESSIONS_KEY = pytest.StashKey[SessionFactory]()


@pytest.fixture(scope="session")
def firehose_start_time(pytestconfig: pytest.Config) -> str:
    """Start time of the manual clock (ISO 8601); override this fixture to change it."""
    return settings_of(pytestconfig)["start_time"].value


@pytest.fixture(scope="session")
def firehose_region(pytestconfig: pytest.Config) -> str:
    """AWS region set for the test; override this fixture to change it."""
    return settings_of(pytestconfig)["region"].value


@pytest.fixture(scope="session")
def firehose_account_id(pytestconfig: pytest.Config) -> str:
    """12-digit account the emulator acts in; override this fixture to change it."""
    return settings_of(pytestconfig)["account_id"].value


@pytest.fixture(scope="session")
def firehose_seed(pytestconfig: pytest.Config) -> int | None:
    """Seed for the random parts of object keys, or None; override this fixture to change it."""
    return settings_of(pytestconfig)["seed"].value


@pytest.fixture
def firehose_settings() -> Any:
    """``emulator.runtime.Settings`` for the emulator, or None for the defaults.

    Override it to change behaviours such as ``iam_mode``.
    """
    return None


def _sessions(config: pytest.Config) -> SessionFactory:
    factory = config.stash.get(SESSIONS_KEY, None)
    if factory is None:
        factory = config.stash[SESSIONS_KEY] = SessionFactory()
    return factory


@pytest.fixture
def firehose(
    pytestconfig: pytest.Config,
    firehose_start_time: str,
    firehose_region: str,
    firehose_account_id: str,
    firehose_seed: int | None,
    firehose_settings: Any,
) -> Iterator[Any]:
    """A started ``FirehoseEmulator`` on a manual clock, fresh for each test.

    moto's ``mock_aws`` is active and the environment contains fake credentials
    and the region for the test's duration, so boto3 clients made in the
    test reach the emulator and never AWS.
    """
    with running_emulator(
        start_time=firehose_start_time,
        region=firehose_region,
        account_id=firehose_account_id,
        seed=firehose_seed,
        settings=firehose_settings,
        sessions=_sessions(pytestconfig),
    ) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def firehose_server_session(
    firehose_start_time: str,
    firehose_region: str,
    firehose_account_id: str,
    firehose_seed: int | None,
) -> Iterator[Any]:
    """``firehose-emulator serve`` started once per session (per worker under xdist).

    It listens on 127.0.0.1 and a free port, on a manual clock. Tests should
    use ``firehose_server``, which resets it first.
    """
    from pytest_plugin.server import start_server

    server = start_server(
        start_time=firehose_start_time,
        region=firehose_region,
        account_id=firehose_account_id,
        seed=firehose_seed,
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def firehose_server(firehose_server_session: Any) -> Any:
    """The session's server, reset: no stream, bucket or record of an earlier test remains.

    Point emitters at ``firehose_server.endpoint_url``, or start them with
    ``env=firehose_server.env``.
    """
    firehose_server_session.reset()
    return firehose_server_session


def stream_specs(item: pytest.Item) -> list[StreamSpec]:
    """Parse the ``firehose_stream`` markers of a test, the closest first.

    A marker for a stream name that a closer marker already gives is skipped.
    """
    specs = []
    names = set()
    for mark in item.iter_markers(MARKER):
        spec = parse_marker(mark, search_dirs(item))
        if spec.name not in names:
            names.add(spec.name)
            specs.append(spec)
    return specs


def search_dirs(node: Any) -> list[Path]:
    """Return the directories searched for a relative ``config`` path, in order."""
    return [Path(node.path).parent, Path(node.config.rootpath)]


@pytest.fixture(autouse=True)
def _firehose_stream_marker(request: pytest.FixtureRequest) -> None:
    """Create the streams of ``firehose_stream`` markers, with the ``firehose`` fixture."""
    node = request.node
    if node.get_closest_marker(MARKER) is None:
        return
    problem = None
    try:
        specs = stream_specs(node)
    except MarkerError as error:
        problem = str(error)
    # Failing outside the except block keeps the MarkerError out of the report.
    if problem is not None:
        pytest.fail(
            f"invalid {MARKER} marker on {node.nodeid}: {problem}", pytrace=False
        )
    create_streams(request.getfixturevalue("firehose"), specs)
