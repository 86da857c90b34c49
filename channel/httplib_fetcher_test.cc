// HttplibFetcher against in-process cpp-httplib servers on 127.0.0.1:0:
// plain HTTP, HTTPS verified with a test CA, and the failures.
#include "channel/httplib_fetcher.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "common/errors.h"
#include "runtime/test_certs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"

namespace sct::channel {
namespace {

using ::testing::HasSubstr;

// Runs `server` on a free port until destroyed.
class Running {
 public:
  explicit Running(std::unique_ptr<httplib::Server> server) : server_(std::move(server)) {
    server_->Get("/v1/m/(.*)", [this](const httplib::Request& req, httplib::Response& res) {
      absl::MutexLock lock(&mu_);
      target_ = req.target;
      user_agent_ = req.get_header_value("User-Agent");
      res.set_content("<meta property=\"og:title\" content=\"T\">", "text/html");
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    while (!server_->is_running()) std::this_thread::yield();  // listen loop entered
  }
  ~Running() {
    server_->stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::string target() {
    absl::MutexLock lock(&mu_);
    return target_;
  }
  std::string user_agent() {
    absl::MutexLock lock(&mu_);
    return user_agent_;
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
  absl::Mutex mu_;
  std::string target_, user_agent_;
};

std::string TmpPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

TEST(HttplibFetcherTest, GetsThePageWithQueryAndBotUserAgent) {
  Running server(std::make_unique<httplib::Server>());
  HttplibFetcher fetcher(HttplibFetcherOptions{});
  auto page = fetcher.Get("http://127.0.0.1:" + std::to_string(server.port()) + "/v1/m/abc?v=c");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->status, 200);
  EXPECT_THAT(page->body, HasSubstr("og:title"));
  EXPECT_EQ(server.target(), "/v1/m/abc?v=c");
  EXPECT_THAT(server.user_agent(), HasSubstr("PreviewBot"));
  auto missing = fetcher.Get("http://127.0.0.1:" + std::to_string(server.port()) + "/nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
}

TEST(HttplibFetcherTest, RefusesFragmentsAndNonHttpUrls) {
  HttplibFetcher fetcher(HttplibFetcherOptions{});
  for (const char* url :
       {"http://127.0.0.1:1/v1/m/a#secret", "ftp://x/y", "relay/v1/m/a", "https://"}) {
    auto r = fetcher.Get(url);
    EXPECT_EQ(ReasonOf(r.status()), "invalid_field") << url;
  }
}

TEST(HttplibFetcherTest, ConnectionFailureIsFetchFailed) {
  int port;
  {
    Running server(std::make_unique<httplib::Server>());
    port = server.port();
  }  // closed: nothing listens on `port` now
  HttplibFetcherOptions options;
  options.timeout = absl::Seconds(2);
  HttplibFetcher fetcher(options);
  auto r = fetcher.Get("http://127.0.0.1:" + std::to_string(port) + "/v1/m/a");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(r.status()), "fetch_failed");
}

TEST(HttplibFetcherTest, HttpsVerifiesTheServerAgainstTheGivenCa) {
  auto ca = MakeTestCa("preview test CA");
  ASSERT_TRUE(ca.ok());
  auto leaf = IssueTestCert(*ca, "relay", {"localhost"}, {"127.0.0.1"});
  ASSERT_TRUE(leaf.ok());
  auto wrong_ca = MakeTestCa("some other CA");
  ASSERT_TRUE(wrong_ca.ok());
  ASSERT_TRUE(WriteTestFile(TmpPath("ca.pem"), ca->cert_pem).ok());
  ASSERT_TRUE(WriteTestFile(TmpPath("wrong_ca.pem"), wrong_ca->cert_pem).ok());
  ASSERT_TRUE(WriteTestFile(TmpPath("leaf.pem"), leaf->cert_pem).ok());
  ASSERT_TRUE(WriteTestFile(TmpPath("leaf.key"), leaf->key_pem).ok());
  Running server(std::make_unique<httplib::SSLServer>(TmpPath("leaf.pem").c_str(),
                                                      TmpPath("leaf.key").c_str()));
  const std::string url = "https://localhost:" + std::to_string(server.port()) + "/v1/m/abc";

  HttplibFetcherOptions trusted;
  trusted.ca_file = TmpPath("ca.pem");
  auto ok = HttplibFetcher(trusted).Get(url);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->status, 200);

  HttplibFetcherOptions wrong;
  wrong.ca_file = TmpPath("wrong_ca.pem");
  auto refused = HttplibFetcher(wrong).Get(url);
  EXPECT_EQ(ReasonOf(refused.status()), "fetch_failed");
}

}  // namespace
}  // namespace sct::channel
