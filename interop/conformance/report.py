"""The conformance runner's outputs: a terminal summary, report.json and one
offline report.html (no external assets, every value escaped)."""

import html
import json

from framework import DRAFT, GROUPS

STATUS_ORDER = {"fail": 0, "error": 1, "pass": 2, "skip": 3}


def counts(results):
    out = {"pass": 0, "fail": 0, "error": 0, "skip": 0}
    for r in results:
        out[r["status"]] += 1
    return out


def judged_failures(results, levels):
    """Failed (or errored) checks whose level the run judges."""
    return [r for r in results if r["status"] in ("fail", "error") and r["level"] in levels]


def terminal(results, meta):
    lines = [f"conformance of {meta['url']} to {DRAFT} (judging {meta['judging']})"]
    if meta.get("unreachable"):
        lines.append(f"  no check ran: the relay did not answer ({meta['unreachable']})")
        lines.append(f"0 passed, {len(results)} failed, 0 skipped ({meta['seconds']:.1f} s)")
        lines.append(f"verdict: FAIL (judging {meta['judging']}); report: {meta.get('out', '-')}")
        return "\n".join(lines)
    for group, title in GROUPS.items():
        rows = [r for r in results if r["group"] == group]
        if not rows:
            continue
        lines.append(f"  {title}")
        for r in sorted(rows, key=lambda r: STATUS_ORDER[r["status"]]):
            mark = {"pass": "ok  ", "fail": "FAIL", "error": "ERR ", "skip": "skip"}[r["status"]]
            line = f"    {mark} {r['level']:<11} {r['id']}"
            if r["status"] != "pass":
                line += f"  - {r['message']}"
            lines.append(line)
    c = counts(results)
    lines.append(f"{c['pass']} passed, {c['fail'] + c['error']} failed, {c['skip']} skipped "
                 f"({meta['seconds']:.1f} s)")
    failed = [r for r in results if r["status"] in ("fail", "error")]
    if failed:
        by_level = {}
        for r in failed:
            by_level.setdefault(r["level"], []).append(r["id"])
        for level, ids in by_level.items():
            lines.append(f"  {level} failures: {', '.join(ids)}")
    lines.append(f"verdict: {'PASS' if meta['passed'] else 'FAIL'}"
                 f" (judging {meta['judging']}); report: {meta.get('out', '-')}")
    return "\n".join(lines)


def to_json(results, meta):
    return json.dumps({"draft": DRAFT, **meta, "counts": counts(results), "checks": results},
                      indent=2, ensure_ascii=False)


CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d1d1f;max-width:1100px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:22px 0 6px}
.meta{color:#555;margin-bottom:12px} table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #e3e3e3;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f7;font-weight:600} code{font:12px ui-monospace,monospace}
.b{display:inline-block;padding:1px 7px;border-radius:9px;font-size:11px;font-weight:700;color:#fff}
.MUST{background:#b3261e}.SHOULD{background:#b86e00}.RECOMMENDED{background:#4a5fc1}
.pass{background:#2e7d32}.fail,.error{background:#b3261e}.skip{background:#888}
.verdict{font-size:18px;font-weight:700;margin:8px 0}.ok{color:#2e7d32}.bad{color:#b3261e}
pre{white-space:pre-wrap;word-break:break-all;background:#faf6f5;border-left:3px solid #b3261e;
padding:6px 8px;margin:4px 0;font:12px ui-monospace,monospace}
"""


def _badge(cls, text):
    return f'<span class="b {html.escape(cls)}">{html.escape(text)}</span>'


def _row(r):
    e = html.escape
    detail = e(r["text"])
    if r["status"] != "pass":
        detail += f"<br><b>{e(r['message'])}</b>"
    if r.get("evidence"):
        detail += "<pre>" + e("\n".join(r["evidence"])) + "</pre>"
    return (f"<tr><td>{_badge(r['status'], r['status'])}</td><td>{_badge(r['level'], r['level'])}"
            f"</td><td><code>{e(r['id'])}</code></td><td>{e(r['section'])}</td>"
            f"<td>{detail}</td></tr>")


def to_html(results, meta):
    e = html.escape
    c = counts(results)
    head = ("<tr><th>result</th><th>level</th><th>check</th><th>draft section</th>"
            "<th>what it asserts</th></tr>")
    parts = [
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">",
        f"<title>Relay conformance: {e(meta['url'])}</title><style>{CSS}</style></head><body>",
        f"<h1>Relay conformance to {e(DRAFT)}</h1>",
        f"<div class=\"meta\">{e(meta['url'])} · {e(meta['started'])} · "
        f"{meta['seconds']:.1f} s · judging {e(meta['judging'])}</div>",
        f"<div class=\"verdict {'ok' if meta['passed'] else 'bad'}\">"
        f"{'PASS' if meta['passed'] else 'FAIL'}: {c['pass']} passed, "
        f"{c['fail'] + c['error']} failed, {c['skip']} skipped</div>",
    ]
    if meta.get("unreachable"):
        parts.append(f"<p>No check ran: the relay did not answer a first request "
                     f"({e(meta['unreachable'])}).</p>")
    failed = [r for r in results if r["status"] in ("fail", "error")]
    if failed:
        parts.append(f"<h2>Failures</h2><table>{head}")
        parts.extend(_row(r) for r in failed)
        parts.append("</table>")
    for group, title in GROUPS.items():
        rows = [r for r in results if r["group"] == group]
        if rows:
            rows.sort(key=lambda r: STATUS_ORDER[r["status"]])
            parts.append(f"<h2>{e(title)}</h2><table>{head}")
            parts.extend(_row(r) for r in rows)
            parts.append("</table>")
    parts.append("</body></html>\n")
    return "".join(parts)
