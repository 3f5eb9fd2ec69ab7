"""Injected faults and per-stream quotas, off unless a test asks for them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emulator.runtime import Runtime
    from emulator.stream import StreamRuntime

__all__ = ["admit"]


def admit(
    stream: StreamRuntime, datas: list[bytes], runtime: Runtime
) -> list[tuple[str, str] | None]:
    """Return, for each record of a put, ``None`` to accept it or ``(code, message)``."""
    return [None] * len(datas)
