#!/bin/sh
# Runs the Python interop test with Debian's python3 (stdlib + cryptography).
exec /usr/bin/python3 "$(dirname "$0")/relay_interop_test.py" "$@"
