#!/bin/bash
# Smoke test of relay_scale: both modes with tiny numbers against the
# real relay_server and real redis-server / redis-benchmark. Checks that every
# figure the docs quote is produced and plausible (no timing assertions).
set -euo pipefail

SCALE="$1"
RELAY="$2"
OUT="$TEST_TMPDIR"

"$SCALE" --relay_binary="$RELAY" --mode=size --stores=memory,sqlite,redis --large=400 \
  --small=50 --warm=50 --preload_clients=4 --clients=2 --duration=1s --rounds=1 \
  --warmup_cycles=2 --sqlite_dir="$OUT" --json_out="$OUT/size.json"
"$SCALE" --relay_binary="$RELAY" --mode=replicas --replicas=2 --clients=2 --duration=1s \
  --rounds=1 --warmup_cycles=2 --bench_requests=500 --json_out="$OUT/replicas.json"

# Bad flags exit 2 with the flag named.
set +e
msg=$("$SCALE" --relay_binary="$RELAY" --mode=size --stores=mongo 2>&1)
rc=$?
set -e
if [[ $rc -ne 2 || "$msg" != *"--stores"* ]]; then
  echo "FAIL: bad --stores: rc=$rc msg=$msg"
  exit 1
fi

/usr/bin/python3 - "$OUT/size.json" "$OUT/replicas.json" <<'PY'
import json
import sys

size = json.load(open(sys.argv[1]))
rep = json.load(open(sys.argv[2]))
failures = []
stores = {s["store"]: s for s in size["stores"]}
if sorted(stores) != ["memory", "redis", "sqlite"]:
    failures.append("stores %s" % sorted(stores))
for name, s in stores.items():
    pre = s["preload"]["large"]
    if pre["created"] != 350:
        failures.append("%s: preloaded %d, want 350" % (name, pre["created"]))
    for op in ("create", "read_bind"):
        r = s["latency_ratios"][op]["p50_large_over_small"]
        if not r > 0:
            failures.append("%s: no %s latency ratio" % (name, op))
    if len(s["phases"]) != 2 or any(p["errors"] for p in s["phases"]):
        failures.append("%s: phases %s" % (name, s["phases"]))
pm = {n: s["per_mailbox"] for n, s in stores.items()}
# 350 mailboxes of 1 KiB: each store must have grown by at least the payloads.
if not pm["sqlite"]["sqlite_db_file_bytes"] > 1024:
    failures.append("sqlite bytes/mailbox %s" % pm["sqlite"])
if not pm["redis"]["redis_used_memory_bytes"] > 1024:
    failures.append("redis bytes/mailbox %s" % pm["redis"])
# At least the mailbox's own key (create keys share small hashes).
if not pm["redis"]["redis_keys"] >= 1:
    failures.append("redis keys/mailbox %s" % pm["redis"])
if "relay_rss_bytes" not in pm["memory"]:
    failures.append("memory: no rss")
r = rep["replicas"]
m = r["medians"]
for k in ("relay-x1", "relay-x2"):
    if not m[k]["redis_scripts_per_cycle"] >= 4:  # create, 2 CAS, delete: at least
        failures.append("%s scripts/cycle %s" % (k, m[k]))
    if not 0 < m[k]["fraction_of_redis_benchmark"]:
        failures.append("%s fraction %s" % (k, m[k]))
    if not 0 < m[k]["fraction_of_same_commands"]:
        failures.append("%s same-commands fraction %s" % (k, m[k]))
# The same-commands baseline sends Redis what a relay cycle does. The relays'
# own sweep and metrics add a few commands per phase, not per cycle, which a
# slow phase on a loaded machine spreads over few cycles: compare with the
# relay phase closest to it.
same = m["redis-same-commands"]
def gap(key):
    return min(abs(same[key] - m[k][key]) for k in ("relay-x1", "relay-x2"))
if not gap("redis_commands_per_cycle") <= 1.5 or not gap("redis_scripts_per_cycle") <= 0.3:
    failures.append("same-commands mix %s vs relays %s" % (same, m))
if [(s["numerator"], s["denominator"]) for s in r["scaling"]] != [
        ("relay-x2", "relay-x1"), ("relay-x1", "redis-same-commands"),
        ("relay-x2", "redis-same-commands")]:
    failures.append("scaling %s" % r["scaling"])
if any(p["errors"] for p in r["phases"]):
    failures.append("replica phases had errors")
# The store-free relay (--store=memory) ran the cycle; the bound it gives on
# relay / same commands is a fraction.
sf = m["relay-memory"]
if not sf["cycles_per_sec"] > 0 or not 0 < sf["same_commands_bound"] < 1:
    failures.append("store-free phase %s" % sf)
if "relay-memory" not in [p["phase"] for p in r["phases"]]:
    failures.append("no relay-memory phase in %s" % r["phases"])
if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("PASS")
PY
