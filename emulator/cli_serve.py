"""``firehose-emulator serve``: run the standalone server until SIGTERM or Ctrl-C.

Every option can also be set through an environment variable named
``FIREHOSE_EMULATOR_<OPTION>``, such as ``FIREHOSE_EMULATOR_PORT``.
"""

from __future__ import annotations

import ctypes
import importlib
import ipaddress
import logging
import os
import re
import signal
import sys
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from emulator.cli import configure_logging
from emulator.errors import FidelityWarning
from emulator.serve_config import ConfigFileError, apply_config, load_config
from emulator.server import DEFAULT_MAX_REQUEST_BYTES, DEFAULT_PORT

if TYPE_CHECKING:
    from emulator.server import RequestObserver
    from emulator.sinks import Sink

logger = logging.getLogger(__name__)

__all__ = [
    "ConfigFileError",
    "apply_config",
    "load_config",
    "load_transform",
    "prepare_run",
    "run_server",
    "serve",
]

ENV_PREFIX = "FIREHOSE_EMULATOR_"
# The ticker looks for due buffers this often, so a buffer is delivered well
# within one second of its interval falling due.
TICK_SECONDS = 0.2
ACCOUNT_ID_PATTERN = re.compile(r"\d{12}")
# glibc's mallopt parameter number for the maximum count of malloc arenas.
M_ARENA_MAX = -8
MALLOC_ARENAS = 2


# Lambda transforms ----------------------------------------------------------


def load_transform(spec: str) -> tuple[str, Callable[..., Any]]:
    """Parse ``ARN=module:function`` and import the function.

    The current directory is searched first, as ``python -m`` would.
    """
    arn, separator, target = spec.partition("=")
    module_name, colon, function_name = target.rpartition(":")
    if not separator or not colon or not arn or not module_name or not function_name:
        raise click.BadParameter(
            f"{spec!r} is not ARN=module:function, for example "
            "arn:aws:lambda:us-east-1:123456789012:function:enrich=transforms:handler",
            param_hint="'--lambda'",
        )
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
        function = getattr(module, function_name)
    except (ImportError, AttributeError) as error:
        raise click.BadParameter(
            f"cannot load {target!r} for {arn}: {error}", param_hint="'--lambda'"
        ) from None
    if not callable(function):
        raise click.BadParameter(f"{target!r} is not callable", param_hint="'--lambda'")
    return arn, function


# The command ---------------------------------------------------------------


def _limit_malloc_arenas() -> None:
    """Cap glibc's malloc arenas, so memory freed by finished request threads is reused.

    werkzeug starts a thread for each connection, and glibc gives new threads
    arenas of their own (up to 8 per core) that keep the memory freed in them.
    Under load the resident size then climbs although the Python heap does
    not grow; with two arenas it stays flat. MALLOC_ARENA_MAX, when set, wins.
    """
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is not None and mallopt(M_ARENA_MAX, MALLOC_ARENAS) != 1:
        logger.debug("glibc rejected mallopt(M_ARENA_MAX, %d)", MALLOC_ARENAS)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _option(*names: str, env: str, **attributes: Any) -> Callable[[Any], Any]:
    return click.option(
        *names, envvar=f"{ENV_PREFIX}{env}", show_envvar=True, **attributes
    )


def _check_options(clock: str, start: str | None, account_id: str | None) -> None:
    if start is not None and clock != "manual":
        raise click.UsageError("--start needs --clock manual")
    if account_id is not None and not ACCOUNT_ID_PATTERN.fullmatch(account_id):
        raise click.BadParameter(
            f"{account_id!r} is not 12 digits", param_hint="'--account-id'"
        )
    if start is not None:
        from emulator.clock import parse_instant

        try:
            parse_instant(start)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="'--start'") from None


