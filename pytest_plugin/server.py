"""``FirehoseServer``: the standalone server in a subprocess, for the ``firehose_server`` fixture.

Importing this module imports the emulator and so moto, so the plugin
imports it only when a test requests the fixture.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from emulator.control_client import ServerProcess
from emulator.inspection import InspectionMixin
from pytest_plugin.emulation import CLEARED_VARIABLES, FAKE_CREDENTIALS

__all__ = ["FirehoseServer", "start_server"]

logger = logging.getLogger(__name__)


class FirehoseServer(InspectionMixin):
    """A running ``firehose-emulator serve`` on a loopback port.

    It serves every AWS API at :attr:`endpoint_url`. The reading helpers
    (``objects``, ``json_documents``, ``lines``, ``buffered_records``,
    ``assert_delivered``) work as on the ``firehose`` fixture, through the
    server's S3 and control API.
    """

    def __init__(self, process: ServerProcess, region: str):
        self.process = process
        self.region = region
        self.endpoint_url = process.endpoint
        self.control = process.control
        self._started = True

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        return self.process.port

    @property
    def env(self) -> dict[str, str]:
        """An environment for a subprocess emitter: this process's, pointed at the server.

        Real profiles and other endpoints are removed and the credentials are fake.
        """
        environment = {
            name: value
            for name, value in os.environ.items()
            if name not in CLEARED_VARIABLES and not name.startswith("AWS_ENDPOINT_URL")
        }
        environment.update(FAKE_CREDENTIALS)
        environment.update(
            AWS_ENDPOINT_URL=self.endpoint_url,
            AWS_REGION=self.region,
            AWS_DEFAULT_REGION=self.region,
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            AWS_EC2_METADATA_DISABLED="true",
        )
        return environment

    def client(self, service: str, **options: Any) -> Any:
        """Return a boto3 client for ``service`` at the server, with fake credentials."""
        import boto3

        options.setdefault("region_name", self.region)
        options.setdefault("endpoint_url", self.endpoint_url)
        options.setdefault("aws_access_key_id", FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"])
        options.setdefault(
            "aws_secret_access_key", FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]
        )
        return boto3.client(service, **options)

    def reset(self) -> int:
        """Drop every AWS resource and buffered record; return how many records were dropped."""
        return self.control.reset()["dropped_records"]

    def flush(self, stream: str | None = None) -> list[dict[str, Any]]:
        """Deliver every buffer now (of ``stream`` only, if given); return the attempts."""
        return self.control.flush(stream)["deliveries"]

    def advance(self, seconds: float) -> list[dict[str, Any]]:
        """Move the server's manual clock forward; return the deliveries that fell due."""
        return self.control.advance(seconds)["deliveries"]

    def streams(self) -> list[dict[str, Any]]:
        """Describe each stream's buffers and pending deliveries."""
        return self.control.streams()["streams"]

    @property
    def delivery_log(self) -> list[dict[str, Any]]:
        """Every delivery attempt so far, in order, as JSON objects."""
        return self.control.deliveries()["deliveries"]

    def log_text(self) -> str:
        """Return everything the server has logged so far."""
        return self.process.log_text()

    def stop(self) -> int:
        """Stop the server with SIGTERM (it delivers every buffer first); return its exit code."""
        self._started = False
        return self.process.stop()

    def _inspection_s3(self) -> Any:
        client = self.__dict__.get("_inspection_client")
        if client is None:
            client = self.client("s3")
            self._inspection_client = client
        return client

    def _inspection_deliveries(self) -> list[dict[str, Any]]:
        return self.delivery_log


def start_server(
    *, start_time: str, region: str, account_id: str, seed: int | None
) -> FirehoseServer:
    """Start ``firehose-emulator serve`` on 127.0.0.1 and a free port, on a manual clock."""
    arguments = [
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--clock",
        "manual",
        "--start",
        start_time,
        "--region",
        region,
        "--account-id",
        account_id,
    ]
    if seed is not None:
        arguments += ["--seed", str(seed)]
    environment = {
        **FAKE_CREDENTIALS,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    process = ServerProcess(arguments, env=environment).start()
    logger.info("started firehose-emulator serve at %s", process.endpoint)
    return FirehoseServer(process, region)
