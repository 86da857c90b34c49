// What the messenger's link-preview bot and the e-mail link scanner use to
// fetch a URL: one HTTP(S) GET, or one POST (a scanner that "clicks" links
// the way some enterprise mail gateways do). The channel logic depends only on this interface; main.cc builds the
// cpp-httplib implementation (httplib_fetcher.h), tests use FakeHttpFetcher.
//
// Get(url) errors: INVALID_ARGUMENT (reason "invalid_field") for a URL that is
// not absolute http(s) or that still carries a fragment (a bot must never send
// one); UNAVAILABLE (reason "fetch_failed") when no HTTP answer arrived
// (connection refused, TLS verification failure, timeout). Any HTTP status,
// including 4xx/5xx, is a successful fetch. Post(url, headers, body) has the
// same errors. Implementations are thread-safe.
#ifndef SCT_CHANNEL_HTTP_FETCHER_H_
#define SCT_CHANNEL_HTTP_FETCHER_H_

#include <string>
#include <utility>
#include <vector>

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
  virtual absl::StatusOr<HttpResponse> Post(
      const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
      const std::string& body) = 0;
};

}  // namespace sct::channel

#endif  // SCT_CHANNEL_HTTP_FETCHER_H_
