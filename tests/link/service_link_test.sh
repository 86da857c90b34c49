#!/bin/bash
# Checks the shared objects each service binary asks the dynamic loader for
# (its DT_NEEDED entries, `readelf -d`).
#   static:  only the toolchain's run-time (libc, libstdc++, libm, libgcc_s,
#            libatomic), OpenSSL and cpp-httplib; gRPC, protobuf, Abseil,
#            SQLite and hiredis are linked in from their archives.
#   dynamic: gRPC and Abseil's synchronization library are shared objects
#            (what the tsan config's instrumented Mutex relies on).
# In both: OpenSSL is never linked in, so a process holds one copy of it
# (cpp-httplib, a shared library, brings libssl.so.3 along).
# Usage: service_link_test.sh static|dynamic BINARY...
set -euo pipefail

MODE="$1"
shift
ALLOWED_STATIC='^(libc\.so\.6|libstdc\+\+\.so\.6|libm\.so\.6|libgcc_s\.so\.1|ld-linux-x86-64\.so\.2|libatomic\.so\.1|libssl\.so\.3|libcrypto\.so\.3|libcpp-httplib\.so\.[0-9.]+)$'
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

for bin in "$@"; do
  name=$(basename "$bin")
  needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  [[ -n "$needed" ]] || fail "$name: no NEEDED entries read"
  case "$MODE" in
    static)
      while read -r lib; do
        [[ "$lib" =~ $ALLOWED_STATIC ]] || fail "$name: needs shared $lib (expected it linked from its .a)"
      done <<<"$needed"
      ;;
    dynamic)
      for want in 'libgrpc\+\+\.so' 'libabsl_synchronization\.so'; do
        grep -Eq "^${want}" <<<"$needed" || fail "$name: does not need ${want//\\/} (expected shared libraries)"
      done
      ;;
    *)
      echo "usage: $0 static|dynamic BINARY..." >&2
      exit 2
      ;;
  esac
  if readelf --dyn-syms -W "$bin" | awk '$7 != "UND" {print $8}' | grep -Eq '^(SSL_CTX_new|EVP_EncryptInit_ex)(@|$)'; then
    fail "$name: defines OpenSSL functions (a second copy beside libssl.so.3)"
  fi
  echo "$name ($MODE): $(tr '\n' ' ' <<<"$needed")"
done

if ((failures)); then
  echo "$failures problem(s)"
  exit 1
fi
echo "PASS: $# service binaries link $MODE"
