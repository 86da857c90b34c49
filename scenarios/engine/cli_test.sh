#!/bin/sh
# sct_scenario check: exit codes and FILE:LINE:COL messages; run: usage errors
# (a bad SCT_TIME_SCALE among them).
set -u
BIN="$1"
DATA="$TEST_SRCDIR/sct_lab/scenarios/engine/testdata"
fail=0

out=$("$BIN" check "$DATA/ok_minimal.textproto" "$DATA/car_sms_pin.textproto" 2>&1)
code=$?
[ "$code" -eq 0 ] || { echo "check of valid files: exit $code, want 0: $out"; fail=1; }

out=$("$BIN" check "$DATA/broken_scenario.textproto" "$DATA/semantic_errors.textproto" 2>&1)
code=$?
[ "$code" -eq 2 ] || { echo "check of broken files: exit $code, want 2"; fail=1; }
for want in "broken_scenario.textproto:12:11: " "acction" \
    "semantic_errors.textproto:17:12: steps[0].accept.share: unknown share" \
    "semantic_errors.textproto:45:32: assertions[0].timing.to_step: unknown step" \
    "0 valid, 2 with errors"; do
  case "$out" in
    *"$want"*) ;;
    *) echo "check output lacks: $want"; echo "$out"; fail=1 ;;
  esac
done

"$BIN" run >/dev/null 2>&1; code=$?
[ "$code" -eq 2 ] || { echo "run without files: exit $code, want 2"; fail=1; }
"$BIN" run --jobs=zero "$DATA/ok_minimal.textproto" >/dev/null 2>&1; code=$?
[ "$code" -eq 2 ] || { echo "run --jobs=zero: exit $code, want 2"; fail=1; }
"$BIN" run --filter='(' "$DATA/ok_minimal.textproto" >/dev/null 2>&1; code=$?
[ "$code" -eq 2 ] || { echo "run --filter='(': exit $code, want 2"; fail=1; }
for bad in 0 -3 fast; do
  out=$(SCT_TIME_SCALE="$bad" "$BIN" run --out="$TEST_TMPDIR/out" "$DATA/ok_minimal.textproto" 2>&1)
  code=$?
  [ "$code" -eq 2 ] || { echo "SCT_TIME_SCALE=$bad: exit $code, want 2"; fail=1; }
  case "$out" in
    *"SCT_TIME_SCALE: want a number >= 1"*"got \"$bad\""*) ;;
    *) echo "SCT_TIME_SCALE=$bad: output lacks the variable's error: $out"; fail=1 ;;
  esac
done
"$BIN" frobnicate >/dev/null 2>&1; code=$?
[ "$code" -eq 2 ] || { echo "unknown command: exit $code, want 2"; fail=1; }
exit $fail
