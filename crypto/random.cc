#include "crypto/random.h"

#include <openssl/rand.h>

#include <climits>
#include <string>

#include "common/errors.h"
#include "crypto/openssl_util.h"

namespace sct::crypto {

absl::StatusOr<std::string> RandomBytes(size_t n) {
  if (n > static_cast<size_t>(INT_MAX)) {
    return InvalidField("n", "too many random bytes requested");
  }
  std::string out(n, '\0');
  if (n == 0) return out;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()),
                 static_cast<int>(n)) != 1) {
    return OpenSslError("RAND_bytes");
  }
  return out;
}

}  // namespace sct::crypto
