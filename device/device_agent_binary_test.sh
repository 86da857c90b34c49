#!/bin/sh
# Starts the real //device:device_agent on port 0, checks the exact
# "listening grpc=HOST:PORT" line, that a bad flag is refused with its name,
# that out-of-range allocator settings are refused (exit 2),
# and that SIGTERM ends the process cleanly (exit 0).
set -u
BIN="$1"
DIR="${TEST_TMPDIR:-/tmp}/device_binary_test"
mkdir -p "$DIR"
if "$BIN" --oem_id=oem-a --relay_grpc_target=127.0.0.1:1 >"$DIR/bad.out" 2>"$DIR/bad.err"; then
  echo "FAIL: missing --oem_target accepted"; exit 1
fi
grep -q -- "--oem_target: required" "$DIR/bad.err" || { echo "FAIL: error does not name --oem_target"; cat "$DIR/bad.err"; exit 1; }

# The allocator's threshold (sim/flags.h): out of range is refused with exit 2, naming the flag.
"$BIN" --oem_id=oem-a --oem_target=127.0.0.1:1 --relay_grpc_target=127.0.0.1:1 \
  --listen=127.0.0.1:0 --enrol_at_start=false --malloc_mmap_threshold=67108864 \
  >"$DIR/bad2.out" 2>"$DIR/bad2.err"
RC=$?
[ $RC -eq 2 ] || { echo "FAIL: --malloc_mmap_threshold=64MiB exit $RC, want 2"; cat "$DIR/bad2.err"; exit 1; }
grep -q -- "--malloc_mmap_threshold" "$DIR/bad2.err" || { echo "FAIL: error does not name --malloc_mmap_threshold"; cat "$DIR/bad2.err"; exit 1; }
"$BIN" --oem_id=oem-a --oem_target=127.0.0.1:1 --relay_grpc_target=127.0.0.1:1 \
  --listen=127.0.0.1:0 --enrol_at_start=false --malloc_arenas_per_core=-1 \
  >"$DIR/bad3.out" 2>"$DIR/bad3.err"
RC=$?
[ $RC -eq 2 ] || { echo "FAIL: --malloc_arenas_per_core=-1 exit $RC, want 2"; cat "$DIR/bad3.err"; exit 1; }
grep -q -- "--malloc_arenas_per_core" "$DIR/bad3.err" || { echo "FAIL: error does not name --malloc_arenas_per_core"; cat "$DIR/bad3.err"; exit 1; }

"$BIN" --oem_id=oem-a --oem_target=127.0.0.1:1 --relay_grpc_target=127.0.0.1:1 \
  --state_file="$DIR/state" --listen=127.0.0.1:0 --enrol_at_start=false \
  >"$DIR/out" 2>"$DIR/err" &
PID=$!
i=0
while [ $i -lt 100 ] && ! grep -q '^listening grpc=' "$DIR/out"; do sleep 0.1; i=$((i+1)); done
LINE=$(head -n1 "$DIR/out")
echo "$LINE" | grep -Eq '^listening grpc=127\.0\.0\.1:[1-9][0-9]*$' || { echo "FAIL: bad line '$LINE'"; kill -9 $PID; exit 1; }
kill -TERM $PID
i=0
while [ $i -lt 100 ] && kill -0 $PID 2>/dev/null; do sleep 0.1; i=$((i+1)); done
if kill -0 $PID 2>/dev/null; then echo "FAIL: still running after SIGTERM"; kill -9 $PID; exit 1; fi
wait $PID
RC=$?
[ $RC -eq 0 ] || { echo "FAIL: exit code $RC"; cat "$DIR/err"; exit 1; }
echo "PASS"
