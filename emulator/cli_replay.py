"""``firehose-emulator replay``: run scenario files and check their expectations.

Exit status: 0 when every expectation holds, 1 when one fails or a scenario
stops (AWS rejected a setup call), 2 when a file is malformed.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from emulator.cli import configure_logging

__all__ = ["replay", "scenario_files"]

EXIT_FAILED = 1
EXIT_MALFORMED = 2
# Wall-clock seconds after which a run or a step counts as long, and gets progress lines.
SLOW_STEP_SECONDS = 2.0


def scenario_files(paths: tuple[str, ...]) -> list[Path]:
    """Expand FILE and DIR arguments: a folder gives its *.yaml and *.yml files, recursively."""
    files: list[Path] = []
    for argument in paths:
        path = Path(argument)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix in (".yaml", ".yml") and p.is_file()
            )
            if not found:
                raise click.UsageError(
                    f"no scenario files (*.yaml, *.yml) found in the folder {argument}"
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise click.UsageError(f"no such file or folder: {argument}")
    return files


class _Progress:
    """Progress lines on standard error as each step starts, on request or in long runs.

    Without ``--progress``, lines start once a scenario has run for
    ``SLOW_STEP_SECONDS``, and a slow step that started before is reported
    when it ends, with its duration.
    """

    def __init__(self, mode: bool | None):
        self.always = mode is True
        self.enabled = mode is not False
        self._run_started: float | None = None
        self._step_started = 0.0
        self._pending: str | None = None

    def __call__(self, position: int, total: int, step: Any) -> None:
        self.finish()
        now = time.perf_counter()
        if self._run_started is None:
            self._run_started = now
        line = f"  [{position + 1}/{total}] line {step.line}: {step.describe()}"
        self._step_started = now
        if self.always or (
            self.enabled and now - self._run_started >= SLOW_STEP_SECONDS
        ):
            click.echo(line, err=True)
        else:
            self._pending = line

    def finish(self) -> None:
        """Report the step that just ended if it was slow and not yet shown."""
        if self._pending is not None and self.enabled:
            elapsed = time.perf_counter() - self._step_started
            if elapsed >= SLOW_STEP_SECONDS:
                click.echo(f"{self._pending} ({elapsed:.1f} s)", err=True)
        self._pending = None


class _WarningPrinter(logging.Handler):
    """Print each Python warning once, as its message text alone.

    The emulator logs most of its warnings before raising them (a
    ``FidelityWarning`` such as an IAM denial), so a warning whose text the log
    already showed is not printed again. As a handler on the root logger, it
    receives exactly the records that pass the ``--log-level``.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.shown: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        self.shown.add(record.getMessage())

    def show(self, message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
        text = str(message)
        if text not in self.shown:
            self.shown.add(text)
            click.echo(f"warning: {text}", err=True)


@contextmanager
def _warnings_printed_once() -> Iterator[None]:
    printer = _WarningPrinter()
    root = logging.getLogger()
    root.addHandler(printer)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = printer.show
            yield
    finally:
        root.removeHandler(printer)


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="FILE|DIR...")
@click.option(
    "--junit-xml",
    "junit_xml",
    type=click.Path(dir_okay=False),
    help="Write a JUnit XML report to this file.",
)
@click.option(
    "--report",
    "report",
    type=click.Path(dir_okay=False),
    help="Write a self-contained HTML report to this file.",
)
@click.option(
    "--update",
    is_flag=True,
    help="Rewrite failed expectations in place with the values observed; "
    "exit 0 when every failed one was rewritten.",
)
@click.option(
    "--quiet", "-q", is_flag=True, help="Leave out the list of objects written."
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Print every step to standard error as it starts (default: only once a "
    "scenario has run for 2 s, and steps slower than 2 s).",
)
@click.option(
    "--log-level",
    default="warning",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
    help="Level of the log written to standard error.",
)
@click.pass_context
def replay(
    ctx: click.Context,
    paths: tuple[str, ...],
    junit_xml: str | None,
    report: str | None,
    update: bool,
    quiet: bool,
    progress: bool | None,
    log_level: str,
) -> None:
    """Replay scenario files (or every scenario in a folder) and check their expectations.

    Exits 0 when every expectation holds, 1 when one fails, 2 when a file is malformed.
    """
    from emulator.scenario.render import render_summary

    configure_logging(log_level)
    files = scenario_files(paths)
    with _warnings_printed_once():
        results, malformed = _run_files(files, progress, quiet)
    for line in render_summary(results, malformed):
        click.echo(line)
    _write_outputs(results, malformed, junit_xml, report)
    updated = update and _update(results)
    ctx.exit(_exit_code(results, malformed, updated))


def _run_files(
    files: list[Path], progress: bool | None, quiet: bool
) -> tuple[list[Any], list[str]]:
    """Run each scenario file and print its result; return results and malformed files."""
    from emulator.scenario import ScenarioFormatError, load_scenario, run_scenario
    from emulator.scenario.render import render_result

    results = []
    malformed: list[str] = []
    for file in files:
        tracker = _Progress(progress)
        try:
            scenario = load_scenario(file)
            result = run_scenario(scenario, progress=tracker)
        except ScenarioFormatError as error:
            click.echo(f"error: {error}", err=True)
            malformed.append(str(file))
            continue
        finally:
            tracker.finish()
        results.append(result)
        for line in render_result(result, show_objects=not quiet):
            click.echo(line)
        click.echo("")
    return results, malformed


def _write_outputs(
    results: list, malformed: list[str], junit_xml: str | None, report: str | None
) -> None:
    if junit_xml:
        from emulator.scenario.junit import write_junit

        write_junit(results, malformed, junit_xml)
        click.echo(f"JUnit XML written to {junit_xml}")
    if report:
        from emulator.scenario.report import write_report

        write_report(results, report)
        click.echo(f"HTML report written to {report}")


def _update(results: list) -> bool:
    """Rewrite failed expectations and return whether every failed one was rewritten."""
    from emulator.scenario.update import update_file

    complete = True
    for result in results:
        if result.passed:
            continue
        changes, skipped = update_file(result)
        for change in changes:
            click.echo(f"updated {change}")
        for line in skipped:
            click.echo(f"kept {line}")
        complete = complete and not skipped and result.error is None
    return complete


def _exit_code(results: list, malformed: list[str], updated: bool) -> int:
    if malformed:
        return EXIT_MALFORMED
    if updated:
        return 0
    if any(not result.passed for result in results):
        return EXIT_FAILED
    return 0
