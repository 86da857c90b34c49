#!/usr/bin/python3
"""Tests of the conformance runner: it passes the project's relay on every
check, and it catches each deliberately broken relay (mutant_proxy.MODES) with
the check that rule belongs to.

Starts relay_server with TLS (a self-signed certificate for 127.0.0.1 made
here) on port 0, runs conformance.py as a user would (a child process) and
reads its report.json. Usage:
    conformance_test.py RELAY_BINARY RELAY_API_YAML CONFORMANCE_MD
"""

import datetime
import ipaddress
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import unittest

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mutant_proxy  # noqa: E402
import relay_process  # noqa: E402

RELAY_BINARY = SPEC = DOC = None
TMP = None


def make_certificate(directory):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    with open(cert_file, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_file, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cert_file, key_file


def start_relay(cert, key, *extra):
    """relay_server over TLS on 127.0.0.1:0 (memory store); returns (proc, host:port)."""
    proc, fields = relay_process.start_relay(
        RELAY_BINARY, ["--store=memory", "--tls_cert=" + cert, "--tls_key=" + key] + list(extra))
    return proc, fields["http"]


stop_relay = relay_process.stop_relay


def run_runner(hostport, ca, out, *options):
    """Runs conformance.py; returns (exit status, stdout, report.json as dict)."""
    cmd = [sys.executable, os.path.join(HERE, "conformance.py"), f"https://{hostport}",
           "--ca", ca, "--out", out, "--spec", SPEC, "--quiet"] + list(options)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    report = None
    path = os.path.join(out, "report.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
    return done.returncode, done.stdout + done.stderr, report


def by_status(report, *statuses):
    return sorted(c["id"] for c in report["checks"] if c["status"] in statuses)


class ConformanceTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.cert, cls.key = make_certificate(TMP)
        # The mutants share one relay with limits they never reach.
        cls.relay, cls.hostport = start_relay(cls.cert, cls.key, "--creates_per_window=100000",
                                              "--failed_lookups_per_window=100000")

    @classmethod
    def tearDownClass(cls):
        stop_relay(cls.relay)

    def out(self, name):
        return os.path.join(TMP, name)

    def test_project_relay_passes_every_check(self):
        relay, hostport = start_relay(self.cert, self.key, "--creates_per_window=200",
                                      "--failed_lookups_per_window=40")
        self.addCleanup(stop_relay, relay)
        status, text, report = run_runner(hostport, self.cert, self.out("clean"),
                                          "--expiry-ttl=2s", "--readers=16")
        self.assertEqual(by_status(report, "fail", "error", "skip"), [], text)
        self.assertEqual(status, 0, text)
        self.assertEqual(report["counts"]["pass"], len(report["checks"]))
        with open(os.path.join(self.out("clean"), "report.html"), encoding="utf-8") as f:
            self.assertIn("PASS", f.read())

    def mutant_run(self, mode, *options):
        proxy = mutant_proxy.MutantProxy(mode, self.hostport, self.cert, self.key,
                                         self.cert).start()
        self.addCleanup(proxy.stop)
        return run_runner(proxy.hostport, self.cert, self.out(mode), *options)

    def test_each_mutant_is_caught_by_its_check(self):
        for mode, expected in mutant_proxy.MODES.items():
            if mode == "no-retry-after":
                continue  # needs a relay whose limit it can reach: test_rate_mutant
            with self.subTest(mode=mode):
                group = expected.split(".", 1)[0]
                expiry = "--expiry-ttl=" + ("2s" if group == "expiry" else "skip")
                status, text, report = self.mutant_run(mode, "--only", group,
                                                       "--no-rate-limit", expiry)
                failed = by_status(report, "fail", "error")
                print(f"{mode}: caught by {expected}; {len(failed)} failed: {failed}",
                      file=sys.stderr)
                self.assertIn(expected, failed, text)
                self.assertEqual(status, 1, text)
                if group == "limits":
                    self.assertIn("limits.rate.creates", by_status(report, "skip"))

    def test_second_reader_mutant_also_fails_the_race(self):
        _, text, report = self.mutant_run("second-reader", "--only", "read.binding")
        self.assertIn("read.binding.race", by_status(report, "fail"), text)

    def test_rate_mutant(self):
        relay, hostport = start_relay(self.cert, self.key, "--creates_per_window=20")
        self.addCleanup(stop_relay, relay)
        proxy = mutant_proxy.MutantProxy("no-retry-after", hostport, self.cert, self.key,
                                         self.cert).start()
        self.addCleanup(proxy.stop)
        status, text, report = run_runner(proxy.hostport, self.cert, self.out("rate"),
                                          "--only", "limits.rate.creates")
        self.assertEqual(by_status(report, "fail"), ["limits.rate.creates"], text)
        self.assertEqual(status, 1, text)

    def test_level_must_judges_musts_only(self):
        status, text, report = self.mutant_run("no-csp", "--only", "preview.csp",
                                               "--only", "preview.ok")
        self.assertEqual(by_status(report, "fail"), ["preview.csp"], text)
        self.assertEqual(status, 1, text)
        self.assertIn("RECOMMENDED failures: preview.csp", text)
        for level in ("must", "should"):
            status, text, _ = self.mutant_run("no-csp", "--only", "preview.csp",
                                              "--level=" + level)
            self.assertEqual(status, 0, text)
            self.assertIn("RECOMMENDED failures: preview.csp", text)
        status, text, _ = self.mutant_run("second-reader", "--only",
                                          "read.binding.second-reader-refused", "--level=must")
        self.assertEqual(status, 1, text)
        self.assertIn("MUST failures: read.binding.second-reader-refused", text)

    def test_report_html_escapes_evidence(self):
        _, text, report = self.mutant_run("unescaped-title", "--only", "preview.escaping")
        evidence = "\n".join(report["checks"][0]["evidence"])
        self.assertIn("<script>alert(1)", evidence, text)
        with open(os.path.join(self.out("unescaped-title"), "report.html"),
                  encoding="utf-8") as f:
            page = f.read()
        self.assertNotIn("<script>alert(1)", page)
        self.assertIn("&lt;script&gt;alert(1)", page)

    def test_every_check_is_in_the_doc(self):
        listing = subprocess.run([sys.executable, os.path.join(HERE, "conformance.py"),
                                  "--list"], capture_output=True, text=True, check=True).stdout
        with open(DOC, encoding="utf-8") as f:
            doc = f.read()
        ids = [line.split("\t")[0] for line in listing.splitlines()]
        self.assertGreater(len(ids), 40)
        for check_id in ids:
            self.assertIn(f"`{check_id}`", doc, f"{check_id} is not in docs/conformance.md")
        table = subprocess.run([sys.executable, os.path.join(HERE, "conformance.py"), "--list",
                                "--markdown"], capture_output=True, text=True,
                               check=True).stdout
        self.assertTrue(table in doc, "docs/conformance.md's table of checks differs from "
                        "`conformance.py --list --markdown`: paste the latter into the former")

    def test_a_dripping_relay_cannot_hold_a_check(self):
        server = DripServer(self.cert, self.key)
        self.addCleanup(server.stop)
        status, text, report = run_runner(server.hostport, self.cert, self.out("drip"),
                                          "--only", "create.ok", "--timeout=1s")
        self.assertEqual(status, 1, text)
        # Cut off already in the first request, before any check.
        self.assertIn("no whole answer within 1 s", report.get("unreachable", ""), text)

    def test_unreachable_relay_is_a_failure_not_a_pass(self):
        status, text, report = run_runner("127.0.0.1:1", self.cert, self.out("down"),
                                          "--only", "create.ok", "--timeout=2s")
        self.assertEqual(status, 1, text)
        self.assertEqual(report["checks"][0]["status"], "error")
        self.assertIn("not run: the relay did not answer", report["checks"][0]["message"])
        self.assertIn("no check ran", text)


class DripServer:
    """A TLS server that answers every request with a head announcing a large
    body and then sends one byte every 0.2 s: only a deadline on the whole
    exchange ends a client's wait."""

    def __init__(self, cert, key):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.hostport = "127.0.0.1:%d" % self.listener.getsockname()[1]
        self.stopped = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while not self.stopped.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.drip, args=(conn,), daemon=True).start()

    def drip(self, conn):
        try:
            with self.context.wrap_socket(conn, server_side=True) as tls:
                tls.recv(65536)
                tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                            b"Content-Length: 100000\r\n\r\n")
                while not self.stopped.wait(0.2):
                    tls.sendall(b" ")
        except OSError:
            pass

    def stop(self):
        self.stopped.set()
        self.listener.close()


def main():
    global RELAY_BINARY, SPEC, DOC, TMP
    if len(sys.argv) < 4:
        sys.exit("usage: conformance_test.py RELAY_BINARY RELAY_API_YAML CONFORMANCE_MD")
    RELAY_BINARY, SPEC, DOC = (os.path.abspath(a) for a in sys.argv[1:4])
    TMP = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    unittest.main(argv=[sys.argv[0]] + sys.argv[4:], verbosity=2)


if __name__ == "__main__":
    main()
