#!/usr/bin/env bash
# Runs the default comparison set under every built-in variant against real
# processes (as `./sct compare scenarios/compare/default.txt` does) and checks
# the matrix: complete, and no cell FAILED (each passed or not applicable)
# except the differences pinned in EXPECTED_FAILURES_TXT, which must fail as
# pinned. sct_compare exits 1 when any cell failed; the check decides.
# usage: compare_default_test.sh SCT_COMPARE CHECK_MATRIX_PY DEFAULT_TXT EXPECTED_FAILURES_TXT
set -uo pipefail
compare="$1"; check="$2"; list="$3"; pinned="$4"
out="${TEST_UNDECLARED_OUTPUTS_DIR:-$TEST_TMPDIR}/compare"
rc=0
start=$(date +%s)
"$compare" --out="$out" --work_dir="$TEST_TMPDIR/work" --jobs=2 "$list" || rc=$?
echo "compare_default_test: sct_compare exited $rc after $(($(date +%s) - start)) s"
if [[ ! -f "$out/compare.json" ]]; then
  echo "compare_default_test: sct_compare wrote no compare.json (exit $rc)" >&2
  exit 1
fi
if [[ $rc -gt 1 ]]; then
  echo "compare_default_test: sct_compare failed to run (exit $rc)" >&2
  exit 1
fi
/usr/bin/python3 "$check" "$out/compare.json" "$list" \
  "${XML_OUTPUT_FILE:-$TEST_TMPDIR/junit.xml}" "$pinned" || exit 1
