// FuzzInput: splits one fuzz input into the several values a structured
// target needs (a selector byte, length-prefixed fields, the rest), the same
// way in the libFuzzer build and in the replay build (gcc has no
// FuzzedDataProvider). Reads past the end yield zeros and empty strings, so
// every byte string is a valid input.
//
// Not thread-safe (one per input); borrows the input bytes, which must
// outlive it.
#ifndef SCT_COMMON_FUZZ_FUZZ_INPUT_H_
#define SCT_COMMON_FUZZ_FUZZ_INPUT_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace sct::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

  // The next byte; 0 when the input is exhausted.
  uint8_t Byte() {
    if (rest_.empty()) return 0;
    uint8_t b = static_cast<uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return b;
  }

  // Two bytes, big-endian.
  uint16_t U16() {
    uint16_t hi = Byte();
    return static_cast<uint16_t>((hi << 8) | Byte());
  }

  // A field of at most 65535 bytes: a big-endian 16-bit length, then that many
  // bytes (fewer when the input ends first).
  std::string Field() {
    size_t wanted = U16();  // read before rest_.size(): argument order is unspecified
    size_t n = std::min(wanted, rest_.size());
    std::string out(rest_.substr(0, n));
    rest_.remove_prefix(n);
    return out;
  }

  // Everything not read yet.
  std::string Rest() {
    std::string out(rest_);
    rest_ = absl::string_view();
    return out;
  }

  bool empty() const { return rest_.empty(); }

 private:
  absl::string_view rest_;
};

}  // namespace sct::fuzz

#endif  // SCT_COMMON_FUZZ_FUZZ_INPUT_H_
