#!/usr/bin/env bash
# Runs the whole default suite with the engine against launched processes (the
# same run as `./sct demo`) and reports one JUnit case per scenario.
# usage: suite_run_test.sh SCT_SCENARIO REPORT_JUNIT_PY [--relay_store=STORE] SUITE_FILE...
set -uo pipefail
engine="$1"; junit="$2"; shift 2
out="${TEST_UNDECLARED_OUTPUTS_DIR:-$TEST_TMPDIR}/out"
rc=0
"$engine" run --out="$out" --work_dir="$TEST_TMPDIR/work" --jobs=2 --no_color "$@" || rc=$?
if [[ ! -f "$out/report.json" ]]; then
  echo "suite_run_test: the engine wrote no report (exit $rc)" >&2
  exit 1
fi
/usr/bin/python3 "$junit" "$out/report.json" "${XML_OUTPUT_FILE:-$TEST_TMPDIR/junit.xml}" || exit 1
exit $rc
