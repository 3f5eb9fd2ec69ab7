"""Errors: the AWS errors returned to API callers, and the emulator's own.

AWS errors subclass moto's ``FirehoseException`` so that moto serialises them
the way AWS does (a JSON body with ``__type`` and ``message``, HTTP 400), both
under ``mock_aws`` and in the server.
"""

from __future__ import annotations

from moto.firehose.exceptions import (
    ConcurrentModificationException,
    FirehoseException,
    InvalidArgumentException,
    LimitExceededException,
    ResourceInUseException,
    ResourceNotFoundException,
    ValidationException,
)

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


class ServiceUnavailableException(FirehoseException):
    """The service is unavailable; AWS returns it when a stream is throttled."""

    def __init__(self, message: str = "Slow down."):
        super().__init__("ServiceUnavailableException", message)


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
