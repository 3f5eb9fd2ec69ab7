"""Checks of prose notes about a delivery stream against its configuration.

A note is one line of the prose. Lines that mention a prefix, the buffering
hints, the time in keys or the error log are compared with what the
configuration makes Firehose do.
"""

from __future__ import annotations

import re
from typing import Any

from emulator.lint import Finding, error_prefix_used, example_key

__all__ = ["notes_findings"]

_PATH_TOKEN = re.compile(r"[A-Za-z0-9_.!{}:\-]+/(?:[A-Za-z0-9_.!{}:\-]+/?)*")
_TIME_SEGMENT = re.compile(r"^(?:y{2,4}|Y{2,4}|MM|DD|dd|HH|hh|mm|!\{[^}]*\})$")
_DELIVERY_TIME = re.compile(
    r"time\s+(?:the\s+)?(?:data|records?|files?|objects?|events?)\s+"
    r"(?:was|were|is|are)\s+delivered|delivery\s+time",
    re.IGNORECASE,
)
_OPTIONAL = re.compile(r"\bif needed\b|\boptional(?:ly)?\b", re.IGNORECASE)
_SIZE_CLAIM = re.compile(r"(\d+(?:\.\d+)?)\s*(?:MB|MiB|megabytes?)\b", re.IGNORECASE)
_INTERVAL_CLAIM = re.compile(r"(\d+)\s*(?:seconds?|secs?|s)\b", re.IGNORECASE)


def notes_findings(name: str, destination: dict[str, Any], notes: str) -> list[Finding]:
    """Return a finding for each claim in ``notes`` that the configuration contradicts."""
    findings: list[Finding] = []
    for sentence in _sentences(notes):
        lowered = sentence.lower()
        if "prefix" in lowered and "error" in lowered:
            findings.extend(_error_prefix_claims(name, destination, sentence))
        elif "prefix" in lowered:
            findings.extend(_prefix_claims(name, destination, sentence))
        if "buffer" in lowered or "flush" in lowered:
            findings.extend(_buffering_claims(destination, sentence))
        findings.extend(_time_claims(destination, sentence))
        findings.extend(_logging_claims(sentence))
    return findings


def _time_claims(destination: dict[str, Any], sentence: str) -> list[Finding]:
    claim = _DELIVERY_TIME.search(sentence)
    if claim is None:
        return []
    zone = destination.get("CustomTimeZone") or "UTC"
    message = (
        f"the notes date objects by {claim.group(0)!r}, but the time in a key is "
        f"the arrival time of the oldest record in the object, in {zone}"
    )
    return [Finding("warning", "notes-time", message)]


def _logging_claims(sentence: str) -> list[Finding]:
    if "log group" not in sentence.lower() or not _OPTIONAL.search(sentence):
        return []
    message = (
        f"the notes say {_quote(sentence)}, but with Enabled true AWS rejects the "
        "request without a LogGroupName, and Firehose writes errors only to a log "
        "group and log stream that already exist"
    )
    return [Finding("warning", "notes-logging", message)]


def _sentences(notes: str) -> list[str]:
    lines = [line.strip(" \t•*-") for line in notes.splitlines()]
    return [line for line in lines if line]


def _quote(sentence: str, limit: int = 160) -> str:
    text = " ".join(sentence.split())
    return f'"{text if len(text) <= limit else text[: limit - 3] + "..."}"'


def _path_tokens(sentence: str) -> list[str]:
    """Return the words of ``sentence`` that look like key paths, without end punctuation."""
    return [token.rstrip(".,;:") for token in _PATH_TOKEN.findall(sentence)]


def _literal_part(path: str) -> str:
    segments = path.split("/")
    while segments and (not segments[-1] or _TIME_SEGMENT.match(segments[-1])):
        segments.pop()
    literal = "/".join(segments)
    return literal + "/" if literal and path.startswith(literal + "/") else literal


def _configured_literal(template: str | None) -> str:
    return (template or "").split("!{", 1)[0]


def _prefix_claims(
    name: str, destination: dict[str, Any], sentence: str
) -> list[Finding]:
    actual = _configured_literal(destination.get("Prefix"))
    findings = []
    for token in _path_tokens(sentence):
        if _literal_part(token) == actual:
            continue
        findings.append(
            Finding(
                "warning",
                "notes-prefix",
                f"the notes say objects go under {token}, but Prefix is "
                f"{destination.get('Prefix', '')!r}, so keys look like "
                f"{example_key(name, destination)}",
            )
        )
    return findings


def _error_prefix_claims(
    name: str, destination: dict[str, Any], sentence: str
) -> list[Finding]:
    findings = []
    lowered = sentence.lower()
    if "deliver" in lowered and "fail" in lowered:
        findings.append(
            Finding(
                "warning",
                "notes-delivery-failures",
                f"the notes say {_quote(sentence)}, but records that fail delivery to "
                "S3 are never written under the error prefix: Firehose retries the "
                "delivery for 24 hours and then drops them; only records that fail "
                "processing go there",
            )
        )
    configured = destination.get("ErrorOutputPrefix")
    actual = _configured_literal(configured)
    for token in _path_tokens(sentence):
        if _literal_part(token) == actual:
            continue
        if configured and error_prefix_used(destination):
            where = (
                f"error objects look like {example_key(name, destination, error=True)}"
            )
        elif configured:
            where = "this stream never writes there"
        else:
            where = "no ErrorOutputPrefix is set"
        findings.append(
            Finding(
                "warning",
                "notes-error-prefix",
                f"the notes name the error prefix {token}, but ErrorOutputPrefix is "
                f"{configured!r} and {where}",
            )
        )
    return findings


def _buffering_claims(destination: dict[str, Any], sentence: str) -> list[Finding]:
    hints = destination["BufferingHints"]
    findings = []
    sizes = [float(value) for value in _SIZE_CLAIM.findall(sentence)]
    if sizes and hints["SizeInMBs"] not in sizes:
        findings.append(
            _buffering_finding(sentence, f"SizeInMBs is {hints['SizeInMBs']}")
        )
    intervals = [int(value) for value in _INTERVAL_CLAIM.findall(sentence)]
    if intervals and hints["IntervalInSeconds"] not in intervals:
        findings.append(
            _buffering_finding(
                sentence, f"IntervalInSeconds is {hints['IntervalInSeconds']}"
            )
        )
    return findings


def _buffering_finding(sentence: str, actual: str) -> Finding:
    return Finding(
        "warning", "notes-buffering", f"the notes say {_quote(sentence)}, but {actual}"
    )
