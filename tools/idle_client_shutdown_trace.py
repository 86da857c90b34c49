#!/usr/bin/python3
"""Why a service takes its whole gRPC shutdown grace: a trace (docs/launcher.md).

Starts bazel-bin/device/device_agent (plaintext gRPC), makes one
grpc.health.v1.Health/Check from this process (a pure gRPC client, like the
scenario engine), waits until the connection is idle, sends SIGTERM and
prints how long the service took to exit. Three ways, three runs each:

  idle    the client's channel stays open (idle) across the SIGTERM
  closed  the client closes its channel before the SIGTERM

Run from the repository root after `bazel build //device:device_agent`:

  /usr/bin/python3 tools/idle_client_shutdown_trace.py idle
  /usr/bin/python3 tools/idle_client_shutdown_trace.py closed
  GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS=100 \\
      /usr/bin/python3 tools/idle_client_shutdown_trace.py idle

Needs Debian's python3-grpcio (gRPC 1.51, the C++ services' version). Loopback
only; the device's state file and stderr go to a temporary directory.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time

import grpc

SERVING = b"\x08\x01"  # grpc.health.v1.HealthCheckResponse{status: SERVING}


def start_device(binary, tmp):
    proc = subprocess.Popen(
        [binary, "--listen=127.0.0.1:0", "--device_id=trace", "--oem_id=oem-a",
         "--oem_target=127.0.0.1:1", "--channel_target=127.0.0.1:1",
         "--state_file=" + os.path.join(tmp, "device.state"), "--address=+15550301",
         "--relay_http_url=https://127.0.0.1:1"],
        stdout=subprocess.PIPE, stderr=open(os.path.join(tmp, "device.stderr"), "w"))
    line = proc.stdout.readline().decode()
    if "grpc=" not in line:
        proc.kill()
        sys.exit("device_agent printed no listening line: %r" % line)
    return proc, line.split("grpc=")[1].split()[0]


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "idle"
    if mode not in ("idle", "closed"):
        sys.exit("usage: idle_client_shutdown_trace.py idle|closed")
    binary = os.path.join("bazel-bin", "device", "device_agent")
    results = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as tmp:
            proc, address = start_device(binary, tmp)
            channel = grpc.insecure_channel(address)
            check = channel.unary_unary("/grpc.health.v1.Health/Check")
            if check(b"", timeout=5) != SERVING:
                sys.exit("device_agent is not SERVING")
            if mode == "closed":
                channel.close()
            time.sleep(0.2)  # let the connection go idle (no call in progress)
            start = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            status = proc.wait()
            results.append(time.monotonic() - start)
            if mode == "idle":
                channel.close()
    print("%s: exit after SIGTERM %s s (exit status %d)" %
          (mode, ", ".join("%.3f" % r for r in results), status))


if __name__ == "__main__":
    main()
