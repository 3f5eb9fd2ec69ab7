"""Record sources of ``put`` steps: inline records, NDJSON files and generators."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from pathlib import Path as FilePath
from typing import Any

from emulator.scenario.generators import make_generator

__all__ = ["RecordSource", "decode_base64", "encode_inline", "read_ndjson"]


def encode_inline(record: Any) -> bytes:
    """Encode one inline record: a string as written, anything else as one JSON line."""
    if isinstance(record, str):
        return record.encode("utf-8")
    return (
        json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n"
    ).encode("utf-8")


def decode_base64(record: Any) -> bytes:
    """Decode one inline record of a put step with ``encoding: base64``.

    :raises TypeError: when the record is not a string.
    :raises ValueError: when the string is not valid base64.
    """
    if not isinstance(record, str):
        raise TypeError(f"expected a base64 string, got {type(record).__name__}")
    try:
        return base64.b64decode(record, validate=True)
    except binascii.Error as error:
        raise ValueError(f"invalid base64: {error}") from None


def read_ndjson(path: FilePath) -> list[bytes]:
    """Return each non-blank line of a file as one record, ending in a newline."""
    records = []
    for line in path.read_bytes().splitlines(keepends=True):
        if not line.strip():
            continue
        records.append(line if line.endswith(b"\n") else line + b"\n")
    return records


class RecordSource:
    """The records of one ``put`` step, produced batch by batch at the clock's time.

    Generated records are made when their batch is put, so times inside them
    follow the clock when a step spreads its calls with ``over``.
    """

    def __init__(
        self, body: dict[str, Any], base_dir: FilePath, generators: dict[str, Any]
    ):
        self._fixed: list[bytes] | None = None
        self._generator: Any = None
        if "records" in body:
            encode = (
                decode_base64 if body.get("encoding") == "base64" else encode_inline
            )
            self._fixed = [encode(record) for record in body["records"]]
            self.count = len(self._fixed)
        elif "file" in body:
            self._fixed = read_ndjson(base_dir / body["file"])
            self.count = len(self._fixed)
        else:
            spec = body["generate"]
            self._generator = _shared_generator(spec, generators)
            self.count = spec["count"]
        self._offset = 0

    def take(self, count: int, now: Callable[[], float]) -> list[bytes]:
        """Return the next ``count`` records (fewer at the end)."""
        count = min(count, self.count - self._offset)
        if self._fixed is not None:
            batch = self._fixed[self._offset : self._offset + count]
        else:
            batch = self._generator.records(count, now())
        self._offset += count
        return batch


def _shared_generator(spec: dict[str, Any], generators: dict[str, Any]) -> Any:
    # Steps that name the same generator, seed and options continue one sequence.
    options = {k: v for k, v in spec.items() if k not in ("generator", "count", "seed")}
    identity = json.dumps(
        [spec["generator"], spec.get("seed", 0), options], sort_keys=True
    )
    if identity not in generators:
        generators[identity] = make_generator(
            spec["generator"], spec.get("seed", 0), options
        )
    return generators[identity]
