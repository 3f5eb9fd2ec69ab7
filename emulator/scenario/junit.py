"""JUnit XML output of a replay: a test suite per scenario, a test case per check."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from emulator.scenario.render import render_failure
from emulator.scenario.runner import ScenarioResult

__all__ = ["junit_tree", "write_junit"]


def _suite(result: ScenarioResult) -> ET.Element:
    scenario = result.scenario
    checks = result.checks
    suite = ET.Element(
        "testsuite",
        name=scenario.name,
        file=scenario.file,
        tests=str(len(checks) + (1 if result.error else 0)),
        failures=str(len(result.failed_checks)),
        errors="1" if result.error else "0",
    )
    for check in checks:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=scenario.name,
            name=f"line {check.line}: {check.label}",
            file=scenario.file,
            line=str(check.line or 0),
        )
        if not check.passed:
            failure = ET.SubElement(
                case, "failure", message=check.mismatches[0].field + " differs"
            )
            failure.text = "\n".join(render_failure(check, scenario.file))
    if result.error is not None:
        case = ET.SubElement(
            suite, "testcase", classname=scenario.name, name="run", file=scenario.file
        )
        ET.SubElement(case, "error", message=str(result.error)).text = str(result.error)
    return suite


def junit_tree(results: list[ScenarioResult], malformed: list[str]) -> ET.ElementTree:
    """Build the JUnit XML document; each malformed file is a suite with one error."""
    root = ET.Element("testsuites", name="firehose-emulator replay")
    for result in results:
        root.append(_suite(result))
    for file in malformed:
        suite = ET.SubElement(
            root, "testsuite", name=file, tests="1", failures="0", errors="1"
        )
        case = ET.SubElement(suite, "testcase", classname=file, name="load", file=file)
        ET.SubElement(case, "error", message="malformed scenario file")
    return ET.ElementTree(root)


def write_junit(
    results: list[ScenarioResult], malformed: list[str], path: str | Path
) -> None:
    """Write the JUnit XML report of a replay to ``path``."""
    tree = junit_tree(results, malformed)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
