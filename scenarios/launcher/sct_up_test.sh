#!/bin/bash
# sct_up end to end: start a scenario's topology, read the printed endpoints,
# reach the relay over HTTPS with the printed root, send SIGINT, and check
# that sct_up exits 130 and none of its children survives. Also: a file that
# does not parse is reported as FILE:LINE:COLUMN.
set -u
SCT_UP="$1"
SCENARIO="$2"
BROKEN="$3"
WORK="$TEST_TMPDIR/up"
OUT="$TEST_TMPDIR/sct_up.out"
ERR="$TEST_TMPDIR/sct_up.err"
fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$OUT"; echo "--- stderr"; tail -50 "$ERR"; exit 1; }

# ---- a broken file: FILE:LINE:COLUMN, exit 2, nothing started ----
"$SCT_UP" --work_dir="$TEST_TMPDIR/broken" "$BROKEN" >"$OUT" 2>"$ERR"
rc=$?
[ "$rc" = 2 ] || fail "broken file: exit $rc, want 2"
grep -Eq "broken.textproto:6:[0-9]+: .*oemz" "$ERR" || fail "no FILE:LINE:COLUMN error"

# ---- start ----
"$SCT_UP" --work_dir="$WORK" --binaries_dir="$TEST_SRCDIR/sct_lab" "$SCENARIO" >"$OUT" 2>"$ERR" &
PID=$!
for _ in $(seq 1 1200); do
  grep -q "^ready" "$OUT" && break
  kill -0 "$PID" 2>/dev/null || fail "sct_up exited early"
  sleep 0.1
done
grep -q "^ready" "$OUT" || { kill -9 "$PID"; fail "not ready within 120 s"; }

# Every service of the topology is printed with its own planned address
# (docs/launcher.md, "Address plan").
for pair in relay=127.0.0.2 channel=127.0.0.3 ca=127.0.0.4 oem-a=127.0.0.5 oem-b=127.0.0.6 \
    car-1=127.0.0.7 alice-phone=127.0.0.11 bob-phone=127.0.0.12; do
  name=${pair%%=*}
  address=$(echo "${pair#*=}" | sed 's/\./\\./g')
  grep -Eq "^  $name +grpc=$address:[0-9]+" "$OUT" || fail "no endpoint for $name on ${pair#*=}"
done
grep -Eq "^  alice-car +alice-phone .+" "$OUT" || fail "no owner credential id"
ROOT=$(awk '$1 == "root" {print $2}' "$OUT")
[ -f "$ROOT" ] || fail "root certificate $ROOT missing"
HTTP=$(grep -Eo "http=https://127\.0\.0\.2:[0-9]+" "$OUT" | head -1 | cut -d= -f2)
[ -n "$HTTP" ] || fail "no relay http url"
curl -sS --fail --cacert "$ROOT" "$HTTP/healthz" >/dev/null || fail "relay /healthz over TLS"

CHILDREN=$(pgrep -P "$PID" | tr '\n' ' ')
COUNT=$(echo $CHILDREN | wc -w)
[ "$COUNT" = 8 ] || fail "want 8 child processes, got $COUNT: $CHILDREN"

# ---- Ctrl-C ----
kill -INT "$PID"
wait "$PID"
rc=$?
[ "$rc" = 130 ] || fail "sct_up exit $rc after SIGINT, want 130"
for c in $CHILDREN; do
  if kill -0 "$c" 2>/dev/null; then fail "child $c survived: $(cat /proc/$c/cmdline | tr '\0' ' ')"; fi
done
if curl -s --max-time 2 --cacert "$ROOT" "$HTTP/healthz" >/dev/null; then
  fail "relay still answers after teardown"
fi
echo "PASS"
