#!/bin/bash
# The findings binary as ./sct findings runs it: fake results from
# render_experiment_sample, a questions file, a missing scenario report; then
# its errors (usage, a bad questions file) and exit codes.
set -euo pipefail
findings="$1"
sample="$2"
questions="$3"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$sample" "$tmp/results" > /dev/null
"$findings" --results="$tmp/results" --scenario_report="$tmp/none.json" \
  --questions="$questions" --out="$tmp/findings.md" > "$tmp/stdout"
grep -q "13 questions, 2 experiment results, without a scenario report" "$tmp/stdout" \
  || fail "summary line: $(cat "$tmp/stdout")"
grep -q '^## Interception$' "$tmp/findings.md" || fail "no Interception section"
grep -q '| no push | 12.9 \[11.41–14.39\] | 12 | 16.1 | 10 |' "$tmp/findings.md" \
  || fail "the sample's polls without push are missing"
grep -q 'Experiment `receiver-lateness-vs-mailbox-ttl`: .*\*\*No result yet\*\*' "$tmp/findings.md" \
  || fail "a missing experiment is not said"

set +e
"$findings" --bogus > /dev/null 2> "$tmp/err"; rc=$?
set -e
[[ $rc == 2 ]] || fail "usage error exit $rc"
grep -q '^usage: findings' "$tmp/err" || fail "no usage text"

printf 'questions {\n  id: "x"\n}\n' > "$tmp/bad.textproto"
set +e
"$findings" --results="$tmp/results" --questions="$tmp/bad.textproto" --out="$tmp/x.md" \
  2> "$tmp/err"; rc=$?
set -e
[[ $rc == 2 ]] || fail "bad questions exit $rc"
grep -q "bad.textproto:1:1: questions\[0\].title: missing" "$tmp/err" || fail "$(cat "$tmp/err")"
[[ ! -e "$tmp/x.md" ]] || fail "a page was written from a bad questions file"
echo PASS
