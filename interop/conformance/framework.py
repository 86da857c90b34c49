"""The conformance runner's building blocks: the check registry, the context a
check runs in (fresh claims, request ids and mailboxes, evidence), and the
response-shape validation against docs/relay-api.yaml.

A check is a function taking a Context. It returns normally to pass, raises
Failed (with evidence) to fail and Skipped (with a reason) to be skipped; any
other exception is reported as an error of the check (which counts as a
failure). Checks share nothing: each makes its own mailboxes with fresh claims
and request ids from os.urandom. Evidence holds request lines, statuses and
excerpts of headers and bodies, never a URL fragment secret or a claim.
"""

import base64
import copy
import datetime
import json
import os
import uuid

import http_client

MUST, SHOULD, RECOMMENDED = "MUST", "SHOULD", "RECOMMENDED"
LEVELS = (MUST, SHOULD, RECOMMENDED)
GROUPS = {
    "create": "Create and idempotency",
    "read": "Read and binding",
    "update": "Update and rights",
    "preview": "Preview",
    "delete": "Delete and relinquish",
    "expiry": "Expiry",
    "errors": "Errors and bad input",
    "transport": "Transport",
    "limits": "Limits (size, rate)",
}
DRAFT = "draft-vinokurov-tigress-http-00"
REGISTRY = []


class Check:
    """One rule: a stable id (`group.rule`), its level, where it comes from."""

    def __init__(self, check_id, level, section, text, fn, needs=None, order=0):
        self.id = check_id
        self.group = check_id.split(".", 1)[0]
        self.level = level
        self.section = section
        self.text = text
        self.fn = fn
        self.needs = needs
        self.order = order
        assert self.group in GROUPS, check_id
        assert level in LEVELS, check_id


def check(check_id, level, section, text, needs=None, order=0):
    """Registers the decorated function as a check."""
    def register(fn):
        REGISTRY.append(Check(check_id, level, section, text, fn, needs, order))
        return fn
    return register


class Failed(Exception):
    def __init__(self, message, evidence=()):
        super().__init__(message)
        self.evidence = list(evidence)


class Skipped(Exception):
    pass


class Options:
    """What the runner was told about the relay (see conformance.py --help)."""

    def __init__(self, **kwargs):
        self.rate_limit = kwargs.get("rate_limit", True)
        self.rate_probe = kwargs.get("rate_probe", 2000)
        self.expiry_ttl = kwargs.get("expiry_ttl", 3.0)
        self.max_body = kwargs.get("max_body", 65536)
        self.readers = kwargs.get("readers", 16)
        self.spec = kwargs.get("spec")


def new_uuid():
    return str(uuid.UUID(bytes=os.urandom(16), version=4))


def sealed_payload(size=48, kind="AEAD_AES_128_GCM"):
    """A payload shaped as the draft's: base64 of IV(12) ‖ ciphertext ‖ tag(16).
    The relay never decrypts, so random bytes of that shape are enough."""
    return {"type": kind, "data": base64.b64encode(os.urandom(12 + size + 16)).decode()}


def display(title="Car key", description="Blue car",
            image="https://example.com/car.png"):
    return {"title": title, "description": description, "imageURL": image}


def rfc3339(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text):
    """Seconds since the epoch, or None when `text` is not RFC 3339."""
    try:
        value = datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        return None
    return value.timestamp()


class Mailbox:
    """A mailbox a check created: its id, its path and its sender's claim."""

    def __init__(self, mailbox_id, sender, url_link, create_response):
        self.id = mailbox_id
        self.path = "/v1/m/" + mailbox_id
        self.sender = sender
        self.url_link = url_link
        self.create_response = create_response


