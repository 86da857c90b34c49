#!/usr/bin/python3
"""Conformance runner: checks a relay at URL against every MUST and SHOULD of
draft-vinokurov-tigress-http-00's mailbox API, plus the project's
recommendations (limits), and writes a terminal summary, report.json and an
offline report.html. docs/conformance.md describes every option and check.

Exit status: 0 when every judged check passed (all levels by default,
--level=must judges MUSTs only, --level=should MUSTs and SHOULDs), 1 when one
failed or the relay did not answer at all (a first, harmless request - the
preview of a random mailbox id - is tried before any check), 2 for bad usage.
"""

import argparse
import datetime
import os
import re
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checks_mailbox  # noqa: E402,F401  (registers its checks)
import checks_more  # noqa: E402
import framework  # noqa: E402
import http_client  # noqa: E402
import report  # noqa: E402

JUDGED = {"must": (framework.MUST,), "should": (framework.MUST, framework.SHOULD),
          "all": framework.LEVELS}
DEFAULT_SPEC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                            "relay-api.yaml")


def duration(text):
    """`90s`, `2m`, `1.5s`, `500ms` or a number of seconds; `skip` or 0 -> 0."""
    if text in ("skip", "0", ""):
        return 0.0
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)?", text)
    if not m:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 3s, 1m, skip)")
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[m.group(2)]
    return float(m.group(1)) * scale


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="sct conformance",
        description="Check a relay against draft-vinokurov-tigress-http-00 (docs/conformance.md).")
    p.add_argument("url", nargs="?", help="the relay's base URL, e.g. https://relay.example:8443")
    p.add_argument("--ca", help="PEM file of the roots to trust for https (default: system)")
    p.add_argument("--out", default="out/conformance",
                   help="directory for report.json and report.html (default out/conformance)")
    p.add_argument("--level", choices=sorted(JUDGED), default="all",
                   help="which levels decide the exit status (default all)")
    p.add_argument("--only", action="append", default=[],
                   help="run only checks whose id is or starts with GROUP or GROUP/ID "
                        "(repeatable; e.g. --only preview --only read.binding.race)")
    p.add_argument("--list", action="store_true", help="list every check and exit")
    p.add_argument("--markdown", action="store_true",
                   help="with --list: as the Markdown table of docs/conformance.md")
    p.add_argument("--no-rate-limit", action="store_true",
                   help="skip the checks that trip the relay's rate limits")
    p.add_argument("--rate-probe", type=positive, default=2000,
                   help="most requests a rate check sends before calling the limit absent")
    p.add_argument("--expiry-ttl", type=duration, default=3.0,
                   help="how far ahead the expiry check sets a mailbox's expiration (the "
                        "shortest the relay allows; default 3s); 'skip' skips the check")
    p.add_argument("--max-body", type=int, default=65536,
                   help="the relay's payload limit in raw bytes (default 65536, the project's "
                        "recommendation); 0 skips the oversize check")
    p.add_argument("--readers", type=positive, default=16,
                   help="receivers racing for one mailbox in read.binding.race (default 16)")
    p.add_argument("--timeout", type=duration, default=10.0,
                   help="bound on each request: connect, send and answer (default 10s)")
    p.add_argument("--max-response", type=positive, default=1 << 20,
                   help="bytes read of an answer at most (default 1 MiB)")
    p.add_argument("--spec", default=DEFAULT_SPEC,
                   help="the OpenAPI description used for response shapes "
                        "(default docs/relay-api.yaml; 'none' skips shape validation)")
    p.add_argument("--quiet", action="store_true", help="print only the summary lines")
    args = p.parse_args(argv)
    if not args.list and not args.url:
        p.error("the relay's URL is required (or --list)")
    here = os.environ.get("BUILD_WORKING_DIRECTORY")  # under `bazel run`: the user's cwd
    if here:
        args.out = os.path.join(here, args.out)
        args.ca = os.path.join(here, args.ca) if args.ca else None
    return args


