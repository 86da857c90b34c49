#!/bin/sh
# Runs relay_server_redis_test.py with Debian's python3 (see the .py).
exec /usr/bin/python3 "$(dirname "$0")/relay_server_redis_test.py" "$@"
