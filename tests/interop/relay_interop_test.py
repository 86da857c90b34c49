#!/usr/bin/python3
"""Interop test: an independent client plays sender and receiver against the
relay over HTTP exactly as draft-vinokurov-tigress-http-00 describes.

Only Python's standard library plus `cryptography` (Debian's
python3-cryptography); none of the project's C++. Usage:
    relay_interop_test.py PATH/TO/relay_server
The relay runs as a child process on 127.0.0.1 port 0 with its sqlite store
in $TEST_TMPDIR; it is torn down on success, failure, or SIGTERM.
"""

import base64
import json
import os
import signal
import sys
import tempfile
import unittest
import urllib.parse
import uuid

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_http  # noqa: E402

# The shared relay child-process helper lives with the conformance runner.
sys.path.insert(0, os.path.join(os.environ.get("TEST_SRCDIR", ""), "sct_lab/interop/conformance"))
import relay_process  # noqa: E402

RELAY_BINARY = None


def start_relay(extra_args=()):
    """Starts the relay (SQLite store in TEST_TMPDIR); returns (process, 'host:port' of HTTP)."""
    tmp = os.environ.get("TEST_TMPDIR") or tempfile.mkdtemp()
    db = os.path.join(tmp, "interop-%s.db" % uuid.uuid4())
    proc, fields = relay_process.start_relay(
        RELAY_BINARY, ["--store=sqlite", "--sqlite_path=" + db] + list(extra_args), stderr=sys.stderr)
    return proc, fields["http"]


stop_relay = relay_process.stop_relay


def b64(data):
    return base64.b64encode(data).decode()


