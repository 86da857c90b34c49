// Fuzz target: the relay's HTTP/1.1 request parser (relay/http_request_parser.h)
// on raw connection bytes, with small limits so every bound is reached.
// The first byte picks a piece size; the rest is fed once whole and once in
// pieces of that size, as a socket may deliver it. Invariant: both feedings
// end in the same state with the same request (method, target, headers,
// body) or the same error status, and consumed bytes never exceed the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "relay/http_request_parser.h"

namespace {

using sct::relay::HttpRequestParser;

struct Outcome {
  HttpRequestParser::State state;
  std::string summary;
};

Outcome Parse(absl::string_view input, size_t piece) {
  sct::relay::HttpParseLimits limits;
  limits.max_request_line = 256;
  limits.max_header_bytes = 1024;
  limits.max_header_count = 8;
  limits.max_body_bytes = 4096;
  limits.max_chunk_line = 32;
  HttpRequestParser parser(limits);
  HttpRequestParser::State state = HttpRequestParser::State::kIncomplete;
  size_t pos = 0;
  while (pos < input.size()) {
    absl::string_view chunk = input.substr(pos, std::min(piece, input.size() - pos));
    size_t consumed = 0;
    state = parser.Feed(chunk, &consumed);
    if (consumed > chunk.size()) std::abort();
    pos += consumed;
    if (state == HttpRequestParser::State::kComplete ||
        state == HttpRequestParser::State::kError) {
      break;
    }
    if (consumed == 0 && state != HttpRequestParser::State::kHeadComplete) break;
  }
  std::string summary;
  if (state == HttpRequestParser::State::kError) {
    summary = std::to_string(parser.error().status);
  } else if (state == HttpRequestParser::State::kComplete) {
    const sct::relay::HttpRequest& r = parser.request();
    summary = r.method + " " + r.target + " " + r.version + "\n" + r.body;
    for (const auto& [name, value] : r.headers) summary += "\n" + name + ": " + value;
  }
  return {state, summary};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t piece = 1 + data[0] % 16;
  absl::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  Outcome whole = Parse(input, input.size() + 1);
  Outcome pieces = Parse(input, piece);
  bool settled = whole.state == HttpRequestParser::State::kComplete ||
                 whole.state == HttpRequestParser::State::kError;
  if (settled && (pieces.state != whole.state || pieces.summary != whole.summary)) std::abort();
  return 0;
}
