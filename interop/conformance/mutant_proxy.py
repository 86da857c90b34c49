"""Test doubles for the conformance runner: a TLS reverse proxy in front of
the real relay that breaks exactly one rule of the draft (its mode), so the
runner's tests can check that each broken rule is caught by the right check.

Test-only code. Each request is forwarded on its own upstream connection; the
proxy rewrites the relay's own host:port in answers to its own, so urlLinks
lead back through it. Thread-safe: the little state some modes keep (senders,
bound receivers, seen request ids) is under one lock.
"""

import contextlib
import html
import http.client
import http.server
import json
import re
import socket
import socketserver
import ssl
import threading
import uuid

HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length"}
MAILBOX_PATH = re.compile(r"^/v1/m/([^/?#]+)$")

# mode -> the check id that must catch it (the runner's tests assert this).
MODES = {
    "unauth-200": "read.binding.second-reader-refused",   # every 401 becomes 200
    "no-csp": "preview.csp",                              # preview loses its CSP header
    "repeat-200": "create.idempotent.repeat-201",         # 201 (repeat) becomes 200
    "create-twice": "create.idempotent.no-second-mailbox",  # a repeated create makes another
    "second-reader": "read.binding.second-reader-refused",  # later readers get the first's claim
    "no-echo": "create.request-id.echoed",                # Mailbox-Request-ID not returned
    "preview-binds": "preview.does-not-bind",             # the GET binds a stranger first
    "unescaped-title": "preview.escaping",                # preview HTML entities undone
    "accept-oversize": "limits.body.oversize-refused",    # the proxy answers 200 to big bodies
    "wrong-content-type": "create.produces-json",         # JSON answers labelled text/plain
    "no-retry-after": "limits.rate.creates",              # 429 without Retry-After
    "delete-noop": "delete.ok",                           # DELETE answered 200, not forwarded
    "serves-expired": "expiry.expired-404",               # a read's 404 replaced by its last 200
    "rights-rwd": "create.default-rights",                # a create without rights gets RWD
    "plaintext-too": "transport.tls-only",                # plain HTTP served on the TLS port
}


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def finish_request(self, request, client_address):
        # The TLS handshake runs in the connection's thread, not in accept().
        try:
            plaintext = (self.proxy.mode == "plaintext-too"
                         and request.recv(1, socket.MSG_PEEK) != b"\x16")
            if plaintext:
                tls = request  # not a TLS ClientHello: served in plain HTTP
            else:
                tls = self.tls_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            request.close()
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            tls.close()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self._forward()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def _forward(self):
        proxy = self.server.proxy
        length = int(self.headers.get("Content-Length") or 0)
        body = bytearray(self.rfile.read(length) if length else b"")
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
        headers["Host"] = proxy.upstream
        with proxy.serial_lock(self.command, self.path):
            status, out_headers, out_body = proxy.exchange(self.command, self.path, headers,
                                                           body)
        self.send_response(status)
        for name, value in out_headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(out_body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out_body)


