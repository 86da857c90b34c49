#!/usr/bin/env bash
# tools/pki.sh — the SCT Lab development PKI (OpenSSL CLI only).
#
# Usage: tools/pki.sh [--force] [--devices=N1,N2,...] [--access_points=N1,...] DIR
#
# Makes, in DIR (flat layout, see docs/pki.md):
#   ca.crt / ca.key                 the dev root CA (EC P-256, self-signed, 10 years)
#   <service>.crt / <service>.key   server+client certs for relay, credential-authority,
#                                   oem-a, oem-b, channel and each access point
#   <device>.crt / <device>.key     client certs for each device
#   admin.crt / admin.key           client cert, CN admin (operator tools)
#   relay-push.crt / relay-push.key client cert, CN relay (relay -> OEM push, mutual TLS)
#   wrong-ca.crt / wrong-ca.key     an unrelated root, for negative tests
#   wrong-relay.crt / .key          CN relay, SAN localhost/127.0.0.1, issued by wrong-ca
# Every leaf: EC P-256, SHA-256, SAN DNS:localhost, IP:127.0.0.1, DNS:<name>.
# Private keys are mode 0600.
#
# Idempotent: a file pair that exists, parses and chains to the current root is
# kept; anything missing or stale (e.g. the root was regenerated) is (re)made.
# --force regenerates everything. Prints a table of what it made or kept.
set -euo pipefail

FORCE=0
DEVICES="device-1,device-2"
ACCESS_POINTS="access-point"
DIR=""

die() { printf 'pki.sh: error: %s\n' "$*" >&2; exit 2; }
usage() {
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --devices=*) DEVICES="${arg#--devices=}" ;;
    --access_points=*) ACCESS_POINTS="${arg#--access_points=}" ;;
    -h|--help) usage ;;
    -*) die "unknown option \"$arg\" (see --help)" ;;
    *)
      [[ -z "$DIR" ]] || die "more than one DIR given (\"$DIR\", \"$arg\")"
      DIR="$arg" ;;
  esac
done
[[ -n "$DIR" ]] || usage
command -v openssl >/dev/null || die "openssl not found on PATH"

valid_name() { [[ "$1" =~ ^[a-z0-9][a-z0-9-]{0,62}$ ]]; }
IFS=',' read -r -a DEVICE_LIST <<<"$DEVICES"
IFS=',' read -r -a AP_LIST <<<"$ACCESS_POINTS"
for n in "${DEVICE_LIST[@]}" "${AP_LIST[@]}"; do
  valid_name "$n" || die "bad name \"$n\" in --devices/--access_points (use a-z, 0-9, -)"
done

mkdir -p "$DIR"
chmod 0755 "$DIR"
umask 077
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

ROWS=()
row() { ROWS+=("$(printf '%-22s %-14s %-22s %-8s %s' "$1" "$2" "$3" "$4" "$5")"); }

ROOT_CHANGED=0

# make_root NAME CN: a self-signed P-256 CA at DIR/NAME.{crt,key}.
make_root() {
  local name="$1" cn="$2" crt="$DIR/$1.crt" key="$DIR/$1.key"
  if [[ $FORCE -eq 0 && -s "$crt" && -s "$key" ]] &&
     openssl x509 -in "$crt" -noout 2>/dev/null &&
     openssl verify -CAfile "$crt" "$crt" >/dev/null 2>&1 &&
     [[ "$(openssl x509 -in "$crt" -noout -pubkey)" == "$(openssl pkey -in "$key" -pubout 2>/dev/null)" ]]; then
    row "$name" "root CA" "$cn" "kept" "$crt"
    return 1
  fi
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/key.pem" 2>/dev/null
  openssl req -x509 -new -key "$WORK/key.pem" -sha256 -days 3650 -subj "/O=SCT Lab/CN=$cn" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$WORK/crt.pem"
  install -m 0600 "$WORK/key.pem" "$key"
  install -m 0644 "$WORK/crt.pem" "$crt"
  row "$name" "root CA" "$cn" "created" "$crt"
  return 0
}

# make_leaf FILE_NAME CN ROLE(server|client) CA_NAME
make_leaf() {
  local name="$1" cn="$2" role="$3" ca="$4"
  local crt="$DIR/$name.crt" key="$DIR/$name.key"
  local ca_crt="$DIR/$ca.crt" ca_key="$DIR/$ca.key"
  local eku="clientAuth" purpose="sslclient" label="client"
  if [[ "$role" == server ]]; then
    eku="serverAuth,clientAuth"; purpose="sslserver"; label="server+client"
  fi
  if [[ $FORCE -eq 0 && -s "$crt" && -s "$key" ]] &&
     openssl verify -CAfile "$ca_crt" -purpose "$purpose" "$crt" >/dev/null 2>&1 &&
     [[ "$(openssl x509 -in "$crt" -noout -pubkey)" == "$(openssl pkey -in "$key" -pubout 2>/dev/null)" ]]; then
    chmod 0600 "$key"
    row "$name" "$label" "$cn" "kept" "$crt"
    return
  fi
  cat >"$WORK/ext.cnf" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=$eku
subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:$cn
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/key.pem" 2>/dev/null
  openssl req -new -key "$WORK/key.pem" -subj "/O=SCT Lab/CN=$cn" -out "$WORK/csr.pem"
  openssl x509 -req -in "$WORK/csr.pem" -CA "$ca_crt" -CAkey "$ca_key" -sha256 -days 825 \
    -set_serial "0x$(openssl rand -hex 16)" -extfile "$WORK/ext.cnf" \
    -out "$WORK/crt.pem" 2>/dev/null
  install -m 0600 "$WORK/key.pem" "$key"
  install -m 0644 "$WORK/crt.pem" "$crt"
  row "$name" "$label" "$cn" "created" "$crt"
}

if make_root ca "SCT Lab Dev Root CA"; then ROOT_CHANGED=1; fi
for s in relay credential-authority oem-a oem-b channel "${AP_LIST[@]}"; do
  make_leaf "$s" "$s" server ca
done
for d in "${DEVICE_LIST[@]}"; do
  make_leaf "$d" "$d" client ca
done
make_leaf admin admin client ca
make_leaf relay-push relay client ca
make_root wrong-ca "SCT Lab Wrong Root CA" || true
make_leaf wrong-relay relay server wrong-ca

printf '%-22s %-14s %-22s %-8s %s\n' "NAME" "USE" "CN" "STATUS" "CERTIFICATE (key: same name, .key, mode 0600)"
printf '%s\n' "${ROWS[@]}"
if [[ $ROOT_CHANGED -eq 1 ]]; then
  printf 'pki.sh: new root CA in %s/ca.crt; give it to every service as its CA file\n' "$DIR"
fi
