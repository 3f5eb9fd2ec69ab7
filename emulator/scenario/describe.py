"""One-line descriptions of steps, for progress lines and reports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emulator.scenario.model import Step

__all__ = ["describe_step"]


def _put(body: dict[str, Any]) -> str:
    if "records" in body:
        encoding = " base64" if body.get("encoding") == "base64" else ""
        source = f"{len(body['records'])} inline{encoding} records"
    elif "file" in body:
        source = f"the records of {body['file']}"
    else:
        spec = body["generate"]
        source = f"{spec['count']} {spec['generator']} records"
    spread = f" over {body['over']:g} s" if body.get("over") else ""
    return f"put {source} to {body['stream']}{spread}"


def _advance(body: Any) -> str:
    if isinstance(body, dict) and "to" in body:
        return f"advance the clock to {body['to']}"
    seconds = body["seconds"] if isinstance(body, dict) else body
    return f"advance the clock by {seconds:g} s"


def _stream_of(body: Any) -> str | None:
    return body.get("stream") if isinstance(body, dict) else body


def describe_step(step: Step) -> str:
    """Return a short description of ``step``, such as ``advance the clock by 60 s``."""
    body = step.body
    if step.kind == "put":
        return _put(body)
    if step.kind == "advance":
        return _advance(body)
    if step.kind == "flush":
        stream = _stream_of(body)
        return f"flush {stream}" if stream else "flush every stream"
    if step.kind == "update_destination":
        return f"update the destination of {body['stream']}"
    if step.kind == "delete_stream":
        return f"delete {_stream_of(body)}"
    if step.kind == "fault":
        kind, spec = next(iter(body.items()))
        target = _stream_of(spec) if isinstance(spec, dict) else None
        return f"fault {kind}" + (f" on {target}" if target else "")
    checks = [key for key in body if key != "bucket"]
    return f"expect {', '.join(checks)}"
