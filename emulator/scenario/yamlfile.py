"""Parse YAML and keep the line of every field, for error messages and ``--update``.

PyYAML composes a node tree in which each node carries its start and end
marks. The tree is indexed by path (``("steps", 2, "put", "stream")``) before
it is turned into Python objects, so a check of the data can name the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from emulator.scenario.errors import ScenarioFormatError

__all__ = ["LineIndex", "Path", "Span", "format_path", "parse_yaml"]

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Span:
    """Position of a value in the text: 1-based line, and character offsets."""

    line: int
    start: int
    end: int
    scalar: bool


@dataclass
class LineIndex:
    """The position of each value and each mapping key of a YAML document, by path."""

    values: dict[Path, Span] = field(default_factory=dict)
    keys: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int | None:
        """Return the line of the value at ``path``, or of its nearest parent."""
        path = tuple(path)
        while path:
            if path in self.values:
                return self.values[path].line
            path = path[:-1]
        span = self.values.get(())
        return span.line if span else None

    def key_line(self, path: Path) -> int | None:
        """Return the line of the mapping key that ends ``path``, or the value's line."""
        path = tuple(path)
        if path in self.keys:
            return self.keys[path]
        return self.line(path)


def format_path(path: Path) -> str:
    """Format a path as a reader would write it: ``steps[2].put.stream``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _span(node: yaml.Node) -> Span:
    return Span(
        line=node.start_mark.line + 1,
        start=node.start_mark.index,
        end=node.end_mark.index,
        scalar=isinstance(node, yaml.ScalarNode),
    )


def _index(
    node: yaml.Node,
    path: Path,
    index: LineIndex,
    file: str,
    visited: set[int] | None = None,
) -> None:
    if visited is None:
        visited = set()
    index.values[path] = _span(node)
    if id(node) in visited:
        # An alias of a node indexed already: its lines are known, and walking
        # it again for every alias would take exponential time.
        return
    visited.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            _index(item, path + (position,), index, file, visited)
    elif isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = (
                key_node.value
                if isinstance(key_node, yaml.ScalarNode)
                else str(key_node)
            )
            if key == "<<":
                continue
            if key in seen:
                raise ScenarioFormatError(
                    file,
                    key_node.start_mark.line + 1,
                    format_path(path + (key,)),
                    f"the field {key!r} is given twice in the same mapping",
                    "keep one of the two; YAML would silently use the last one",
                )
            seen.add(key)
            index.keys[path + (key,)] = key_node.start_mark.line + 1
            _index(value_node, path + (key,), index, file, visited)


# A scenario is small; a document that expands past this many values through
# YAML aliases is rejected before anything walks it.
MAX_EXPANDED_VALUES = 1_000_000


def _check_expanded_size(data: Any, file: str) -> None:
    """Reject a document whose aliases expand it past ``MAX_EXPANDED_VALUES``."""
    pending = [data]
    count = 0
    while pending:
        value = pending.pop()
        count += 1
        if count > MAX_EXPANDED_VALUES:
            raise ScenarioFormatError(
                file,
                None,
                "",
                f"invalid YAML: the document expands to more than "
                f"{MAX_EXPANDED_VALUES:,} values through its aliases",
                "write the values out, or use fewer nested aliases (*name)",
            )
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)


def parse_yaml(text: str, file: str) -> tuple[Any, LineIndex]:
    """Parse one YAML document and return its data and line index.

    :raises ScenarioFormatError: on a YAML syntax error, with its line.
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        index = LineIndex()
        if node is None:
            return None, index
        _index(node, (), index, file)
        data = loader.construct_document(node)
        _check_expanded_size(data, file)
    except RecursionError:
        raise ScenarioFormatError(
            file,
            None,
            "",
            "invalid YAML: the document is nested too deeply to read",
            "flatten the nesting: a scenario needs only a few levels",
        ) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = " ".join(part for part in (error.context, error.problem) if part)
        raise ScenarioFormatError(
            file,
            line,
            "",
            f"invalid YAML: {problem}",
            "correct the YAML syntax at that line (indentation, quotes, a missing colon)",
        ) from None
    except yaml.YAMLError as error:
        raise ScenarioFormatError(
            file, None, "", f"invalid YAML: {error}", "correct the YAML syntax"
        ) from None
    finally:
        loader.dispose()
    return data, index
