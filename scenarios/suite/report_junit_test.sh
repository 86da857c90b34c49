#!/usr/bin/env bash
# report_junit.py: a passed scenario is a plain case, a failed one carries a
# <failure>, a not-applicable one a <skipped> with its reasons (neither passed
# nor failed); the suite's counts say so.
# usage: report_junit_test.sh REPORT_JUNIT_PY
set -euo pipefail
junit="$1"
tmp="${TEST_TMPDIR:?}"
cat >"$tmp/report.json" <<'JSON'
{"suite": "default", "passed": 1, "failed": 1, "notApplicable": 1, "scenarios": [
 {"name": "good", "passed": true, "duration": "1.5s"},
 {"name": "bad", "file": "bad.textproto", "firstFailure": "step x: expected y, got z"},
 {"name": "needs-internals", "file": "na.textproto", "notApplicable": true,
  "notApplicableReasons": ["step \"crash\": kills the relay", "topology.relay.store MEMORY"]}]}
JSON
/usr/bin/python3 "$junit" "$tmp/report.json" "$tmp/junit.xml"
/usr/bin/python3 - "$tmp/junit.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET
suite = ET.parse(sys.argv[1]).getroot().find("testsuite")
assert suite.get("tests") == "3", suite.attrib
assert suite.get("failures") == "1", suite.attrib
assert suite.get("skipped") == "1", suite.attrib
cases = {c.get("name"): c for c in suite.findall("testcase")}
assert cases["good"].find("failure") is None and cases["good"].find("skipped") is None
assert cases["bad"].find("failure") is not None and cases["bad"].find("skipped") is None
skipped = cases["needs-internals"].find("skipped")
assert skipped is not None and cases["needs-internals"].find("failure") is None
assert "kills the relay" in skipped.get("message"), skipped.get("message")
assert "topology.relay.store MEMORY" in skipped.get("message"), skipped.get("message")
print("ok")
PY
