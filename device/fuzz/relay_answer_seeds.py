#!/usr/bin/env python3
"""Writes the seed corpus of relay_answer_fuzzer from real relay answers.

usage: relay_answer_seeds.py RELAY_SERVER DERIVED_RELAY_SERVER OUT_DIR

Starts the mailbox relay (bazel-bin/relay/relay_server, memory store) and the
derived-locations relay (bazel-bin/relay/derived/derived_relay_server) on
loopback port 0, walks each through the operations the device performs, on
their success and error paths, and records every answer exactly as it came
off the socket. Each seed is the fuzzer's selector byte (lower case: the
HTTP/1.1 text) followed by the answer; each answer is written a second time
as a Binary HTTP response (RFC 9292, known length) under the upper-case
selector, as it arrives inside Oblivious HTTP. The oblivious relay's own
envelope (selector 'o') is written by hand (a sealed answer's headers, a 429
of its rate limit), and so are two error answers the relay does not give on
demand (a 429 with Retry-After, a long message that is not ASCII).
"""

import os
import socket
import subprocess
import sys

SENT_ID = "aaaaaaaa-0000-4000-8000-0000000000%02d"
SENDER = "11111111-1111-4111-8111-111111111111"
RECEIVER = "22222222-2222-4222-8222-222222222222"
# base64(IV || ciphertext || tag): any 28+ bytes do for the relay.
DATA = "AAAAAAAAAAAAAAAAOaToJfDoz+ON4BQPQOje+9bal4lB6hZxw0d0n2xfqblT"


