"""Everything that touches moto's internals, so that a moto upgrade changes one file.

moto stores each service's backends in a ``BackendDict`` that creates backend
objects of a given class on first use, and both ``mock_aws`` and moto's server
read from that same dictionary. Installing the emulator means pointing the
Firehose dictionary at our subclass and converting backend objects that
already exist, keeping their streams and tags.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from moto.core.models import MockAWS
from moto.firehose import models as firehose_models

from emulator.backend import EmulatedFirehoseBackend

logger = logging.getLogger(__name__)

__all__ = ["install", "mock_active", "start_mock", "uninstall"]

_install_lock = threading.Lock()
_install_count = 0
_original_class: type | None = None


def _convert(target_class: type) -> None:
    backends = firehose_models.firehose_backends
    backends.backend = target_class
    for account_backend in backends.values():
        account_backend.backend = target_class
        for region, old in list(account_backend.items()):
            if type(old) is target_class:
                continue
            new = target_class(region, old.account_id)
            new.delivery_streams = old.delivery_streams
            new.tagger = old.tagger
            account_backend[region] = new


def install() -> None:
    """Make moto use the emulated Firehose backend; calls nest."""
    global _install_count, _original_class
    with _install_lock:
        if _install_count == 0:
            _original_class = firehose_models.firehose_backends.backend
            _convert(EmulatedFirehoseBackend)
            logger.debug("installed the emulated Firehose backend into moto")
        _install_count += 1


def uninstall() -> None:
    """Undo one ``install``; the last one restores moto's own backend."""
    global _install_count
    with _install_lock:
        if _install_count == 0:
            return
        _install_count -= 1
        if _install_count == 0 and _original_class is not None:
            _convert(_original_class)
            logger.debug("restored moto's own Firehose backend")


def mock_active() -> bool:
    """Return whether a ``mock_aws`` is active in this process."""
    return MockAWS._nested_count > 0


def start_mock() -> Any:
    """Start moto's ``mock_aws`` and return it, for the caller to stop."""
    from moto import mock_aws

    mock = mock_aws()
    mock.start()
    return mock


def s3_backend(account_id: str, partition: str = "aws") -> Any:
    """Return moto's S3 backend of an account."""
    from moto.s3.models import s3_backends

    return s3_backends[account_id][partition]


def iam_backend(account_id: str, partition: str = "aws") -> Any:
    """Return moto's IAM backend of an account."""
    from moto.iam.models import iam_backends

    return iam_backends[account_id][partition]


def firehose_backend(account_id: str, region: str) -> EmulatedFirehoseBackend:
    """Return the emulated Firehose backend of an account and region."""
    return firehose_models.firehose_backends[account_id][region]


def _raised_in(error: BaseException, module: str) -> bool:
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_globals.get("__name__") == module:
            return True
        traceback = traceback.tb_next
    return False


def raised_while_parsing(error: BaseException) -> bool:
    """Return whether ``error`` was raised while moto parsed a request against its model."""
    return _raised_in(error, "moto.core.parse")


def server_app() -> Any:
    """Return moto's WSGI application, which serves every AWS API that moto implements."""
    from moto.server import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)
