"""The standalone server: moto's AWS endpoint with the emulated Firehose, plus a control API.

Requests under ``/_emulator/`` go to the control API (JSON, in
``emulator.server_control``). Every other request goes to moto's own WSGI
application, which serves each AWS API that moto implements. A
``FirehoseEmulator`` running in this process installs the emulated Firehose
backend into moto, so Firehose calls are buffered and delivered as AWS
delivers them.

moto's server (5.2) lets an exception raised while handling a request reach
werkzeug, which logs it and returns an HTML "500 Internal Server Error" page
that no AWS SDK can parse. Here such an exception becomes an AWS-shaped error
instead: HTTP 400 when the request could not be parsed, HTTP 500
``InternalFailure`` (``InternalError`` for REST services such as S3) otherwise.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Protocol

from werkzeug.serving import (
    BaseWSGIServer,
    get_sockaddr,
    make_server,
    select_address_family,
)

# server_control imports this module, so its names are read from it at call time.
from emulator import server_control
from emulator.moto_glue import server_app
from emulator.server_http import (
    JSON_CONTENT_TYPE,
    QuietRequestHandler,
    RequestTooLarge,
    Response,
    aws_error,
    call_wsgi_app,
    classify_exception,
    json_body_error,
    names_no_operation,
    no_operation_error,
    read_body,
    request_protocol,
)

if TYPE_CHECKING:
    from emulator.core import FirehoseEmulator
    from emulator.runtime import DeliveryAttempt

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_MAX_REQUEST_BYTES",
    "DEFAULT_PORT",
    "EmulatorServer",
    "RequestObserver",
    "ShutdownReport",
]

# LocalStack's port: many tools and SDK setups already point AWS_ENDPOINT_URL at it.
DEFAULT_PORT = 4566
# A PutRecordBatch carries at most 4 MiB of data, about 5.4 MiB once base64
# encoded in JSON, so 16 MiB leaves room for every valid Firehose request.
DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024
LISTEN_BACKLOG = 128
FINAL_FLUSH_ROUNDS = 3
FINAL_FLUSH_RETRY_SECONDS = 1.0

EmulatorFactory = Callable[[], "FirehoseEmulator"]
EmulatorSetup = Callable[["FirehoseEmulator"], None]


class RequestObserver(Protocol):
    """Receives the requests that an ``EmulatorServer`` handled, in the order they took effect."""

    def emulator_started(self, emulator: FirehoseEmulator) -> None:
        """Receive each new emulator, at start and after each reset, before the setup."""

    def aws_request(
        self, environ: dict[str, Any], body: bytes, response: Response
    ) -> None:
        """Receive an AWS request that moto handled, with its response.

        ``body`` is empty for REST-protocol requests (S3), whose body the
        server passes through unread.
        """

    def control_request(self, route: str, payload: dict[str, Any]) -> None:
        """Receive a control API call that succeeded: its route, such as ``flush``, and body."""


class ServerStopping(Exception):
    """The server is shutting down and accepts no new request."""


class RequestGate:
    """Counts requests in flight, so that a reset or a shutdown can wait for them.

    Requests enter with ``shared()``. ``exclusive()`` waits until none is in
    flight and makes new ones wait meanwhile; ``close()`` rejects new ones.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._active = 0
        self._exclusive = False
        self._closed = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._condition:
            self._condition.wait_for(lambda: not self._exclusive)
            if self._closed:
                raise ServerStopping
            self._active += 1
        try:
            yield
        finally:
            with self._condition:
                self._active -= 1
                self._condition.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._condition:
            self._condition.wait_for(lambda: not self._exclusive)
            if self._closed:
                raise ServerStopping
            self._exclusive = True
            self._condition.wait_for(lambda: self._active == 0)
        try:
            yield
        finally:
            with self._condition:
                self._exclusive = False
                self._condition.notify_all()

    def close(self, timeout: float) -> bool:
        """Reject new requests; return whether those in flight finished within ``timeout``."""
        with self._condition:
            self._closed = True
            return self._condition.wait_for(
                lambda: self._active == 0 and not self._exclusive, timeout
            )


@dataclass
class ShutdownReport:
    """Counts of the objects and records the final flush delivered, and of records lost."""

    delivered_objects: int = 0
    delivered_records: int = 0
    lost_records: int = 0


