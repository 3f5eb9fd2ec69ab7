"""``firehose-emulator serve``: run the standalone server until SIGTERM or Ctrl-C.

Every option can also be set through an environment variable named
``FIREHOSE_EMULATOR_<OPTION>``, such as ``FIREHOSE_EMULATOR_PORT``.
"""

from __future__ import annotations

import ctypes
import importlib
import ipaddress
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from emulator.cli import configure_logging
from emulator.server import DEFAULT_MAX_REQUEST_BYTES, DEFAULT_PORT

logger = logging.getLogger(__name__)

__all__ = ["apply_config", "load_config", "load_transform", "serve"]

ENV_PREFIX = "FIREHOSE_EMULATOR_"
# The ticker looks for due buffers this often, so a buffer is delivered well
# within one second of its interval falling due.
TICK_SECONDS = 0.2
CONFIG_KEYS = ("version", "buckets", "roles", "streams")
ACCOUNT_ID_PATTERN = re.compile(r"\d{12}")
# glibc's mallopt parameter number for the maximum count of malloc arenas.
M_ARENA_MAX = -8
MALLOC_ARENAS = 2


class ConfigFileError(click.ClickException):
    """The ``--config`` file is malformed or describes resources AWS rejects."""

    exit_code = 2


# Configuration file ---------------------------------------------------------


def _parse_document(path: Path) -> Any:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigFileError(f"cannot read {path}: {error.strerror}") from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        raise ConfigFileError(f"{path} is not valid JSON or YAML: {error}") from None


def load_config(path: str | os.PathLike[str]) -> dict[str, list[Any]]:
    """Read a ``--config`` file (YAML or JSON) and return its buckets, roles and streams.

    A stream is a CreateDeliveryStream request as JSON, or the path of a file
    that contains one, relative to the configuration file.
    """
    path = Path(path)
    document = _parse_document(path)
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise ConfigFileError(f"{path} must contain a mapping with keys {CONFIG_KEYS}")
    unknown = sorted(set(document) - set(CONFIG_KEYS))
    if unknown:
        raise ConfigFileError(
            f"{path}: unknown key {unknown[0]!r}; the keys are {', '.join(CONFIG_KEYS)}"
        )
    if document.get("version", 1) != 1:
        raise ConfigFileError(
            f"{path}: unsupported version {document['version']!r}; use version: 1"
        )
    config: dict[str, list[Any]] = {}
    for key in ("buckets", "roles", "streams"):
        entries = document.get(key) or []
        if not isinstance(entries, list):
            raise ConfigFileError(f"{path}: {key!r} must be a list")
        config[key] = entries
    for index, bucket in enumerate(config["buckets"]):
        if not isinstance(bucket, str) and not (
            isinstance(bucket, dict) and isinstance(bucket.get("Bucket"), str)
        ):
            raise ConfigFileError(
                f"{path}: buckets[{index}] must be a bucket name or a CreateBucket "
                "request with a Bucket"
            )
    for index, role in enumerate(config["roles"]):
        if not isinstance(role, dict) or not isinstance(role.get("RoleName"), str):
            raise ConfigFileError(
                f"{path}: roles[{index}] must be a CreateRole request with a RoleName"
            )
    config["streams"] = [
        _stream_request(entry, path, index)
        for index, entry in enumerate(config["streams"])
    ]
    return config


def _stream_request(entry: Any, config_path: Path, index: int) -> dict[str, Any]:
    if isinstance(entry, str):
        entry = _parse_document(config_path.parent / entry)
    if not isinstance(entry, dict) or not entry.get("DeliveryStreamName"):
        raise ConfigFileError(
            f"{config_path}: streams[{index}] must be a CreateDeliveryStream request "
            "with a DeliveryStreamName, or the path of a JSON file that contains one"
        )
    return entry


