#!/usr/bin/python3
"""Crash durability of the relay's sqlite store.

Starts the real relay_server (sqlite file in $TEST_TMPDIR, ports 0), creates
and binds mailboxes from several client threads, kill -9s the relay in the
middle of that load, restarts it on the same file, and checks that every
acknowledged write survived: each mailbox whose create got 200 is readable
with its payload and expiry, and each binding that got 200 still holds (the
bound receiver reads, another claim gets 401). Usage:
    relay_crash_durability_test.py PATH/TO/relay_server
"""

import base64
import ctypes
import datetime
import http.client
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

RELAY_BINARY = None
CLIENTS = 4
KILL_AFTER_ACKS = 150


def _die_with_parent():
    """Child side of Popen: the relay gets SIGKILL if this test process dies
    without running its cleanups (PR_SET_PDEATHSIG)."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)


def start_relay(db):
    proc = subprocess.Popen(
        [RELAY_BINARY, "--http_listen=127.0.0.1:0", "--grpc_listen=127.0.0.1:0",
         "--store=sqlite", "--sqlite_path=" + db, "--creates_per_window=1000000",
         "--failed_lookups_per_window=1000000", "--http_threads=16"],
        preexec_fn=_die_with_parent, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    line = b""
    while not line.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or proc.poll() is not None:
            stop_relay(proc)
            raise RuntimeError("relay did not print its listening line; got %r" % line)
        ready, _, _ = select.select([proc.stdout], [], [], remaining)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 1)
            if chunk:
                line += chunk
    fields = dict(p.split("=", 1) for p in line.decode().split()[1:])
    return proc, fields["http"]


def stop_relay(proc):
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    if proc.stdout:
        proc.stdout.close()


def call(hostport, method, path, claim, body=None):
    headers = {"Mailbox-Device-Claim": claim, "Mailbox-Request-ID": str(uuid.uuid4())}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection(hostport, timeout=10)
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, (json.loads(raw) if raw else None)
    finally:
        conn.close()


class Ledger:
    """What the relay acknowledged before the crash."""

    def __init__(self):
        self.lock = threading.Lock()
        self.created = {}  # path -> dict(sender, data, expiration)
        self.bound = {}    # path -> receiver claim
        self.acks = 0


def load(hostport, ledger, stop, index):
    n = 0
    while not stop.is_set():
        n += 1
        sender = str(uuid.uuid4())
        data = base64.b64encode(os.urandom(64)).decode()
        expiry = (datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
                  + datetime.timedelta(hours=1, seconds=index * 1000 + n))
        expiration = expiry.strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            status, body = call(hostport, "POST", "/v1/m", sender, {
                "payload": {"type": "AEAD_AES_128_GCM", "data": data},
                "mailboxConfiguration": {"expiration": expiration}})
        except OSError:
            return  # the relay is gone
        if status != 200:
            continue
        path = "/v1/m/" + body["urlLink"].rsplit("/", 1)[1]
        with ledger.lock:
            ledger.created[path] = {"sender": sender, "data": data, "expiration": expiration}
            ledger.acks += 1
        receiver = str(uuid.uuid4())
        try:
            status, _ = call(hostport, "POST", path, receiver)
        except OSError:
            return
        if status == 200:
            with ledger.lock:
                ledger.bound[path] = receiver
                ledger.acks += 1


class CrashDurabilityTest(unittest.TestCase):

    def test_every_acknowledged_write_survives_kill_9(self):
        tmp = os.environ.get("TEST_TMPDIR") or tempfile.mkdtemp()
        db = os.path.join(tmp, "crash-%s.db" % uuid.uuid4())
        proc, hostport = start_relay(db)
        self.addCleanup(stop_relay, proc)

        ledger, stop = Ledger(), threading.Event()
        threads = [threading.Thread(target=load, args=(hostport, ledger, stop, i), daemon=True)
                   for i in range(CLIENTS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 120
        while True:
            with ledger.lock:
                if ledger.acks >= KILL_AFTER_ACKS:
                    break
            self.assertLess(time.monotonic(), deadline, "load made no progress")
            time.sleep(0.01)  # polling for progress, not timing behaviour
        os.kill(proc.pid, signal.SIGKILL)  # mid-load: clients are still writing
        proc.wait()
        stop.set()
        for t in threads:
            t.join(timeout=30)
        self.assertGreater(len(ledger.created), 0)

        proc2, hostport2 = start_relay(db)
        self.addCleanup(stop_relay, proc2)
        for path, m in ledger.created.items():
            receiver = ledger.bound.get(path)
            if receiver is not None:
                status, body = call(hostport2, "POST", path, receiver)
                self.assertEqual(status, 200, "bound receiver lost %s: %s" % (path, body))
                status, body2 = call(hostport2, "POST", path, str(uuid.uuid4()))
                self.assertEqual(status, 401, "binding of %s lost: %s" % (path, body2))
            else:
                status, body = call(hostport2, "POST", path, m["sender"])
                self.assertEqual(status, 200, "acknowledged mailbox %s lost: %s" % (path, body))
            self.assertEqual(body["payload"]["data"], m["data"], path)
            self.assertEqual(body["expiration"], m["expiration"], path)
        print("verified %d acknowledged mailboxes (%d bindings) after kill -9"
              % (len(ledger.created), len(ledger.bound)))

    def test_sigterm_shuts_down_cleanly_and_keeps_data(self):
        tmp = os.environ.get("TEST_TMPDIR") or tempfile.mkdtemp()
        db = os.path.join(tmp, "term-%s.db" % uuid.uuid4())
        proc, hostport = start_relay(db)
        self.addCleanup(stop_relay, proc)
        sender = str(uuid.uuid4())
        data = base64.b64encode(os.urandom(40)).decode()
        status, body = call(hostport, "POST", "/v1/m", sender,
                            {"payload": {"type": "AEAD_AES_256_GCM", "data": data}})
        self.assertEqual(status, 200, body)
        path = "/v1/m/" + body["urlLink"].rsplit("/", 1)[1]
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(timeout=30), 0, "relay_server did not exit 0 on SIGTERM")

        proc2, hostport2 = start_relay(db)
        self.addCleanup(stop_relay, proc2)
        status, body = call(hostport2, "POST", path, sender)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["payload"]["data"], data)


def main():
    global RELAY_BINARY
    if len(sys.argv) < 2:
        sys.exit("usage: relay_crash_durability_test.py RELAY_BINARY")
    RELAY_BINARY = os.path.abspath(sys.argv[1])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    unittest.main(argv=[sys.argv[0]] + sys.argv[2:], verbosity=2)


if __name__ == "__main__":
    main()
