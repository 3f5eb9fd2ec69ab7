"""The parsed form of a scenario: validated data plus where each part came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

from emulator.scenario.yamlfile import LineIndex, Path

__all__ = ["PolicySpec", "RoleSpec", "Scenario", "Step", "StreamSpec"]


@dataclass
class Step:
    """One step of the timeline: its kind (``put``, ``advance``...) and its body."""

    kind: str
    body: Any
    path: Path
    line: int | None

    def describe(self) -> str:
        """Return a one-line description, such as ``put 6000 records to NAME``."""
        from emulator.scenario.describe import describe_step

        return describe_step(self)


@dataclass
class StreamSpec:
    """A CreateDeliveryStream input, with the file it came from when it came from one."""

    request: dict[str, Any]
    path: Path
    line: int | None
    source: str | None = None

    @property
    def name(self) -> str:
        return self.request["DeliveryStreamName"]


@dataclass
class RoleSpec:
    """An IAM role to create, with its trust policy, inline and managed policies."""

    name: str
    trust_policy: dict[str, Any]
    policies: list[tuple[str, dict[str, Any]]]
    path: Path
    line: int | None
    managed_policies: list[str] = field(default_factory=list)


@dataclass
class PolicySpec:
    """A customer managed IAM policy to create (CreatePolicy)."""

    name: str
    document: dict[str, Any]
    iam_path: str
    path: Path
    line: int | None


@dataclass
class Scenario:
    """A validated scenario file."""

    file: str
    name: str
    description: str
    account: str
    region: str
    start: float
    seed: int
    buckets: list[str]
    roles: list[RoleSpec]
    streams: list[StreamSpec]
    transforms: list[tuple[str, str]]
    log_groups: list[tuple[str, list[str]]]
    settings: dict[str, Any]
    steps: list[Step]
    base_dir: FilePath
    index: LineIndex
    text: str
    data: dict[str, Any] = field(repr=False, default_factory=dict)
    policies: list[PolicySpec] = field(default_factory=list)

    def stream_names(self) -> list[str]:
        return [stream.name for stream in self.streams]
