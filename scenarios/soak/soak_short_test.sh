#!/usr/bin/env bash
# A short soak with faults against real processes (scenarios/soak): it must
# exit 0 (every invariant held, no unexplained error, slopes under their
# thresholds), check every invariant at least once and write both reports.
# The failing side of each check is proven by invariants_test and
# soak_report_test.
set -euo pipefail
soak="$1"
out="${TEST_TMPDIR}/soak_out"
rc=0
"$soak" --duration="${SOAK_DURATION:-75s}" --seed=7 --fault_gap_min=5s --fault_gap_max=10s \
  --revocation_bound=30s --max_rss_slope=100000 --max_fd_slope=100000 --slope_warmup=0s \
  --work_dir="${TEST_TMPDIR}/work" --out="$out" >"${TEST_TMPDIR}/stdout" 2>"${TEST_TMPDIR}/stderr" \
  || rc=$?
cat "${TEST_TMPDIR}/stdout"
if ((rc != 0)); then
  echo "FAIL: sct_soak exited $rc"; tail -50 "${TEST_TMPDIR}/stderr"; exit 1
fi
for f in soak.json soak.html; do
  [[ -s "$out/$f" ]] || { echo "FAIL: $out/$f missing"; exit 1; }
done
/usr/bin/python3 - "$out/soak.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
problems = []
if not r["passed"]:
    problems.append("passed is false")
for inv in ["acknowledged_mailbox_readable", "single_binding", "single_redemption",
            "acknowledged_share_in_ledger", "revoked_denied_within_bound"]:
    if r["checks"].get(inv, 0) < 1:
        problems.append("invariant %s never checked" % inv)
if not r["faults"]:
    problems.append("no fault injected")
if not r["slopes"]:
    problems.append("no resource samples")
if problems:
    print("FAIL:", "; ".join(problems)); sys.exit(1)
print("PASS: checks", r["checks"], "faults", len(r["faults"]))
PY
