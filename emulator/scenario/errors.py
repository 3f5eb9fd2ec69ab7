"""Errors of scenario files: a malformed file, and a scenario that could not run."""

from __future__ import annotations

from emulator.errors import ConfigurationError

__all__ = ["ScenarioFormatError", "ScenarioRunError"]


class ScenarioFormatError(ConfigurationError):
    """A scenario file is malformed: bad YAML, an unknown field, or an invalid value.

    The message names the file, the line, the field, the value and the fix,
    as ``FILE:LINE: FIELD: PROBLEM. Fix: HOW``.
    """

    def __init__(
        self,
        file: str,
        line: int | None,
        field: str,
        problem: str,
        fix: str,
    ):
        self.file = file
        self.line = line
        self.field = field
        self.problem = problem
        self.fix = fix
        where = f"{file}:{line}" if line is not None else file
        subject = f"{field}: " if field else ""
        super().__init__(f"{where}: {subject}{problem}. Fix: {fix}")


class ScenarioRunError(ConfigurationError):
    """A scenario step could not run, for example because AWS rejected a setup call."""

    def __init__(self, file: str, line: int | None, step: str, message: str):
        self.file = file
        self.line = line
        self.step = step
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {step}: {message}")