def selected(args):
    chosen = []
    for c in sorted(framework.REGISTRY, key=lambda c: c.order):
        if args.only and not any(_matches(c.id, pat) for pat in args.only):
            continue
        chosen.append(c)
    return chosen


def _matches(check_id, pattern):
    pattern = pattern.replace("/", ".")
    return check_id == pattern or check_id.startswith(pattern + ".")


def list_checks(checks, markdown):
    if markdown:
        print("| Check | Level | Draft section | What it asserts |")
        print("|---|---|---|---|")
    for c in checks:
        if markdown:
            print(f"| `{c.id}` | {c.level} | {c.section} | {c.text.replace('|', '/')} |")
        else:
            print(f"{c.id}\t{c.group}\t{c.level}\t{c.section}\t{c.text}")


def load_spec(path):
    if path == "none":
        return None
    import yaml
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def run_one(c, client, options, spec):
    result = {"id": c.id, "group": c.group, "level": c.level, "section": c.section,
              "text": c.text, "status": "pass", "message": "", "evidence": []}
    reason = checks_more.requirement_skip(c, options)
    if reason:
        result.update(status="skip", message=reason)
        return result
    ctx = framework.Context(client, options, spec)
    started = time.monotonic()
    try:
        c.fn(ctx)
    except framework.Failed as f:
        result.update(status="fail", message=str(f), evidence=f.evidence[-8:])
    except framework.Skipped as s:
        result.update(status="skip", message=str(s))
    except Exception as e:  # a check's own defect or an unexpected answer shape
        result.update(status="error", message=f"{type(e).__name__}: {e}",
                      evidence=ctx.evidence[-8:])
    result["seconds"] = round(time.monotonic() - started, 3)
    return result


def preflight(client):
    """The error of a first, harmless request (the preview of a random mailbox
    id, which changes nothing), or None when the relay answered at all."""
    try:
        client.request("GET", "/v1/m/" + str(uuid.uuid4()))
    except http_client.HttpError as e:
        return str(e)
    return None


def write_reports(out, results, meta):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "report.json"), "w", encoding="utf-8") as f:
        f.write(report.to_json(results, meta))
    with open(os.path.join(out, "report.html"), "w", encoding="utf-8") as f:
        f.write(report.to_html(results, meta))


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    checks = selected(args)
    if args.list:
        list_checks(checks, args.markdown)
        return 0
    if not checks:
        print("sct conformance: --only matched no check (see --list)", file=sys.stderr)
        return 2
    try:
        client = http_client.Client(args.url, args.ca, args.timeout, args.max_response)
        spec = load_spec(args.spec)
    except (ValueError, OSError) as e:
        print(f"sct conformance: {e}", file=sys.stderr)
        return 2
    options = framework.Options(rate_limit=not args.no_rate_limit, rate_probe=args.rate_probe,
                                expiry_ttl=args.expiry_ttl, max_body=args.max_body,
                                readers=args.readers)
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    t0 = time.monotonic()
    results = []
    unreachable = preflight(client)
    for c in checks:
        if unreachable:
            results.append({"id": c.id, "group": c.group, "level": c.level,
                            "section": c.section, "text": c.text, "status": "error",
                            "message": "not run: the relay did not answer",
                            "evidence": [], "seconds": 0})
            continue
        results.append(run_one(c, client, options, spec))
        if not args.quiet:
            r = results[-1]
            print(f"  {r['status']:<5} {r['id']}", file=sys.stderr, flush=True)
    judged = JUDGED[args.level]
    meta = {"url": args.url, "started": started, "seconds": time.monotonic() - t0,
            "judging": "+".join(judged), "out": os.path.abspath(args.out),
            "passed": not report.judged_failures(results, judged)}
    if unreachable:
        meta["unreachable"] = unreachable
    write_reports(args.out, results, meta)
    print(report.terminal(results, meta))
    return 0 if meta["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
