#!/usr/bin/env bash
# Runs every experiment file of scenarios/experiments at 2 repetitions
# against real processes (as `./sct experiment run --repetitions=2` does) and
# checks each result's shape and one fact per experiment that must hold
# whatever the timing (check_results.py).
# usage: experiments_run_test.sh SCT_EXPERIMENT CHECK_RESULTS_PY EXPERIMENT_FILE...
set -uo pipefail
sct_experiment="$1"; check="$2"; shift 2
out="${TEST_UNDECLARED_OUTPUTS_DIR:-$TEST_TMPDIR}/experiments"
start=$(date +%s)
rc=0
"$sct_experiment" run --repetitions=2 --out="$out" --work_dir="$TEST_TMPDIR/work" "$@" || rc=$?
echo "experiments_run_test: sct_experiment exited $rc after $(($(date +%s) - start)) s"
if [[ $rc -ne 0 ]]; then
  echo "experiments_run_test: sct_experiment failed (exit $rc)" >&2
  exit 1
fi
/usr/bin/python3 "$check" "$out" 2
