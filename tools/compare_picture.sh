#!/usr/bin/env bash
# Renders a comparison's compare.html (scenarios/compare, docs/comparison.md)
# to a PNG with headless Chromium: the README's headline picture.
# usage: tools/compare_picture.sh COMPARE_HTML OUT_PNG [WIDTHxHEIGHT]
# The height defaults to what the matrix needs (rows of compare.json beside
# the page); the page fetches nothing, so the screenshot works offline.
set -euo pipefail
html="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
png="$2"
size="${3:-}"
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[[ -n "$browser" ]] || { echo "compare_picture: needs chromium (apt-get install chromium)" >&2; exit 1; }
if [[ -z "$size" ]]; then
  # Title, chart (a line per variant), legend, header; then a row per scenario,
  # taller when there are several columns (not-applicable reasons wrap).
  read -r rows variants < <(/usr/bin/python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
print(len(r.get("rows", [])), len(r.get("variants", [])))' "$(dirname "$html")/compare.json" \
    2>/dev/null || echo "14 8")
  per_row=$((variants > 1 ? 74 : 30))
  size="1600,$((330 + 20 * variants + per_row * rows))"
fi
mkdir -p "$(dirname "$png")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$tmp" \
  --window-size="${size/x/,}" --screenshot="$png" "file://$html" >/dev/null 2>&1
[[ -s "$png" ]] || { echo "compare_picture: chromium wrote no $png" >&2; exit 1; }
echo "compare_picture: $png ($size)"
