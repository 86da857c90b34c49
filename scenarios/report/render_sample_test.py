"""Checks render_sample's report.json, report.html and diagrams/*.svg.

The expectations are computed here, independently of the C++ renderer, from
report.json: one lifeline per actor ("engine", listed or only traced, always
leftmost; traced actors missing from the list appended), one arrow per run of
consecutive identical events (same from, to, method, status, reason, kind and
step), every marker label drawn.
"""
import html.parser
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
EVIL_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
BINARY = None


def esc(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def expected_lanes(scenario):
    actors = [a or "(unknown)" for a in scenario.get("actors", [])]
    trace = scenario.get("trace", [])
    lanes = []
    if "engine" in actors or any(
            e.get("from") == "engine" or e.get("to") == "engine" for e in trace):
        lanes.append("engine")
    for a in actors:
        if a not in lanes:
            lanes.append(a)
    for e in trace:
        for k in ("from", "to"):
            name = e.get(k) or "(unknown)"
            if name not in lanes:
                lanes.append(name)
    return lanes


def expected_groups(scenario):
    groups = []
    for e in scenario.get("trace", []):
        status = e.get("statusCode", "")
        key = (e.get("from", ""), e.get("to", ""), e.get("rpc", ""),
               "" if status in ("", "OK") else status, e.get("reason", ""),
               e.get("kind", "TRACE_KIND_UNSPECIFIED"), e.get("stepId", ""))
        if groups and groups[-1][0] == key:
            groups[-1][1] += 1
        else:
            groups.append([key, 1])
    return groups


class RenderSampleTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
        run = subprocess.run([BINARY, cls.out, "--hostile"], capture_output=True,
                             text=True, check=False)
        if run.returncode != 0:
            raise AssertionError("render_sample failed: " + run.stderr)
        cls.stdout = run.stdout
        with open(os.path.join(cls.out, "report.json"), encoding="utf-8") as f:
            cls.report = json.load(f)
        with open(os.path.join(cls.out, "report.html"), encoding="utf-8") as f:
            cls.html = f.read()
        cls.svgs = []
        names = sorted(os.listdir(os.path.join(cls.out, "diagrams")),
                       key=lambda n: int(re.match(r"s(\d+)", n).group(1)))
        for name in names:
            with open(os.path.join(cls.out, "diagrams", name), encoding="utf-8") as f:
                cls.svgs.append(f.read())

    def test_one_diagram_per_scenario(self):
        self.assertEqual(len(self.report["scenarios"]), 3)
        self.assertEqual(len(self.svgs), 3)

    def test_svgs_are_well_formed_with_lifelines_arrows_and_markers(self):
        for scenario, text in zip(self.report["scenarios"], self.svgs):
            root = ET.fromstring(text)  # raises on malformed XML
            self.assertEqual(root.tag, SVG + "svg")
            actors = [g.get("data-actor") for g in root.iter(SVG + "g")
                      if g.get("class") == "actor"]
            self.assertEqual(actors, expected_lanes(scenario), scenario["name"])
            lifelines = [l for l in root.iter(SVG + "line") if l.get("class") == "lifeline"]
            self.assertEqual(len(lifelines), len(actors))
            msgs = [g for g in root.iter(SVG + "g")
                    if (g.get("class") or "").startswith("msg ")]
            groups = expected_groups(scenario)
            self.assertEqual(len(msgs), len(groups), scenario["name"])
            self.assertEqual([int(g.get("data-count", "1")) for g in msgs],
                             [n for _, n in groups])
            texts = "".join("".join(t.itertext()) for t in root.iter(SVG + "text"))
            for marker in scenario.get("markers", []):
                self.assertIn(marker["label"][:31], texts)
            adversary_arrows = [g for g in msgs if "adversary" in g.get("class")]
            self.assertEqual(len(adversary_arrows),
                             sum(1 for k, _ in groups if k[5] == "ADVERSARY"))

    def test_hostile_names_appear_only_escaped(self):
        hostile = self.svgs[2]
        self.assertNotIn("<script", hostile)
        self.assertNotIn("<img", hostile)
        self.assertIn(EVIL_ESCAPED, hostile)
        root = ET.fromstring(hostile)
        self.assertIn(EVIL, [g.get("data-actor") for g in root.iter(SVG + "g")])
        self.assertNotIn("<script", self.html)
        self.assertNotIn("<img", self.html)
        self.assertIn(EVIL_ESCAPED, self.html)

    def test_html_is_offline(self):
        self.assertTrue(self.html.startswith("<!DOCTYPE html>"))
        for bad in ("<link", "<script", "<iframe", "<object", "<embed", "<img", "@import",
                    "url("):
            self.assertNotIn(bad, self.html)
        # Real tags (escaped data has "&lt;", never "<") load nothing.
        for tag in re.findall(r"<[a-zA-Z][^>]*>", self.html):
            self.assertNotRegex(tag, r"\b(src|srcset|action|data)\s*=", tag)
            self.assertNotRegex(tag, r"href\s*=\s*(?![\"']?#)", tag)
        # URLs occur only as escaped text copied from the data.
        stripped = self.html
        hostile = self.report["scenarios"][2]
        for value in [hostile["description"]] + list(hostile["endpoints"].values()):
            stripped = stripped.replace(esc(value), "")
        self.assertNotIn("http://", stripped)
        self.assertNotIn("https://", stripped)

    def test_html_embeds_well_formed_svgs(self):
        svgs = re.findall(r"<svg.*?</svg>", self.html, re.S)
        self.assertEqual(len(svgs), 3)
        for s in svgs:
            ET.fromstring(s.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1))

    def test_html_elements_are_balanced(self):
        void = {"meta", "br", "hr", "img", "input", "link", "path", "line", "rect",
                "polygon", "polyline", "circle"}

        class Checker(html.parser.HTMLParser):
            def __init__(self):
                super().__init__()
                self.stack, self.errors = [], []

            def handle_starttag(self, tag, attrs):
                if tag not in void:
                    self.stack.append(tag)

            def handle_endtag(self, tag):
                if tag in void:
                    return
                if self.stack and self.stack[-1] == tag:
                    self.stack.pop()
                else:
                    self.errors.append((tag, self.getpos()))

        checker = Checker()
        checker.feed(self.html)
        self.assertEqual(checker.errors, [])
        self.assertEqual(checker.stack, [])
        sections = re.findall(r'<section class="scenario" id="([^"]+)"', self.html)
        self.assertEqual(len(sections), 3)
        for anchor in sections:
            self.assertIn('href="#%s"' % anchor, self.html)

    def test_terminal_summary_closes_with_counts(self):
        self.assertIn("first failing step: unlock-after-revoke", self.stdout)
        self.assertIn("\n1 passed, 2 failed\n", self.stdout)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main()
