#!/usr/bin/env bash
# Test of tools/pki.sh: every certificate chains to the dev root (and is fit
# for its purpose), the wrong root's certificate does not, keys are 0600 P-256,
# SANs are right, re-running keeps files, --force and a deleted file remake.
# Usage: pki_test.sh PATH_TO_PKI_SH
set -euo pipefail
PKI="$1"
OUT="${TEST_TMPDIR:-$(mktemp -d)}/pki"
rm -rf "$OUT"
failures=0
fail() { printf 'FAIL: %s\n' "$*" >&2; failures=$((failures + 1)); }
pass() { printf 'ok: %s\n' "$*"; }

first="$("$PKI" "$OUT")" || { echo "pki.sh failed" >&2; exit 1; }
echo "$first"

SERVERS="relay credential-authority oem-a oem-b channel access-point"
CLIENTS="device-1 device-2 admin relay-push"

for n in $SERVERS; do
  openssl verify -CAfile "$OUT/ca.crt" -purpose sslserver "$OUT/$n.crt" >/dev/null 2>&1 \
    && pass "$n chains to the root as a TLS server" || fail "$n does not verify as server"
  openssl verify -CAfile "$OUT/ca.crt" -purpose sslclient "$OUT/$n.crt" >/dev/null 2>&1 \
    && pass "$n usable as TLS client" || fail "$n does not verify as client"
done
for n in $CLIENTS; do
  openssl verify -CAfile "$OUT/ca.crt" -purpose sslclient "$OUT/$n.crt" >/dev/null 2>&1 \
    && pass "$n chains to the root as a TLS client" || fail "$n does not verify as client"
  if openssl verify -CAfile "$OUT/ca.crt" -purpose sslserver "$OUT/$n.crt" >/dev/null 2>&1; then
    fail "client-only $n is accepted as a TLS server"
  fi
done

# The negative-test material: chains to wrong-ca, NOT to the dev root.
if openssl verify -CAfile "$OUT/ca.crt" "$OUT/wrong-relay.crt" >/dev/null 2>&1; then
  fail "wrong-relay.crt verifies against the dev root"
else
  pass "wrong-relay.crt is refused by the dev root"
fi
openssl verify -CAfile "$OUT/wrong-ca.crt" "$OUT/wrong-relay.crt" >/dev/null 2>&1 \
  && pass "wrong-relay.crt chains to wrong-ca" || fail "wrong-relay.crt does not chain to wrong-ca"
if openssl verify -CAfile "$OUT/wrong-ca.crt" "$OUT/relay.crt" >/dev/null 2>&1; then
  fail "relay.crt verifies against the wrong root"
fi

# CNs, SANs, key type and permissions.
cn_of() { openssl x509 -in "$1" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= *//p'; }
[[ "$(cn_of "$OUT/relay-push.crt")" == relay ]] && pass "relay-push CN is relay" || fail "relay-push CN"
[[ "$(cn_of "$OUT/admin.crt")" == admin ]] && pass "admin CN is admin" || fail "admin CN"
[[ "$(cn_of "$OUT/oem-b.crt")" == oem-b ]] && pass "oem-b CN is oem-b" || fail "oem-b CN"
for n in $SERVERS $CLIENTS wrong-relay; do
  san="$(openssl x509 -in "$OUT/$n.crt" -noout -ext subjectAltName)"
  [[ "$san" == *"DNS:localhost"* && "$san" == *"IP Address:127.0.0.1"* ]] || fail "$n SAN: $san"
done
for n in ca wrong-ca $SERVERS $CLIENTS wrong-relay; do
  perm="$(stat -c %a "$OUT/$n.key")"
  [[ "$perm" == 600 ]] || fail "$n.key has mode $perm, want 600"
  openssl pkey -in "$OUT/$n.key" -noout -text 2>/dev/null | grep -q 'NIST CURVE: P-256' \
    || fail "$n.key is not P-256"
done
pass "keys are P-256 and mode 0600; SANs carry localhost and 127.0.0.1"

# Idempotent: a second run changes nothing.
sums() { (cd "$OUT" && sha256sum ./*.crt ./*.key); }
before="$(sums)"
second="$("$PKI" "$OUT")"
[[ "$(sums)" == "$before" ]] && pass "re-run keeps every file" || fail "re-run changed files"
if grep -q created <<<"$second"; then fail "re-run says it created something"; fi

# A deleted leaf is remade alone.
rm "$OUT/oem-a.crt"
third="$("$PKI" "$OUT")"
[[ "$(grep -c created <<<"$third")" == 1 ]] && grep -q '^oem-a .*created' <<<"$third" \
  && pass "a deleted leaf is remade alone" || fail "deleting oem-a: $third"
openssl verify -CAfile "$OUT/ca.crt" "$OUT/oem-a.crt" >/dev/null 2>&1 || fail "new oem-a does not verify"

# --force remakes everything; old leaves no longer chain to the new root.
cp "$OUT/relay.crt" "$OUT/old-relay.pem"
"$PKI" --force "$OUT" >/dev/null
[[ "$(sums)" != "$before" ]] && pass "--force regenerates" || fail "--force changed nothing"
if openssl verify -CAfile "$OUT/ca.crt" "$OUT/old-relay.pem" >/dev/null 2>&1; then
  fail "a pre --force certificate still verifies against the new root"
fi

# Bad usage is an error with a message, not a half-made directory.
if "$PKI" --bogus "$OUT" 2>/dev/null; then fail "unknown option accepted"; fi
if "$PKI" --devices='Bad Name' "$OUT/x" 2>/dev/null; then fail "bad device name accepted"; fi

if [[ $failures -ne 0 ]]; then echo "$failures failure(s)" >&2; exit 1; fi
echo "all pki checks passed"
