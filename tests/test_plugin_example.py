"""The example emitter project's own tests pass under pytest-xdist with the plugin's fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "vascular_emitter"


def test_example_project_two_workers_all_pass():
    # The project root comes first, so that the subprocess imports this
    # checkout's packages whatever the installed copy is.
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider"],
        cwd=EXAMPLE,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "10 passed" in result.stdout, output
