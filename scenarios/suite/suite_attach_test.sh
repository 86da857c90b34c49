#!/usr/bin/env bash
# The default suite against the project's relay started by hand and attached
# by its URL only (no gRPC address, no sim services): devices reach it over
# the draft's HTTP API. Passes when no scenario failed, the scenarios reported
# not applicable are exactly those listed in NOT_APPLICABLE_LIST (one name a
# line: those that need the relay's internals), each with its reasons, and the
# report names the relay's URL and says devices polled (the relay is started
# without push routes).
# usage: suite_attach_test.sh SCT_SCENARIO REPORT_JUNIT_PY RELAY_SERVER PKI_SH
#        NOT_APPLICABLE_LIST SUITE_FILE...
set -uo pipefail
engine="$1"; junit="$2"; relay="$3"; pki="$4"; expected="$5"; shift 5
tmp="${TEST_TMPDIR:?}"
out="${TEST_UNDECLARED_OUTPUTS_DIR:-$tmp}/out"

bash "$pki" "$tmp/pki" >"$tmp/pki.log" || { cat "$tmp/pki.log" >&2; exit 1; }

# The relay as an interop team would start theirs: TLS with its own
# certificate, its own store, no push routes. Every device of the run shares
# the loopback address, so the per-address limit on failed lookups is raised.
exec 3< <(exec "$relay" --http_listen=127.0.0.1:0 --grpc_listen=127.0.0.1:0 --store=sqlite \
  --sqlite_path="$tmp/relay.db" --tls_cert="$tmp/pki/relay.crt" --tls_key="$tmp/pki/relay.key" \
  --failed_lookups_per_window=100000 2>"$tmp/relay.stderr")
relay_pid=$!
trap 'kill "$relay_pid" 2>/dev/null; wait "$relay_pid" 2>/dev/null' EXIT
line=""
if ! read -r -t 60 line <&3; then
  echo "suite_attach_test: relay_server printed no startup line" >&2
  cat "$tmp/relay.stderr" >&2
  exit 1
fi
http="$(sed -n 's/.*http=\([^ ]*\).*/\1/p' <<<"$line")"
port="${http##*:}"
if [[ -z "$port" ]]; then
  echo "suite_attach_test: no http=HOST:PORT in \"$line\"" >&2
  exit 1
fi
url="https://127.0.0.1:$port"
echo "relay started by hand: $url"

rc=0
"$engine" run --out="$out" --work_dir="$tmp/work" --jobs=2 --no_color \
  --attach_relay_url="$url" --attach_relay_ca="$tmp/pki/ca.crt" "$@" || rc=$?
if [[ ! -f "$out/report.json" ]]; then
  echo "suite_attach_test: the engine wrote no report (exit $rc)" >&2
  exit 1
fi
/usr/bin/python3 "$junit" "$out/report.json" "${XML_OUTPUT_FILE:-$tmp/junit.xml}" || exit 1
/usr/bin/python3 - "$out/report.json" "$expected" "$url" <<'PY' || exit 1
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
expected = {l.strip() for l in open(sys.argv[2], encoding="utf-8")
            if l.strip() and not l.startswith("#")}
url = sys.argv[3]
problems = []
scenarios = report.get("scenarios", [])
na = {s["name"] for s in scenarios if s.get("notApplicable")}
failed = [s["name"] for s in scenarios if not s.get("passed") and not s.get("notApplicable")]
if failed:
    problems.append("failed: %s" % ", ".join(sorted(failed)))
if na != expected:
    problems.append("not applicable but not expected: %s; expected but applicable: %s" %
                    (sorted(na - expected), sorted(expected - na)))
for s in scenarios:
    if s.get("notApplicable") and not all(r.strip() for r in s.get("notApplicableReasons", [""])):
        problems.append("%s: not applicable without a reason" % s["name"])
    if s.get("notApplicable") and not s.get("notApplicableReasons"):
        problems.append("%s: not applicable without a reason" % s["name"])
env = report.get("environment", {})
if url not in env.get("relay", ""):
    problems.append("report environment names no relay URL: %r" % env.get("relay"))
if "HTTP" not in env.get("relay_api", ""):
    problems.append("report environment names no device relay API: %r" % env.get("relay_api"))
if "polled" not in env.get("relay_push", ""):
    problems.append("report does not say devices polled: %r" % env.get("relay_push"))
print("%d scenarios: %d applicable, %d not applicable" %
      (len(scenarios), len(scenarios) - len(na), len(na)))
for p in problems:
    print("suite_attach_test: " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
exit $rc
