#!/bin/sh
# Runs render_experiment_sample (with hostile data) and checks its output with
# Debian's python3: well-formed SVG charts, escaping, offline HTML, CSV that
# Python's csv module reads back, JSON that matches the CSV.
exec /usr/bin/python3 "$(dirname "$0")/render_experiment_sample_test.py" "$@"
