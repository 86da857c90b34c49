#include "common/uuid.h"

#include <errno.h>
#include <sys/random.h>
#include <sys/types.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "openssl/err.h"
#include "openssl/rand.h"

namespace sct {
namespace {

constexpr char kHex[] = "0123456789abcdef";

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

// `n` bytes from the kernel's CSPRNG (getrandom(2), the source OpenSSL seeds
// from); false if it is unavailable. One system call, 1-2 us on the
// benchmark machine, where OpenSSL 3.0's RAND_bytes took ~10 us a call
// (parameter look-ups and a getpid per call; docs/BENCHMARKS.md, the
// section on the memory relay and echo).
bool KernelRandom(uint8_t* out, size_t n) {
  while (n > 0) {
    const ssize_t got = getrandom(out, n, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    out += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

}  // namespace

std::string NewUuidV4() {
  uint8_t b[16];
  if (!KernelRandom(b, sizeof(b)) && RAND_bytes(b, sizeof(b)) != 1) {
    // No weak fallback: an id is a capability (the mailbox URL).
    char err[256];
    ERR_error_string_n(ERR_get_error(), err, sizeof(err));
    std::fprintf(stderr, "FATAL: RAND_bytes failed while making a UUID: %s\n",
                 err);
    std::abort();
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // variant 10xx
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0x0f]);
  }
  return out;
}

bool IsValidUuid(absl::string_view s, bool require_v4) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!IsHex(s[i])) {
      return false;
    }
  }
  if (require_v4) {
    if (s[14] != '4') return false;
    char v = s[19];
    if (!(v == '8' || v == '9' || v == 'a' || v == 'b' || v == 'A' ||
          v == 'B')) {
      return false;
    }
  }
  return true;
}

}  // namespace sct
