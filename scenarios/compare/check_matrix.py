"""Checks a compare.json: every scenario of the list is a row, every row has
one cell per variant in column order, and no cell FAILED except the ones the
expected-failures file pins (a variant that breaks a flow by design, e.g. a
cross-vendor share under per-vendor formats without agreements, before the
scenario states that variant's expectations). A pinned cell that does not fail,
or fails for another reason, is a problem too: the matrix changed. Writes one
JUnit case per cell (unexpected failures fail, not-applicable ones are skipped
with their reasons), so ./sct test counts each cell.

usage: check_matrix.py COMPARE_JSON LIST_TXT JUNIT_XML [EXPECTED_FAILURES_TXT]
  EXPECTED_FAILURES_TXT: lines "SCENARIO VARIANT TEXT...", TEXT a substring of
  the cell's first failure; '#' starts a comment.
"""
import json
import os
import sys
from xml.sax.saxutils import escape, quoteattr


def listed(list_path):
    base = os.path.dirname(list_path)
    out = []
    with open(list_path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                out.append(os.path.normpath(os.path.join(base, line)))
    return out


def expected_failures(path):
    """{(scenario, variant): text} from the pinned file (empty without one)."""
    out = {}
    if not path:
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                scenario, variant, text = line.split(None, 2)
                out[(scenario, variant)] = text
    return out


def main(argv):
    if len(argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        result = json.load(f)
    variants = [v["name"] for v in result.get("variants", [])]
    rows = result.get("rows", [])
    problems = []
    want = listed(argv[2])
    got = [os.path.normpath(r.get("file", "")) for r in rows]
    if got != want:
        problems.append("rows %s are not the listed scenarios %s" % (got, want))
    if not variants:
        problems.append("no variants")
    pinned = expected_failures(argv[4] if len(argv) == 5 else "")
    cases = []
    for row in rows:
        cells = row.get("cells", [])
        names = [c.get("variant") for c in cells]
        if names != variants:
            problems.append("%s: cells %s, want one per variant %s"
                            % (row.get("scenario"), names, variants))
        for c in cells:
            case = "%s under %s" % (row.get("scenario"), c.get("variant"))
            outcome = c.get("outcome")
            want = pinned.pop((row.get("scenario"), c.get("variant")), None)
            if want is not None:
                why = c.get("firstFailure", "")
                if outcome == "COMPARE_FAILED" and want in why:
                    cases.append((case, "<system-out>%s</system-out>" % escape(
                        "expected difference: " + why)))
                else:
                    cases.append((case, "<failure message=%s/>" % quoteattr(
                        "pinned to fail with %r, got %s %s" % (want, outcome, why))))
                    problems.append("%s: pinned to fail with %r, got %s %s"
                                    % (case, want, outcome, why))
            elif outcome == "COMPARE_PASSED":
                cases.append((case, ""))
            elif outcome == "COMPARE_NOT_APPLICABLE":
                why = "; ".join(c.get("notApplicableReasons", [])) or "no reason given"
                cases.append((case, "<skipped message=%s/>" % quoteattr(why)))
                if why == "no reason given":
                    problems.append(case + ": not applicable without a reason")
            else:
                why = c.get("firstFailure", "") or outcome
                cases.append((case, "<failure message=%s/>" % quoteattr(why)))
                problems.append("%s: %s" % (case, why))
    for (scenario, variant), want in sorted(pinned.items()):
        problems.append("%s under %s: pinned to fail with %r, but no such cell"
                        % (scenario, variant, want))
    with open(argv[3], "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites><testsuite name="compare">\n')
        for name, body in cases:
            f.write('<testcase name=%s classname="compare">%s</testcase>\n'
                    % (quoteattr(name), body))
        f.write("</testsuite></testsuites>\n")
    for p in problems:
        print("check_matrix: " + escape(p), file=sys.stderr)
    print("check_matrix: %d rows x %d variants, %d problem(s)"
          % (len(rows), len(variants), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
