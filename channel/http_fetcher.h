// What the messenger's link-preview bot uses to fetch a page: one HTTP(S)
// GET. The channel logic depends only on this interface; main.cc builds the
// cpp-httplib implementation (httplib_fetcher.h), tests use FakeHttpFetcher.
//
// Get(url) errors: INVALID_ARGUMENT (reason "invalid_field") for a URL that is
// not absolute http(s) or that still carries a fragment (a bot must never send
// one); UNAVAILABLE (reason "fetch_failed") when no HTTP answer arrived
// (connection refused, TLS verification failure, timeout). Any HTTP status,
// including 4xx/5xx, is a successful fetch. Implementations are thread-safe.
#ifndef SCT_CHANNEL_HTTP_FETCHER_H_
#define SCT_CHANNEL_HTTP_FETCHER_H_

#include <string>

#include "absl/status/statusor.h"

namespace sct::channel {

struct HttpResponse {
  int status = 0;
  std::string body;
};

class HttpFetcher {
 public:
  virtual ~HttpFetcher() = default;
  virtual absl::StatusOr<HttpResponse> Get(const std::string& url) = 0;
};

}  // namespace sct::channel

#endif  // SCT_CHANNEL_HTTP_FETCHER_H_
