#!/bin/sh
# sct_compare's command line without launching anything: usage errors (exit
# 2 with the flag named), a bad variant file located, a broken scenario's
# row failed (exit 1, under the reference variant alone, so that the test
# does not depend on how many variants are built in) with compare.json and compare.html written, and
# --findings reading that compare.json back, --render writing the same files
# again from it; SCT_TIME_SCALE read as sct_scenario reads it.
set -u
BIN="$1"
T="$TEST_TMPDIR"
fail=0

expect() {  # want_code, want_text, args...
  want_code="$1"; want_text="$2"; shift 2
  out=$("$BIN" "$@" 2>&1); code=$?
  [ "$code" -eq "$want_code" ] || { echo "sct_compare $*: exit $code, want $want_code: $out"; fail=1; }
  case "$out" in
    *"$want_text"*) ;;
    *) echo "sct_compare $*: output lacks: $want_text"; echo "$out"; fail=1 ;;
  esac
}

printf 'name: "broken"\nstepz {}\n' > "$T/broken.textproto"
printf 'variants { name: "reference" title: "R" }\nvariants { name: "Bad" title: "B" }\n' > "$T/bad_variants.textproto"
printf '# list\nnot-there.textproto\n' > "$T/list.txt"

expect 2 "usage:"
expect 2 "--jobs: want a positive number" --jobs=0 "$T/broken.textproto"
expect 2 "unknown flag --frobnicate" --frobnicate "$T/broken.textproto"
expect 2 "--variants: unknown variant \"nope\" (known: reference" --variants=nope "$T/broken.textproto"
expect 2 "bad_variants.textproto:2:12: variants[1].name: variant name \"Bad\" must start with a lower-case letter" \
  --variant_file="$T/bad_variants.textproto" "$T/broken.textproto"
expect 2 "list.txt:2: " "$T/list.txt"
expect 2 "cannot read (run ./sct compare first)" --findings="$T/none.json"

# The time scale (SCT_TIME_SCALE, as sct_scenario reads it): a bad value stops the run naming
# the variable; a good one is said on stderr and kept in compare.json's environment.
out=$(SCT_TIME_SCALE=0 "$BIN" --variants=reference --binaries_dir=/nonexistent --out="$T/scaled0" \
  "$T/broken.textproto" 2>&1); code=$?
[ "$code" -eq 2 ] || { echo "SCT_TIME_SCALE=0: exit $code, want 2: $out"; fail=1; }
case "$out" in *'SCT_TIME_SCALE: want a number >= 1'*) ;; *) echo "SCT_TIME_SCALE=0: $out"; fail=1 ;; esac
out=$(SCT_TIME_SCALE=3 "$BIN" --variants=reference --binaries_dir=/nonexistent --out="$T/scaled3" \
  "$T/broken.textproto" 2>&1)
case "$out" in *'time scale: 3 (SCT_TIME_SCALE'*) ;; *) echo "SCT_TIME_SCALE=3 not said: $out"; fail=1 ;; esac
/usr/bin/python3 -c 'import json,sys; sys.exit(not json.load(open(sys.argv[1]))["environment"]["time_scale"].startswith("3 "))' \
  "$T/scaled3/compare.json" || { echo "compare.json lacks the time scale"; fail=1; }

expect 1 "1 cells: 0 passed, 1 failed, 0 not applicable" --variants=reference --binaries_dir=/nonexistent \
  --out="$T/out" "$T/broken.textproto"
[ -s "$T/out/compare.json" ] && [ -s "$T/out/compare.html" ] || { echo "no compare.json/html"; fail=1; }
expect 0 "reference: 0 of 1 scenarios passed, 1 failed, 0 not applicable." --findings --out="$T/out"
expect 0 "Under reference, broken FAILED: $T/broken.textproto:2:" --findings="$T/out/compare.json"
expect 0 "matrix: $T/out2/compare.html" --render="$T/out/compare.json" --out="$T/out2"
# (Same content; a map's key order in JSON may differ.)
/usr/bin/python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' \
  "$T/out/compare.json" "$T/out2/compare.json" || { echo "--render changed compare.json"; fail=1; }
cmp -s "$T/out/compare.html" "$T/out2/compare.html" || { echo "--render gave another compare.html"; fail=1; }
exit $fail
