"""A Python client for the control API of ``firehose-emulator serve``, and a process helper.

``ControlClient`` calls the JSON API under ``/_emulator/``. ``ServerProcess``
starts ``firehose-emulator serve`` (or ``record``) as a subprocess on a free
loopback port and stops it with SIGTERM, which delivers every buffered record
first.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import IO, Any

from emulator.errors import EmulatorError

__all__ = ["ControlAPIError", "ControlClient", "ServerProcess", "default_endpoint"]

DEFAULT_ENDPOINT = "http://127.0.0.1:4566"
ENDPOINT_LINE = "AWS_ENDPOINT_URL="


def default_endpoint() -> str:
    """Return FIREHOSE_EMULATOR_ENDPOINT, then AWS_ENDPOINT_URL, then the default port."""
    return (
        os.environ.get("FIREHOSE_EMULATOR_ENDPOINT")
        or os.environ.get("AWS_ENDPOINT_URL")
        or DEFAULT_ENDPOINT
    )


class ControlAPIError(EmulatorError):
    """A control API call failed; ``status`` is None when the server was not reached."""

    def __init__(self, status: int | None, code: str, message: str):
        super().__init__(
            f"{code}: {message}" if status is None else f"{status} {code}: {message}"
        )
        self.status = status
        self.code = code
        self.message = message


class ControlClient:
    """Calls the control API of a running server.

    Each method returns the decoded JSON response: a mapping with ``clock``
    (``manual`` or ``system``), ``now`` (ISO 8601) and the call's own fields.

    :param endpoint: the server's URL; by default FIREHOSE_EMULATOR_ENDPOINT,
        then AWS_ENDPOINT_URL, then http://127.0.0.1:4566.
    :param timeout: seconds to wait for each response.
    """

    def __init__(self, endpoint: str | None = None, *, timeout: float = 60.0):
        self.endpoint = (endpoint or default_endpoint()).rstrip("/")
        self.timeout = timeout

    def flush(self, stream: str | None = None) -> dict[str, Any]:
        """Deliver every buffer now (only those of ``stream`` if given); ``deliveries`` lists them."""
        return self._call("POST", "flush", {} if stream is None else {"stream": stream})

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move a manual clock forward; ``deliveries`` lists what fell due on the way."""
        return self._call("POST", "advance", {"seconds": seconds})

    def reset(self) -> dict[str, Any]:
        """Drop all AWS state and buffered records; ``dropped_records`` counts the records."""
        return self._call("POST", "reset", {})

    def streams(self) -> dict[str, Any]:
        """Return the buffer state of every stream under ``streams``."""
        return self._call("GET", "streams")

    def deliveries(self, stream: str | None = None) -> dict[str, Any]:
        """Return every delivery attempt so far (only those of ``stream`` if given)."""
        return self._call(
            "GET", "deliveries", query={"stream": stream} if stream else None
        )

    def health(self) -> dict[str, Any]:
        """Return the server's status, clock and sink."""
        return self._call("GET", "health")

    def _call(
        self,
        method: str,
        route: str,
        payload: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        url = f"{self.endpoint}/_emulator/{route}"
        if query:
            url = f"{url}?{urllib.parse.urlencode(query)}"
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise _error_from_response(error) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ControlAPIError(
                None,
                "ConnectionFailed",
                f"cannot reach the control API at {self.endpoint}: {reason}; "
                "check that firehose-emulator serve is running there",
            ) from None


def _error_from_response(error: urllib.error.HTTPError) -> ControlAPIError:
    body = error.read()
    try:
        document = json.loads(body)
        return ControlAPIError(error.code, document["error"], document["message"])
    except (ValueError, KeyError, TypeError):
        text = body.decode("utf-8", "replace")[:200]
        return ControlAPIError(
            error.code, "UnexpectedResponse", text or str(error.reason)
        )


class ServerProcess:
    """``firehose-emulator serve`` in a subprocess, on a free loopback port by default.

    The server's log goes to ``log_path``. Leaving the ``with`` block sends
    SIGTERM and waits for the final flush.

    :param arguments: more options of the command, such as ``["--clock", "manual"]``.
    :param command: the command that runs the server: ``serve``, or ``record``
        with ``--output FILE`` among the ``arguments``.
    :param env: environment variables added to this process's own.
    :param startup_timeout: seconds to wait for the server to listen.
    """

    def __init__(
        self,
        arguments: list[str] | tuple[str, ...] = (),
        *,
        command: str = "serve",
        env: dict[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        startup_timeout: float = 60.0,
    ):
        self.command = command
        self.arguments = list(arguments)
        if "--port" not in self.arguments:
            self.arguments = ["--port", "0", *self.arguments]
        if "--host" not in self.arguments:
            self.arguments = ["--host", "127.0.0.1", *self.arguments]
        self.env = {**os.environ, **(env or {})}
        # Run the same emulator package that this process imported.
        package_root = str(Path(__file__).resolve().parent.parent)
        python_path = self.env.get("PYTHONPATH")
        self.env["PYTHONPATH"] = (
            f"{package_root}{os.pathsep}{python_path}" if python_path else package_root
        )
        self.cwd = cwd
        self.startup_timeout = startup_timeout
        self.endpoint = ""
        self.returncode: int | None = None
        self._process: subprocess.Popen[str] | None = None
        self._log: IO[bytes] | None = None
        self.log_path = Path()

    def start(self) -> ServerProcess:
        """Start the server and wait until it prints its endpoint."""
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives until stop
            prefix="firehose-emulator-", suffix=".log"
        )
        self.log_path = Path(self._log.name)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "emulator", self.command, *self.arguments],
            stdout=subprocess.PIPE,
            stderr=self._log,
            stdin=subprocess.DEVNULL,
            env=self.env,
            cwd=self.cwd,
            text=True,
        )
        self.endpoint = self._wait_for_endpoint()
        return self

    def _wait_for_endpoint(self) -> str:
        assert self._process is not None and self._process.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        stdout = self._process.stdout
        threading.Thread(
            target=lambda: [lines.put(line) for line in stdout], daemon=True
        ).start()
        try:
            line = lines.get(timeout=self.startup_timeout)
        except queue.Empty:
            self.stop(signal.SIGKILL)
            raise RuntimeError(
                f"the server printed no endpoint within {self.startup_timeout} s; "
                f"its log:\n{self.log_text()}"
            ) from None
        if not line.startswith(ENDPOINT_LINE):
            self.stop(signal.SIGKILL)
            raise RuntimeError(
                f"the server did not start: {line!r}; its log:\n{self.log_text()}"
            )
        return line[len(ENDPOINT_LINE) :].strip()

    @property
    def pid(self) -> int:
        """The server's process id."""
        assert self._process is not None, "call start() first"
        return self._process.pid

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        return int(self.endpoint.rsplit(":", 1)[1])

    @property
    def control(self) -> ControlClient:
        """A control API client for this server."""
        return ControlClient(self.endpoint)

    def log_text(self) -> str:
        """Return everything the server has logged so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.name else ""

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 60.0) -> int:
        """Send ``signum`` and return the exit code; kill the server if it outlives ``timeout``."""
        process = self._process
        if process is None:
            raise RuntimeError("the server was never started")
        if process.poll() is None:
            process.send_signal(signum)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.returncode = process.returncode
        return process.returncode

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        if self._process is not None:
            self.stop()
        if self._log is not None:
            self._log.close()
