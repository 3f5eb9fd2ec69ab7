"""Commands that call the control API of a running server: flush, advance, reset, streams, deliveries."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import click

from emulator.control_client import (
    DEFAULT_ENDPOINT,
    ControlAPIError,
    ControlClient,
    default_endpoint,
)

__all__ = ["advance", "deliveries", "flush", "reset", "streams"]


def _common_options(function: Callable[..., Any]) -> Callable[..., Any]:
    function = click.option(
        "--output",
        envvar="FIREHOSE_EMULATOR_OUTPUT",
        show_envvar=True,
        type=click.Choice(["table", "json"]),
        default="table",
        help="Print a readable table or the JSON response.",
    )(function)
    return click.option(
        "--endpoint",
        envvar="FIREHOSE_EMULATOR_ENDPOINT",
        show_envvar=True,
        default=default_endpoint,
        show_default=f"AWS_ENDPOINT_URL, then {DEFAULT_ENDPOINT}",
        help="URL of the firehose-emulator server.",
    )(function)


def _call(endpoint: str, method: str, *arguments: Any) -> dict[str, Any]:
    try:
        return getattr(ControlClient(endpoint), method)(*arguments)
    except ControlAPIError as error:
        raise click.ClickException(str(error)) from None


def _isoformat(moment: float) -> str:
    stamp = datetime.fromtimestamp(moment, tz=timezone.utc).isoformat()
    return stamp.replace("+00:00", "Z")


def _print_rows(headers: list[str], rows: list[list[Any]]) -> None:
    cells = [headers, *[[str(value) for value in row] for row in rows]]
    widths = [max(len(row[index]) for row in cells) for index in range(len(headers))]
    for row in cells:
        line = "  ".join(value.ljust(width) for value, width in zip(row, widths))
        click.echo(line.rstrip())


def _print_clock(response: dict[str, Any]) -> None:
    click.echo(f"clock: {response['clock']}, now: {response['now']}")


def _print_deliveries(response: dict[str, Any]) -> None:
    _print_clock(response)
    attempts = response["deliveries"]
    if not attempts:
        click.echo("no deliveries")
        return
    rows = [
        [
            _isoformat(attempt["time"]),
            attempt["stream"],
            attempt["outcome"],
            attempt["records"],
            attempt["bytes"],
            f"s3://{attempt['bucket']}/{attempt['key']}",
        ]
        for attempt in attempts
    ]
    _print_rows(["TIME", "STREAM", "OUTCOME", "RECORDS", "BYTES", "OBJECT"], rows)


def _print_streams(response: dict[str, Any]) -> None:
    _print_clock(response)
    states = response["streams"]
    if not states:
        click.echo("no delivery streams with an S3 destination")
        return
    rows = []
    for state in states:
        due = [buffer["due_in_seconds"] for buffer in state["buffers"]]
        rows.append(
            [
                state["name"],
                state["region"],
                state["buffered_records"],
                state["buffered_bytes"],
                f"{min(due):.1f}" if due else "-",
                sum(batch["records"] for batch in state["retrying"]),
            ]
        )
    headers = ["STREAM", "REGION", "BUFFERED RECORDS", "BUFFERED BYTES", "DUE IN (S)"]
    _print_rows([*headers, "RETRYING RECORDS"], rows)


def _emit(
    response: dict[str, Any], output: str, printer: Callable[[dict[str, Any]], None]
) -> None:
    if output == "json":
        click.echo(json.dumps(response, indent=2))
    else:
        printer(response)


@click.command("flush")
@_common_options
@click.option("--stream", help="Deliver only this delivery stream's buffers.")
def flush(endpoint: str, output: str, stream: str | None) -> None:
    """Deliver every buffered record now, whatever the buffering hints are."""
    _emit(_call(endpoint, "flush", stream), output, _print_deliveries)


@click.command("advance")
@_common_options
@click.argument("seconds", type=click.FloatRange(min=0))
def advance(endpoint: str, output: str, seconds: float) -> None:
    """Move the manual clock forward SECONDS; deliver what falls due on the way."""
    _emit(_call(endpoint, "advance", seconds), output, _print_deliveries)


@click.command("reset")
@_common_options
def reset(endpoint: str, output: str) -> None:
    """Drop all AWS state and buffered records, then create the --config resources again."""
    response = _call(endpoint, "reset")
    if output == "json":
        click.echo(json.dumps(response, indent=2))
    else:
        click.echo(f"reset: dropped {response['dropped_records']} buffered records")
        _print_clock(response)


@click.command("streams")
@_common_options
def streams(endpoint: str, output: str) -> None:
    """Show each delivery stream's buffered records and when they fall due."""
    _emit(_call(endpoint, "streams"), output, _print_streams)


@click.command("deliveries")
@_common_options
@click.option("--stream", help="Show only this delivery stream's deliveries.")
def deliveries(endpoint: str, output: str, stream: str | None) -> None:
    """Show every delivery attempt so far: time, outcome, records and object."""
    _emit(_call(endpoint, "deliveries", stream), output, _print_deliveries)
