"""Tests of the HTML report of a replay, in Python and in headless Chromium."""

from __future__ import annotations

import html
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from emulator.cli import cli

ROOT = Path(__file__).resolve().parents[1]
VASCULAR = ROOT / "scenarios" / "vascular-inbox-events.yaml"
CHROMIUM_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
)


@pytest.fixture(scope="module")
def vascular_report(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("report") / "vascular.html"
    result = CliRunner().invoke(
        cli, ["replay", "-q", "--report", str(target), str(VASCULAR)]
    )
    assert result.exit_code == 0, result.output
    return target


def _keys(report: Path) -> list[str]:
    text = report.read_text()
    start = text.index('<table class="objects">')
    table = text[start : text.index("</table>", start)]
    return [
        html.unescape(part.split("</code>")[0]) for part in table.split("<code>")[1:]
    ]


def test_report_lists_both_vascular_objects(vascular_report):
    keys = _keys(vascular_report)

    assert len(keys) == 2
    assert keys[0].startswith(
        "vascular2026/12/04/15/message-interaction-events-1-2026-12-04-15-00-00-"
    )
    assert keys[1].startswith(
        "vascular2026/12/04/15/message-interaction-events-1-2026-12-04-15-00-18-"
    )


def test_report_draws_deliveries_with_reasons(vascular_report):
    text = vascular_report.read_text()

    assert text.count('class="delivery"') == 2
    assert 'stroke="#c0392b"' in text  # the size delivery
    assert 'stroke="#2471a3"' in text  # the interval delivery
    assert text.count('class="arrival"') == 24


def test_report_is_self_contained(vascular_report):
    text = vascular_report.read_text()

    assert "<script" not in text
    assert "src=" not in text
    assert "href=" not in text
    assert "@import" not in text


def _chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def test_report_renders_in_headless_chromium(vascular_report, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip(
            "Chromium is not installed (apt-get install -y chromium); the report is not rendered"
        )
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--dump-dom",
        vascular_report.resolve().as_uri(),
    ]

    completed = subprocess.run(command, capture_output=True, text=True, timeout=90)

    assert completed.returncode == 0, completed.stderr[-2000:]
    dom = completed.stdout
    assert "<svg" in dom
    assert 'class="objects"' in dom
    for key in _keys(vascular_report):
        assert html.escape(key) in dom
    assert "passed" in dom
