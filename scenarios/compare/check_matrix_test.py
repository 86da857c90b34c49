#!/usr/bin/python3
"""Tests of check_matrix.py on synthetic compare.json files: a complete
matrix passes, an unexpected failure fails, a pinned failure passes only while
it fails as pinned, and a pin without its cell is reported.

usage: check_matrix_test.py CHECK_MATRIX_PY
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

CHECK = None


def cell(variant, outcome, why=""):
    return {"variant": variant, "outcome": outcome, "firstFailure": why}


class CheckMatrixTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
        with open(os.path.join(self.dir, "list.txt"), "w") as f:
            f.write("a.textproto\n")

    def run_check(self, cells, pinned=None):
        result = {"variants": [{"name": c["variant"]} for c in cells],
                  "rows": [{"scenario": "a", "file": os.path.join(self.dir, "a.textproto"),
                            "cells": cells}]}
        path = os.path.join(self.dir, "compare.json")
        with open(path, "w") as f:
            json.dump(result, f)
        args = [sys.executable, CHECK, path, os.path.join(self.dir, "list.txt"),
                os.path.join(self.dir, "junit.xml")]
        if pinned is not None:
            pin = os.path.join(self.dir, "pinned.txt")
            with open(pin, "w") as f:
                f.write(pinned)
            args.append(pin)
        return subprocess.run(args, capture_output=True, text=True)

    def test_all_passed_is_ok(self):
        done = self.run_check([cell("reference", "COMPARE_PASSED"), cell("x", "COMPARE_PASSED")])
        self.assertEqual(done.returncode, 0, done.stderr)

    def test_unexpected_failure_fails(self):
        done = self.run_check([cell("reference", "COMPARE_PASSED"),
                               cell("x", "COMPARE_FAILED", "accept: no_provisioning_agreement")])
        self.assertEqual(done.returncode, 1)
        self.assertIn("a under x", done.stderr)

    def test_pinned_failure_passes_while_it_fails_as_pinned(self):
        cells = [cell("reference", "COMPARE_PASSED"),
                 cell("x", "COMPARE_FAILED", "accept: no_provisioning_agreement")]
        done = self.run_check(cells, "# comment\na x no_provisioning_agreement\n")
        self.assertEqual(done.returncode, 0, done.stderr)
        with open(os.path.join(self.dir, "junit.xml")) as f:
            self.assertIn("expected difference", f.read())

    def test_pinned_failure_with_another_reason_fails(self):
        cells = [cell("reference", "COMPARE_PASSED"), cell("x", "COMPARE_FAILED", "use: DENIED")]
        done = self.run_check(cells, "a x no_provisioning_agreement\n")
        self.assertEqual(done.returncode, 1)

    def test_pinned_cell_that_passes_fails(self):
        done = self.run_check([cell("reference", "COMPARE_PASSED"), cell("x", "COMPARE_PASSED")],
                              "a x no_provisioning_agreement\n")
        self.assertEqual(done.returncode, 1)
        self.assertIn("pinned to fail", done.stderr)

    def test_pin_without_its_cell_fails(self):
        done = self.run_check([cell("reference", "COMPARE_PASSED")], "a gone something\n")
        self.assertEqual(done.returncode, 1)
        self.assertIn("no such cell", done.stderr)


if __name__ == "__main__":
    CHECK = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0]], verbosity=2)
