"""The distribution's entry points: the command, ``python -m emulator``, the plugin."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points, version


def test_command_and_module_print_same_version():
    command = subprocess.run(
        ["firehose-emulator", "--version"], capture_output=True, text=True, check=True
    )
    module = subprocess.run(
        [sys.executable, "-m", "emulator", "--version"], capture_output=True, text=True, check=True
    )

    assert command.stdout == module.stdout
    assert version("firehose-emulator") in command.stdout


def test_command_help_lists_subcommands():
    result = subprocess.run(
        [sys.executable, "-m", "emulator", "--help"], capture_output=True, text=True, check=True
    )

    for name in ("replay", "serve", "flush", "advance", "lint"):
        assert f"  {name}" in result.stdout


def test_pytest11_entry_point_names_plugin_module():
    plugins = entry_points(group="pytest11")

    assert [ep.value for ep in plugins if ep.name == "firehose_emulator"] == ["pytest_plugin"]


def test_import_emulator_does_not_import_moto():
    code = "import sys, emulator; print('moto' in sys.modules)"

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "False"
