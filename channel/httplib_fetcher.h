// HttpFetcher over cpp-httplib: a plain GET (or POST) with a bot User-Agent, no
// redirects followed, bounded timeouts and a bounded body. For https URLs the
// server certificate is verified against `ca_file` (or the system roots when
// empty) including the host name. Errors as in http_fetcher.h, the message
// carrying httplib's error text. Thread-safe: each call uses its own client.
#ifndef SCT_CHANNEL_HTTPLIB_FETCHER_H_
#define SCT_CHANNEL_HTTPLIB_FETCHER_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "channel/http_fetcher.h"

namespace sct::channel {

struct HttplibFetcherOptions {
  std::string ca_file;  // PEM roots for https; empty: system roots
  absl::Duration timeout = absl::Seconds(5);
  size_t max_body_bytes = 1024 * 1024;
  std::string user_agent = "SCTLabPreviewBot/1.0 (link preview)";
};

class HttplibFetcher : public HttpFetcher {
 public:
  explicit HttplibFetcher(HttplibFetcherOptions options) : options_(std::move(options)) {}
  absl::StatusOr<HttpResponse> Get(const std::string& url) override;
  absl::StatusOr<HttpResponse> Post(const std::string& url,
                                    const std::vector<std::pair<std::string, std::string>>& headers,
                                    const std::string& body) override;

 private:
  absl::StatusOr<HttpResponse> Fetch(const std::string& method, const std::string& url,
                                     const std::vector<std::pair<std::string, std::string>>& headers,
                                     const std::string& body);

  const HttplibFetcherOptions options_;
};

}  // namespace sct::channel

#endif  // SCT_CHANNEL_HTTPLIB_FETCHER_H_
