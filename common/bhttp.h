// Binary HTTP messages (RFC 9292), known-length form: the plaintext that
// Oblivious HTTP (crypto/ohttp.h) encapsulates. The device encodes requests
// and decodes responses; the OHTTP gateway does the reverse.
//
// Decoding is strict and bounded (BhttpLimits): every length is checked
// against the remaining input and the limits before anything is copied;
// field names must be HTTP tokens without upper-case letters, values must
// not hold CR, LF or NUL (they are forwarded into HTTP/1.1); control data
// must be well formed (a method token, a scheme, a path starting with '/'
// or "*"). A message may be truncated after any complete section (RFC 9292
// section 3.8: the missing sections are empty) and followed by padding,
// which must be all zero bytes. Indeterminate-length messages (framing
// indicators 2 and 3) are refused: this project's peers never send them.
//
// Encoding writes every section, or with `truncate` set drops the trailing
// empty ones (as RFC 9458 appendix A does), then `padding` zero bytes.
//
// Errors: INVALID_ARGUMENT "invalid_field", the message naming the part
// ("bhttp.framing_indicator", "bhttp.header_section", "bhttp.content", ...)
// for malformed input or a value the encoder cannot write; RESOURCE_EXHAUSTED
// "bhttp_too_large" when a bound is exceeded. All functions are pure and
// thread-safe.
#ifndef SCT_COMMON_BHTTP_H_
#define SCT_COMMON_BHTTP_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sct::bhttp {

inline constexpr uint64_t kKnownLengthRequest = 0;
inline constexpr uint64_t kKnownLengthResponse = 1;
// The largest value a QUIC variable-length integer holds (2^62 - 1).
inline constexpr uint64_t kMaxVarint = (uint64_t{1} << 62) - 1;

struct Field {
  std::string name;
  std::string value;
  bool operator==(const Field& o) const { return name == o.name && value == o.value; }
};

struct Request {
  std::string method;
  std::string scheme;
  std::string authority;  // may be empty (then a Host header may say it)
  std::string path;
  std::vector<Field> headers;
  std::string content;
  std::vector<Field> trailers;
};

struct InformationalResponse {
  int status = 100;  // 100..199
  std::vector<Field> headers;
};

struct Response {
  std::vector<InformationalResponse> informational;
  int status = 200;  // 200..599
  std::vector<Field> headers;
  std::string content;
  std::vector<Field> trailers;
};

struct BhttpLimits {
  size_t max_message_bytes = 1 << 20;  // the whole input, padding included
  size_t max_control_bytes = 4096;     // each control-data string
  size_t max_section_bytes = 65536;    // a header or trailer section
  size_t max_fields = 128;             // per section
  size_t max_content_bytes = 1 << 20;
  size_t max_informational = 8;
};

struct EncodeOptions {
  bool truncate = false;  // drop trailing empty sections
  size_t padding = 0;     // zero bytes appended
};

// QUIC variable-length integers (RFC 9000 section 16), as RFC 9292 uses
// them. AppendVarint requires value <= kMaxVarint and uses the shortest form.
void AppendVarint(uint64_t value, std::string* out);
// Reads one varint from the front of `*in` and advances it;
// INVALID_ARGUMENT naming `field` when `*in` ends inside it.
absl::StatusOr<uint64_t> ReadVarint(absl::string_view* in, absl::string_view field);

absl::StatusOr<std::string> EncodeRequest(const Request& request,
                                          const EncodeOptions& options = {});
absl::StatusOr<Request> DecodeRequest(absl::string_view message, const BhttpLimits& limits = {});

absl::StatusOr<std::string> EncodeResponse(const Response& response,
                                           const EncodeOptions& options = {});
absl::StatusOr<Response> DecodeResponse(absl::string_view message, const BhttpLimits& limits = {});

}  // namespace sct::bhttp

#endif  // SCT_COMMON_BHTTP_H_
