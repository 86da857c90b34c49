// Fuzz target: Binary HTTP decoding (common/bhttp.h), what the OHTTP gateway
// runs on every opened request and the device on every opened answer. The
// first byte selects request (even) or response (odd); the rest is the
// message. Checks, besides "no crash", that a decoded message encodes and
// decodes again to the same parts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "common/bhttp.h"

namespace {

using sct::bhttp::BhttpLimits;

bool SameFields(const std::vector<sct::bhttp::Field>& a, const std::vector<sct::bhttp::Field>& b) {
  return a == b;
}

void Request(absl::string_view in, const BhttpLimits& limits) {
  absl::StatusOr<sct::bhttp::Request> r = sct::bhttp::DecodeRequest(in, limits);
  if (!r.ok()) return;
  absl::StatusOr<std::string> again = sct::bhttp::EncodeRequest(*r);
  if (!again.ok()) std::abort();
  absl::StatusOr<sct::bhttp::Request> back = sct::bhttp::DecodeRequest(*again, BhttpLimits());
  if (!back.ok() || back->method != r->method || back->path != r->path ||
      back->authority != r->authority || back->content != r->content ||
      !SameFields(back->headers, r->headers) || !SameFields(back->trailers, r->trailers)) {
    std::abort();
  }
}

void Response(absl::string_view in, const BhttpLimits& limits) {
  absl::StatusOr<sct::bhttp::Response> r = sct::bhttp::DecodeResponse(in, limits);
  if (!r.ok()) return;
  absl::StatusOr<std::string> again = sct::bhttp::EncodeResponse(*r);
  if (!again.ok()) std::abort();
  absl::StatusOr<sct::bhttp::Response> back = sct::bhttp::DecodeResponse(*again, BhttpLimits());
  if (!back.ok() || back->status != r->status || back->content != r->content ||
      back->informational.size() != r->informational.size() ||
      !SameFields(back->headers, r->headers) || !SameFields(back->trailers, r->trailers)) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  absl::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  BhttpLimits small;
  small.max_fields = 8;
  small.max_section_bytes = 512;
  small.max_content_bytes = 1024;
  small.max_control_bytes = 256;
  small.max_informational = 2;
  if (data[0] % 2 == 0) {
    Request(in, small);
  } else {
    Response(in, small);
  }
  return 0;
}
