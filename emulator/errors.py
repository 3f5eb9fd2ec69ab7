"""Errors: the AWS errors returned to API callers, and the emulator's own.

AWS errors subclass moto's ``FirehoseException`` so that moto serialises them
the way AWS does (a JSON body with ``__type`` and ``message``, HTTP 400), both
under ``mock_aws`` and in the server. They load on first use, so that
``import emulator`` (which the pytest plugin does in every test run) does not
import moto.
"""

from __future__ import annotations

from typing import Any

_MOTO_ERRORS = (
    "ConcurrentModificationException",
    "FirehoseException",
    "InvalidArgumentException",
    "LimitExceededException",
    "ResourceInUseException",
    "ResourceNotFoundException",
    "ValidationException",
)
_loaded: dict[str, Any] = {}

__all__ = [
    "ConcurrentModificationException",
    "ConfigurationError",
    "EmulatorError",
    "FidelityWarning",
    "FirehoseException",
    "InvalidArgumentException",
    "LimitExceededException",
    "ResourceInUseException",
    "ResourceNotFoundException",
    "ServiceUnavailableException",
    "ValidationException",
    "validation_message",
]


def validation_message(path: str, value: object, constraint: str) -> str:
    """Format one model-constraint violation the way AWS words it.

    AWS writes ``1 validation error detected: Value 'X' at 'a.b' failed to
    satisfy constraint: Member must ...``.
    """
    return (
        f"1 validation error detected: Value '{value}' at '{path}' "
        f"failed to satisfy constraint: {constraint}"
    )


class EmulatorError(Exception):
    """Base class of the emulator's own errors (not AWS API errors)."""


class ConfigurationError(EmulatorError):
    """A configuration or scenario file, option or argument is invalid."""


class FidelityWarning(UserWarning):
    """The caller reached a place where the emulator knowingly differs from AWS."""


def _service_unavailable_class() -> type:
    from moto.firehose.exceptions import FirehoseException

    class ServiceUnavailableException(FirehoseException):
        """The service is unavailable; AWS returns it when a stream is throttled."""

        def __init__(self, message: str = "Slow down."):
            super().__init__("ServiceUnavailableException", message)

    ServiceUnavailableException.__module__ = __name__
    return ServiceUnavailableException


def __getattr__(name: str) -> Any:
    if name in _loaded:
        return _loaded[name]
    if name in _MOTO_ERRORS:
        from moto.firehose import exceptions

        _loaded[name] = getattr(exceptions, name)
    elif name == "ServiceUnavailableException":
        _loaded[name] = _service_unavailable_class()
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _loaded[name]