def start(binary, args):
    proc = subprocess.Popen([binary, *args], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().split()
    http = next(f.split("=", 1)[1] for f in line if f.startswith("http="))
    host, port = http.rsplit(":", 1)
    return proc, (host, int(port))


def exchange(addr, method, path, headers=(), body=b""):
    head = [f"{method} {path} HTTP/1.1", f"Host: {addr[0]}:{addr[1]}", "Connection: close"]
    head += [f"{k}: {v}" for k, v in headers]
    if body or method in ("POST", "PUT", "PATCH"):
        head.append(f"Content-Length: {len(body)}")
    raw = ("\r\n".join(head) + "\r\n\r\n").encode() + body
    with socket.create_connection(addr) as s:
        s.sendall(raw)
        chunks = []
        while True:
            got = s.recv(65536)
            if not got:
                break
            chunks.append(got)
    return b"".join(chunks)


def varint(n):
    if n < 0x40:
        return bytes([n])
    if n < 0x4000:
        return (n | 0x4000).to_bytes(2, "big")
    return (n | 0x80000000).to_bytes(4, "big")


def binary_http(answer):
    """A known-length Binary HTTP response of an HTTP/1.1 answer."""
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    fields = b""
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip()
        fields += varint(len(name)) + name + varint(len(value)) + value
    return varint(1) + varint(status) + varint(len(fields)) + fields + varint(len(body)) + body


def mailbox_answers(addr):
    def h(n, claim=SENDER):
        return [("Mailbox-Device-Claim", claim), ("Mailbox-Request-ID", SENT_ID % n),
                ("Content-Type", "application/json")]

    create = (b'{"payload":{"type":"AEAD_AES_128_GCM","data":"' + DATA.encode() + b'"},'
              b'"displayInformation":{"title":"Car key from Alice","description":"Blue & <car>",'
              b'"imageURL":"https://example.com/car.png"},'
              b'"notificationToken":{"type":"oem-a","tokenData":"t"},'
              b'"mailboxConfiguration":{"accessRights":"RWD"}}')
    out = {}
    first = exchange(addr, "POST", "/v1/m", h(1), create)
    out["c_create_200"] = first
    out["c_create_repeated_201"] = exchange(addr, "POST", "/v1/m", h(1), create)
    mailbox = first.split(b"/v1/m/")[1].split(b'"')[0].decode()
    path = "/v1/m/" + mailbox
    out["c_create_no_claim_401"] = exchange(addr, "POST", "/v1/m", h(2)[1:], create)
    out["c_create_bad_payload_400"] = exchange(addr, "POST", "/v1/m", h(3), b'{"payload":{}}')
    out["p_preview_200"] = exchange(addr, "GET", path)
    out["p_preview_unknown_404"] = exchange(addr, "GET", "/v1/m/" + SENDER)
    out["r_read_binds_200"] = exchange(addr, "POST", path, h(4, RECEIVER))
    out["r_read_repeated_201"] = exchange(addr, "POST", path, h(4, RECEIVER))
    out["r_read_other_claim_401"] = exchange(addr, "POST", path, h(5, SENDER[:-1] + "2"))
    update = b'{"payload":{"type":"AEAD_AES_128_GCM","data":"' + DATA.encode() + b'"}}'
    out["u_update_200"] = exchange(addr, "PUT", path, h(6, RECEIVER), update)
    out["u_update_repeated_201"] = exchange(addr, "PUT", path, h(6, RECEIVER), update)
    out["l_relinquish_200"] = exchange(addr, "PATCH", path, h(7, RECEIVER))
    out["l_relinquish_repeated_201"] = exchange(addr, "PATCH", path, h(7, RECEIVER))
    out["d_delete_200"] = exchange(addr, "DELETE", path, h(8))
    out["d_delete_repeated_201"] = exchange(addr, "DELETE", path, h(8))
    out["r_read_deleted_404"] = exchange(addr, "POST", path, h(9, RECEIVER))
    out["d_delete_bad_request_id_400"] = exchange(
        addr, "DELETE", path, [("Mailbox-Device-Claim", SENDER), ("Mailbox-Request-ID", "x")])
    return out


def derived_answers(addr):
    location = "/v1/d/" + "A" * 42 + "A"
    out = {}
    out["x_put_200"] = exchange(addr, "PUT", location, [("Content-Type",
                                                         "application/octet-stream")],
                                b"\x01sealed message")
    out["x_put_occupied_409"] = exchange(addr, "PUT", location, [], b"\x02other")
    out["x_get_200"] = exchange(addr, "GET", location)
    out["x_get_malformed_400"] = exchange(addr, "GET", "/v1/d/short")
    out["x_delete_200"] = exchange(addr, "DELETE", location)
    out["x_get_gone_404"] = exchange(addr, "GET", location)
    return out


ENVELOPES = {
    "o_envelope_200": b"HTTP/1.1 200 OK\r\nContent-Type: message/ohttp-res\r\n"
                      b"Content-Length: 8\r\n\r\n\x00\x01\x02\x03\x04\x05\x06\x07",
    "o_envelope_rate_limited_429": b"HTTP/1.1 429 Too Many Requests\r\n"
                                   b"Content-Type: application/json\r\nRetry-After: 60\r\n\r\n"
                                   b'{"error":{"code":"rate_limited",'
                                   b'"message":"too many requests from this address"}}',
    "o_envelope_wrong_type_200": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello",
}

# Answers the relay above does not give on demand, written by hand in its shape: a rate
# limit with Retry-After, and an error whose message is long and not ASCII.
LONG_MESSAGE = ("Mailbox-Device-Claim: " + "\u00e9" * 300).encode()
CRAFTED = {
    "u_update_rate_limited_429": b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 30\r\n"
                                 b"Content-Type: application/json\r\n\r\n"
                                 b'{"error":{"code":"rate_limited","message":"slow down"}}',
    "r_read_long_message_401": b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json"
                               b'\r\n\r\n{"error":{"code":"claim_mismatch","message":"'
                               + LONG_MESSAGE + b'"}}',
}


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    relay_bin, derived_bin, out_dir = sys.argv[1:]
    os.makedirs(out_dir, exist_ok=True)
    seeds = dict(ENVELOPES)
    seeds.update(CRAFTED)
    relay, addr = start(relay_bin, ["--store=memory", "--http_listen=127.0.0.1:0",
                                    "--grpc_listen=127.0.0.1:0"])
    derived, daddr = start(derived_bin, ["--store=memory", "--http_listen=127.0.0.1:0",
                                         "--grpc_listen=127.0.0.1:0"])
    try:
        seeds.update(mailbox_answers(addr))
        seeds.update(derived_answers(daddr))
    finally:
        for p in (relay, derived):
            p.terminate()
            p.wait()
    for name, answer in sorted(seeds.items()):
        selector = name[0].encode()
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(selector + answer)
        if not name.startswith("o_"):
            with open(os.path.join(out_dir, name.upper()[0] + name[1:] + "_bhttp"), "wb") as f:
                f.write(selector.upper() + binary_http(answer))
    print(f"{len(seeds)} answers written to {out_dir}")


if __name__ == "__main__":
    main()
