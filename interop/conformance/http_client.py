"""A small HTTP/1.1 client for talking to a relay: one connection per request,
every request bounded in time, every answer read capped in size.

Used by the conformance runner (interop/conformance) and its tests. Standard
library only (http.client, ssl). Thread-safe: a Client holds only immutable
settings; each call opens its own connection.
"""

import http.client
import json
import socket
import ssl
import threading
import time
import urllib.parse

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_RESPONSE = 1 << 20


def _cut(conn, expired):
    """Ends a connection whose deadline passed: shuts its socket down (the
    plain socket's shutdown, which also wakes a TLS read blocked in another
    thread)."""
    expired.set()
    sock = conn.sock
    if sock is not None:
        try:
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass


class HttpError(Exception):
    """The exchange failed below HTTP (connect, TLS, timeout, framing)."""


class Response:
    """One answer: status, headers (case-insensitive lookup), body bytes."""

    def __init__(self, method, target, status, header_list, body, truncated):
        self.method = method
        self.target = target
        self.status = status
        self.header_list = header_list
        self.body = body
        self.truncated = truncated
        self._lower = {}
        for name, value in header_list:
            self._lower.setdefault(name.lower(), value)

    def header(self, name, default=None):
        return self._lower.get(name.lower(), default)

    def media_type(self):
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    def json(self):
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def summary(self, excerpt=300):
        """`METHOD /path -> STATUS` plus a body excerpt, for evidence."""
        body = self.text()
        if len(body) > excerpt:
            body = body[:excerpt] + "…"
        return f"{self.method} {self.target} -> {self.status} {body}".rstrip()


class Client:
    """Requests against one base URL (`https://host:port[/prefix]`)."""

    def __init__(self, base_url, ca_file=None, timeout=DEFAULT_TIMEOUT,
                 max_response=DEFAULT_MAX_RESPONSE):
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self.max_response = max_response
        self.ssl_context = None
        if self.scheme == "https":
            self.ssl_context = ssl.create_default_context(cafile=ca_file)

    def request(self, method, target, headers=None, body=None, url=None):
        """Sends one request to `prefix + target` (or to the absolute `url`)."""
        if url is None:
            scheme, host, port, path = self.scheme, self.host, self.port, self.prefix + target
        else:
            parts = urllib.parse.urlsplit(url)
            scheme, host = parts.scheme, parts.hostname
            port = parts.port or (443 if scheme == "https" else 80)
            path = parts.path + (("?" + parts.query) if parts.query else "")
        if scheme == "https":
            context = self.ssl_context or ssl.create_default_context()
            conn = http.client.HTTPSConnection(host, port, timeout=self.timeout,
                                               context=context)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
        # `timeout` bounds each socket operation; the watchdog bounds the whole
        # exchange, so a relay that drips bytes cannot hold a check forever.
        expired = threading.Event()
        watchdog = threading.Timer(self.timeout, _cut, (conn, expired))
        watchdog.start()
        try:
            conn.request(method, path, body=body, headers=dict(headers or {}))
            resp = conn.getresponse()
            data = resp.read(self.max_response + 1)
            truncated = len(data) > self.max_response
            if expired.is_set():
                raise OSError("deadline passed")
            return Response(method, path, resp.status, resp.getheaders(),
                            data[:self.max_response], truncated)
        except (OSError, http.client.HTTPException, ssl.SSLError, ValueError) as e:
            if expired.is_set():
                raise HttpError(f"{method} {path}: no whole answer within "
                                f"{self.timeout:g} s") from e
            raise HttpError(f"{method} {path}: {type(e).__name__}: {e}") from e
        finally:
            watchdog.cancel()
            conn.close()

    def raw_exchange(self, data, plaintext=False):
        """Sends raw bytes (over TLS unless `plaintext`) and returns at most
        max_response bytes of what comes back before the peer closes or the
        timeout passes."""
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        try:
            if self.scheme == "https" and not plaintext:
                sock = self.ssl_context.wrap_socket(sock, server_hostname=self.host)
            sock.sendall(data)
            chunks, size = [], 0
            deadline = time.monotonic() + self.timeout
            while size <= self.max_response:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                sock.settimeout(remaining)
                try:
                    chunk = sock.recv(65536)
                except (socket.timeout, ConnectionResetError):
                    break
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            return b"".join(chunks)[:self.max_response]
        finally:
            sock.close()
