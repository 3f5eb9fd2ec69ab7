"""Reading what was delivered: objects, records and buffered state, for tests."""

from __future__ import annotations

__all__ = ["InspectionMixin"]


class InspectionMixin:
    """Test helpers that ``FirehoseEmulator`` offers on top of the engine."""
