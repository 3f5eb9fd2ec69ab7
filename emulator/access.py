"""Checks that the delivery role may write an object, in the configured IAM mode."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emulator.runtime import Runtime
    from emulator.stream import StreamRuntime

logger = logging.getLogger(__name__)

__all__ = ["check_delivery"]


def check_delivery(
    stream: StreamRuntime,
    destination: dict[str, Any],
    bucket: str,
    key: str,
    runtime: Runtime,
) -> None:
    """Raise ``DeliveryError("S3.AccessDenied")`` when the role may not write the object."""
    return None
