"""Checks render_experiment_sample's report.html, result.json and CSV files.

Independent of the C++ code: every <svg> of the page must parse as XML and
hold one polyline per series (line charts) or one bar per value (bar
charts); the hostile experiment's markup must appear only escaped; each
runs.csv must read back with Python's csv module with one row per run of
result.json and its categories and values in the measure columns.
"""
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
EVIL = "<script>alert(1)</script>"
BINARY = None


class RenderExperimentSampleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
        subprocess.run([BINARY, cls.out, "--hostile"], check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(cls.out, "report.html"), encoding="utf-8") as f:
            cls.html = f.read()
        cls.dirs = sorted(d for d in os.listdir(cls.out)
                          if os.path.isdir(os.path.join(cls.out, d)))

    def results(self):
        for d in self.dirs:
            with open(os.path.join(self.out, d, "result.json"), encoding="utf-8") as f:
                yield d, json.load(f)

    def test_three_experiments(self):
        self.assertEqual(len(self.dirs), 3)
        self.assertEqual(self.html.count('<section class="experiment"'), 3)

    def test_svgs_are_well_formed_with_one_line_per_series(self):
        svgs = re.findall(r"<svg .*?</svg>", self.html, re.S)
        self.assertGreaterEqual(len(svgs), 5)
        for svg in svgs:
            root = ET.fromstring(svg)
            self.assertEqual(root.tag, SVG + "svg")
            self.assertEqual(root.findall(".//" + SVG + "script"), [])
            series = root.findall(".//" + SVG + "g[@class='series']")
            if "line" in root.get("class"):
                for g in series:
                    self.assertEqual(len(g.findall(SVG + "polyline")), 1)
            for text in root.iter(SVG + "text"):
                self.assertGreaterEqual(int(text.get("font-size")), 14)

    def test_hostile_text_only_escaped(self):
        self.assertNotIn("<script", self.html)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", self.html)

    def test_runs_csv_reads_back(self):
        for d, result in self.results():
            with open(os.path.join(self.out, d, "runs.csv"), newline="", encoding="utf-8") as f:
                text = f.read()
            self.assertTrue(text.endswith("\r\n"))
            rows = list(csv.reader(io.StringIO(text, newline="")))
            header, body = rows[0], rows[1:]
            self.assertEqual(len(body), len(result["runs"]), d)
            measures = [m["name"] for m in result["measures"]]
            self.assertEqual(header[-len(measures):], measures)
            for row, run in zip(body, result["runs"]):
                self.assertEqual(len(row), len(header))
                self.assertEqual(row[header.index("errored")], "true" if run["errored"] else "false")
                self.assertEqual(row[header.index("error")], run.get("error", ""))
                # Measure columns by position: a parameter may share a name.
                for m, cell in zip(measures, row[-len(measures):]):
                    if m in run.get("categories", {}):
                        self.assertEqual(cell, run["categories"][m])
                    elif m in run.get("values", {}):
                        self.assertAlmostEqual(float(cell), run["values"][m], places=9)
                    else:
                        self.assertEqual(cell, "")

    def test_points_csv_frequencies_match_json(self):
        for d, result in self.results():
            with open(os.path.join(self.out, d, "points.csv"), newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
            for i, point in enumerate(result["points"]):
                for outcome in point.get("outcomes", []):
                    for c in outcome["categories"]:
                        row = [r for r in rows if r["point"] == str(i)
                               and r["measure"] == outcome["measure"]
                               and r["statistic"] == c["category"]]
                        self.assertEqual(len(row), 1)
                        self.assertEqual(int(row[0]["count"]), c["count"])
                        self.assertAlmostEqual(float(row[0]["ci_high"]), c["ciHigh"], places=12)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main()
