// Test double for HttpFetcher: records every URL requested (GET in urls(),
// POST in posts() with its headers) and answers with a canned response (or
// error). Thread-safe. testonly.
#ifndef SCT_CHANNEL_FAKE_HTTP_FETCHER_H_
#define SCT_CHANNEL_FAKE_HTTP_FETCHER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "channel/http_fetcher.h"

namespace sct::channel {

class FakeHttpFetcher : public HttpFetcher {
 public:
  absl::StatusOr<HttpResponse> Get(const std::string& url) override {
    absl::MutexLock lock(&mu_);
    urls_.push_back(url);
    return answer_;
  }
  struct Post {
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
  };
  absl::StatusOr<HttpResponse> Post(
      const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
      const std::string& body) override {
    absl::MutexLock lock(&mu_);
    posts_.push_back({url, headers, body});
    return answer_;
  }
  std::vector<struct Post> posts() const {
    absl::MutexLock lock(&mu_);
    return posts_;
  }
  void SetAnswer(absl::StatusOr<HttpResponse> answer) {
    absl::MutexLock lock(&mu_);
    answer_ = std::move(answer);
  }
  std::vector<std::string> urls() const {
    absl::MutexLock lock(&mu_);
    return urls_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> urls_ ABSL_GUARDED_BY(mu_);
  std::vector<struct Post> posts_ ABSL_GUARDED_BY(mu_);
  absl::StatusOr<HttpResponse> answer_ ABSL_GUARDED_BY(mu_) = HttpResponse{200, ""};
};

}  // namespace sct::channel

#endif  // SCT_CHANNEL_FAKE_HTTP_FETCHER_H_
