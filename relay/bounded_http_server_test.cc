// BoundedHttpServer on 127.0.0.1:0 driven by raw sockets: keep-alive and
// pipelining, every bound answered before it is buffered (413 for a chunked
// body over the limit, 415, 431, 414, 408), the connection caps, and a
// legitimate client served while 1,000 slow connections are open. Every
// client call has its own deadline (socket timeouts); nothing sleeps.
#include "relay/bounded_http_server.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "relay/raw_http_client.h"

namespace sct::relay {
namespace {

using testing::RawHttpClient;

class BoundedHttpServerTest : public ::testing::Test {
 protected:
  void Start(BoundedHttpServerOptions options = {}) {
    if (options.limits.max_body_bytes == HttpParseLimits().max_body_bytes) {
      options.limits.max_body_bytes = 64 * 1024;
    }
    auto s = BoundedHttpServer::Bind(options);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(s).value();
    server_->Serve(
        [this](const HttpRequest& req, HttpResponse& res) {
          ++handled_;
          res.SetContent(absl::StrCat(req.method, " ", req.path, " ", req.body.size()),
                         "text/plain");
        },
        {}, {});
  }
  std::unique_ptr<BoundedHttpServer> server_;
  std::atomic<int> handled_{0};
};

TEST_F(BoundedHttpServerTest, ServesKeepAliveAndPipelinedRequests) {
  Start();
  RawHttpClient c(server_->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send("POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"));
  std::string r = c.ReadResponse();
  EXPECT_TRUE(absl::StartsWith(r, "HTTP/1.1 200 OK\r\n")) << r;
  EXPECT_TRUE(absl::EndsWith(r, "POST /a 3")) << r;
  ASSERT_TRUE(
      c.Send("GET /b HTTP/1.1\r\n\r\nPOST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
             "\r\n2\r\nxy\r\n0\r\n\r\n"));
  EXPECT_TRUE(absl::EndsWith(c.ReadResponse(), "GET /b 0"));
  r = c.ReadResponse();
  EXPECT_TRUE(absl::EndsWith(r, "POST /c 2")) << r;
  ASSERT_TRUE(c.Send("HEAD /d HTTP/1.1\r\nConnection: close\r\n\r\n"));
  r = c.ReadResponse();
  EXPECT_TRUE(absl::StrContains(r, "Content-Length: 9\r\n")) << r;
  EXPECT_TRUE(absl::EndsWith(r, "\r\n\r\n")) << r;  // no body
  EXPECT_TRUE(c.Closed());
}

// The chunked body passes the limit: 413 at once, while the client is still
// sending, and the server never held more than the limit for it.
TEST_F(BoundedHttpServerTest, ChunkedBodyOverTheLimitIsRefusedWithoutBuffering) {
  Start();
  RawHttpClient c(server_->port());
  ASSERT_TRUE(c.Send("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = absl::StrCat("10000\r\n", std::string(0x10000, 'a'), "\r\n");
  size_t sent = 0;
  while (sent < (512u << 20) && !c.Readable() && c.Send(chunk)) sent += chunk.size();
  const std::string r = c.ReadResponse();
  EXPECT_TRUE(absl::StartsWith(r, "HTTP/1.1 413 ")) << r.substr(0, 200);
  EXPECT_LT(sent, 64u << 20) << "the server kept reading after the limit";
  EXPECT_EQ(handled_.load(), 0);
  EXPECT_LE(server_->stats().peak_request_bytes, 64 * 1024 + 3 * 16 * 1024);
}

TEST_F(BoundedHttpServerTest, RefusesEveryOversizeOrEncodedHead) {
  Start();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"POST /a HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\n\x1f\x8b\x08\x00",
       "HTTP/1.1 415 "},
      {"POST /a HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n", "HTTP/1.1 413 "},
      {absl::StrCat("GET /", std::string(9000, 'a'), " HTTP/1.1\r\n\r\n"), "HTTP/1.1 414 "},
      {absl::StrCat("GET / HTTP/1.1\r\nX: ", std::string(20000, 'a'), "\r\n\r\n"), "HTTP/1.1 431 "},
  };
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 100; ++i) absl::StrAppend(&many, "X-", i, ": 1\r\n");
  std::vector<std::pair<std::string, std::string>> all = cases;
  all.emplace_back(many + "\r\n", "HTTP/1.1 431 ");
  for (const auto& [request, want] : all) {
    RawHttpClient c(server_->port());
    ASSERT_TRUE(c.Send(request));
    const std::string r = c.ReadResponse();
    EXPECT_TRUE(absl::StartsWith(r, want)) << want << " got " << r.substr(0, 100);
    EXPECT_TRUE(absl::StrContains(r, "Connection: close")) << r;
  }
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(BoundedHttpServerTest, AHeadThatMissesItsDeadlineGets408) {
  BoundedHttpServerOptions options;
  options.head_timeout = absl::Milliseconds(200);
  Start(options);
  RawHttpClient c(server_->port());
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nX-Slow: "));
  const std::string r = c.ReadResponse();  // bounded by the client deadline
  EXPECT_TRUE(absl::StartsWith(r, "HTTP/1.1 408 ")) << r;
  EXPECT_EQ(server_->stats().timed_out_requests, 1);
}

TEST_F(BoundedHttpServerTest, ConnectionsOverThePerAddressCapAreClosed) {
  BoundedHttpServerOptions options;
  options.max_connections_per_address = 3;
  Start(options);
  std::vector<std::unique_ptr<RawHttpClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawHttpClient>(server_->port(), "127.0.0.2"));
    ASSERT_TRUE(held.back()->Send("G"));
  }
  RawHttpClient over(server_->port(), "127.0.0.2");
  (void)over.Send("GET / HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(over.ReadResponse().empty());  // closed without an answer
  RawHttpClient other(server_->port(), "127.0.0.1");
  ASSERT_TRUE(other.Send("GET /ok HTTP/1.1\r\n\r\n"));
  EXPECT_TRUE(absl::EndsWith(other.ReadResponse(), "GET /ok 0"));
  EXPECT_GE(server_->stats().refused_connections, 1);
}

// Slowloris: 1,000 connections each trickling header bytes; a legitimate
// client is still answered, within its own deadline, between the trickles.
TEST_F(BoundedHttpServerTest, ServesWhileAThousandSlowConnectionsAreOpen) {
  BoundedHttpServerOptions options;
  options.max_connections_per_address = 2000;
  options.worker_threads = 2;
  Start(options);
  constexpr int kSlow = 1000;
  std::vector<std::unique_ptr<RawHttpClient>> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(std::make_unique<RawHttpClient>(server_->port(), "127.0.0.3"));
    ASSERT_TRUE(slow.back()->connected()) << i;
  }
  const std::string head = "GET / HTTP/1.1\r\nX-Slow: aaaaaaaa";
  for (size_t round = 0; round < 8; ++round) {
    for (auto& s : slow) ASSERT_TRUE(s->Send(head.substr(round, 1)));
    RawHttpClient legit(server_->port());
    ASSERT_TRUE(legit.Send("POST /create HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"));
    const std::string r = legit.ReadResponse();
    ASSERT_TRUE(absl::EndsWith(r, "POST /create 2")) << "round " << round << ": " << r;
  }
  EXPECT_GE(server_->stats().open_connections, kSlow);
  EXPECT_EQ(handled_.load(), 8);
}

}  // namespace
}  // namespace sct::relay
