#!/usr/bin/env python3
"""Writes a seed input of the gRPC fuzz harness (runtime/fuzz/grpc_fuzz_harness.h).

usage: runtime/fuzz/grpc_seed.py PROTO SERVICE OUT CALL...

PROTO is the service's .proto (from the workspace root), SERVICE its name in
that file (e.g. DeviceAgent), OUT the seed file to write. Each CALL is
  METHOD:TEXT            the method's request in protobuf text format,
                         encoded with `protoc --encode`;
  METHOD:hex:HEX         raw request bytes;
  #N:TYPE:TEXT           selector byte N and a message of the full TYPE
                         (for targets with their own selectors).
The selector of METHOD is its index among the service's unary methods, then
its server-streaming methods, in proto order (the harness's order). Each call
becomes the selector byte, a big-endian 16-bit length and the request.
"""
import re
import struct
import subprocess
import sys


def methods(proto, service):
    text = open(proto).read()
    package = re.search(r"^package\s+([\w.]+);", text, re.M).group(1)
    body = re.search(r"service\s+%s\s*\{(.*?)\n\}" % service, text, re.S).group(1)
    rpcs = re.findall(r"rpc\s+(\w+)\s*\(\s*(stream\s+)?([\w.]+)\s*\)\s*returns\s*\(\s*(stream\s+)?",
                      body)
    unary = [(m, t) for m, cs, t, ss in rpcs if not cs and not ss]
    streaming = [(m, t) for m, cs, t, ss in rpcs if not cs and ss]
    ordered = unary + streaming
    qualify = lambda t: t if "." in t else package + "." + t
    return {m: (i, qualify(t)) for i, (m, t) in enumerate(ordered)}


def encode(proto, type_name, text):
    return subprocess.run(["protoc", "-I.", "--encode=" + type_name, proto], input=text.encode(),
                          stdout=subprocess.PIPE, check=True).stdout


def main(argv):
    if len(argv) < 5:
        sys.exit(__doc__)
    proto, service, out, calls = argv[1], argv[2], argv[3], argv[4:]
    table = methods(proto, service)
    data = b""
    for call in calls:
        if call.startswith("#"):
            selector, type_name, text = call[1:].split(":", 2)
            selector, request = int(selector), encode(proto, type_name, text)
        else:
            method, text = call.split(":", 1)
            selector, type_name = table[method]
            if text.startswith("hex:"):
                request = bytes.fromhex(text[4:])
            else:
                request = encode(proto, type_name, text)
        if len(request) > 0xFFFF:
            sys.exit(f"request of {len(request)} bytes: at most 65535")
        data += bytes([selector]) + struct.pack(">H", len(request)) + request
    with open(out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main(sys.argv)
