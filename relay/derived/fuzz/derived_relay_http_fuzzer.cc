// Fuzz target: the derived relay's request handling (relay/derived/) from
// raw connection bytes: the bounded HTTP/1.1 parser, then
// HandleDerivedRequest on a memory store, for every pipelined request.
// Invariants: every answer is one of the statuses the face documents; a
// GET that answers 200 returns exactly the body the model says was stored
// at that location (first PUT wins, DELETE removes); nothing crashes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "relay/derived/derived_relay_http.h"
#include "relay/derived/derived_relay_service.h"
#include "relay/derived/memory_derived_store.h"
#include "relay/http_request_parser.h"

namespace {

using sct::relay::HttpRequest;
using sct::relay::HttpRequestParser;
using sct::relay::HttpResponse;

const std::set<int> kStatuses = {200, 201, 204, 400, 404, 405, 409, 413, 429};

// Applies an answered request to the model of what is stored, and checks
// the answer against it.
void Check(const HttpRequest& req, const HttpResponse& res,
           std::map<std::string, std::string>& model) {
  if (kStatuses.count(res.status) == 0) std::abort();
  if (req.method == "PUT" && res.status == 201) {
    if (model.count(req.path) != 0) std::abort();  // first write must win
    model[req.path] = req.body;
  } else if (req.method == "GET" && res.status == 200 && req.path != "/healthz") {
    auto it = model.find(req.path);
    if (it == model.end() || it->second != res.body) std::abort();
  } else if (req.method == "DELETE" && res.status == 204) {
    if (model.erase(req.path) != 1) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sct::FakeClock clock;
  sct::relay::derived::MemoryDerivedStore store;
  sct::relay::derived::DerivedRelayLimits limits;
  limits.max_message_bytes = 1024;
  limits.failed_lookups_per_window = 4;
  sct::relay::derived::DerivedRelayService service(&store, &clock, limits);
  sct::relay::HttpParseLimits parse_limits;
  parse_limits.max_request_line = 256;
  parse_limits.max_header_bytes = 1024;
  parse_limits.max_header_count = 8;
  parse_limits.max_body_bytes = 2048;
  HttpRequestParser parser(parse_limits);
  std::map<std::string, std::string> model;
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    size_t consumed = 0;
    HttpRequestParser::State state = parser.Feed(input, &consumed);
    if (consumed > input.size()) std::abort();
    input.remove_prefix(consumed);
    if (state == HttpRequestParser::State::kError) {
      HttpResponse res;
      sct::relay::derived::RenderTransportError(parser.error(), res);
      if (res.status < 400 || res.body.empty()) std::abort();
      return 0;
    }
    if (state == HttpRequestParser::State::kComplete) {
      HttpRequest req = parser.request();
      req.remote_addr = "127.0.0.66";
      HttpResponse res;
      sct::relay::derived::HandleDerivedRequest(service, req, res);
      Check(req, res, model);
      parser.Reset();
      continue;
    }
    if (consumed == 0 && state != HttpRequestParser::State::kHeadComplete) break;
  }
  return 0;
}