class EmulatorServer:
    """An HTTP server that serves moto's AWS APIs, the emulated Firehose and a control API.

    :param emulator_factory: returns a new, unstarted ``FirehoseEmulator``;
        called at start and again on each reset.
    :param setup: called with each started emulator, to create the buckets,
        roles and streams the server starts with.
    :param max_request_bytes: the largest body accepted on JSON-protocol and
        query-protocol AWS calls and on the control API; larger ones get 413.
        REST calls (S3 objects) are not limited.
    :param drain_seconds: how long shutdown and reset wait for requests in flight.
    :param observer: receives every AWS and control request handled. With an
        observer, requests are handled one at a time, so that the order it
        receives them in is the order in which they took effect.
    """

    def __init__(
        self,
        emulator_factory: EmulatorFactory,
        *,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        setup: EmulatorSetup | None = None,
        max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
        drain_seconds: float = 10.0,
        observer: RequestObserver | None = None,
    ):
        self.host = host
        self.port = port
        self.max_request_bytes = max_request_bytes
        self.drain_seconds = drain_seconds
        self._factory = emulator_factory
        self._setup = setup
        self._emulator: FirehoseEmulator | None = None
        self._http: BaseWSGIServer | None = None
        self._moto_app = server_app()
        self.gate = RequestGate()
        self._shutdown_started = threading.Event()
        self._error_counts: Counter[tuple[str, str]] = Counter()
        self._error_lock = threading.Lock()
        self.control = server_control.ControlAPI(self)
        self.observer = observer
        self._observer_lock = threading.Lock()

    # Lifecycle -------------------------------------------------------------

    def start(self) -> None:
        """Bind the listening socket, then start the emulator and run the setup.

        :raises OSError: when the address cannot be bound, such as a port in use.
        """
        # Bind here rather than in werkzeug, which prints its own message and
        # exits the process when the port is taken.
        family = select_address_family(self.host, self.port)
        with socket.socket(family, socket.SOCK_STREAM) as listener:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(get_sockaddr(self.host, self.port, family))
            listener.listen(LISTEN_BACKLOG)
            self._http = make_server(
                self.host,
                self.port,
                self,
                threaded=True,
                request_handler=QuietRequestHandler,
                fd=listener.fileno(),
            )
        self.port = self._http.port
        try:
            self._start_emulator()
        except BaseException:
            self._http.server_close()
            self._stop_emulator()
            raise

    @property
    def url(self) -> str:
        """The endpoint URL, such as ``http://127.0.0.1:4566``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def emulator(self) -> FirehoseEmulator:
        """The running emulator; a reset replaces it."""
        if self._emulator is None:
            raise RuntimeError("the server is not started: call start() first")
        return self._emulator

    def serve_forever(self) -> None:
        """Serve requests until ``request_shutdown`` is called."""
        if self._http is None:
            raise RuntimeError("the server is not started: call start() first")
        self._http.serve_forever(poll_interval=0.2)

    def request_shutdown(self) -> None:
        """Make ``serve_forever`` return; safe to call from a signal handler."""
        if self._http is None or self._shutdown_started.is_set():
            return
        self._shutdown_started.set()
        threading.Thread(
            target=self._http.shutdown, name="firehose-emulator-shutdown", daemon=True
        ).start()

    def close(self) -> ShutdownReport:
        """Wait for requests in flight, deliver every buffer, then stop the emulator."""
        if not self.gate.close(self.drain_seconds):
            logger.warning(
                "requests were still in flight after %.0f s; delivering buffers anyway",
                self.drain_seconds,
            )
        if self._http is not None:
            self._http.server_close()
        if self._emulator is None:
            return ShutdownReport()
        report = self._final_flush(self._emulator)
        self._stop_emulator()
        return report

    def reset(self) -> int:
        """Drop all AWS state and buffered records; return how many records were dropped.

        The emulator is replaced by a new one from the factory (so a manual
        clock goes back to its start time) and the setup runs again.
        """
        with self.gate.exclusive():
            dropped = sum(
                state["buffered_records"] for state in self.emulator.streams()
            )
            self._stop_emulator()
            self._start_emulator()
        logger.info("reset the emulator: dropped %d buffered records", dropped)
        return dropped

    def _start_emulator(self) -> None:
        emulator = self._factory()
        emulator.start()
        self._emulator = emulator
        if self.observer is not None:
            self.notify_observer("emulator_started", emulator)
        if self._setup is not None:
            self._setup(emulator)

    def _stop_emulator(self) -> None:
        emulator, self._emulator = self._emulator, None
        if emulator is None:
            return
        try:
            emulator.stop()
        except Exception:
            logger.exception(
                "the delivery ticker had failed before the emulator stopped"
            )

    def _final_flush(self, emulator: FirehoseEmulator) -> ShutdownReport:
        report = ShutdownReport()
        lost: list[DeliveryAttempt] = []
        failed: list[DeliveryAttempt] = []
        for round_number in range(1, FINAL_FLUSH_ROUNDS + 1):
            attempts = emulator.flush()
            for attempt in attempts:
                if attempt.outcome == "delivered":
                    report.delivered_objects += 1
                    report.delivered_records += attempt.records
            lost.extend(attempt for attempt in attempts if attempt.outcome == "dropped")
            failed = [attempt for attempt in attempts if attempt.outcome == "failed"]
            if not failed:
                break
            if round_number < FINAL_FLUSH_ROUNDS:
                logger.warning(
                    "%d deliveries failed on shutdown; retrying in %.0f s",
                    len(failed),
                    FINAL_FLUSH_RETRY_SECONDS,
                )
                threading.Event().wait(FINAL_FLUSH_RETRY_SECONDS)
        lost.extend(failed)
        report.lost_records = sum(attempt.records for attempt in lost)
        for attempt in lost:
            logger.error(
                "lost %d records of stream %s on shutdown: delivery to s3://%s failed: %s",
                attempt.records,
                attempt.stream,
                attempt.bucket,
                attempt.error_message,
            )
        return report

    # Observer --------------------------------------------------------------

    @contextmanager
    def observing(self) -> Iterator[RequestObserver | None]:
        """Yield the observer, if any, while no other observed request runs."""
        if self.observer is None:
            yield None
            return
        with self._observer_lock:
            yield self.observer

    def notify_observer(self, event: str, *arguments: Any) -> None:
        """Call the observer's method ``event``, logging any exception it raises."""
        try:
            getattr(self.observer, event)(*arguments)
        except Exception:
            logger.exception("the request observer failed on %s", event)

    # WSGI ------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/_emulator" or path.startswith("/_emulator/"):
            response = self.control.handle(environ)
        elif path == "/moto-api/reset" and environ.get("REQUEST_METHOD") == "POST":
            response = self.control.handle_moto_reset(environ)
        else:
            response = self._handle_aws(environ)
        status, headers, body = response
        # A HEAD response keeps the Content-Length of the body it omits.
        if not any(name.lower() == "content-length" for name, _ in headers):
            headers = [*headers, ("Content-Length", str(len(body)))]
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [body]

    def _handle_aws(self, environ: dict[str, Any]) -> Response:
        protocol = request_protocol(environ)
        request_id = server_control.new_request_id()
        body, rejection = self._read_aws_body(environ, protocol, request_id)
        if rejection is not None:
            return rejection
        no_operation = protocol == "json" and names_no_operation(environ)
        # A GET without X-Amz-Target may be one that moto serves itself.
        plain_get = (
            no_operation
            and environ.get("REQUEST_METHOD") == "GET"
            and "HTTP_X_AMZ_TARGET" not in environ
        )
        if no_operation and not plain_get:
            return no_operation_error(environ, request_id)
        if protocol == "json":
            problem = json_body_error(body)
            if problem is not None:
                target = environ.get("HTTP_X_AMZ_TARGET")
                logger.warning("rejected %s: %s", target, problem)
                return aws_error(
                    protocol, 400, "SerializationException", problem, request_id
                )
        response = self._forward(environ, protocol, body, request_id, plain_get)
        if plain_get and response[0] == 404 and not response[2]:
            return no_operation_error(environ, request_id)
        return response

    def _read_aws_body(
        self, environ: dict[str, Any], protocol: str, request_id: str
    ) -> tuple[bytes, Response | None]:
        """Read the body of a JSON or query call; REST bodies (S3 objects) stay unread."""
        if protocol == "rest":
            return b"", None
        try:
            return read_body(environ, self.max_request_bytes), None
        except RequestTooLarge as error:
            message = f"{error}; the maximum is {self.max_request_bytes} bytes"
            logger.warning("rejected a request: %s", message)
            return b"", aws_error(
                protocol, 413, "RequestEntityTooLarge", message, request_id
            )
        except ValueError as error:
            logger.warning("rejected a request: %s", error)
            return b"", aws_error(protocol, 400, "BadRequest", str(error), request_id)

    def _forward(
        self,
        environ: dict[str, Any],
        protocol: str,
        body: bytes,
        request_id: str,
        keep_content_type: bool = False,
    ) -> Response:
        """Pass a request to moto, turning what it raises into an AWS-shaped error."""
        try:
            with self.gate.shared(), self.observing() as observer:
                response = call_wsgi_app(self._moto_app, environ)
                if observer is not None:
                    self.notify_observer("aws_request", environ, body, response)
        except ServerStopping:
            logger.info("rejected a request: the emulator is shutting down")
            message = "the emulator is shutting down; retry against a new server"
            return aws_error(protocol, 503, "ServiceUnavailable", message, request_id)
        except Exception as error:  # noqa: BLE001 - becomes an AWS-shaped error
            return self._moto_failure(environ, protocol, error, request_id)
        if protocol == "json" and not keep_content_type:
            # moto labels some Firehose responses text/html; AWS sends this type.
            status, headers, content = response
            headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
            response = status, [*headers, ("Content-Type", JSON_CONTENT_TYPE)], content
        return response

    def _moto_failure(
        self, environ: dict[str, Any], protocol: str, error: Exception, request_id: str
    ) -> Response:
        status, code, message = classify_exception(protocol, error)
        operation = environ.get("HTTP_X_AMZ_TARGET") or (
            f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"
        )
        with self._error_lock:
            self._error_counts[(operation, type(error).__name__)] += 1
            seen = self._error_counts[(operation, type(error).__name__)]
        if status >= 500:
            logger.error(
                "%s failed with %s: %s (request %s, seen %d times)",
                operation,
                type(error).__name__,
                error,
                request_id,
                seen,
                exc_info=error if seen == 1 else None,
            )
        else:
            logger.warning("%s rejected with %s: %s", operation, code, error)
        return aws_error(protocol, status, code, message, request_id)
