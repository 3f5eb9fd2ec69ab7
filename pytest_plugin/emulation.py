"""One test's emulator: a sealed AWS environment, the emulator, and quick boto3 sessions.

moto and boto3 are imported inside the functions, when a test requests the
``firehose`` fixture.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import pytest

__all__ = [
    "FAKE_CREDENTIALS",
    "SessionFactory",
    "patch_early_clients",
    "running_emulator",
    "seal_environment",
]

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
# Variables that could point an SDK at real credentials or a real endpoint.
CLEARED_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_CREDENTIAL_EXPIRATION",
)


def seal_environment(patch: pytest.MonkeyPatch, region: str) -> None:
    """Set fake credentials and ``region``, and hide every real profile and endpoint.

    Shared config and credentials files are replaced by the null device, so
    that neither a profile nor an ``endpoint_url`` in them takes effect.
    """
    for name in list(os.environ):
        if name in CLEARED_VARIABLES or name.startswith("AWS_ENDPOINT_URL"):
            patch.delenv(name)
    for name, value in FAKE_CREDENTIALS.items():
        patch.setenv(name, value)
    patch.setenv("AWS_REGION", region)
    patch.setenv("AWS_DEFAULT_REGION", region)
    patch.setenv("AWS_CONFIG_FILE", os.devnull)
    patch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    patch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    patch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def patch_early_clients() -> int:
    """Make moto intercept boto3 clients that were created before moto was imported.

    moto adds its request handler to botocore's built-in handlers when it is
    imported, so a client created earlier, such as one made at import time by
    the code under test, would otherwise send its requests to AWS. Returns how
    many clients were patched.
    """
    import gc

    from botocore.client import BaseClient
    from moto.core import patch_client

    clients = [obj for obj in gc.get_objects() if isinstance(obj, BaseClient)]
    for client in clients:
        patch_client(client)
    return len(clients)


class SessionFactory:
    """Makes fresh boto3 sessions that share one botocore loader.

    Each test gets its own session (credentials, event handlers, clients),
    but the service models and endpoint rules, which botocore parses from
    JSON for every new session, are read only once per pytest run.
    """

    def __init__(self) -> None:
        self._loader: Any = None
        self.early_clients_patched = False

    def new_session(self) -> Any:
        """Return a new ``boto3.Session`` that uses the shared loader."""
        import boto3
        import botocore.session

        core = botocore.session.Session()
        if self._loader is None:
            self._loader = core.get_component("data_loader")
        else:
            core.register_component("data_loader", self._loader)
        session = boto3.Session(botocore_session=core)
        # boto3.Session appends its own data directory to the loader's search
        # path each time; keep one copy of each entry.
        paths = self._loader.search_paths
        paths[:] = list(dict.fromkeys(paths))
        return session


@contextlib.contextmanager
def _default_session(session: Any) -> Iterator[None]:
    import boto3

    previous = boto3.DEFAULT_SESSION
    boto3.DEFAULT_SESSION = session
    try:
        yield
    finally:
        boto3.DEFAULT_SESSION = previous


@contextlib.contextmanager
def running_emulator(
    *,
    start_time: Any,
    region: str,
    account_id: str,
    seed: int | None,
    settings: Any,
    sessions: SessionFactory,
) -> Iterator[Any]:
    """Run a ``FirehoseEmulator`` on a manual clock in a sealed environment.

    When the emulator starts moto's mock itself, ``boto3.DEFAULT_SESSION`` is
    a new session from ``sessions`` until it stops. Inside a ``mock_aws``
    that the test started, the session is left alone.
    """
    from emulator import moto_glue
    from emulator.clock import ManualClock
    from emulator.core import FirehoseEmulator

    with pytest.MonkeyPatch.context() as patch:
        seal_environment(patch, region)
        owns_mock = not moto_glue.mock_active()
        emulator = FirehoseEmulator(
            clock=ManualClock(start_time),
            seed=seed,
            account_id=account_id,
            region=region,
            settings=settings,
        )
        emulator.start()
        if not sessions.early_clients_patched:
            patch_early_clients()
            sessions.early_clients_patched = True
        try:
            if owns_mock:
                with _default_session(sessions.new_session()):
                    yield emulator
            else:
                yield emulator
        finally:
            emulator.stop()
