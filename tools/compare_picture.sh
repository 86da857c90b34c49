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
  rows=$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1])).get("rows",[])))' \
    "$(dirname "$html")/compare.json" 2>/dev/null || echo 14)
  size="1600,$((420 + 64 * rows))"
fi
mkdir -p "$(dirname "$png")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$tmp" \
  --window-size="${size/x/,}" --screenshot="$png" "file://$html" >/dev/null 2>&1
[[ -s "$png" ]] || { echo "compare_picture: chromium wrote no $png" >&2; exit 1; }
echo "compare_picture: $png ($size)"
