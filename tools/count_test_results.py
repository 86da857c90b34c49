#!/usr/bin/env python3
"""Counts test cases from Bazel's JUnit XML; the last line printed is "N passed, M failed".

usage: count_test_results.py TESTLOGS_DIR [--extra XML]... TARGET...

Each test target's cases are read from TESTLOGS_DIR/<package>/<name>/test.xml
(or the shard files next to it). A target without any XML — it did not build,
or it crashed before GoogleTest wrote one — counts as one failed case, so a
broken target can never make the line look better. Each --extra XML is a
JUnit file from a check that runs outside `bazel test` (the architecture's
boundaries, which need `bazel query`); a missing one counts as one failure.
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET


def xml_files(testlogs, target):
    label = target.split("//", 1)[-1]
    pkg, _, name = label.partition(":")
    base = os.path.join(testlogs, pkg, name)
    files = glob.glob(os.path.join(base, "test.xml"))
    files += glob.glob(os.path.join(base, "shard_*", "test.xml"))
    return files


def count(path):
    """Returns (passed, failed, skipped) for one JUnit XML file."""
    root = ET.parse(path).getroot()
    cases = root.iter("testcase")
    passed = failed = skipped = 0
    seen = False
    for case in cases:
        seen = True
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.find("skipped") is not None or case.get("status") == "notrun" \
                or case.get("result") == "skipped":
            skipped += 1
        else:
            passed += 1
    if not seen:
        # A test binary that is not GoogleTest: Bazel writes one synthetic
        # suite with the exit status as failures/errors.
        for suite in root.iter("testsuite"):
            if int(suite.get("failures", "0")) or int(suite.get("errors", "0")):
                failed += 1
            else:
                passed += 1
            break
    return passed, failed, skipped


def main(argv):
    testlogs, rest = argv[1], argv[2:]
    extras, targets = [], []
    while rest:
        if rest[0] == "--extra" and len(rest) > 1:
            extras.append(rest[1])
            rest = rest[2:]
        else:
            targets.append(rest[0])
            rest = rest[1:]
    total = [0, 0, 0]
    for path in extras:
        if not os.path.exists(path):
            print(f"no results in {path}: counted as failed", file=sys.stderr)
            total[1] += 1
            continue
        try:
            p, f, s = count(path)
        except ET.ParseError as e:
            print(f"unreadable {path}: {e}: counted as failed", file=sys.stderr)
            p, f, s = 0, 1, 0
        total[0] += p
        total[1] += f
        total[2] += s
    for target in targets:
        files = xml_files(testlogs, target)
        if not files:
            print(f"no test results for {target}: counted as failed", file=sys.stderr)
            total[1] += 1
            continue
        for path in files:
            try:
                p, f, s = count(path)
            except ET.ParseError as e:
                print(f"unreadable {path}: {e}: counted as failed", file=sys.stderr)
                p, f, s = 0, 1, 0
            total[0] += p
            total[1] += f
            total[2] += s
    # The last line is exactly "N passed, M failed" (what CI reads); skipped
    # cases (e.g. scenarios not applicable to a relay attached by URL) are
    # counted on the line before it.
    if total[2]:
        print(f"{total[2]} skipped (neither passed nor failed)")
    print(f"{total[0]} passed, {total[1]} failed")


if __name__ == "__main__":
    main(sys.argv)
