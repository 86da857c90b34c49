#include "relay/derived/derived_relay_http.h"

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/derived_location.h"
#include "gtest/gtest.h"
#include "relay/derived/memory_derived_store.h"
#include "relay/raw_http_client.h"

namespace sct::relay::derived {
namespace {

using ::sct::relay::testing::RawHttpClient;

std::string Path(char fill) {
  return absl::StrCat("/v1/d/", *DerivedLocationText(std::string(32, fill)));
}

class DerivedRelayHttpTest : public ::testing::Test {
 protected:
  HttpResponse Call(const std::string& method, const std::string& path,
                    const std::string& body = "", const std::string& from = "127.0.0.11") {
    HttpRequest req;
    req.method = method;
    req.path = path;
    req.target = path;
    req.body = body;
    req.remote_addr = from;
    HttpResponse res;
    HandleDerivedRequest(service_, req, res);
    return res;
  }
  FakeClock clock_;
  MemoryDerivedStore store_;
  DerivedRelayService service_{&store_, &clock_, DerivedRelayLimits{}};
};

TEST_F(DerivedRelayHttpTest, PutGetDeleteStatuses) {
  EXPECT_EQ(Call("PUT", Path('a'), "msg0").status, 201);
  HttpResponse got = Call("GET", Path('a'));
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, "msg0");
  EXPECT_EQ(got.Header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(got.Header("Cache-Control"), "no-store");
  EXPECT_EQ(Call("DELETE", Path('a')).status, 204);
  HttpResponse gone = Call("GET", Path('a'));
  EXPECT_EQ(gone.status, 404);
  EXPECT_TRUE(absl::StrContains(gone.body, "message_not_found")) << gone.body;
  EXPECT_EQ(Call("DELETE", Path('a')).status, 404);
}

TEST_F(DerivedRelayHttpTest, OccupiedLocationIs409) {
  ASSERT_EQ(Call("PUT", Path('a'), "first").status, 201);
  HttpResponse second = Call("PUT", Path('a'), "second", "127.0.0.66");
  EXPECT_EQ(second.status, 409);
  EXPECT_TRUE(absl::StrContains(second.body, "location_occupied")) << second.body;
}

TEST_F(DerivedRelayHttpTest, NoEnumerationAndBadInput) {
  EXPECT_EQ(Call("GET", "/v1/d/").status, 404);
  EXPECT_EQ(Call("GET", "/v1/d").status, 404);
  EXPECT_EQ(Call("GET", "/").status, 404);
  HttpResponse bad = Call("GET", "/v1/d/not-a-location");
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(absl::StrContains(bad.body, "location")) << bad.body;
  HttpResponse post = Call("POST", Path('a'), "x");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.Header("Allow"), "GET, PUT, DELETE");
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
}

TEST_F(DerivedRelayHttpTest, RateLimitedAnswers429WithRetryAfter) {
  DerivedRelayLimits limits;
  limits.failed_lookups_per_window = 1;
  DerivedRelayService strict(&store_, &clock_, limits);
  HttpRequest req;
  req.method = "GET";
  req.path = Path('q');
  req.remote_addr = "127.0.0.66";
  HttpResponse first, second;
  HandleDerivedRequest(strict, req, first);
  HandleDerivedRequest(strict, req, second);
  EXPECT_EQ(first.status, 404);
  EXPECT_EQ(second.status, 429);
  EXPECT_FALSE(second.Header("Retry-After").empty());
}

// The face on a real socket: bounded transport, raw bytes.
TEST_F(DerivedRelayHttpTest, ServesOverLoopback) {
  BoundedHttpServerOptions options;
  options.port = 0;
  options.worker_threads = 2;
  absl::StatusOr<std::unique_ptr<DerivedRelayHttpServer>> server =
      DerivedRelayHttpServer::Bind(options);
  ASSERT_TRUE(server.ok()) << server.status();
  (*server)->Serve(&service_, nullptr);
  RawHttpClient client((*server)->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(
      absl::StrCat("PUT ", Path('b'), " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")));
  EXPECT_TRUE(absl::StartsWith(client.ReadResponse(), "HTTP/1.1 201")) << "PUT";
  ASSERT_TRUE(client.Send(absl::StrCat("GET ", Path('b'), " HTTP/1.1\r\nHost: x\r\n\r\n")));
  std::string got = client.ReadResponse();
  EXPECT_TRUE(absl::StartsWith(got, "HTTP/1.1 200")) << got;
  EXPECT_TRUE(absl::EndsWith(got, "\r\n\r\nabc")) << got;
  // Over the message limit: refused before the body is buffered.
  const size_t too_big = DerivedRelayLimits{}.max_message_bytes + 2;
  ASSERT_TRUE(client.Send(absl::StrCat(
      "PUT ", Path('c'), " HTTP/1.1\r\nHost: x\r\nContent-Length: ", too_big, "\r\n\r\n")));
  EXPECT_TRUE(absl::StartsWith(client.ReadResponse(), "HTTP/1.1 413"));
  (*server)->Stop();
}

}  // namespace
}  // namespace sct::relay::derived
