#!/bin/sh
# Runs check_matrix_test.py with Debian's python3.
exec /usr/bin/python3 "$(dirname "$0")/check_matrix_test.py" "$@"