def _make_sink(s3_endpoint: str | None, export_dir: str | None, region: str) -> Any:
    from emulator.sinks import ExportingSink, MotoS3Sink, RemoteS3Sink

    sink: Any = MotoS3Sink()
    if s3_endpoint:
        from botocore.config import Config

        # The emulator retries failed deliveries on Firehose's own schedule, so
        # each delivery attempt sends its request at most twice.
        retries = Config(retries={"mode": "standard", "total_max_attempts": 2})
        sink = RemoteS3Sink(s3_endpoint, region=region, config=retries)
    if export_dir:
        sink = ExportingSink(sink, export_dir)
    return sink


@click.command("serve")
@_option("--host", env="HOST", default="127.0.0.1", help="Address to listen on.")
@_option(
    "--port",
    env="PORT",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    help="TCP port to listen on; 0 picks a free port, printed at start.",
)
@_option(
    "--clock",
    env="CLOCK",
    type=click.Choice(["system", "manual"]),
    default="system",
    help="system: buffers fall due in real time; manual: time moves only on advance.",
)
@_option("--start", env="START", help="Start time of the manual clock (ISO 8601).")
@_option(
    "--seed", env="SEED", type=int, help="Seed for the random parts of object keys."
)
@_option("--region", env="REGION", help="Region of the --config resources.")
@_option("--account-id", env="ACCOUNT_ID", help="Account that every request acts in.")
@_option(
    "--config",
    "config_path",
    env="CONFIG",
    type=click.Path(exists=True, dir_okay=False),
    help="YAML or JSON file of buckets, roles and streams to create at start.",
)
@_option("--s3-endpoint", env="S3_ENDPOINT", help="Deliver to this S3 endpoint URL.")
@_option(
    "--export-dir",
    env="EXPORT_DIR",
    type=click.Path(file_okay=False),
    help="Also write each delivered object to DIR/<bucket>/<key>.",
)
@_option(
    "--lambda",
    "lambdas",
    env="LAMBDA",
    multiple=True,
    metavar="ARN=MODULE:FUNCTION",
    help="Run a Python function where a stream names the Lambda ARN (repeatable).",
)
@_option(
    "--max-request-bytes",
    env="MAX_REQUEST_BYTES",
    type=click.IntRange(1024),
    default=DEFAULT_MAX_REQUEST_BYTES,
    help="Largest body of an AWS JSON or query call, in bytes; larger ones get 413.",
)
@_option(
    "--log-level",
    env="LOG_LEVEL",
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
    default="info",
    help="Lowest level of log messages written to standard error.",
)
@click.pass_context
def serve(ctx: click.Context, **options: Any) -> None:
    """Serve Firehose (emulated), S3 and every other API moto implements over HTTP.

    SIGTERM and Ctrl-C deliver every buffered record, then stop; the exit
    code is 1 when a final delivery failed.
    """
    config, transforms = prepare_run(options)
    ctx.exit(run_server(options, config, transforms))


def prepare_run(
    options: dict[str, Any],
) -> tuple[dict[str, list[Any]] | None, list[tuple[str, Any]]]:
    """Configure logging, check the ``serve`` options, and load ``--config`` and ``--lambda``.

    :returns: the loaded ``--config`` file (None without one) and the
        ``--lambda`` transforms as ``(ARN, function)`` pairs.
    :raises click.UsageError: when the options do not go together.
    """
    configure_logging(options["log_level"])
    # The engine logs every fidelity warning too; the server's log is the one
    # channel, so the Python warning would print each one twice.
    warnings.filterwarnings("ignore", category=FidelityWarning)
    _limit_malloc_arenas()
    if options["log_level"].lower() != "debug":
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    _check_options(options["clock"], options["start"], options["account_id"])
    config = load_config(options["config_path"]) if options["config_path"] else None
    transforms = [load_transform(spec) for spec in options["lambdas"]]
    return config, transforms


