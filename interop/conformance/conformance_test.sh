#!/bin/sh
# Runs the conformance runner's test with Debian's python3 (python3-yaml,
# python3-jsonschema, python3-cryptography), as ./sct conformance does.
exec /usr/bin/python3 "$(dirname "$0")/conformance_test.py" "$@"
