"""The ``firehose-emulator`` command.

Each subcommand lives in its own module and is added here, so that the
command starts without importing moto until a subcommand needs it.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys

import click

__all__ = ["main", "cli"]

# (command name, module, attribute): loaded when the command runs.
SUBCOMMANDS = [
    ("replay", "emulator.cli_replay", "replay"),
    ("serve", "emulator.cli_serve", "serve"),
    ("flush", "emulator.cli_control", "flush"),
    ("advance", "emulator.cli_control", "advance"),
    ("reset", "emulator.cli_control", "reset"),
    ("streams", "emulator.cli_control", "streams"),
    ("deliveries", "emulator.cli_control", "deliveries"),
    ("lint", "emulator.cli_lint", "lint"),
    ("record", "emulator.cli_record", "record"),
]


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({name for name, module, _ in SUBCOMMANDS if _available(module)})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        for command_name, module, attribute in SUBCOMMANDS:
            if command_name == name and _available(module):
                return getattr(importlib.import_module(module), attribute)
        return None


def _available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@click.group(cls=LazyGroup)
@click.version_option(package_name="firehose-emulator")
def cli() -> None:
    """A local, faithful emulator of Amazon Data Firehose delivering to Amazon S3."""


def configure_logging(level: str) -> None:
    """Send log records to standard error; only the command line configures handlers."""
    logging.basicConfig(
        level=getattr(logging, level.upper()),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def main() -> None:
    cli(prog_name="firehose-emulator")
