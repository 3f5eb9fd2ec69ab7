"""``firehose-emulator lint``: check a CreateDeliveryStream input before AWS does.

FILE is either the JSON input of CreateDeliveryStream (as given to
``aws firehose create-delivery-stream --cli-input-json``) or a text document,
such as a README, that contains it as a JSON block. In a document, JSON blocks
with a ``Statement`` are taken as the role's policies and the remaining prose
as notes to compare with the configuration.

Exit codes: 0 when nothing is wrong, 1 when a problem was found, 2 when an
input cannot be read.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

__all__ = ["LintInput", "lint", "read_document", "read_policy"]

POLICY_WRAPPERS = ("PolicyDocument", "AssumeRolePolicyDocument", "Document")


class UnreadableInput(Exception):
    """An input file cannot be read or contains no configuration."""


@dataclass
class LintInput:
    """The CreateDeliveryStream input of a document, with its policies and notes."""

    request: dict[str, Any]
    policies: list[dict[str, Any]] = field(default_factory=list)
    notes: str = ""


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = (
            error.strerror if isinstance(error, OSError) and error.strerror else error
        )
        raise UnreadableInput(f"cannot read {path}: {reason}") from None


def _json_blocks(
    text: str, path: Path
) -> tuple[list[tuple[int, int, Any]], str, list[tuple[int, json.JSONDecodeError]]]:
    """Return the top-level JSON objects in ``text`` with their spans, the prose,
    and the start and decoding error of each block that looks like a
    CreateDeliveryStream input but is not valid JSON.
    """
    decoder = json.JSONDecoder()
    blocks: list[tuple[int, int, Any]] = []
    broken: list[tuple[int, json.JSONDecodeError]] = []
    index = text.find("{")
    while index != -1:
        try:
            value, end = _decode(decoder, text, index, path)
        except json.JSONDecodeError as error:
            if _names_request_member(text[index : error.pos]):
                broken.append((index, error))
            index = text.find("{", index + 1)
            continue
        blocks.append((index, end, value))
        index = text.find("{", end)
    prose, position = [], 0
    for start, end, _ in blocks:
        prose.append(text[position:start])
        position = end
    prose.append(text[position:])
    return blocks, "".join(prose), broken


def _decode(
    decoder: json.JSONDecoder, text: str, index: int, path: Path
) -> tuple[Any, int]:
    try:
        return decoder.raw_decode(text, index)
    except RecursionError:
        raise _too_deep(path) from None


def _too_deep(path: Path) -> UnreadableInput:
    # Python's json module parses recursively, so the interpreter's recursion
    # limit bounds the nesting depth it accepts.
    return UnreadableInput(
        f"{path} is nested too deeply to parse: Python's json module reads at most "
        f"about {sys.getrecursionlimit()} levels of nested arrays and objects; check "
        "that this is the CreateDeliveryStream input or policy you meant"
    )


def _names_request_member(text: str) -> bool:
    return '"DeliveryStreamName"' in text or 'DestinationConfiguration"' in text


def _parse_json(text: str, path: Path) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise _too_deep(path) from None


def _is_request(value: Any) -> bool:
    return isinstance(value, dict) and (
        "DeliveryStreamName" in value
        or any(key.endswith("DestinationConfiguration") for key in value)
    )


def _looks_like_json(path: Path, text: str) -> bool:
    return path.suffix.lower() == ".json" or text.lstrip().startswith(("{", "["))


def read_document(path: Path) -> LintInput:
    """Read FILE: plain CreateDeliveryStream JSON, or a document with JSON blocks."""
    text = _read_text(path)
    try:
        whole = _parse_json(text, path)
    except ValueError as error:
        if _looks_like_json(path, text):
            raise UnreadableInput(f"{path} is not valid JSON: {error}") from None
        whole = None
    if whole is not None:
        if not _is_request(whole):
            raise UnreadableInput(
                f"{path} is JSON but not a CreateDeliveryStream input: expected an "
                "object with DeliveryStreamName and S3DestinationConfiguration or "
                "ExtendedS3DestinationConfiguration (pass policies with --policy)"
            )
        return LintInput(request=whole)
    blocks, notes, broken = _json_blocks(text, path)
    requests = [value for _, _, value in blocks if _is_request(value)]
    if not requests and broken:
        start, error = broken[0]
        line = text.count("\n", 0, start) + 1
        raise UnreadableInput(
            f"{path}: the JSON block that starts at line {line} is not valid JSON: "
            f"{error}"
        )
    if not requests:
        raise UnreadableInput(
            f"no CreateDeliveryStream input found in {path}: expected a JSON object "
            "with DeliveryStreamName and S3DestinationConfiguration or "
            "ExtendedS3DestinationConfiguration"
        )
    policies = [_unwrap(value) for _, _, value in blocks if _unwrap(value) is not None]
    return LintInput(request=requests[0], policies=policies, notes=notes)


def _unwrap(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    if "Statement" in value:
        return value
    for wrapper in POLICY_WRAPPERS:
        inner = value.get(wrapper)
        if isinstance(inner, str):
            try:
                inner = json.loads(inner)
            except ValueError:
                continue
        if isinstance(inner, dict) and "Statement" in inner:
            return inner
    return None


def read_policy(path: Path) -> dict[str, Any]:
    """Read an IAM policy document, bare or as ``aws iam get-role-policy`` prints it."""
    text = _read_text(path)
    try:
        value = _parse_json(text, path)
    except ValueError as error:
        raise UnreadableInput(f"{path} is not valid JSON: {error}") from None
    policy = _unwrap(value)
    if policy is None:
        raise UnreadableInput(f"{path} is not an IAM policy: no Statement found")
    return policy


def _default_region() -> str:
    return (
        os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or "us-east-1"
    )


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _report_text(path: Path, findings: list[Any]) -> None:
    for finding in findings:
        click.echo(f"{path}: {finding.level} [{finding.check}] {finding.message}")
    problems = [f for f in findings if f.problem]
    advice = len(findings) - len(problems)
    if not problems:
        suffix = f" ({_counted(advice, 'info finding')})" if advice else ""
        click.echo(f"{path}: no problems found{suffix}")
        return
    errors = sum(1 for f in problems if f.level == "error")
    summary = (
        f"{path}: {_counted(len(problems), 'problem')} "
        f"({_counted(errors, 'error')}, {_counted(len(problems) - errors, 'warning')})"
    )
    if advice:
        summary += f" and {_counted(advice, 'info finding')}"
    click.echo(summary)


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--policy",
    "policy_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A JSON policy of the delivery role, trust or permissions. Repeatable.",
)
@click.option(
    "--notes",
    "notes_file",
    type=click.Path(path_type=Path),
    help="A text file of notes about the stream to compare with the configuration.",
)
@click.option(
    "--ignore",
    "ignored",
    multiple=True,
    metavar="CHECK",
    help="A check to skip, such as no-delimiter. Repeatable.",
)
@click.option(
    "--region",
    default=None,
    help="The region used in ARNs that the checks build. Default: AWS_REGION, "
    "then AWS_DEFAULT_REGION, then us-east-1.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How findings are printed.",
)
@click.pass_context
def lint(
    ctx: click.Context,
    file: Path,
    policy_files: tuple[Path, ...],
    notes_file: Path | None,
    ignored: tuple[str, ...],
    region: str | None,
    output_format: str,
) -> None:
    """Check a CreateDeliveryStream configuration FILE for errors and traps."""
    from emulator.lint import CHECKS, lint_configuration

    unknown = [check for check in ignored if check not in CHECKS]
    if unknown:
        raise click.BadParameter(
            f"unknown check {unknown[0]!r}; checks: {', '.join(CHECKS)}",
            param_hint="--ignore",
        )
    try:
        document = read_document(file)
        document.policies.extend(read_policy(path) for path in policy_files)
        if notes_file is not None:
            document.notes += "\n" + _read_text(notes_file)
    except UnreadableInput as error:
        click.echo(f"firehose-emulator lint: {error}", err=True)
        ctx.exit(2)
    findings = lint_configuration(
        document.request,
        document.policies,
        document.notes,
        region=region or _default_region(),
    )
    findings = [finding for finding in findings if finding.check not in ignored]
    if output_format == "json":
        click.echo(json.dumps([finding.as_dict() for finding in findings], indent=2))
    else:
        _report_text(file, findings)
    ctx.exit(1 if any(finding.problem for finding in findings) else 0)
