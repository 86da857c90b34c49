"""Checks a compare.json: every scenario of the list is a row, every row has
one cell per variant in column order, and no cell FAILED. Writes one JUnit
case per cell (failed cells fail, not-applicable ones are skipped with their
reasons), so ./sct test counts each cell.

usage: check_matrix.py COMPARE_JSON LIST_TXT JUNIT_XML
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


def main(argv):
    if len(argv) != 4:
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
            if outcome == "COMPARE_PASSED":
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
