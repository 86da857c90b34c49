#!/usr/bin/env python3
"""Turns the engine's report.json into JUnit XML: one test case per scenario.

usage: report_junit.py REPORT_JSON JUNIT_XML

So `./sct test` counts each scenario of the suite as one case. A failed
scenario's case carries its first failure; a scenario not applicable to the
relay under test (notApplicable: it needs the relay's internals) is a skipped
case carrying its reasons, neither passed nor failed; a missing or unreadable
report is an error (exit 1) rather than an empty pass.
"""
import json
import sys
import xml.etree.ElementTree as ET


def seconds(duration):
    # proto3 JSON Duration: "12.345s"
    try:
        return float(str(duration or "0s").rstrip("s"))
    except ValueError:
        return 0.0


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        report = json.load(f)
    scenarios = report.get("scenarios", [])
    suite = ET.Element("testsuite", name=report.get("suite") or "scenarios")
    failures = 0
    skipped = 0
    for s in scenarios:
        case = ET.SubElement(suite, "testcase", name=s.get("name", "?"),
                             classname="scenarios.suite",
                             time="%.3f" % seconds(s.get("duration")))
        if s.get("notApplicable", False):
            skipped += 1
            reasons = s.get("notApplicableReasons", [])
            skip = ET.SubElement(case, "skipped",
                                 message="not applicable: " + "; ".join(reasons))
            skip.text = s.get("file", "")
        elif not s.get("passed", False):
            failures += 1
            failure = ET.SubElement(case, "failure",
                                    message=s.get("firstFailure") or "failed")
            failure.text = s.get("file", "")
    suite.set("tests", str(len(scenarios)))
    suite.set("failures", str(failures))
    suite.set("skipped", str(skipped))
    root = ET.Element("testsuites")
    root.append(suite)
    ET.ElementTree(root).write(argv[2], encoding="utf-8", xml_declaration=True)
    print("%d scenarios, %d failed, %d not applicable" %
          (len(scenarios), failures, skipped))
    return 0 if scenarios else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
