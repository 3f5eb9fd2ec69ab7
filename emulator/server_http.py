"""HTTP helpers of the standalone server: request bodies, protocols and AWS-shaped errors.

AWS APIs use one of three protocols, and each SDK parses errors in its own
protocol's shape. JSON-protocol services (Firehose, CloudWatch Logs) take an
``X-Amz-Target`` header and a JSON body. Query-protocol services (IAM, STS)
take a form body, and REST services (S3) use the path, headers and XML.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from werkzeug.serving import WSGIRequestHandler

from emulator.moto_glue import raised_while_parsing

logger = logging.getLogger(__name__)

__all__ = [
    "JSON_CONTENT_TYPE",
    "MISSING_OPERATION_MESSAGE",
    "QuietRequestHandler",
    "RequestTooLarge",
    "Response",
    "aws_error",
    "call_wsgi_app",
    "classify_exception",
    "json_body_error",
    "names_no_operation",
    "no_operation_error",
    "read_body",
    "request_protocol",
    "signing_scope",
]

JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
JSON_CONTENT_TYPE_PREFIX = "application/x-amz-json-"
READ_CHUNK_BYTES = 65536
DISCARD_LIMIT_BYTES = 64 * 1024 * 1024

# The region and service of a SigV4 signature's credential scope.
CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
MISSING_OPERATION_MESSAGE = (
    "the request names no operation: send the X-Amz-Target header as "
    "SERVICE.Operation, such as Firehose_20150804.PutRecord"
)

Response = tuple[int, list[tuple[str, str]], bytes]


class RequestTooLarge(Exception):
    """The request body is larger than the server accepts."""


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's handler, with the access log line sent to DEBUG."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logger.debug("%s %s -> %s", self.command, self.path, code)


def request_protocol(environ: dict[str, Any]) -> str:
    """Return the AWS protocol of a request: ``json``, ``query`` or ``rest``.

    A request is JSON-protocol when it has an ``X-Amz-Target`` header (even an
    empty one), a ``application/x-amz-json-*`` body, or a signature for
    Firehose, which has no other protocol.
    """
    content_type = environ.get("CONTENT_TYPE", "")
    if (
        "HTTP_X_AMZ_TARGET" in environ
        or content_type.startswith(JSON_CONTENT_TYPE_PREFIX)
        or signing_scope(environ)[1] == "firehose"
    ):
        return "json"
    if content_type.startswith("application/x-www-form-urlencoded"):
        return "query"
    return "rest"


def signing_scope(environ: dict[str, Any]) -> tuple[str | None, str | None]:
    """Return the region and service that a SigV4 ``Authorization`` header names."""
    match = CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return (match.group(1), match.group(2)) if match else (None, None)


def names_no_operation(environ: dict[str, Any]) -> bool:
    """Return whether a JSON-protocol request lacks the operation in ``X-Amz-Target``.

    The header is missing, empty, or ends at the dot, as in
    ``Firehose_20150804.``. A value without a dot is left to moto, which
    rejects it as an unknown operation.
    """
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target is None or not target.strip():
        return True
    _, dot, operation = target.partition(".")
    return bool(dot) and not operation.strip()


def read_body(environ: dict[str, Any], limit: int) -> bytes:
    """Read the whole request body, raising ``RequestTooLarge`` past ``limit`` bytes.

    The body is put back as a ``BytesIO`` with its ``Content-Length``, so the
    application behind reads it as usual. An oversized body is read and
    discarded (up to ``DISCARD_LIMIT_BYTES``) so that the client, still
    sending, receives the 413 response instead of a reset connection.

    NOTE: the limit applies to the body as sent. moto decompresses a body
    sent with ``Content-Encoding: gzip`` afterwards, with no limit of its own.
    """
    stream = environ["wsgi.input"]
    length = (environ.get("CONTENT_LENGTH") or "").strip()
    if length and not length.isdigit():
        raise ValueError(f"invalid Content-Length header {length!r}")
    if length:
        size = int(length)
        if size > limit:
            _discard(stream, size)
            raise RequestTooLarge(f"the request body is {size} bytes")
        body = stream.read(size)
    elif environ.get("wsgi.input_terminated"):
        body = _read_to_end(stream, limit)
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("wsgi.input_terminated", None)
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    return body


def _discard(stream: Any, size: int | None) -> None:
    remaining = DISCARD_LIMIT_BYTES if size is None else min(size, DISCARD_LIMIT_BYTES)
    while remaining > 0:
        chunk = stream.read(min(READ_CHUNK_BYTES, remaining))
        if not chunk:
            return
        remaining -= len(chunk)


def _read_to_end(stream: Any, limit: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(READ_CHUNK_BYTES)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > limit:
            _discard(stream, None)
            raise RequestTooLarge(f"the chunked request body is over {limit} bytes")
        chunks.append(chunk)


def aws_error(
    protocol: str, status: int, code: str, message: str, request_id: str
) -> Response:
    """Build an error response in the shape AWS SDKs parse for ``protocol``."""
    headers = [("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", code)]
    if protocol == "json":
        body = json.dumps({"__type": code, "message": message}).encode()
        return status, [*headers, ("Content-Type", JSON_CONTENT_TYPE)], body
    detail = f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
    if protocol == "query":
        kind = "Sender" if status < 500 else "Receiver"
        text = (
            f"<ErrorResponse><Error><Type>{kind}</Type>{detail}</Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    else:
        text = f"<Error>{detail}<RequestId>{request_id}</RequestId></Error>"
    return status, [*headers, ("Content-Type", "application/xml")], text.encode()


def json_body_error(body: bytes) -> str | None:
    """Return why a JSON-protocol request body is malformed, or None when it is not."""
    if not body.strip():
        return None
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        return f"the request body is not valid JSON: {error}"
    except RecursionError:
        return "the request body nests JSON arrays or objects too deeply to parse"
    if not isinstance(document, dict):
        return "the request body must be a JSON object"
    return None


def classify_exception(protocol: str, error: Exception) -> tuple[int, str, str]:
    """Map an exception raised inside moto to an AWS status, error code and message."""
    from botocore.model import OperationNotFoundError

    if isinstance(error, OperationNotFoundError):
        code = "UnknownOperationException" if protocol == "json" else "InvalidAction"
        return (
            400,
            code,
            f"the operation {error} is not a known operation of this service",
        )
    if raised_while_parsing(error):
        code = {"json": "SerializationException", "query": "InvalidParameterValue"}
        return (
            400,
            code.get(protocol, "InvalidRequest"),
            f"the request does not match the operation's input shape: {error}",
        )
    code = "InternalError" if protocol == "rest" else "InternalFailure"
    return (
        500,
        code,
        f"the emulator failed to handle the request: {type(error).__name__}",
    )


def no_operation_error(environ: dict[str, Any], request_id: str) -> Response:
    """Log and build the 400 ``UnknownOperationException`` of a call with no operation."""
    logger.warning(
        "rejected %s %s: X-Amz-Target %r names no operation",
        environ.get("REQUEST_METHOD"),
        environ.get("PATH_INFO"),
        environ.get("HTTP_X_AMZ_TARGET"),
    )
    return aws_error(
        "json",
        400,
        "UnknownOperationException",
        MISSING_OPERATION_MESSAGE,
        request_id,
    )


def call_wsgi_app(app: Any, environ: dict[str, Any]) -> Response:
    """Call a WSGI application and return its status, headers and whole body."""
    captured: dict[str, Any] = {}

    def capture_start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        captured["status"] = int(status.split(None, 1)[0])
        captured["headers"] = headers
        return captured.setdefault("written", bytearray()).extend

    result = app(environ, capture_start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    written = bytes(captured.get("written", b""))
    headers = [
        (name, value)
        for name, value in captured["headers"]
        if name.lower() not in ("transfer-encoding", "connection")
    ]
    return captured["status"], headers, written + body
