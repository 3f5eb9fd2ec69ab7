"""jq queries for dynamic partitioning: compilation and static reading of keys.

Queries run on the real jq through the ``jq`` package. AWS names its engine
JQ-1.6, while the package (1.13.0 here) bundles a jq 1.7 release, so output can
differ from AWS in corner cases that changed between the two jq versions.

A ``MetadataExtractionQuery`` such as ``{customer_id: .customer_id, year:
.ts|strftime("%Y")}`` builds one JSON object whose keys name the
``!{partitionKeyFromQuery:KEY}`` expressions of the prefix. The keys are read
from the query text, without running it, so that a configuration can be
checked before any record arrives.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import jq

__all__ = ["QuerySyntaxError", "compile_query", "object_keys"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*")
_CLOSING = {"(": ")", "[": "]", "{": "}"}


class QuerySyntaxError(ValueError):
    """The query is not one jq object construction whose keys can be read."""


@functools.lru_cache(maxsize=256)
def compile_query(query: str) -> Any:
    """Compile a jq program once per query text.

    :raises ValueError: jq rejects the program; the message is jq's own.
    """
    return jq.compile(query)


def object_keys(query: str) -> set[str]:
    """Return the literal top-level keys of a jq object-construction query.

    Keys written as identifiers (``{a: .x}``), string literals (``{"a-b": .x}``)
    and the shorthands ``{a}``, ``{"a"}`` and ``{$a}`` are returned. A key
    computed at run time (``{(.k): .v}``) cannot be known from the text and is
    left out.

    :raises QuerySyntaxError: the query is not a single ``{...}`` construction.
    """
    text = _strip_comments(query).strip()
    if not text.startswith("{"):
        raise QuerySyntaxError("the query must be one object construction {...}")
    end = _skip_group(text, 0)
    if text[end:].strip():
        raise QuerySyntaxError("the query must be one object construction {...}")

    keys: set[str] = set()
    for entry in _split_top_level(text[1 : end - 1], ","):
        key = _entry_key(entry.strip())
        if key is not None:
            keys.add(key)
    return keys


def _entry_key(entry: str) -> str | None:
    """Return the literal key of one ``key: value`` entry, or None when computed."""
    if not entry:
        return None
    key_text = _split_top_level(entry, ":", limit=1)[0].strip()
    if key_text.startswith("$"):
        return key_text[1:]
    if key_text.startswith('"'):
        if "\\(" in key_text:
            return None  # string interpolation: the key depends on the input
        try:
            return json.loads(key_text)
        except json.JSONDecodeError as error:
            raise QuerySyntaxError(f"invalid key {key_text}: {error}") from None
    if _IDENTIFIER.fullmatch(key_text):
        return key_text
    if key_text.startswith("(") or key_text.startswith("@"):
        return None
    raise QuerySyntaxError(f"cannot read the key of {entry!r}")


def _split_top_level(text: str, separator: str, *, limit: int = -1) -> list[str]:
    """Split ``text`` at ``separator`` where it is outside brackets and strings."""
    parts: list[str] = []
    start = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char in _CLOSING:
            index = _skip_group(text, index)
            continue
        if char == '"':
            index = _skip_string(text, index)
            continue
        if char == separator and (limit < 0 or len(parts) < limit):
            parts.append(text[start:index])
            start = index + 1
        index += 1
    parts.append(text[start:])
    return parts


def _skip_group(text: str, index: int) -> int:
    """Return the index just past the bracket group that opens at ``index``."""
    stack = [_CLOSING[text[index]]]
    index += 1
    while stack:
        if index >= len(text):
            raise QuerySyntaxError("unbalanced brackets")
        char = text[index]
        if char == '"':
            index = _skip_string(text, index)
            continue
        if char in _CLOSING:
            stack.append(_CLOSING[char])
        elif char in ")]}":
            if char != stack.pop():
                raise QuerySyntaxError("unbalanced brackets")
        index += 1
    return index


def _skip_string(text: str, index: int) -> int:
    """Return the index just past the string literal that opens at ``index``.

    An interpolation ``\\(...)`` inside the string may hold strings of its own.
    """
    index += 1
    while index < len(text):
        char = text[index]
        if char == "\\" and text[index + 1 : index + 2] == "(":
            index = _skip_group(text, index + 1)
            continue
        if char == "\\":
            index += 2
            continue
        if char == '"':
            return index + 1
        index += 1
    raise QuerySyntaxError("unterminated string literal")


def _strip_comments(query: str) -> str:
    """Remove jq ``#`` comments, which run to the end of the line outside strings."""
    lines = []
    for line in query.splitlines():
        index = 0
        while index < len(line):
            if line[index] == '"':
                try:
                    index = _skip_string(line, index)
                except QuerySyntaxError:
                    break
                continue
            if line[index] == "#":
                line = line[:index]
                break
            index += 1
        lines.append(line)
    return "\n".join(lines)
