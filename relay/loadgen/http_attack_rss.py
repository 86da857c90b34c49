#!/usr/bin/env python3
"""Peak RSS of a relay_server under the HTTP attacks of issue 12.

Each attack runs against a fresh `relay_server --store=memory` on 127.0.0.1:0;
the figure is the process's VmHWM (peak resident set) from /proc after the
attack, beside its VmHWM when idle, and what the attacker was answered.

  relay/loadgen/http_attack_rss.py --relay_binary=bazel-bin/relay/relay_server
"""
import argparse
import gzip
import re
import socket
import subprocess
import time

MIB = 1 << 20


def start(binary):
    p = subprocess.Popen([binary, "--store=memory", "--http_listen=127.0.0.1:0",
                          "--grpc_listen=127.0.0.1:0"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    port = int(re.search(r"http=127\.0\.0\.1:(\d+)", line).group(1))
    return p, port


def hwm_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return -1.0


def stream(port, head, body_iter, timeout=60):
    """Sends head then body chunks until the server answers or closes; returns
    (status line, bytes sent)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sent = 0
    s.sendall(head)
    sent += len(head)
    s.setblocking(False)
    answer = b""
    try:
        for chunk in body_iter:
            view = memoryview(chunk)
            while view:
                try:
                    answer += s.recv(4096)
                    if answer:
                        raise StopIteration
                except BlockingIOError:
                    pass
                try:
                    n = s.send(view)
                    view = view[n:]
                    sent += n
                except BlockingIOError:
                    time.sleep(0.001)
    except (StopIteration, BrokenPipeError, ConnectionResetError):
        pass
    s.setblocking(True)
    s.settimeout(timeout)
    try:
        while b"\r\n" not in answer:
            got = s.recv(4096)
            if not got:
                break
            answer += got
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    return answer.split(b"\r\n")[0].decode(errors="replace") or "(closed)", sent


def chunked_512(port):
    head = (b"POST /v1/m HTTP/1.1\r\nHost: r\r\nTransfer-Encoding: chunked\r\n"
            b"Mailbox-Device-Claim: 11111111-1111-4111-8111-111111111111\r\n"
            b"Mailbox-Request-ID: 22222222-2222-4222-8222-222222222222\r\n\r\n")
    chunk = b"100000\r\n" + b" " * MIB + b"\r\n"
    return stream(port, head, (chunk for _ in range(512)))


def gzip_bomb(port):
    body = gzip.compress(b"{" + b" " * (160 * MIB) + b"}", 9)
    head = (("POST /v1/m HTTP/1.1\r\nHost: r\r\nContent-Type: application/json\r\n"
             "Content-Encoding: gzip\r\nContent-Length: %d\r\n"
             "Mailbox-Device-Claim: 11111111-1111-4111-8111-111111111111\r\n"
             "Mailbox-Request-ID: 22222222-2222-4222-8222-222222222222\r\n\r\n") % len(body))
    status, sent = stream(port, head.encode(), iter([body]))
    return "%s (gzip %d KB)" % (status, len(body) // 1024), sent


def many_headers(port):
    line = b"X-A: " + b"a" * 1000 + b"\r\n"
    return stream(port, b"GET /healthz HTTP/1.1\r\nHost: r\r\n",
                  (line * 1024 for _ in range(200)))


def long_header(port):
    return stream(port, b"GET /healthz HTTP/1.1\r\nHost: r\r\nX-A: ",
                  (b"a" * MIB for _ in range(100)))


def slowloris(port, n=1000):
    # From 127.0.0.2-5 (250 each, under the per-address cap); the legitimate
    # client comes from 127.0.0.1.
    socks = []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5,
                                     source_address=("127.0.0.%d" % (2 + i % 4), 0))
        s.sendall(b"GET /healthz HTTP/1.1\r\n")
        socks.append(s)
    answered = 0
    for _ in range(5):
        for s in socks:
            try:
                s.sendall(b"X")
            except OSError:
                pass
        try:
            c = socket.create_connection(("127.0.0.1", port), timeout=2)
            c.sendall(b"GET /healthz HTTP/1.1\r\nHost: r\r\nConnection: close\r\n\r\n")
            if c.recv(100).startswith(b"HTTP/1.1 200"):
                answered += 1
            c.close()
        except OSError:
            pass
    for s in socks:
        s.close()
    return "healthz answered %d/5 within 2 s" % answered, 0


ATTACKS = [("chunked POST 512 MiB", chunked_512), ("gzip bomb 160 MiB", gzip_bomb),
           ("200 MiB of headers", many_headers), ("one 100 MiB header line", long_header),
           ("1,000 slowloris connections", slowloris)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--relay_binary", required=True)
    args = ap.parse_args()
    print("| attack | answer | sent (MiB) | idle VmHWM (MiB) | peak VmHWM (MiB) |")
    print("|---|---|---|---|---|")
    for name, attack in ATTACKS:
        p, port = start(args.relay_binary)
        idle = hwm_mib(p.pid)
        answer, sent = attack(port)
        peak = hwm_mib(p.pid)
        p.terminate()
        p.wait()
        print("| %s | %s | %.1f | %.1f | %.1f |" % (name, answer, sent / MIB, idle, peak))


if __name__ == "__main__":
    main()
