// HttpSession's source address against an httplib server on 127.0.0.1:0: a
// bound session reaches the server from its address; an address the host
// does not have fails the call with the address named and sends nothing; a
// malformed one fails every call. And which relay URLs are loopback IPv4.
#include "scenarios/attack/http_session.h"

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"

namespace sct::scenarios::attack {
namespace {

using ::testing::HasSubstr;

class HttpSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Get("/ping", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(req.remote_addr);
      res.status = 204;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // Until the listen loop runs, stop() does nothing and the join in
    // TearDown would wait forever (a test that sends nothing gets there
    // first: CI timed out on FailedBindFailsTheCallAndSendsNothing).
    while (!server_.is_running()) std::this_thread::yield();
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
  }
  std::string Url() const { return absl::StrCat("http://127.0.0.1:", port_); }
  std::vector<std::string> Seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<std::string> seen_;
};

TEST_F(HttpSessionTest, BoundSessionConnectsFromItsAddress) {
  HttpSession session(Url(), "", "127.1.0.7");
  HttpAnswer a = session.Call("GET", "/ping", {});
  EXPECT_EQ(a.status, 204) << a.error;
  HttpSession unbound(Url(), "");
  EXPECT_EQ(unbound.Call("GET", "/ping", {}).status, 204);
  EXPECT_EQ(Seen(), (std::vector<std::string>{"127.1.0.7", "127.0.0.1"}));
}

TEST_F(HttpSessionTest, FailedBindFailsTheCallAndSendsNothing) {
  // 192.0.2.1 (TEST-NET-1) is no address of this host: bind fails.
  HttpSession session(Url(), "", "192.0.2.1");
  HttpAnswer a = session.Call("GET", "/ping", {});
  EXPECT_EQ(a.status, 0);
  EXPECT_THAT(a.error, HasSubstr("bind to source address 192.0.2.1 failed"));
  EXPECT_TRUE(Seen().empty()) << "the request went out from another address";
}

TEST_F(HttpSessionTest, MalformedSourceAddressFailsEveryCall) {
  HttpSession session(Url(), "", "127.1.0");
  HttpAnswer a = session.Call("GET", "/ping", {});
  EXPECT_EQ(a.status, 0);
  EXPECT_THAT(a.error, HasSubstr("source address 127.1.0: not an IPv4 address"));
  EXPECT_TRUE(Seen().empty());
}

TEST(IsLoopbackIpv4UrlTest, OnlyLiteralsIn127Slash8) {
  EXPECT_TRUE(IsLoopbackIpv4Url("https://127.0.0.2:4431"));
  EXPECT_TRUE(IsLoopbackIpv4Url("http://127.0.0.1:80/v1/m"));
  EXPECT_TRUE(IsLoopbackIpv4Url("https://127.255.0.9"));
  EXPECT_FALSE(IsLoopbackIpv4Url("https://localhost:4431"));
  EXPECT_FALSE(IsLoopbackIpv4Url("https://relay.example"));
  EXPECT_FALSE(IsLoopbackIpv4Url("https://10.0.0.5:443"));
  EXPECT_FALSE(IsLoopbackIpv4Url("https://[::1]:443"));
  EXPECT_FALSE(IsLoopbackIpv4Url(""));
}

}  // namespace
}  // namespace sct::scenarios::attack
