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
from emulator.cli import configure_logging

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
    configure_logging(options["log_level"])
    cli_serve._limit_malloc_arenas()
    if options["log_level"].lower() != "debug":
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    cli_serve._check_options(options["clock"], options["start"], options["account_id"])
    if options["seed"] is None:
        # A seeded session draws the same UUIDs as its replay.
        options["seed"] = 0
    config = None
    if options["config_path"]:
        config = cli_serve.load_config(options["config_path"])
    transforms = [cli_serve.load_transform(spec) for spec in options["lambdas"]]
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
    server, sink = _make_server(options, config, transforms, recorder)
    try:
        server.start()
    except OSError as error:
        raise click.ClickException(
            f"cannot listen on {options['host']} port {options['port']}: "
            f"{error.strerror}; choose another --port, or --port 0 for a free one"
        ) from None
    cli_serve._install_signal_handlers(server)
    cli_serve._log_start(server, options, sink)
    logger.info("recording the session; it is written to %s on stop", output)
    server.serve_forever()
    report = server.close()
    recorder.finish()
    _write(recorder, output)
    return 1 if report.lost_records else 0


def _make_server(
    options: dict[str, Any],
    config: dict[str, list[Any]] | None,
    transforms: list[tuple[str, Any]],
    recorder: Any,
) -> tuple[Any, Any]:
    """Build the server as ``serve`` does, with ``recorder`` observing it and its sink."""
    import boto3

    from emulator.core import default_region
    from emulator.server import EmulatorServer

    region = options["region"] or default_region()
    sink = recorder.wrap_sink(
        cli_serve._make_sink(options["s3_endpoint"], options["export_dir"], region)
    )
    remote_s3 = None
    if options["s3_endpoint"]:
        remote_s3 = boto3.client(
            "s3", endpoint_url=options["s3_endpoint"], region_name=region
        )

    def apply_config(emulator: Any) -> None:
        cli_serve.apply_config(config, region, remote_s3)

    server = EmulatorServer(
        cli_serve._emulator_factory(options, region, sink, transforms),
        host=options["host"],
        port=options["port"],
        setup=apply_config if config else None,
        max_request_bytes=options["max_request_bytes"],
        observer=recorder,
    )
    return server, sink


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
