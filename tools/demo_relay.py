#!/usr/bin/env python3
"""A narrated share through a real relay process (the interim `./sct demo`).

Starts the relay binary on loopback (SQLite store in a temp dir), then plays the
architecture's steps with an independent client (standard library + Debian's
python3-cryptography) over the draft's HTTP API:

  sender encrypts provisioning info -> creates a mailbox -> sends URL#secret
  a link-preview bot fetches the preview (binds nothing)
  receiver strips the fragment, reads (binds), decrypts
  an interceptor that read the link too is refused (first reader wins)
  relay is killed (-9) and restarted: the mailbox survives
  receiver replies, sender reads the reply, sender deletes -> 404
  knowledge audit: the relay's database holds no plaintext and no secret

Exits non-zero if any step did not behave as the architecture says.
usage: demo_relay.py RELAY_BINARY [--keep DIR]
"""
import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

GREEN, RED, DIM, BOLD, END = "\033[32m", "\033[31m", "\033[2m", "\033[1m", "\033[0m"
if not sys.stdout.isatty():
    GREEN = RED = DIM = BOLD = END = ""

failures = []


def step(title):
    print(f"\n{BOLD}{title}{END}")


def check(ok, what):
    mark = f"{GREEN}ok{END}" if ok else f"{RED}FAILED{END}"
    print(f"  [{mark}] {what}")
    if not ok:
        failures.append(what)


def start_relay(binary, db):
    proc = subprocess.Popen(
        [binary, "--store=sqlite", f"--sqlite_path={db}",
         "--http_listen=127.0.0.1:0", "--grpc_listen=127.0.0.1:0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("listening "):
            fields = dict(kv.split("=", 1) for kv in line.split()[1:])
            return proc, "http://" + fields["http"]
    proc.kill()
    raise SystemExit("relay did not print its listening line")


def call(base, method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def claim_headers(claim):
    return {"Mailbox-Device-Claim": claim, "Mailbox-Request-ID": str(uuid.uuid4())}


def seal(key, plaintext):
    iv = secrets.token_bytes(12)
    return base64.b64encode(iv + AESGCM(key).encrypt(iv, plaintext, None)).decode()


def open_(key, data):
    raw = base64.b64decode(data)
    return AESGCM(key).decrypt(raw[:12], raw[12:], None)


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="sct-demo-")
    db = os.path.join(work, "relay.db")
    proc, base = start_relay(binary, db)
    try:
        run(binary, db, proc, base)
    finally:
        for p in list(PROCS):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
    print()
    if failures:
        print(f"{RED}demo failed:{END} " + "; ".join(failures))
        return 1
    print(f"{GREEN}demo passed:{END} every step behaved as the architecture says. "
          f"Relay database: {db}")
    return 0


PROCS = []


def run(binary, db, proc, base):
    PROCS.append(proc)
    print(f"{DIM}relay started: {base} (SQLite store {db}){END}")

    step("1. Sender's wallet encrypts the provisioning information with a fresh secret")
    secret = secrets.token_bytes(16)
    plaintext = json.dumps({
        "shareToken": "demo-share-token-" + secrets.token_hex(8),
        "credentialType": "car", "entitlements": ["unlock", "lock"],
    }).encode()
    sender = str(uuid.uuid4())
    body = {
        "payload": {"type": "AEAD_AES_128_GCM", "data": seal(secret, plaintext)},
        "displayInformation": {"title": "A car key for you",
                               "description": "Open the link to add it to your wallet",
                               "imageURL": "https://example.invalid/car.png"},
        "mailboxConfiguration": {"accessRights": "RWD"},
    }
    status, raw, _ = call(base, "POST", "/v1/m", body, claim_headers(sender))
    check(status == 200, f"POST /v1/m -> {status}")
    link = json.loads(raw)["urlLink"]
    share_url = f"{link}?v=c#{base64.urlsafe_b64encode(secret).decode().rstrip('=')}"
    path = urllib.parse.urlsplit(link).path
    print(f"  mailbox URL: {link}")
    print(f"  share URL sent over the channel: {link}?v=c#<secret, {len(share_url.split('#')[1])} chars, not shown>")

    step("2. A messenger's link-preview bot fetches the link (no claim)")
    status, raw, headers = call(base, "GET", path)
    html = raw.decode(errors="replace")
    check(status == 200 and "og:title" in html, f"GET preview -> {status} with Open Graph tags")
    csp = headers.get("Content-Security-Policy", "")
    check("default-src 'none'" in csp and "<script" not in html.lower(),
          "preview serves no script and a strict Content-Security-Policy")

    step("3. Receiver strips the fragment, reads the mailbox with a fresh device claim")
    receiver = str(uuid.uuid4())
    url_without_fragment = share_url.split("#", 1)[0]
    check("#" not in url_without_fragment, "the secret never goes to the relay")
    status, raw, _ = call(base, "POST", path, None, claim_headers(receiver))
    check(status == 200, f"POST {path} (first reader binds) -> {status}")
    got = open_(secret, json.loads(raw)["payload"]["data"])
    check(got == plaintext, "receiver decrypts exactly what the sender sealed")

    step("4. An interceptor who copied the link reads it too")
    status, raw, _ = call(base, "POST", path, None, claim_headers(str(uuid.uuid4())))
    check(status == 401, f"second device's read -> {status} (mailbox already bound)")

    step("5. The relay is killed (kill -9) and restarted on the same database")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc2, base2 = start_relay(binary, db)
    PROCS.append(proc2)
    status, raw, _ = call(base2, "POST", path, None, claim_headers(receiver))
    check(status == 200, f"bound receiver reads after restart -> {status}")

    step("6. Receiver replies through the same mailbox; sender reads the reply")
    reply = b'{"keySigningRequest": "demo"}'
    status, _, _ = call(base2, "PUT", path,
                        {"payload": {"type": "AEAD_AES_128_GCM", "data": seal(secret, reply)}},
                        claim_headers(receiver))
    check(status == 200, f"PUT {path} -> {status}")
    status, raw, _ = call(base2, "POST", path, None, claim_headers(sender))
    check(status == 200 and open_(secret, json.loads(raw)["payload"]["data"]) == reply,
          "sender reads and decrypts the reply")

    step("7. Knowledge audit of the relay's store (what a malicious operator could dump)")
    blob = b""
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            with open(db + suffix, "rb") as f:
                blob += f.read()
    for label, needle in [("the plaintext", plaintext), ("the reply plaintext", reply),
                          ("the secret (raw)", secret),
                          ("the secret (base64url)",
                           base64.urlsafe_b64encode(secret).rstrip(b"="))]:
        check(needle not in blob, f"relay database does not contain {label}")

    step("8. Sender deletes the mailbox")
    status, _, _ = call(base2, "DELETE", path, None, claim_headers(sender))
    check(status == 200, f"DELETE {path} -> {status}")
    status, _, _ = call(base2, "POST", path, None, claim_headers(receiver))
    check(status == 404, f"read after delete -> {status}")


if __name__ == "__main__":
    sys.exit(main())
