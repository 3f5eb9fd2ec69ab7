"""Command-line options, ini keys and the report header of the firehose plugin.

This module loads in every pytest run of every environment that installs the
plugin, so it imports only pytest, the standard library and the emulator's
clock, which do not import moto.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from emulator.clock import parse_instant

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_REGION",
    "DEFAULT_START_TIME",
    "SETTINGS",
    "ResolvedSetting",
    "add_options",
    "report_header",
    "resolve_settings",
    "settings_of",
]

DEFAULT_START_TIME = "2026-01-01T00:00:00Z"
DEFAULT_REGION = "us-east-1"
# moto's default account.
DEFAULT_ACCOUNT_ID = "123456789012"
STRICT_FILTER = "error::emulator.errors.FidelityWarning"
REGION_PATTERN = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")
ACCOUNT_PATTERN = re.compile(r"\d{12}")


def _parse_start_time(text: str) -> str:
    try:
        parse_instant(text.strip())
    except ValueError:
        raise ValueError("use ISO 8601, for example 2026-12-04T15:00:00Z") from None
    return text.strip()


def _parse_region(text: str) -> str:
    if not REGION_PATTERN.fullmatch(text.strip()):
        raise ValueError("use an AWS region name, for example eu-west-1")
    return text.strip()


def _parse_account_id(text: str) -> str:
    if not ACCOUNT_PATTERN.fullmatch(text.strip()):
        raise ValueError("use 12 digits, for example 123456789012")
    return text.strip()


def _parse_seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError("use an integer, for example 7") from None


@dataclass(frozen=True)
class Setting:
    """One default of the ``firehose`` fixture, set by an option or an ini key."""

    name: str
    label: str
    default: Any
    help: str
    parse: Callable[[str], Any]
    metavar: str

    @property
    def option(self) -> str:
        return "--firehose-" + self.name.replace("_", "-")

    @property
    def ini(self) -> str:
        return f"firehose_{self.name}"


SETTINGS = (
    Setting(
        "start_time",
        "start time",
        DEFAULT_START_TIME,
        "Start time of the firehose fixture's manual clock, in ISO 8601 "
        f"(UTC when no offset is given). Default: {DEFAULT_START_TIME}.",
        _parse_start_time,
        "ISO8601",
    ),
    Setting(
        "region",
        "region",
        DEFAULT_REGION,
        f"AWS region set for tests that use the firehose fixture. Default: {DEFAULT_REGION}.",
        _parse_region,
        "REGION",
    ),
    Setting(
        "account_id",
        "account",
        DEFAULT_ACCOUNT_ID,
        "12-digit AWS account that the firehose fixture acts in. "
        f"Default: {DEFAULT_ACCOUNT_ID}.",
        _parse_account_id,
        "ACCOUNT",
    ),
    Setting(
        "seed",
        "seed",
        None,
        "Integer seed for the random parts of object keys. Default: random.",
        _parse_seed,
        "INT",
    ),
)


@dataclass(frozen=True)
class ResolvedSetting:
    """The effective value of a setting and where it came from."""

    value: Any
    source: str


SETTINGS_KEY = pytest.StashKey[dict[str, ResolvedSetting]]()


def add_options(parser: pytest.Parser) -> None:
    """Register the plugin's command-line options and ini keys."""
    group = parser.getgroup("firehose", "Amazon Data Firehose emulator")
    for setting in SETTINGS:
        group.addoption(
            setting.option,
            dest=setting.ini,
            metavar=setting.metavar,
            default=None,
            help=setting.help,
        )
        parser.addini(setting.ini, setting.help, default=None)
    strict_help = (
        "Turn every FidelityWarning, raised where the emulator knowingly "
        "differs from AWS, into an error."
    )
    group.addoption(
        "--firehose-strict",
        dest="firehose_strict",
        action="store_true",
        default=None,
        help=strict_help,
    )
    parser.addini("firehose_strict", strict_help, type="bool", default=None)


def _ini_source(config: pytest.Config) -> str:
    return config.inipath.name if config.inipath is not None else "the ini file"


def _raw_value(config: pytest.Config, option: str, ini: str) -> tuple[Any, str] | None:
    value = config.getoption(ini)
    if value is not None:
        return value, option
    value = config.getini(ini)
    if value is not None and value != "":
        return value, _ini_source(config)
    return None


def resolve_settings(config: pytest.Config) -> dict[str, ResolvedSetting]:
    """Find each setting's value: the command line, then the ini file, then the default.

    :raises pytest.UsageError: when a value is invalid, naming the option or key.
    """
    resolved: dict[str, ResolvedSetting] = {}
    for setting in SETTINGS:
        raw = _raw_value(config, setting.option, setting.ini)
        if raw is None:
            resolved[setting.name] = ResolvedSetting(setting.default, "default")
            continue
        value, source = raw
        try:
            parsed = setting.parse(str(value))
        except ValueError as error:
            where = "" if source == setting.option else f" in {source}"
            name = setting.option if source == setting.option else setting.ini
            raise pytest.UsageError(
                f"invalid {name} value {value!r}{where}: {error}"
            ) from None
        resolved[setting.name] = ResolvedSetting(parsed, source)
    strict = _raw_value(config, "--firehose-strict", "firehose_strict")
    resolved["strict"] = (
        ResolvedSetting(bool(strict[0]), strict[1])
        if strict is not None
        else ResolvedSetting(False, "default")
    )
    return resolved


def configure(config: pytest.Config) -> None:
    """Resolve and store the settings, and apply strict mode."""
    settings = resolve_settings(config)
    config.stash[SETTINGS_KEY] = settings
    if settings["strict"].value:
        config.addinivalue_line("filterwarnings", STRICT_FILTER)


def settings_of(config: pytest.Config) -> dict[str, ResolvedSetting]:
    """Return the resolved settings of a configured pytest run."""
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None:
        settings = resolve_settings(config)
        config.stash[SETTINGS_KEY] = settings
    return settings


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("firehose-emulator")
    except PackageNotFoundError:
        return "(version unknown)"


def report_header(config: pytest.Config) -> str:
    """Describe the effective settings and where each came from, for the report header."""
    settings = settings_of(config)
    parts = []
    for setting in SETTINGS:
        resolved = settings[setting.name]
        value = "random" if resolved.value is None else resolved.value
        parts.append(f"{setting.label} {value} ({_source_text(resolved.source)})")
    strict = settings["strict"]
    parts.append(
        f"strict {'on' if strict.value else 'off'} ({_source_text(strict.source)})"
    )
    return f"firehose-emulator {_version()}: " + ", ".join(parts)


def _source_text(source: str) -> str:
    return source if source == "default" else f"from {source}"
