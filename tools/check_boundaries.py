#!/usr/bin/env python3
"""Checks the architecture's boundaries against the build's visibility.

Each rule names a target on one side of a boundary and a target on the other,
and says whether the first may depend on the second (docs/ARCHITECTURE.md).
`bazel query 'visible(FROM, TO)'` answers what `bazel build` would enforce:
TO is returned only when FROM may depend on it. A forbidden edge that the
build would allow, or an allowed edge it would refuse, is a failure: the
allowed rows prove the check can tell the two apart.

usage: check_boundaries.py [--junit FILE]
Runs from the workspace root (bazel must be on PATH). Prints one line per
rule and a summary; exits 1 if any rule fails. With --junit, also writes the
results as a JUnit XML file (one test case per rule) for ./sct test's count.
"""
import argparse
import subprocess
import sys
import xml.etree.ElementTree as ET

AUTHORITY_MESSAGES = "//proto/credential_authority/v1:credential_authority_cc_proto"
AUTHORITY_STUB = "//proto/credential_authority/v1:credential_authority_cc_grpc"

# (boundary, from, to, allowed)
RULES = [
    # The relay never reaches the authority, a device or an OEM server.
    ("relay -/-> authority code", "//relay:mailbox_service", "//credential_authority:ca_service", False),
    ("relay -/-> authority contract", "//relay:mailbox_service", AUTHORITY_MESSAGES, False),
    ("relay -/-> authority stub", "//relay:mailbox_service", AUTHORITY_STUB, False),
    ("relay -/-> device code", "//relay:mailbox_service", "//device:device_agent_lib", False),
    ("relay -/-> device contract", "//relay:mailbox_service", "//proto/device/v1:device_cc_grpc", False),
    ("relay -/-> OEM code", "//relay:grpc_push_notifier", "//oem_server:oem_service", False),
    ("relay --> OEM push stub (Notify)", "//relay:grpc_push_notifier", "//proto/oem/v1:oem_cc_grpc", True),
    # The authority never reaches the relay.
    ("authority -/-> relay code", "//credential_authority:ca_service", "//relay:mailbox_service", False),
    ("authority -/-> relay contract", "//credential_authority:ca_service", "//proto/relay/v1:relay_cc_proto", False),
    ("authority -/-> relay stub", "//credential_authority:ca_service", "//proto/relay/v1:relay_cc_grpc", False),
    # A device never calls the authority; it may carry the authority's types.
    ("device -/-> authority code", "//device:device_agent_lib", "//credential_authority:ca_service", False),
    ("device -/-> authority stub", "//device:device_agent_lib", AUTHORITY_STUB, False),
    # Only a device without a vendor server calls the authority (docs/variants/vendorless-device.md).
    ("device/vendorless --> authority stub", "//device/vendorless:direct_authority", AUTHORITY_STUB, True),
    ("device --> authority message types", "//device:device_agent_lib", AUTHORITY_MESSAGES, True),
    ("device --> relay stub", "//device:device_agent_lib", "//proto/relay/v1:relay_cc_grpc", True),
    ("OEM --> authority stub (bridge)", "//oem_server:grpc_authority_client", AUTHORITY_STUB, True),
    ("access point --> authority stub", "//access_point:revocation_sync", AUTHORITY_STUB, True),
    # Services do not reach into each other.
    ("OEM -/-> device code", "//oem_server:oem_service", "//device:device_agent_lib", False),
    ("channel -/-> relay code", "//channel:channel_service", "//relay:mailbox_service", False),
    ("access point -/-> authority code", "//access_point:verifier", "//credential_authority:ca_service", False),
    # Scenarios drive services through contracts and binaries only.
    ("scenarios -/-> relay code", "//scenarios/engine:engine", "//relay:mailbox_service", False),
    ("scenarios -/-> device code", "//scenarios/engine:engine", "//device:device_agent_lib", False),
    ("scenarios -/-> authority code", "//scenarios/launcher:launcher", "//credential_authority:ca_service", False),
    ("scenarios -/-> OEM code", "//scenarios/launcher:launcher", "//oem_server:attestation_ca", False),
    ("scenarios --> relay binary (data)", "//scenarios/launcher:launcher", "//relay:relay_server", True),
    ("scenarios --> device contract", "//scenarios/engine:engine", "//proto/device/v1:device_cc_grpc", True),
    ("tests --> any service code", "//tests/integration:device_relay_test", "//relay:mailbox_service", True),
    # Floors: a floor never uses the ones above it.
    ("common -/-> crypto", "//common:errors", "//crypto:aead", False),
    ("crypto -/-> runtime", "//crypto:x509", "//runtime:tls", False),
    ("runtime -/-> sim", "//runtime:grpc_server", "//sim:sim", False),
    ("sim -/-> a service", "//sim:sim", "//relay:sim_http_hook", False),
    ("runtime --> crypto", "//runtime:tls", "//crypto:pem", True),
    ("sim --> runtime", "//sim:sim", "//runtime:peer_identity", True),
    ("services --> sim", "//relay:relay_server_lib", "//sim:sim", True),
]


def visible(source, target):
    """True when `source` may depend on `target` (bazel query visible())."""
    out = subprocess.run(
        ["bazel", "query", "--output=label", f"visible({source}, {target})"],
        capture_output=True, text=True)
    if out.returncode not in (0, 3):
        raise RuntimeError(f"bazel query failed for {source} -> {target}: {out.stderr[-400:]}")
    return target in out.stdout.split()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--junit", help="write a JUnit XML file here")
    args = parser.parse_args()
    suite = ET.Element("testsuite", name="boundaries")
    failures = 0
    for name, source, target, allowed in RULES:
        try:
            seen = visible(source, target)
            problem = None if seen == allowed else (
                f"{source} {'may' if seen else 'may not'} depend on {target}, "
                f"the architecture says it {'may' if allowed else 'must not'}")
        except RuntimeError as e:
            problem = str(e)
        case = ET.SubElement(suite, "testcase", classname="boundaries", name=name)
        if problem:
            failures += 1
            ET.SubElement(case, "failure", message=problem)
            print(f"FAIL  {name}: {problem}")
        else:
            print(f"ok    {name}")
    suite.set("tests", str(len(RULES)))
    suite.set("failures", str(failures))
    print(f"boundaries: {len(RULES) - failures} of {len(RULES)} rules hold")
    if args.junit:
        root = ET.Element("testsuites")
        root.append(suite)
        ET.ElementTree(root).write(args.junit, encoding="utf-8", xml_declaration=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
