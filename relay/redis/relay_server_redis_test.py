"""relay_server --store=redis end to end: flag errors, fail-fast start without
Redis, two relay processes sharing one Redis (AOF, appendfsync always), 503 +
Retry-After while Redis is down, recovery after Redis restarts.

Usage: relay_server_redis_test.py RELAY_SERVER_BINARY
Starts its own redis-server on a free loopback port in $TEST_TMPDIR and stops
every process it started, also on failure.
"""
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
import uuid

RELAY = None
REDIS = "/usr/bin/redis-server"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, what, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)  # waiting for another process to come up
    raise AssertionError("timed out waiting for " + what)


class Redis:
    def __init__(self):
        self.dir = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
        self.port = free_port()
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [REDIS, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", self.dir,
             "--appendonly", "yes", "--appendfsync", "always", "--save", "",
             "--logfile", os.path.join(self.dir, "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self.pings, "redis PING")

    def pings(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Relay:
    def __init__(self, redis_port, extra=()):
        self.proc = subprocess.Popen(
            [RELAY, "--store=redis", "--redis=127.0.0.1:%d" % redis_port,
             "--http_listen=127.0.0.1:0", "--grpc_listen=127.0.0.1:0",
             "--redis_timeout=1s"] + list(extra),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening"):
            self.proc.kill()
            raise AssertionError("relay did not start: " + line + self.proc.stderr.read())
        http = line.split()[1].split("=")[1]
        self.base = "http://" + http

    def call(self, method, path, claim=None, body=None):
        headers = {"Content-Type": "application/json"}
        if claim:
            headers["Mailbox-Device-Claim"] = claim
            headers["Mailbox-Request-ID"] = str(uuid.uuid4())
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, dict(r.headers), json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), json.loads(e.read() or b"{}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            return self.proc.wait(timeout=20)
        return self.proc.returncode


CREATE = {"payload": {"type": "AEAD_AES_128_GCM",
                      "data": base64.b64encode(os.urandom(64)).decode()},
          "displayInformation": {"title": "Car key"}}


class RelayServerRedisTest(unittest.TestCase):
    def test_flag_errors_exit_2(self):
        for args in (["--store=redis"], ["--store=redis", "--redis=nohostport"],
                     ["--store=memory", "--redis=127.0.0.1:6379"],
                     ["--store=redis", "--redis=127.0.0.1:6379", "--redis_pool_size=0"]):
            r = subprocess.run([RELAY, "--http_listen=127.0.0.1:0",
                                "--grpc_listen=127.0.0.1:0"] + args,
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn("--redis", r.stderr, args)

    def test_unreachable_redis_at_start_fails_fast(self):
        r = subprocess.run([RELAY, "--store=redis", "--redis=127.0.0.1:%d" % free_port(),
                            "--http_listen=127.0.0.1:0", "--grpc_listen=127.0.0.1:0"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot reach Redis", r.stderr)

    def test_two_relays_share_redis_and_answer_503_while_it_is_down(self):
        redis = Redis()
        relays = []
        try:
            redis.start()
            relays = [Relay(redis.port), Relay(redis.port)]
            a, b = relays
            sender, receiver = str(uuid.uuid4()), str(uuid.uuid4())
            status, _, body = a.call("POST", "/v1/m", sender, CREATE)
            self.assertEqual(status, 200, body)
            mid = body["urlLink"].rsplit("/", 1)[1]
            status, _, body = b.call("POST", "/v1/m/" + mid, receiver)
            self.assertEqual(status, 200, body)

            redis.kill()
            for relay in relays:
                status, headers, body = relay.call("POST", "/v1/m/" + mid, receiver)
                self.assertEqual(status, 503, body)
                self.assertEqual(body["error"]["code"], "store_unavailable")
                self.assertEqual(headers.get("Retry-After"), "1")

            redis.start()  # same port and dir: the AOF is replayed
            status, _, body = a.call("POST", "/v1/m/" + mid, receiver)
            self.assertEqual(status, 200, body)
            status, _, body = b.call("POST", "/v1/m/" + mid, str(uuid.uuid4()))
            self.assertEqual(status, 401, body)  # still bound to `receiver`
            for relay in relays:
                self.assertEqual(relay.stop(), 0)
        finally:
            for relay in relays:
                if relay.proc.poll() is None:
                    relay.proc.kill()
            redis.kill()


if __name__ == "__main__":
    RELAY = os.path.abspath(sys.argv.pop(1))
    unittest.main()
