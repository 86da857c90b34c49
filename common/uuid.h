// UUIDv4 (RFC 9562 section 5.4) from the kernel's CSPRNG (getrandom; OpenSSL's
// RAND_bytes if that is unavailable): 122 random bits. Thread-safe, and safe
// across fork (no random bytes are buffered in the process).
#ifndef SCT_COMMON_UUID_H_
#define SCT_COMMON_UUID_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct {

// A fresh lower-case UUIDv4 "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx".
// Aborts only if the system CSPRNG fails (it never returns a weak id).
std::string NewUuidV4();

// True if `s` is a UUID in canonical 8-4-4-4-12 hex form (either case).
// `require_v4` also checks the version nibble (4) and variant bits (10xx).
bool IsValidUuid(absl::string_view s, bool require_v4 = false);

}  // namespace sct

#endif  // SCT_COMMON_UUID_H_
