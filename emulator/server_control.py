"""The control API of the standalone server: JSON routes under ``/_emulator/``.

Flush, advance (manual clock only), reset, stream and buffer state, the log of
deliveries, and health. ``EmulatorServer`` hands every request under
``/_emulator/`` to ``ControlAPI.handle``.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qs

# The server module imports this one, so names are read from it at call time.
from emulator import server as server_module
from emulator.errors import ConfigurationError
from emulator.server_http import RequestTooLarge, read_body

if TYPE_CHECKING:
    from emulator.server import EmulatorServer
    from emulator.server_http import Response

logger = logging.getLogger(__name__)

__all__ = ["ControlAPI", "ControlError", "json_response", "new_request_id"]


def new_request_id() -> str:
    """Return a request id for an error response."""
    return str(uuid.uuid4())


class ControlError(Exception):
    """A control API request failed; the response is ``{"error": code, "message": ...}``."""

    def __init__(
        self, status: int, code: str, message: str, headers: list[tuple[str, str]] = ()
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = list(headers)


def json_response(
    status: int, payload: Any, headers: list[tuple[str, str]] = ()
) -> Response:
    """Build a JSON response of the control API."""
    body = json.dumps(payload).encode()
    return status, [*headers, ("Content-Type", "application/json")], body


def _isoformat(moment: float) -> str:
    return (
        datetime.fromtimestamp(moment, tz=timezone.utc)
        .isoformat()
        .replace("+00:00", "Z")
    )


def _check_fields(
    payload: dict[str, Any], allowed: tuple[str, ...], route: str
) -> None:
    unknown = sorted(set(payload) - set(allowed))
    if unknown:
        expected = ", ".join(allowed) if allowed else "no fields"
        raise ControlError(
            400,
            "InvalidRequest",
            f"unknown field {unknown[0]!r} in {route}; expected {expected}",
        )


class ControlAPI:
    """The JSON API under ``/_emulator/``: flush, advance, reset, streams, deliveries, health."""

    # path: (HTTP method, handler, runs while requests are counted by the gate)
    ROUTES: ClassVar[dict[str, tuple[str, str, bool]]] = {
        "/_emulator/flush": ("POST", "flush", True),
        "/_emulator/advance": ("POST", "advance", True),
        "/_emulator/reset": ("POST", "reset", False),
        "/_emulator/streams": ("GET", "streams", True),
        "/_emulator/deliveries": ("GET", "deliveries", True),
        "/_emulator/health": ("GET", "health", True),
    }

    def __init__(self, server: EmulatorServer):
        self.server = server

    def handle(self, environ: dict[str, Any]) -> Response:
        """Handle one control request; every failure becomes a JSON error."""
        try:
            return self._dispatch(environ)
        except ControlError as error:
            logger.info(
                "rejected control request %s %s: %d %s: %s",
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
                error.status,
                error.code,
                error.message,
            )
            payload = {"error": error.code, "message": error.message}
            return json_response(error.status, payload, error.headers)
        except server_module.ServerStopping:
            logger.info(
                "rejected control request %s: shutting down", environ.get("PATH_INFO")
            )
            message = "the emulator is shutting down"
            return json_response(503, {"error": "ServerStopping", "message": message})
        except Exception as error:
            logger.exception("the control request %s failed", environ.get("PATH_INFO"))
            message = f"the control request failed: {type(error).__name__}: {error}"
            return json_response(500, {"error": "InternalError", "message": message})

    def handle_moto_reset(self, environ: dict[str, Any]) -> Response:
        """Handle moto's own ``POST /moto-api/reset`` with a full reset, in moto's response shape."""
        try:
            self.server.reset()
        except server_module.ServerStopping:
            logger.info("rejected POST /moto-api/reset: shutting down")
            message = "the emulator is shutting down"
            return json_response(503, {"error": "ServerStopping", "message": message})
        except Exception as error:
            logger.exception("POST /moto-api/reset failed")
            message = f"the reset failed: {type(error).__name__}: {error}"
            return json_response(500, {"error": "InternalError", "message": message})
        return json_response(200, {"status": "ok"})

    def _dispatch(self, environ: dict[str, Any]) -> Response:
        path = environ.get("PATH_INFO", "").rstrip("/")
        route = self.ROUTES.get(path)
        if route is None:
            paths = ", ".join(sorted(self.ROUTES))
            raise ControlError(
                404,
                "NotFound",
                f"no control API route {path!r}; the routes are {paths}",
            )
        method, handler_name, gated = route
        if environ.get("REQUEST_METHOD") != method:
            raise ControlError(
                405,
                "MethodNotAllowed",
                f"{path} accepts {method}, not {environ.get('REQUEST_METHOD')}",
                [("Allow", method)],
            )
        payload = (
            self._payload(environ, path) if method == "POST" else self._query(environ)
        )
        handler = getattr(self, f"_{handler_name}")
        if not gated:
            return json_response(200, handler(payload, path))
        with self.server.gate.shared(), self.server.observing() as observer:
            result = handler(payload, path)
            if observer is not None:
                self.server.notify_observer("control_request", handler_name, payload)
            return json_response(200, result)

    def _payload(self, environ: dict[str, Any], path: str) -> dict[str, Any]:
        try:
            body = read_body(environ, self.server.max_request_bytes)
        except RequestTooLarge as error:
            limit = self.server.max_request_bytes
            raise ControlError(
                413, "RequestEntityTooLarge", f"{error}; the maximum is {limit} bytes"
            ) from None
        except ValueError as error:
            raise ControlError(400, "BadRequest", str(error)) from None
        if not body.strip():
            return {}
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise ControlError(
                400, "InvalidJSON", f"the body of {path} is not valid JSON: {error}"
            ) from None
        except RecursionError:
            raise ControlError(
                400,
                "InvalidJSON",
                f"the body of {path} nests JSON arrays or objects too deeply to parse",
            ) from None
        if not isinstance(payload, dict):
            raise ControlError(
                400, "InvalidJSON", f"the body of {path} must be a JSON object"
            )
        return payload

    @staticmethod
    def _query(environ: dict[str, Any]) -> dict[str, Any]:
        parsed = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        return {name: values[-1] for name, values in parsed.items()}

    def _clock_fields(self) -> dict[str, Any]:
        clock = self.server.emulator.clock
        return {
            "clock": "manual" if clock.manual else "system",
            "now": _isoformat(clock.now()),
        }

    def _flush(self, payload: dict[str, Any], path: str) -> dict[str, Any]:
        _check_fields(payload, ("stream",), path)
        name = payload.get("stream")
        if name is not None and not isinstance(name, str):
            raise ControlError(
                400, "InvalidRequest", f"'stream' must be a string, not {name!r}"
            )
        try:
            attempts = self.server.emulator.flush(name)
        except ConfigurationError as error:
            raise ControlError(404, "StreamNotFound", str(error)) from None
        return {**self._clock_fields(), "deliveries": [a.as_dict() for a in attempts]}

    def _advance(self, payload: dict[str, Any], path: str) -> dict[str, Any]:
        _check_fields(payload, ("seconds",), path)
        seconds = payload.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise ControlError(
                400,
                "InvalidRequest",
                f"'seconds' must be a number of seconds, not {seconds!r}",
            )
        if not 0 <= seconds < float("inf"):
            raise ControlError(
                400,
                "InvalidRequest",
                f"'seconds' must be zero or more, not {seconds!r}",
            )
        emulator = self.server.emulator
        if not emulator.clock.manual:
            raise ControlError(
                409,
                "ClockNotManual",
                "advance needs a manual clock; this server follows the system clock. "
                "Start it with --clock manual to move time by hand.",
            )
        try:
            attempts = emulator.advance(seconds)
        except (ValueError, TypeError) as error:
            raise ControlError(400, "InvalidRequest", str(error)) from None
        except OverflowError as error:
            # An int too large for a float, such as 10**400.
            raise ControlError(
                400,
                "InvalidRequest",
                f"invalid number of seconds: {error}; the clock cannot go past "
                "9999-12-31T23:59:59Z",
            ) from None
        return {**self._clock_fields(), "deliveries": [a.as_dict() for a in attempts]}

    def _reset(self, payload: dict[str, Any], path: str) -> dict[str, Any]:
        _check_fields(payload, (), path)
        dropped = self.server.reset()
        return {"status": "ok", "dropped_records": dropped, **self._clock_fields()}

    def _streams(self, query: dict[str, Any], path: str) -> dict[str, Any]:
        _check_fields(query, (), path)
        return {**self._clock_fields(), "streams": self.server.emulator.streams()}

    def _deliveries(self, query: dict[str, Any], path: str) -> dict[str, Any]:
        _check_fields(query, ("stream",), path)
        attempts = self.server.emulator.delivery_log
        name = query.get("stream")
        if name is not None:
            attempts = [attempt for attempt in attempts if attempt.stream == name]
        return {**self._clock_fields(), "deliveries": [a.as_dict() for a in attempts]}

    def _health(self, query: dict[str, Any], path: str) -> dict[str, Any]:
        _check_fields(query, (), path)
        emulator = self.server.emulator
        return {
            "status": "ok",
            **self._clock_fields(),
            "sink": emulator.runtime.sink.describe(),
            "streams": len(emulator.streams()),
        }
