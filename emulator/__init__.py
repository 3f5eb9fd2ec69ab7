"""firehose-emulator: Amazon Data Firehose delivery to Amazon S3, emulated on moto."""

from __future__ import annotations

import logging

from emulator.clock import ManualClock, SystemClock
from emulator.errors import ConfigurationError, EmulatorError, FidelityWarning

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "ConfigurationError",
    "EmulatorError",
    "FidelityWarning",
    "FirehoseEmulator",
    "ManualClock",
    "SystemClock",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # FirehoseEmulator imports moto, so it loads on first use only.
    if name == "FirehoseEmulator":
        from emulator.core import FirehoseEmulator

        return FirehoseEmulator
    raise AttributeError(f"module 'emulator' has no attribute {name!r}")
