#!/bin/bash
# channel_server refuses bad retention bounds with exit 2, naming the flag
# (docs/channel.md "Retention"), and starts with good ones.
set -u
BIN="$1"
DIR="${TEST_TMPDIR:-$(mktemp -d)}"

expect_refused() {  # FLAG=VALUE FLAG-NAME
  "$BIN" --listen=127.0.0.1:0 "$1" > "$DIR/out" 2> "$DIR/err"
  local rc=$?
  [ $rc -eq 2 ] || { echo "FAIL: $1 exit $rc, want 2"; cat "$DIR/err"; exit 1; }
  grep -q -- "$2" "$DIR/err" || { echo "FAIL: error for $1 does not name $2"; cat "$DIR/err"; exit 1; }
}
expect_refused --message_retention=-1s --message_retention
expect_refused --inbox_max_messages=-1 --inbox_max_messages
expect_refused --inbox_max_messages=1000001 --inbox_max_messages
expect_refused --delivery_log_max_records=-5 --delivery_log_max_records
expect_refused --delivery_log_max_records=2000000 --delivery_log_max_records

# Good values: it starts, says so on stderr, and stops on SIGTERM with exit 0.
"$BIN" --listen=127.0.0.1:0 --message_retention=2m --inbox_max_messages=5 \
  --delivery_log_max_records=0 > "$DIR/ok.out" 2> "$DIR/ok.err" &
PID=$!
for _ in $(seq 1 300); do
  grep -q '^listening ' "$DIR/ok.out" && break
  kill -0 $PID 2>/dev/null || break
  sleep 0.1
done
grep -q '^listening grpc=127\.0\.0\.1:' "$DIR/ok.out" || { echo "FAIL: no listening line"; cat "$DIR/ok.err"; kill -9 $PID 2>/dev/null; exit 1; }
grep -q 'message_retention=2m inbox_max_messages=5 delivery_log_max_records=0' "$DIR/ok.err" || {
  echo "FAIL: bounds not reported"; cat "$DIR/ok.err"; kill -9 $PID; exit 1; }
kill -TERM $PID
wait $PID
RC=$?
[ $RC -eq 0 ] || { echo "FAIL: exit code $RC after SIGTERM"; cat "$DIR/ok.err"; exit 1; }
echo PASS
