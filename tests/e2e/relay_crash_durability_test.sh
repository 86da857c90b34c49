#!/bin/sh
# Runs the relay crash-durability test with Debian's python3.
exec /usr/bin/python3 "$(dirname "$0")/relay_crash_durability_test.py" "$@"
