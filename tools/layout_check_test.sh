#!/usr/bin/env bash
# The layout rules of docs/ARCHITECTURE.md hold for the whole source tree, and
# the checker can fail: it must report a too-long file, a too-long function and
# a comment that tells history in a scratch tree.
# Usage: layout_check_test.sh PATH_TO_layout_check.py
set -euo pipefail
# Runfiles are symlinks into the source tree (local execution): the real path
# of the checker names the workspace.
CHECKER="$(readlink -f "$1")"
ROOT="$(dirname "$(dirname "$CHECKER")")"
SCRATCH="${TEST_TMPDIR:-$(mktemp -d)}/scratch"
rm -rf "$SCRATCH"
mkdir -p "$SCRATCH/a"

# A file of 801 lines, a function of 81 lines, a comment with history.
python3 - "$SCRATCH/a" <<'PY'
import sys
d = sys.argv[1]
open(d + "/big.h", "w").write("// filler\n" * 801)
body = "".join("  x += %d;\n" % i for i in range(78))
open(d + "/long.cc", "w").write("int Long(int x) {\n" + body + "  return x;\n}\n")
open(d + "/short.cc", "w").write("int Short(int x) {\n  return x + 1;\n}\n")
open(d + "/history.cc", "w").write("// Added for issue 7 on branch h/relay.\nint Y() { return 1; }\n")
PY
set +e
out="$(python3 "$CHECKER" --root "$SCRATCH")"
rc=$?
set -e
echo "$out"
failures=0
expect() {
  if ! grep -q -- "$1" <<<"$out"; then echo "FAIL: checker did not report: $1" >&2; failures=$((failures + 1)); fi
}
[[ $rc -eq 1 ]] || { echo "FAIL: checker exit code $rc on a bad tree, want 1" >&2; failures=$((failures + 1)); }
expect "a/big.h:1: 801 lines"
expect "a/long.cc:1: function of 81 lines"
expect "a/history.cc:1: comment tells history"
if grep -q "short.cc" <<<"$out"; then echo "FAIL: a short function was reported" >&2; failures=$((failures + 1)); fi

echo "--- the project tree ($ROOT)"
if ! python3 "$CHECKER" --root "$ROOT"; then
  echo "FAIL: the tree breaks the layout rules (see above)" >&2
  failures=$((failures + 1))
fi
exit $((failures > 0))
