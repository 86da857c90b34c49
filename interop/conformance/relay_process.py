"""Runs the project's relay_server as a child process for the Python tests
(the conformance runner's own test and //tests/interop): started on
127.0.0.1 port 0, ready once it prints its `listening ...` line, killed with
the test process (PR_SET_PDEATHSIG) and stopped with SIGTERM, then SIGKILL
after 10 s.
"""

import ctypes
import os
import select
import signal
import subprocess
import time


def _die_with_parent():
    """Child side of Popen: SIGKILL if the test process dies without cleanups."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)


def start_relay(binary, args, stderr=None, startup_timeout=30):
    """Starts `binary args...` listening on 127.0.0.1:0 for HTTP and gRPC.

    Returns (process, fields) where fields is the startup line's key=value
    pairs (e.g. fields["http"] == "127.0.0.1:PORT"). Raises RuntimeError if
    the line does not come within startup_timeout seconds.
    """
    proc = subprocess.Popen(
        [binary, "--http_listen=127.0.0.1:0", "--grpc_listen=127.0.0.1:0"] + list(args),
        preexec_fn=_die_with_parent, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL if stderr is None else stderr)
    deadline, line = time.monotonic() + startup_timeout, b""
    while not line.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or proc.poll() is not None:
            stop_relay(proc)
            raise RuntimeError("relay did not print its listening line; got %r" % line)
        if select.select([proc.stdout], [], [], remaining)[0]:
            line += os.read(proc.stdout.fileno(), 1)
    text = line.decode().strip()
    if not text.startswith("listening "):
        stop_relay(proc)
        raise RuntimeError("unexpected startup line %r" % text)
    return proc, dict(p.split("=", 1) for p in text.split()[1:])


def stop_relay(proc):
    """SIGTERM, then SIGKILL after 10 s; closes the pipe."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout:
        proc.stdout.close()
