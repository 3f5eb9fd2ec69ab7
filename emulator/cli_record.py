"""``firehose-emulator record``: serve, and write the session as a scenario file on stop.

The command takes every option of ``serve``. On SIGTERM or Ctrl-C the
server delivers every buffer, as ``serve`` does, then writes ``--output``: a
version-1 scenario that ``firehose-emulator replay`` plays back to the same
objects.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click

from emulator import cli_serve

logger = logging.getLogger(__name__)

__all__ = ["record"]

REPLAY_HINT = "Replay it with: firehose-emulator replay {path}"


@click.command("record")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="Scenario file (YAML) to write when the server stops.",
)
@click.pass_context
def record(ctx: click.Context, output: str, **options: Any) -> None:
    """Serve as `serve` does, and record the session as a scenario file.

    Infrastructure calls (S3 CreateBucket, IAM CreatePolicy, CreateRole,
    PutRolePolicy and AttachRolePolicy, CloudWatch Logs CreateLogGroup and
    CreateLogStream, Firehose CreateDeliveryStream) become the scenario's
    setup. Puts, UpdateDestination, DeleteDeliveryStream and the control API's
    flush and advance become its steps, and each object delivered becomes an
    expectation. The seed is 0 unless --seed is given.
    """
    if not Path(output).resolve().parent.is_dir():
        raise click.BadParameter(
            f"the folder of {output!r} does not exist; create it first",
            param_hint="'--output'",
        )
    if options["seed"] is None:
        # A seeded session draws the same UUIDs as its replay.
        options["seed"] = 0
    config, transforms = cli_serve.prepare_run(options)
    ctx.exit(_run(Path(output), options, config, transforms))


# Every option of serve, after --output.
record.params.extend(
    parameter
    for parameter in cli_serve.serve.params
    if parameter.name not in {p.name for p in record.params}
)


def _run(
    output: Path,
    options: dict[str, Any],
    config: dict[str, list[Any]] | None,
    transforms: list[tuple[str, Any]],
) -> int:
    """Run the server with a recorder until SIGTERM or Ctrl-C, then write ``output``."""
    from emulator.recorder import SessionRecorder

    recorder = SessionRecorder(config=config, transforms=options["lambdas"])
    logger.info("recording the session; it is written to %s on stop", output)
    exit_code = cli_serve.run_server(
        options,
        config,
        transforms,
        observer=recorder,
        wrap_sink=recorder.wrap_sink,
    )
    recorder.finish()
    _write(recorder, output)
    return exit_code


def _write(recorder: Any, output: Path) -> None:
    from emulator.scenario.recording import write_scenario

    document = recorder.scenario(output.stem)
    comments = [
        "Recorded with firehose-emulator record.",
        REPLAY_HINT.format(path=output),
    ]
    try:
        write_scenario(output, document, comments)
    except OSError as error:
        raise click.ClickException(
            f"cannot write the recorded scenario to {output}: {error.strerror}"
        ) from None
    logger.info(
        "wrote the recorded session to %s: %d steps. %s",
        output,
        len(document["steps"]),
        REPLAY_HINT.format(path=output),
    )
