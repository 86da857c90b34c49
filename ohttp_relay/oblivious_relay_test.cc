#include "ohttp_relay/oblivious_relay.h"

#include <string>
#include <vector>

#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ohttp_relay/relay_http.h"
#include "relay/http_message.h"
#include "runtime/http_forwarder.h"

namespace sct::ohttp_relay {
namespace {

class FakeGateway : public HttpForwarder {
 public:
  absl::StatusOr<ForwardResponse> Send(const ForwardRequest& request) override {
    seen.push_back(request);
    if (!fail.ok()) return fail;
    return ForwardResponse{200, {{"Content-Type", "message/ohttp-res"}}, "sealed"};
  }
  std::vector<ForwardRequest> seen;
  absl::Status fail;
};

relay::HttpRequest Post(const std::string& from) {
  relay::HttpRequest r;
  r.method = "POST";
  r.path = kRelayPath;
  r.remote_addr = from;
  r.headers = {{"Content-Type", "message/ohttp-req"},
               {"Cookie", "who=alice"},
               {"User-Agent", "alice-phone"},
               {"X-Forwarded-For", "10.0.0.1"}};
  r.body = "opaque";
  return r;
}

TEST(ObliviousRelayTest, ForwardsOnlyTheBodyAndTheMediaType) {
  FakeGateway gateway;
  FakeClock clock;
  ObliviousRelay relay(&gateway, &clock, {});
  relay::HttpResponse res;
  HandleRelayHttp(relay, Post("127.0.0.11"), res);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "sealed");
  EXPECT_EQ(res.Header("Content-Type"), "message/ohttp-res");
  ASSERT_EQ(gateway.seen.size(), 1u);
  EXPECT_EQ(gateway.seen[0].body, "opaque");
  // Nothing of the client: no address, cookie, user agent or forwarded-for.
  EXPECT_THAT(gateway.seen[0].headers,
              ::testing::ElementsAre(
                  std::make_pair(std::string("Content-Type"), std::string("message/ohttp-req"))));
}

TEST(ObliviousRelayTest, BudgetsEachClientAddressSeparately) {
  FakeGateway gateway;
  FakeClock clock;
  ObliviousRelayOptions options;
  options.requests_per_window = 2;
  options.window = absl::Minutes(1);
  ObliviousRelay relay(&gateway, &clock, options);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(relay.Handle("127.0.0.66", "x").status, 200);
  RelayAnswer limited = relay.Handle("127.0.0.66", "x");
  EXPECT_EQ(limited.status, 429);
  EXPECT_FALSE(limited.retry_after.empty());
  // Another client is not throttled by the first one's guessing.
  EXPECT_EQ(relay.Handle("127.0.0.11", "x").status, 200);
  clock.Advance(absl::Minutes(1));
  EXPECT_EQ(relay.Handle("127.0.0.66", "x").status, 200);
  EXPECT_EQ(gateway.seen.size(), 4u);
}

TEST(ObliviousRelayTest, UnreachableGatewayIs502AndBadRequestsAreRefused) {
  FakeGateway gateway;
  FakeClock clock;
  ObliviousRelay relay(&gateway, &clock, {});
  gateway.fail = absl::UnavailableError("down");
  EXPECT_EQ(relay.Handle("127.0.0.11", "x").status, 502);
  relay::HttpRequest wrong_type = Post("127.0.0.11");
  wrong_type.headers = {{"Content-Type", "application/json"}};
  relay::HttpResponse res;
  HandleRelayHttp(relay, wrong_type, res);
  EXPECT_EQ(res.status, 415);
  relay::HttpRequest get = Post("127.0.0.11");
  get.method = "GET";
  res = relay::HttpResponse();
  HandleRelayHttp(relay, get, res);
  EXPECT_EQ(res.status, 405);
  relay::HttpRequest other = Post("127.0.0.11");
  other.path = "/v1/m";
  res = relay::HttpResponse();
  HandleRelayHttp(relay, other, res);
  EXPECT_EQ(res.status, 404);
}

}  // namespace
}  // namespace sct::ohttp_relay
