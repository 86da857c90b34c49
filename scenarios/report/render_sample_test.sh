#!/bin/sh
# Runs render_sample (with hostile data) and checks its output with Debian's
# python3: well-formed SVG, lifelines, arrows, markers, escaping, offline HTML.
exec /usr/bin/python3 "$(dirname "$0")/render_sample_test.py" "$@"
