#!/usr/bin/python3
"""The relay's answers match its API description, docs/relay-api.yaml.

Starts relay_server (sqlite store in $TEST_TMPDIR, 127.0.0.1 port 0), calls
every operation on its success paths and on the error paths a client can
cause, and checks each answer against the OpenAPI 3.1 file: the status is one
the operation lists, the media type matches, the body validates against the
schema (JSON Schema 2020-12, Debian's python3-jsonschema), and the headers the
file marks required are present with valid values. Answers the transport gives
before routing (unknown path, method, oversize request line or headers, HTTP
version) are checked against the components that describe them. Finally every
success status of every operation must have been seen, so a new operation or
status in the file without a check here fails the test.

Usage: relay_api_test.py PATH/TO/relay_server PATH/TO/relay-api.yaml
"""

import base64
import json
import os
import socket
import sys
import unittest
import uuid

import jsonschema
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relay_http  # noqa: E402
import relay_interop_test as interop  # noqa: E402  (start_relay, stop_relay)

SPEC = None


def resolve(obj):
    """Follows a local $ref ("#/a/b") in the spec."""
    while isinstance(obj, dict) and "$ref" in obj and len(obj) == 1:
        node = SPEC
        for part in obj["$ref"][2:].split("/"):
            node = node[part]
        obj = node
    return obj


def validate(schema, instance):
    resolver = jsonschema.RefResolver.from_schema(SPEC)
    jsonschema.Draft202012Validator(schema, resolver=resolver).validate(instance)


def check_response(test, response_spec, status, headers, raw, what):
    """Checks one answer against an OpenAPI response object."""
    response_spec = resolve(response_spec)
    lower = {k.lower(): v for k, v in headers.items()}
    for name, header in (response_spec.get("headers") or {}).items():
        header = resolve(header)
        value = lower.get(name.lower())
        if header.get("required"):
            test.assertIsNotNone(value, f"{what}: header {name} missing")
        if value is not None:
            validate(header["schema"], value)
    content = response_spec.get("content") or {}
    media = lower.get("content-type", "").split(";")[0].strip()
    test.assertIn(media, content, f"{what}: media type {media!r} not listed ({list(content)})")
    schema = content[media]["schema"]
    if media == "application/json":
        validate(schema, json.loads(raw))
    else:
        validate(schema, raw.decode())


class RelayApiTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.proc, cls.hostport = interop.start_relay(["--creates_per_window=12"])
        cls.seen = set()  # (operationId, status)

    @classmethod
    def tearDownClass(cls):
        interop.stop_relay(cls.proc)

    def call(self, method, path, claim=None, request_id="new", body=None, headers=None,
             raw_body=None):
        """One request; checks the answer against the spec and returns it."""
        if request_id == "new":  # a fresh id with every claimed request
            request_id = str(uuid.uuid4()) if claim is not None else None
        status, headers_out, raw = relay_http.exchange(
            self.hostport, method, path, claim, request_id or None, body, headers, raw_body)
        template = "/v1/m/{mailboxId}" if path.startswith("/v1/m/") else path.split("?")[0]
        operation = SPEC["paths"][template][method.lower()]
        responses = operation["responses"]
        what = f"{method} {path} -> {status} {raw[:200]!r}"
        self.assertIn(str(status), responses, f"{what}: status not in the description")
        check_response(self, responses[str(status)], status, headers_out, raw, what)
        if request_id and jsonschema.Draft202012Validator(
                SPEC["components"]["schemas"]["Uuid"]).is_valid(request_id):
            self.assertEqual(headers_out.get("Mailbox-Request-ID"), request_id, what)
        self.seen.add((operation["operationId"], status))
        is_json = headers_out.get("Content-Type", "").startswith("application/json")
        return status, headers_out, (json.loads(raw) if is_json else raw)

    def body(self, rights="RWD", size=40):
        return {"payload": {"type": "AEAD_AES_128_GCM",
                            "data": base64.b64encode(os.urandom(size)).decode()},
                "displayInformation": {"title": "Car <key>", "description": "d",
                                       "imageURL": "https://i.example/k.png"},
                "notificationToken": {"type": "oem-x", "tokenData": "t"},
                "mailboxConfiguration": {"accessRights": rights}}

    def create(self, sender, rights="RWD"):
        status, _, out = self.call("POST", "/v1/m", sender, body=self.body(rights))
        self.assertEqual(status, 200, out)
        return out["urlLink"].rsplit("/", 1)[1]

    def test_1_every_operation_and_its_errors(self):
        sender, receiver, stranger = (str(uuid.uuid4()) for _ in range(3))
        rid = str(uuid.uuid4())
        self.assertEqual(self.call("POST", "/v1/m", sender, rid, body=self.body())[0], 200)
        status, _, first = self.call("POST", "/v1/m", sender, rid, body=self.body())
        self.assertEqual(status, 201)
        mid = first["urlLink"].rsplit("/", 1)[1]
        bad = self.body()
        bad["payload"]["data"] = "not base64!"
        self.assertEqual(self.call("POST", "/v1/m", sender, body=bad)[0], 400)
        self.assertEqual(self.call("POST", "/v1/m", None, None, body=self.body())[0], 401)
        self.assertEqual(self.call("POST", "/v1/m", sender, body=self.body(size=65537))[0], 413)
        self.assertEqual(self.call("POST", "/v1/m", sender, body=self.body(),
                                   headers={"Content-Encoding": "gzip"})[0], 415)

        self.assertEqual(self.call("GET", f"/v1/m/{mid}")[0], 200)
        self.assertEqual(self.call("GET", "/v1/m/not-a-uuid")[0], 400)
        self.assertEqual(self.call("GET", f"/v1/m/{uuid.uuid4()}")[0], 404)

        read_id = str(uuid.uuid4())
        self.assertEqual(self.call("POST", f"/v1/m/{mid}", receiver, read_id)[0], 200)
        self.assertEqual(self.call("POST", f"/v1/m/{mid}", receiver, read_id)[0], 201)
        self.assertEqual(self.call("POST", f"/v1/m/{mid}", receiver, request_id=None)[0], 200)
        self.assertEqual(self.call("POST", f"/v1/m/{mid}", stranger)[0], 401)
        self.assertEqual(self.call("POST", f"/v1/m/{mid}", receiver, "1234")[0], 400)
        self.assertEqual(self.call("POST", f"/v1/m/{uuid.uuid4()}", receiver)[0], 404)

        upd_id = str(uuid.uuid4())
        status, _, out = self.call("PUT", f"/v1/m/{mid}", receiver, upd_id, body=self.body())
        self.assertEqual(status, 200)
        self.assertFalse(out["isPushNotificationSupported"])  # no push route for oem-x
        self.assertEqual(self.call("PUT", f"/v1/m/{mid}", receiver, upd_id, body=self.body())[0],
                         201)
        self.assertEqual(self.call("PUT", f"/v1/m/{mid}", receiver, body=bad)[0], 400)
        self.assertEqual(self.call("PUT", f"/v1/m/{mid}", stranger, body=self.body())[0], 401)
        self.assertEqual(self.call("PUT", f"/v1/m/{uuid.uuid4()}", receiver,
                                   body=self.body())[0], 404)

        rel_id = str(uuid.uuid4())
        self.assertEqual(self.call("PATCH", f"/v1/m/{mid}", receiver, rel_id)[0], 200)
        self.assertEqual(self.call("PATCH", f"/v1/m/{mid}", receiver, rel_id)[0], 201)
        self.assertEqual(self.call("PATCH", f"/v1/m/{mid}", sender)[0], 401)
        self.assertEqual(self.call("PATCH", f"/v1/m/{mid}", sender, request_id=None)[0], 400)
        self.assertEqual(self.call("PATCH", f"/v1/m/{uuid.uuid4()}", receiver)[0], 404)

        read_only = self.create(sender, rights="R")
        self.assertEqual(self.call("DELETE", f"/v1/m/{read_only}", sender)[0], 401)  # no D
        del_id = str(uuid.uuid4())
        self.assertEqual(self.call("DELETE", f"/v1/m/{mid}", sender, del_id)[0], 200)
        self.assertEqual(self.call("DELETE", f"/v1/m/{mid}", sender, del_id)[0], 201)
        self.assertEqual(self.call("DELETE", f"/v1/m/{mid}", sender)[0], 404)
        self.assertEqual(self.call("DELETE", f"/v1/m/{mid}", sender, "x")[0], 400)

        self.assertEqual(self.call("GET", "/healthz")[0], 200)
        self.assertEqual(self.call("GET", "/metrics")[0], 200)

        # The create limit (12 per window from this address) ends in 429.
        statuses = [self.call("POST", "/v1/m", sender, body=self.body())[0] for _ in range(12)]
        self.assertIn(429, statuses)

    def raw(self, request):
        with socket.create_connection(tuple(self.hostport.rsplit(":", 1)), timeout=30) as s:
            try:
                s.sendall(request)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the relay answered and stopped reading; its answer is still there
            chunks = []
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        status = int(lines[0].split()[1])
        headers = dict(line.split(": ", 1) for line in lines[1:])
        return status, headers, body

    def test_2_answers_before_routing(self):
        components = SPEC["components"]["responses"]
        cases = [
            (b"GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404,
             "NotFoundPath"),
            (b"DELETE /v1/m HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 405,
             "MethodNotAllowed"),
            (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "TransportError"),
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\n" +
             b"".join(b"X-H%d: v\r\n" % i for i in range(500)) + b"\r\n", 431, "TransportError"),
            (b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505, "TransportError"),
        ]
        for request, want, component in cases:
            status, headers, body = self.raw(request)
            what = f"{request[:40]!r} -> {status} {body[:200]!r}"
            self.assertEqual(status, want, what)
            check_response(self, components[component], status, headers, body, what)

    def test_3_every_success_status_was_seen(self):
        for template, item in SPEC["paths"].items():
            for method, operation in item.items():
                if method == "parameters":
                    continue
                for status in operation["responses"]:
                    if status.startswith("2"):
                        self.assertIn((operation["operationId"], int(status)), self.seen,
                                      f"{method.upper()} {template} {status} never checked")

    def test_0_every_reference_resolves(self):
        def walk(node):
            if isinstance(node, dict):
                if "$ref" in node:
                    resolve({"$ref": node["$ref"]})
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)
        walk(SPEC)
        self.assertEqual(SPEC["openapi"], "3.1.0")


def main():
    global SPEC
    if len(sys.argv) < 3:
        sys.exit("usage: relay_api_test.py RELAY_BINARY RELAY_API_YAML")
    interop.RELAY_BINARY = sys.argv[1]
    with open(sys.argv[2]) as f:
        SPEC = yaml.safe_load(f)
    unittest.main(argv=[sys.argv[0]], verbosity=2)


if __name__ == "__main__":
    main()