def _emulator_factory(
    options: dict[str, Any], region: str, sink: Any, transforms: list[tuple[str, Any]]
) -> Callable[[], Any]:
    from emulator.clock import ManualClock, SystemClock
    from emulator.core import FirehoseEmulator

    def create() -> FirehoseEmulator:
        if options["clock"] == "manual":
            clock: Any = (
                ManualClock(options["start"]) if options["start"] else ManualClock()
            )
        else:
            clock = SystemClock()
        emulator = FirehoseEmulator(
            clock=clock,
            seed=options["seed"],
            account_id=options["account_id"],
            region=region,
            sink=sink,
            tick_seconds=TICK_SECONDS,
        )
        for arn, function in transforms:
            emulator.register_transform(arn, function)
        return emulator

    return create


def run_server(
    options: dict[str, Any],
    config: dict[str, list[Any]] | None,
    transforms: list[tuple[str, Any]],
    *,
    observer: RequestObserver | None = None,
    wrap_sink: Callable[[Sink], Sink] | None = None,
) -> int:
    """Serve until SIGTERM or Ctrl-C, deliver every buffer, and return the exit code.

    :param options: the ``serve`` options, by parameter name.
    :param config: the loaded ``--config`` file, created at start and on each reset.
    :param transforms: the ``--lambda`` transforms as ``(ARN, function)`` pairs.
    :param observer: receives every request the server handles.
    :param wrap_sink: returns the sink to deliver to, given the one the options name.
    :returns: 1 when the final flush lost records, else 0.
    :raises click.ClickException: when the address cannot be bound.
    """
    from emulator.core import default_region
    from emulator.server import EmulatorServer

    region = options["region"] or default_region()
    sink = _make_sink(options["s3_endpoint"], options["export_dir"], region)
    if wrap_sink is not None:
        sink = wrap_sink(sink)
    server = EmulatorServer(
        _emulator_factory(options, region, sink, transforms),
        host=options["host"],
        port=options["port"],
        setup=_config_setup(config, region, options["s3_endpoint"]),
        max_request_bytes=options["max_request_bytes"],
        observer=observer,
    )
    try:
        server.start()
    except OSError as error:
        raise click.ClickException(
            f"cannot listen on {options['host']} port {options['port']}: {error.strerror}; "
            "choose another --port, or --port 0 for a free one"
        ) from None
    _install_signal_handlers(server)
    _log_start(server, options, sink)
    server.serve_forever()
    report = server.close()
    logger.info(
        "stopped: the final flush delivered %d records in %d objects",
        report.delivered_records,
        report.delivered_objects,
    )
    return 1 if report.lost_records else 0


def _config_setup(
    config: dict[str, list[Any]] | None, region: str, s3_endpoint: str | None
) -> Callable[[Any], None] | None:
    """Return the server's setup, which creates the ``--config`` resources."""
    if not config:
        return None
    remote_s3 = None
    if s3_endpoint:
        import boto3

        remote_s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name=region)
    return lambda _: apply_config(config, region, remote_s3)


def _install_signal_handlers(server: Any) -> None:
    def handle(signum: int, frame: Any) -> None:
        logger.info(
            "received %s: delivering every buffered record, then stopping",
            signal.Signals(signum).name,
        )
        server.request_shutdown()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def _log_start(server: Any, options: dict[str, Any], sink: Any) -> None:
    if not _is_loopback(server.host):
        logger.warning(
            "listening on %s, which is not a loopback address: any host that can reach "
            "it can call every AWS API and the control API, which have no authentication",
            server.host,
        )
    emulator = server.emulator
    logger.info(
        "firehose-emulator listening on %s (clock: %s, delivering to %s, streams: %d)",
        server.url,
        options["clock"],
        sink.describe(),
        len(emulator.streams()),
    )
    logger.info(
        "point a client at it: export AWS_ENDPOINT_URL=%s AWS_ACCESS_KEY_ID=testing "
        "AWS_SECRET_ACCESS_KEY=testing AWS_REGION=%s AWS_DEFAULT_REGION=%s",
        server.url,
        emulator.region,
        emulator.region,
    )
    click.echo(f"AWS_ENDPOINT_URL={server.url}")
