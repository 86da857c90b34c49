#include "runtime/http_forwarder.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "httplib.h"

namespace sct {
namespace {

// A plain HTTP server on 127.0.0.1, port 0, that records who called.
class Upstream {
 public:
  Upstream() {
    server_.Get("/who", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        last_caller_ = req.remote_addr;
      }
      ++requests_;
      res.set_content("ok", "text/plain");
    });
    // Listening once bound: connections queue until the thread accepts.
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() does nothing to a server not yet running, so the destructor's
    // join could wait forever if it came first.
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~Upstream() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_); }
  std::string last_caller() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_caller_;
  }
  int requests() const { return requests_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::string last_caller_;
  std::atomic<int> requests_{0};
};

std::unique_ptr<HttplibForwarder> MakeForwarder(const std::string& url,
                                               const std::string& source_address) {
  HttplibForwarderOptions options;
  options.url = url;
  options.url_field = "--gateway_url";
  options.timeout = absl::Seconds(5);
  options.source_address = source_address;
  absl::StatusOr<std::unique_ptr<HttplibForwarder>> forwarder =
      HttplibForwarder::Create(options);
  EXPECT_TRUE(forwarder.ok()) << forwarder.status();
  return forwarder.ok() ? std::move(*forwarder) : nullptr;
}

TEST(HttplibForwarderTest, ConnectsFromTheSourceAddressItWasGiven) {
  Upstream upstream;
  std::unique_ptr<HttplibForwarder> forwarder = MakeForwarder(upstream.url(), "127.0.0.23");
  ASSERT_NE(forwarder, nullptr);
  absl::StatusOr<ForwardResponse> answer = forwarder->Send({"GET", "/who", {}, ""});
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(upstream.last_caller(), "127.0.0.23");
}

// 192.0.2.1 (TEST-NET-1) is no address of this machine, so the bind fails.
// The exchange must fail rather than go out from an address the kernel
// picks: the peer tells callers apart by their address.
TEST(HttplibForwarderTest, AFailedSourceBindFailsTheExchangeInsteadOfConnectingFromAnother) {
  Upstream upstream;
  std::unique_ptr<HttplibForwarder> forwarder = MakeForwarder(upstream.url(), "192.0.2.1");
  ASSERT_NE(forwarder, nullptr);
  absl::StatusOr<ForwardResponse> answer = forwarder->Send({"GET", "/who", {}, ""});
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kUnavailable) << answer.status();
  EXPECT_EQ(upstream.requests(), 0);
}

TEST(HttplibForwarderTest, ASourceAddressThatIsNotIpv4IsRefusedAtCreate) {
  HttplibForwarderOptions options;
  options.url = "http://127.0.0.1:1";
  options.url_field = "--gateway_url";
  options.source_address = "localhost";
  absl::StatusOr<std::unique_ptr<HttplibForwarder>> forwarder =
      HttplibForwarder::Create(options);
  EXPECT_EQ(forwarder.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(forwarder.status().message().find("source_address"), std::string::npos)
      << forwarder.status();
}

}  // namespace
}  // namespace sct