class Context:
    """What one check runs with: the client, the options, its evidence."""

    def __init__(self, client, options, spec):
        self.client = client
        self.options = options
        self.spec = spec
        self.evidence = []

    def call(self, method, target, claim=None, request_id="new", body=None, raw=None,
             headers=None, url=None):
        """One request; `request_id="new"` sends a fresh id with every claimed
        request, None sends none. Every exchange is added to the evidence."""
        h = dict(headers or {})
        if claim is not None:
            h["Mailbox-Device-Claim"] = claim
        if request_id == "new":
            request_id = new_uuid() if claim is not None else None
        if request_id is not None:
            h["Mailbox-Request-ID"] = request_id
        data = raw
        if body is not None:
            data = _json_bytes(body)
            h.setdefault("Content-Type", "application/json")
        try:
            resp = self.client.request(method, target, h, data, url=url)
        except http_client.HttpError as e:
            raise Failed(f"no HTTP answer: {e}", self.evidence) from e
        self.evidence.append(resp.summary())
        return resp

    def fail(self, message, *responses):
        lines = list(self.evidence)
        for r in responses:
            lines.extend(_header_lines(r))
        raise Failed(message, lines)

    def expect(self, condition, message, *responses):
        if not condition:
            self.fail(message, *responses)

    def expect_status(self, resp, wanted, what):
        wanted = (wanted,) if isinstance(wanted, int) else tuple(wanted)
        if resp.status not in wanted:
            want = " or ".join(str(w) for w in wanted)
            hint = ""
            if resp.status == 429:
                hint = (" (the relay's rate limit: the run made more requests than it allows; "
                        "wait for its window or run fewer checks with --only)")
            self.fail(f"{what}: expected {want}, got {resp.status}{hint}", resp)

    def create_body(self, rights=None, expiration=None, title="Car key", size=48):
        body = {"payload": sealed_payload(size), "displayInformation": display(title)}
        config = {}
        if rights is not None:
            config["accessRights"] = rights
        if expiration is not None:
            config["expiration"] = expiration
        if config:
            body["mailboxConfiguration"] = config
        return body

    def create(self, rights=None, expiration=None, body=None, title="Car key"):
        """Creates a mailbox with a fresh sender claim; fails the check unless
        the relay answers 200 with a urlLink naming a mailbox."""
        sender = new_uuid()
        body = body or self.create_body(rights, expiration, title)
        resp = self.call("POST", "/v1/m", sender, body=body)
        self.expect_status(resp, 200, "create")
        out = resp.json()
        link = out.get("urlLink") if isinstance(out, dict) else None
        self.expect(isinstance(link, str) and "/" in link, "create: no urlLink", resp)
        return Mailbox(link.rstrip("/").rsplit("/", 1)[1], sender, link, resp)

    def read(self, box, claim, request_id="new"):
        return self.call("POST", box.path, claim, request_id)

    def shape(self, resp, schema_name, what):
        """Validates a JSON answer against the draft's part of a schema of
        docs/relay-api.yaml: members marked `x-sct-beyond-draft` are not
        required and extra members are allowed (the draft permits both)."""
        if self.spec is None:
            return
        import jsonschema
        schema = draft_schema(self.spec, schema_name)
        resolver = jsonschema.RefResolver.from_schema(self.spec)
        validator = jsonschema.Draft202012Validator(schema, resolver=resolver)
        errors = sorted(validator.iter_errors(resp.json()), key=lambda e: list(e.path))
        if errors:
            where = "/".join(str(p) for p in errors[0].path) or "(body)"
            self.fail(f"{what}: body does not match {schema_name} at {where}: "
                      f"{errors[0].message[:200]}", resp)


def draft_schema(spec, name):
    """The schema `name` of the spec with the project's extensions relaxed."""
    schemas = spec["components"]["schemas"]

    def relax(node):
        if isinstance(node, dict):
            if "$ref" in node and len(node) == 1:
                ref = node["$ref"]
                if ref.startswith("#/components/schemas/"):
                    return relax(copy.deepcopy(schemas[ref.rsplit("/", 1)[1]]))
                return node
            out = {k: relax(v) for k, v in node.items() if k != "additionalProperties"}
            props = node.get("properties") or {}
            if "required" in out:
                out["required"] = [p for p in out["required"]
                                   if not (props.get(p) or {}).get("x-sct-beyond-draft")]
            return out
        if isinstance(node, list):
            return [relax(v) for v in node]
        return node
    return relax(copy.deepcopy(schemas[name]))


def _json_bytes(body):
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _header_lines(resp):
    keep = ("content-type", "content-security-policy", "mailbox-request-id", "retry-after",
            "x-content-type-options")
    return [f"  {name}: {value}" for name, value in resp.header_list if name.lower() in keep]