def _local_client(service: str, region: str) -> Any:
    """Return a boto3 client that reaches moto inside this process, never the network."""
    import boto3

    from emulator import moto_glue

    if not moto_glue.mock_active():
        raise RuntimeError(
            "cannot apply --config: moto's mock_aws is not active in this process, "
            "so the setup requests would go to AWS"
        )
    host = (
        "iam.amazonaws.com" if service == "iam" else f"{service}.{region}.amazonaws.com"
    )
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=f"https://{host}",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _create_bucket(client: Any, entry: Any, region: str) -> None:
    request = {"Bucket": entry} if isinstance(entry, str) else dict(entry)
    if region != "us-east-1":
        request.setdefault("CreateBucketConfiguration", {"LocationConstraint": region})
    try:
        client.create_bucket(**request)
    except client.exceptions.BucketAlreadyOwnedByYou:
        logger.info(
            "bucket %s already exists at %s",
            request["Bucket"],
            client.meta.endpoint_url,
        )


def _create_role(client: Any, entry: dict[str, Any]) -> None:
    request = dict(entry)
    policies = request.pop("Policies", [])
    trust = request.get("AssumeRolePolicyDocument")
    if isinstance(trust, dict):
        request["AssumeRolePolicyDocument"] = json.dumps(trust)
    client.create_role(**request)
    for policy in policies:
        document = policy.get("PolicyDocument")
        if isinstance(document, dict):
            document = json.dumps(document)
        client.put_role_policy(
            RoleName=request["RoleName"],
            PolicyName=policy.get("PolicyName"),
            PolicyDocument=document,
        )


def apply_config(
    config: dict[str, list[Any]], region: str, remote_s3: Any | None = None
) -> None:
    """Create the buckets, roles and delivery streams of a loaded ``--config`` file.

    Requests go through boto3 to moto inside this process, so AWS's validation
    applies. With ``remote_s3`` (a boto3 S3 client for ``--s3-endpoint``), each
    bucket is also created there.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    steps: list[tuple[str, Callable[[], Any]]] = []
    s3 = _local_client("s3", region)
    iam = _local_client("iam", region)
    firehose = _local_client("firehose", region)
    for bucket in config["buckets"]:
        name = bucket if isinstance(bucket, str) else bucket["Bucket"]
        steps.append(
            (f"bucket {name!r}", lambda b=bucket: _create_bucket(s3, b, region))
        )
        if remote_s3 is not None:
            steps.append(
                (
                    f"bucket {name!r} at {remote_s3.meta.endpoint_url}",
                    lambda b=bucket: _create_bucket(remote_s3, b, region),
                )
            )
    for role in config["roles"]:
        name = role["RoleName"]
        steps.append((f"role {name!r}", lambda r=role: _create_role(iam, r)))
    for stream in config["streams"]:
        name = stream["DeliveryStreamName"]
        steps.append(
            (
                f"delivery stream {name!r}",
                lambda s=stream: firehose.create_delivery_stream(**s),
            )
        )
    for description, step in steps:
        try:
            step()
        except (ClientError, BotoCoreError, TypeError, AttributeError) as error:
            raise ConfigFileError(
                f"cannot create {description} from --config: {error}"
            ) from None
        logger.info("created %s", description)


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
    configure_logging(options["log_level"])
    _limit_malloc_arenas()
    if options["log_level"].lower() != "debug":
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    _check_options(options["clock"], options["start"], options["account_id"])
    config = load_config(options["config_path"]) if options["config_path"] else None
    transforms = [load_transform(spec) for spec in options["lambdas"]]
    ctx.exit(_run(options, config, transforms))


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


def _run(
    options: dict[str, Any],
    config: dict[str, list[Any]] | None,
    transforms: list[tuple[str, Any]],
) -> int:
    import boto3

    from emulator.core import default_region
    from emulator.server import EmulatorServer

    region = options["region"] or default_region()
    sink = _make_sink(options["s3_endpoint"], options["export_dir"], region)
    remote_s3 = None
    if options["s3_endpoint"]:
        remote_s3 = boto3.client(
            "s3", endpoint_url=options["s3_endpoint"], region_name=region
        )
    server = EmulatorServer(
        _emulator_factory(options, region, sink, transforms),
        host=options["host"],
        port=options["port"],
        setup=(lambda _: apply_config(config, region, remote_s3)) if config else None,
        max_request_bytes=options["max_request_bytes"],
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
