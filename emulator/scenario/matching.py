"""Small matchers shared by expectations: counts and ranges, JSON subsets."""

from __future__ import annotations

from typing import Any

__all__ = ["count_matches", "describe_count", "is_subset", "subset_difference"]


def count_matches(expected: Any, found: int) -> bool:
    """Return whether ``found`` equals an exact count or lies in a ``{min, max}`` range."""
    if isinstance(expected, dict):
        return expected.get("min", 0) <= found <= expected.get("max", float("inf"))
    return found == expected


def describe_count(expected: Any) -> str:
    """Format an expected count: ``42``, ``at least 1``, ``between 2 and 5``."""
    if not isinstance(expected, dict):
        return str(expected)
    low, high = expected.get("min"), expected.get("max")
    if low is not None and high is not None:
        return f"between {low} and {high}"
    if low is not None:
        return f"at least {low}"
    if high is not None:
        return f"at most {high}"
    return "any number"


def _same_scalar(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    return expected == actual


def subset_difference(expected: Any, actual: Any, path: str = "") -> str | None:
    """Return where ``actual`` differs from the subset ``expected``, or None when it matches.

    Mappings match when every expected key is present and matches. Lists match
    element by element and must have the same length. Other values must be
    equal, and ``true`` never equals ``1``.
    """
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{path or 'record'}: expected a mapping, found {actual!r}"
        for key, value in expected.items():
            where = f"{path}.{key}" if path else key
            if key not in actual:
                return f"{where}: missing"
            difference = subset_difference(value, actual[key], where)
            if difference:
                return difference
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return f"{path or 'record'}: expected {expected!r}, found {actual!r}"
        for position, (item, found) in enumerate(zip(expected, actual, strict=True)):
            difference = subset_difference(item, found, f"{path}[{position}]")
            if difference:
                return difference
        return None
    if not _same_scalar(expected, actual):
        return f"{path or 'record'}: expected {expected!r}, found {actual!r}"
    return None


def is_subset(expected: Any, actual: Any) -> bool:
    """Return whether ``actual`` contains ``expected`` as ``subset_difference`` defines it."""
    return subset_difference(expected, actual) is None
