#!/bin/bash
# flow_bench --flows=2 against real processes (the six binaries from the
# runfiles): it must exit 0, print the per-phase table and, as its last line,
# one JSON object with every field tooling relies on, 2 flows ok and positive
# latencies. Then a bad flag must exit 2 without launching anything.
set -u
BENCH="$1"
OUT="$TEST_TMPDIR/out.txt"
ERR="$TEST_TMPDIR/err.txt"

fail() {
  echo "FAIL: $*"
  echo "---- stdout"; cat "$OUT"
  echo "---- stderr"; tail -50 "$ERR"
  exit 1
}

"$BENCH" --flows=2 --warmup_flows=1 --baseline_rpcs=2 --store=memory \
  --json_out="$TEST_TMPDIR/flow.json" >"$OUT" 2>"$ERR"
rc=$?
[ "$rc" -eq 0 ] || fail "exit status $rc, want 0"

for field in "share" "link delivery" "accept (provision)" "use (unlock)" \
             "total" "baseline echo (relay)" "baseline health (bob)" \
             "flows/s" "total / echo baseline" "median" "p99"; do
  grep -qF "$field" "$OUT" || fail "table lacks \"$field\""
done
grep -q "^flows: 2 ok, 0 failed of 2 measured" "$OUT" || fail "flow count line"

tail -1 "$OUT" > "$TEST_TMPDIR/last.json"
cmp -s "$TEST_TMPDIR/last.json" "$TEST_TMPDIR/flow.json" \
  || fail "--json_out differs from the last stdout line"

/usr/bin/python3 - "$TEST_TMPDIR/last.json" <<'PY' || fail "JSON check"
import json, sys
j = json.loads(open(sys.argv[1]).read())
assert j["benchmark"] == "flow_bench", j["benchmark"]
assert j["config"]["store"] == "memory" and j["config"]["flows"] == 2
assert j["flows_ok"] == 2 and j["flows_failed"] == 0, (j["flows_ok"], j["failures"])
assert j["failures"] == [] and not j["aborted"]
for phase in ("share", "link", "accept", "use", "total"):
    p = j["phases"][phase]
    assert p["count"] == 2, (phase, p)
    for k in ("median_ms", "p90_ms", "p99_ms", "min_ms", "max_ms"):
        assert p[k] > 0, (phase, k, p)
    assert p["min_ms"] <= p["median_ms"] <= p["p99_ms"] <= p["max_ms"], p
for b in ("echo_relay", "health_bob"):
    assert j["baseline"][b]["count"] == 4, (b, j["baseline"][b])
    assert j["baseline"][b]["median_ms"] > 0
# The total is the sum of its phases for every flow.
for f in j["raw"]:
    parts = f["share_ms"] + f["link_ms"] + f["accept_ms"] + f["use_ms"]
    assert abs(parts - f["total_ms"]) < 1.0, f
assert j["ratio_total_to_echo_medians"] > 0
assert j["flows_per_second"] > 0
assert j["machine"]["nproc"] >= 1 and j["machine"]["loadavg_start"]
print("json ok")
PY

"$BENCH" --store=redis >"$OUT" 2>"$ERR"
rc=$?
[ "$rc" -eq 2 ] || fail "--store=redis: exit $rc, want 2"
grep -q "store must be sqlite or memory" "$ERR" || fail "no --store error"
echo PASS
