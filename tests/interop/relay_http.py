"""One HTTP exchange with the relay, shared by the interop tests
(relay_interop_test.Http, relay_api_test.RelayApiTest.call).

Standard library only. Each call opens its own connection, so it is safe from
any thread.
"""

import http.client
import json


def exchange(hostport, method, path, claim=None, request_id=None, body=None, headers=None,
             raw_body=None, timeout=30):
    """Sends one request to http://hostport and returns (status, headers as a
    dict, raw body). `claim` and `request_id` become Mailbox-Device-Claim and
    Mailbox-Request-ID when given; `body` is sent as JSON, `raw_body` as is."""
    assert "#" not in path, "a URL fragment must never be sent to the relay"
    h = dict(headers or {})
    if claim is not None:
        h["Mailbox-Device-Claim"] = claim
    if request_id is not None:
        h["Mailbox-Request-ID"] = request_id
    data = raw_body
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection(hostport, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, dict(resp.getheaders()), raw
    finally:
        conn.close()