class MutantProxy:
    """Serves https on 127.0.0.1:port, forwarding to `upstream` (host:port)."""

    def __init__(self, mode, upstream, cert_file, key_file, ca_file):
        assert mode in MODES, mode
        self.mode = mode
        self.upstream = upstream
        self.lock = threading.Lock()
        self.read_lock = threading.Lock()
        self.senders = {}      # mailbox id -> sender claim
        self.bound = {}        # mailbox id -> first receiver claim that read
        self.seen_ids = set()  # (claim, request id) of creates
        self.last_read = {}    # (path, claim) -> the last 200 read answer
        self.client_tls = ssl.create_default_context(cafile=ca_file)
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server.tls_context.load_cert_chain(cert_file, key_file)
        self.server.proxy = self
        self.hostport = "127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def serial_lock(self, method, path):
        """second-reader forwards reads one at a time, so every reader of a race
        after the first meets a binding it knows (deterministic, not timing-bound)."""
        if self.mode == "second-reader" and method == "POST" and MAILBOX_PATH.match(path):
            return self.read_lock
        return contextlib.nullcontext()

    def exchange(self, method, path, headers, body):
        own = self.before(method, path, headers, body)
        if own is not None:
            return own
        status, out_headers, out_body = self.send_upstream(method, path, headers, body)
        return self.after(method, path, headers, status, out_headers, out_body)

    def send_upstream(self, method, path, headers, body):
        host, port = self.upstream.rsplit(":", 1)
        conn = http.client.HTTPSConnection(host, int(port), timeout=20,
                                           context=self.client_tls)
        try:
            conn.request(method, path, body=bytes(body) or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            kept = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_HEADERS]
            return resp.status, kept, data.replace(self.upstream.encode(),
                                                   self.hostport.encode())
        finally:
            conn.close()

    # ---- the modes: before() may answer itself, after() edits the answer.

    def before(self, method, path, headers, body):
        claim = headers.get("Mailbox-Device-Claim")
        rid = headers.get("Mailbox-Request-ID")
        match = MAILBOX_PATH.match(path)
        if self.mode == "accept-oversize" and method == "POST" and path == "/v1/m" \
                and len(body) > 65536:
            fake = {"urlLink": f"https://{self.hostport}/v1/m/{uuid.uuid4()}",
                    "isPushNotificationSupported": False}
            return 200, _json_headers(rid), json.dumps(fake).encode()
        if self.mode == "delete-noop" and method == "DELETE":
            return 200, _json_headers(rid), b"{}"
        if self.mode == "create-twice" and method == "POST" and path == "/v1/m" and rid:
            with self.lock:
                repeat = (claim, rid) in self.seen_ids
                self.seen_ids.add((claim, rid))
            if repeat:
                headers["Mailbox-Request-ID"] = str(uuid.uuid4())
        if self.mode == "second-reader" and method == "POST" and match and claim:
            with self.lock:
                mailbox = match.group(1)
                first = self.bound.get(mailbox)
                if first and claim not in (first, self.senders.get(mailbox)):
                    headers["Mailbox-Device-Claim"] = first
        if self.mode == "rights-rwd" and method == "POST" and path == "/v1/m":
            request = json.loads(body)
            config = request.setdefault("mailboxConfiguration", {})
            if "accessRights" not in config:
                config["accessRights"] = "RWD"
                body[:] = json.dumps(request).encode()
        if self.mode == "preview-binds" and method == "GET" and match:
            self.send_upstream("POST", path, {"Mailbox-Device-Claim": str(uuid.uuid4()),
                                              "Host": self.upstream}, b"")
        return None

    def after(self, method, path, headers, status, out_headers, out_body):
        rid = headers.get("Mailbox-Request-ID")
        match = MAILBOX_PATH.match(path)
        if self.mode == "create-twice" and rid:
            out_headers = [(k, v) for k, v in out_headers if k.lower() != "mailbox-request-id"]
            out_headers.append(("Mailbox-Request-ID", rid))
        if self.mode == "second-reader":
            self._learn(method, path, match, headers, status, out_body)
        if self.mode == "serves-expired" and method == "POST" and match:
            key = (path, headers.get("Mailbox-Device-Claim"))
            with self.lock:
                if status == 200:
                    self.last_read[key] = (status, out_headers, out_body)
                elif status == 404 and key in self.last_read:
                    status, out_headers, out_body = self.last_read[key]
        if self.mode == "unauth-200" and status == 401:
            status = 200
        if self.mode == "repeat-200" and status == 201:
            status = 200
        drop = {"no-csp": "content-security-policy", "no-echo": "mailbox-request-id",
                "no-retry-after": "retry-after"}.get(self.mode)
        if drop:
            out_headers = [(k, v) for k, v in out_headers if k.lower() != drop]
        if self.mode == "unescaped-title" and method == "GET" and match:
            out_body = html.unescape(out_body.decode()).encode()
        if self.mode == "wrong-content-type":
            out_headers = [(k, "text/plain" if v.startswith("application/json") else v)
                           for k, v in out_headers]
        return status, out_headers, out_body

    def _learn(self, method, path, match, headers, status, out_body):
        claim = headers.get("Mailbox-Device-Claim")
        with self.lock:
            if method == "POST" and path == "/v1/m" and status == 200:
                link = json.loads(out_body).get("urlLink", "")
                self.senders[link.rsplit("/", 1)[-1]] = claim
            elif method == "POST" and match and status == 200:
                mailbox = match.group(1)
                if claim != self.senders.get(mailbox):
                    self.bound.setdefault(mailbox, claim)


def _json_headers(rid):
    headers = [("Content-Type", "application/json")]
    if rid:
        headers.append(("Mailbox-Request-ID", rid))
    return headers
