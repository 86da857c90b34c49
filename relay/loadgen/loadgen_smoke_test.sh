#!/bin/bash
# Smoke test: the load generator against the real relay_server it spawns
# (memory and sqlite stores, gRPC and HTTP) plus its echo baseline, for a few
# dozen cycles. Asserts no errors and that every operation of every phase was
# measured exactly once per cycle. No timing assertions.
set -euo pipefail

LOADGEN="$1"
RELAY="$2"
OUT="${TEST_TMPDIR}/loadgen.json"
CYCLES=40

# Only loopback targets are accepted (exit 2 and a message naming the flag).
set +e
msg=$("$LOADGEN" --grpc_target=192.0.2.1:443 --transport=grpc --echo=false 2>&1)
rc=$?
set -e
if [[ $rc -ne 2 || "$msg" != *"--grpc_target: only 127.0.0.1"* ]]; then
  echo "FAIL: non-loopback target: rc=$rc msg=$msg"
  exit 1
fi

# The echo baseline's API is callback or sync (exit 2 naming the flag).
set +e
msg=$("$LOADGEN" --relay_binary="$RELAY" --echo_api=async 2>&1)
rc=$?
set -e
if [[ $rc -ne 2 || "$msg" != *"--echo_api: \"async\" is not callback or sync"* ]]; then
  echo "FAIL: bad --echo_api: rc=$rc msg=$msg"
  exit 1
fi

"$LOADGEN" --relay_binary="$RELAY" --transport=both --store=both \
  --clients=4 --cycles="$CYCLES" --warmup_cycles=2 --duration=120s \
  --payload_bytes=1024 --json_out="$OUT"

/usr/bin/python3 - "$OUT" "$CYCLES" <<'PY'
import json
import sys

doc = json.load(open(sys.argv[1]))
cycles = int(sys.argv[2])
phases = {p["phase"]: p for p in doc["summary"]}
want = ["echo-grpc", "relay-memory-grpc", "relay-memory-http",
        "relay-sqlite-grpc", "relay-sqlite-http"]
ops = ["create", "read_bind", "update", "read_reply", "delete"]
failures = []
if sorted(phases) != sorted(want):
    failures.append("phases %s, want %s" % (sorted(phases), sorted(want)))
for name in want:
    p = phases.get(name)
    if p is None:
        continue
    if p["errors"] != 0:
        failures.append("%s: %d errors: %s" % (
            name, p["errors"], {op: p["ops"][op]["errors"] for op in ops}))
    if p["cycles_ok"] != cycles:
        failures.append("%s: %d cycles, want %d" % (name, p["cycles_ok"], cycles))
    for op in ops:
        n = p["ops"][op]["samples"]
        if n != cycles:
            failures.append("%s/%s: %d samples, want %d" % (name, op, n, cycles))
        if n and not p["ops"][op]["p50_us"] > 0:
            failures.append("%s/%s: no latency" % (name, op))
ratios = {(r["numerator"], r["denominator"]) for r in doc["ratios"]}
for pair in [("relay-memory-grpc", "echo-grpc"), ("relay-sqlite-grpc", "echo-grpc"),
             ("relay-memory-http", "relay-memory-grpc")]:
    if pair not in ratios:
        failures.append("ratio %s / %s missing" % pair)
if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("PASS: %d phases x %d ops x %d cycles, no errors" % (len(want), len(ops), cycles))
PY
