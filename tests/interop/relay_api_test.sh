#!/bin/sh
# Runs the API-description test with Debian's python3 (python3-yaml,
# python3-jsonschema, python3-cryptography).
exec /usr/bin/python3 "$(dirname "$0")/relay_api_test.py" "$@"