def b64url_nopad(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(key, plaintext):
    """The draft's payload: IV(12) || ciphertext || tag(16), AES-GCM, no AAD."""
    iv = os.urandom(12)
    return iv + AESGCM(key).encrypt(iv, plaintext, None)


def open_sealed(key, data):
    return AESGCM(key).decrypt(data[:12], data[12:], None)


class Http:
    """One HTTP/1.1 client for the relay (no fragment ever reaches it)."""

    def __init__(self, hostport):
        self.hostport = hostport

    def call(self, method, path, claim=None, body=None, request_id=None):
        if claim is not None:
            request_id = request_id or str(uuid.uuid4())
        return relay_http.exchange(self.hostport, method, path, claim, request_id, body)

    def json_call(self, *args, **kwargs):
        status, headers, raw = self.call(*args, **kwargs)
        return status, headers, (json.loads(raw) if raw else None)


class RelayInteropTest(unittest.TestCase):

    def setUp(self):
        self.proc, self.hostport = start_relay()
        self.addCleanup(stop_relay, self.proc)
        self.http = Http(self.hostport)

    def test_sender_and_receiver_follow_the_draft(self):
        # ---- sender ----
        secret = os.urandom(16)  # AEAD_AES_128_GCM key: the URL-fragment secret
        provisioning = json.dumps({"credential": "car-key", "token": b64(os.urandom(32))}).encode()
        sender_claim = str(uuid.uuid4())
        status, _, created = self.http.json_call("POST", "/v1/m", claim=sender_claim, body={
            "payload": {"type": "AEAD_AES_128_GCM", "data": b64(seal(secret, provisioning))},
            "displayInformation": {"title": "Car key from Alice",
                                   "description": "Blue car, front doors",
                                   "imageURL": "https://example.com/car.png"},
            "mailboxConfiguration": {"accessRights": "RWD"},
        })
        self.assertEqual(status, 200, created)
        self.assertIsInstance(created["isPushNotificationSupported"], bool)
        # Extension of the draft: the create answer carries the expiry (default TTL here).
        self.assertRegex(created["expiration"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        url_link = created["urlLink"]
        self.assertTrue(url_link.startswith("http://%s/v1/m/" % self.hostport), url_link)
        share_url = url_link + "?v=c#" + b64url_nopad(secret)

        # ---- the channel carries share_url; the receiver parses it ----
        parts = urllib.parse.urlsplit(share_url)
        self.assertEqual(urllib.parse.parse_qs(parts.query), {"v": ["c"]})
        key = b64url_decode(parts.fragment)
        self.assertEqual(key, secret)
        path = parts.path  # fragment stripped: never sent
        hostport = parts.netloc

        # A preview bot may fetch the page: HTML with Open Graph tags, no script.
        status, headers, page = Http(hostport).call("GET", path)
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        self.assertIn(b'og:title" content="Car key from Alice"', page)
        self.assertNotIn(b"<script", page)
        self.assertIn("default-src 'none'", headers["Content-Security-Policy"])

        # ---- receiver reads with a fresh claim, decrypts ----
        receiver_claim = str(uuid.uuid4())
        receiver = Http(hostport)
        status, _, read = receiver.json_call("POST", path, claim=receiver_claim)
        self.assertEqual(status, 200, read)
        self.assertEqual(read["payload"]["type"], "AEAD_AES_128_GCM")
        self.assertEqual(open_sealed(key, base64.b64decode(read["payload"]["data"])), provisioning)
        self.assertEqual(read["displayInformation"]["title"], "Car key from Alice")
        self.assertRegex(read["expiration"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")

        # Someone else with the link cannot read any more (first reader bound).
        status, _, err = receiver.json_call("POST", path, claim=str(uuid.uuid4()))
        self.assertEqual(status, 401, err)
        self.assertIn("code", err["error"])

        # ---- receiver replies through the same mailbox ----
        reply = b"receiver public key: " + os.urandom(65)
        status, _, body = receiver.json_call("PUT", path, claim=receiver_claim, body={
            "payload": {"type": "AEAD_AES_128_GCM", "data": b64(seal(key, reply))}})
        self.assertEqual(status, 200, body)

        # ---- sender reads the reply ----
        status, _, back = self.http.json_call("POST", path, claim=sender_claim)
        self.assertEqual(status, 200, back)
        self.assertEqual(open_sealed(secret, base64.b64decode(back["payload"]["data"])), reply)

        # ---- sender deletes; then 404 ----
        status, _, body = self.http.json_call("DELETE", path, claim=sender_claim)
        self.assertEqual(status, 200, body)
        status, _, err = receiver.json_call("POST", path, claim=receiver_claim)
        self.assertEqual(status, 404, err)
        self.assertEqual(err["error"]["code"], "mailbox_not_found")

    def test_repeated_request_id_answers_201(self):
        claim, request_id = str(uuid.uuid4()), str(uuid.uuid4())
        body = {"payload": {"type": "AEAD_AES_256_GCM",
                            "data": b64(seal(os.urandom(32), b"hello"))}}
        s1, _, first = self.http.json_call("POST", "/v1/m", claim=claim, body=body,
                                           request_id=request_id)
        s2, _, second = self.http.json_call("POST", "/v1/m", claim=claim, body=body,
                                            request_id=request_id)
        self.assertEqual((s1, s2), (200, 201))
        self.assertEqual(first["urlLink"], second["urlLink"])

    def test_malformed_input_is_a_json_error(self):
        status, headers, raw = self.http.call("POST", "/v1/m", claim=str(uuid.uuid4()),
                                              body={"payload": {"type": "AEAD_AES_128_GCM",
                                                                "data": "not base64!"}})
        self.assertEqual(status, 400)
        self.assertEqual(headers["Content-Type"], "application/json")
        err = json.loads(raw)["error"]
        self.assertEqual(err["code"], "invalid_field")
        self.assertIn("payload.data", err["message"])


def main():
    global RELAY_BINARY
    if len(sys.argv) < 2:
        sys.exit("usage: relay_interop_test.py RELAY_BINARY")
    RELAY_BINARY = os.path.abspath(sys.argv[1])
    # Bazel's timeout sends SIGTERM: turn it into an exception so cleanups run.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    unittest.main(argv=[sys.argv[0]] + sys.argv[2:], verbosity=2)


if __name__ == "__main__":
    main()
