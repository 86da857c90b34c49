#include "ohttp_gateway/gateway_service.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "common/bhttp.h"
#include "common/errors.h"
#include "crypto/ohttp.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ohttp_gateway/gateway_http.h"
#include "relay/http_message.h"
#include "runtime/http_forwarder.h"

namespace sct::ohttp_gateway {
namespace {

using ::testing::HasSubstr;

// Records what reaches the target and answers a fixed response.
class FakeTarget : public HttpForwarder {
 public:
  absl::StatusOr<ForwardResponse> Send(const ForwardRequest& request) override {
    seen.push_back(request);
    if (!fail.ok()) return fail;
    return answer;
  }
  std::vector<ForwardRequest> seen;
  ForwardResponse answer{
      201, {{"Content-Type", "application/json"}, {"Connection", "close"}}, "{\"urlLink\":\"x\"}"};
  absl::Status fail;
};

class GatewayServiceTest : public ::testing::Test {
 protected:
  GatewayServiceTest()
      : keys_(*crypto::ohttp::Gateway::Generate(3)), config_(keys_.keys()[0].config) {
    GatewayOptions options;
    options.target_authority = "127.0.0.1:8443";
    service_ = std::make_unique<GatewayService>(*crypto::ohttp::Gateway::Create(keys_.keys()),
                                                &target_, options);
  }

  bhttp::Request Inner() {
    bhttp::Request r;
    r.method = "POST";
    r.scheme = "https";
    r.authority = "127.0.0.1:8443";
    r.path = "/v1/m";
    r.headers = {{"mailbox-device-claim", "claim"}, {"host", "evil"}, {"content-length", "9"}};
    r.content = "{\"a\":1}";
    return r;
  }

  // Seals `inner`, runs the gateway, opens the answer.
  absl::StatusOr<bhttp::Response> RoundTrip(const bhttp::Request& inner,
                                            GatewayObservation* observed = nullptr) {
    absl::StatusOr<crypto::ohttp::EncapsulatedRequest> enc =
        crypto::ohttp::EncapsulateRequest(config_, *bhttp::EncodeRequest(inner));
    if (!enc.ok()) return enc.status();
    GatewayAnswer answer = service_->Handle(enc->bytes, observed);
    EXPECT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(answer.content_type, "message/ohttp-res");
    absl::StatusOr<std::string> plain = enc->context.DecapsulateResponse(answer.body);
    if (!plain.ok()) return plain.status();
    return bhttp::DecodeResponse(*plain);
  }

  crypto::ohttp::Gateway keys_;
  crypto::ohttp::KeyConfig config_;
  FakeTarget target_;
  std::unique_ptr<GatewayService> service_;
};

TEST_F(GatewayServiceTest, ForwardsTheInnerRequestAndSealsTheAnswer) {
  GatewayObservation observed;
  absl::StatusOr<bhttp::Response> r = RoundTrip(Inner(), &observed);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->content, "{\"urlLink\":\"x\"}");
  EXPECT_THAT(r->headers, ::testing::ElementsAre(bhttp::Field{"content-type", "application/json"}));
  ASSERT_EQ(target_.seen.size(), 1u);
  const ForwardRequest& sent = target_.seen[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.path, "/v1/m");
  EXPECT_EQ(sent.body, "{\"a\":1}");
  // Host and framing fields are the hop's own, never the client's.
  EXPECT_THAT(sent.headers, ::testing::ElementsAre(std::make_pair(
                                std::string("mailbox-device-claim"), std::string("claim"))));
  EXPECT_EQ(observed.inner_request.method, "POST");
  EXPECT_EQ(observed.inner_request.path, "/v1/m");
  EXPECT_EQ(observed.inner_request.body, "{\"a\":1}");
  EXPECT_TRUE(observed.inner_request.remote_addr.empty());
  EXPECT_EQ(observed.inner_response.status, 201);
}

TEST_F(GatewayServiceTest, RefusesAnotherAuthorityInsideTheSealedAnswer) {
  bhttp::Request inner = Inner();
  inner.authority = "169.254.169.254:80";
  absl::StatusOr<bhttp::Response> r = RoundTrip(inner);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 401);
  EXPECT_THAT(r->content, HasSubstr("ohttp_target_refused"));
  EXPECT_TRUE(target_.seen.empty());
}

TEST_F(GatewayServiceTest, AnUnreachableTargetIsA503InsideTheSealedAnswer) {
  target_.fail = MakeError(absl::StatusCode::kUnavailable, "upstream_unavailable", "down");
  absl::StatusOr<bhttp::Response> r = RoundTrip(Inner());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 503);
  EXPECT_THAT(r->content, HasSubstr("upstream_unavailable"));
}

TEST_F(GatewayServiceTest, MalformedInnerRequestIsA400InsideTheSealedAnswer) {
  absl::StatusOr<crypto::ohttp::EncapsulatedRequest> enc =
      crypto::ohttp::EncapsulateRequest(config_, "not bhttp");
  ASSERT_TRUE(enc.ok());
  GatewayAnswer answer = service_->Handle(enc->bytes, nullptr);
  ASSERT_EQ(answer.status, 200);
  absl::StatusOr<bhttp::Response> r =
      bhttp::DecodeResponse(*enc->context.DecapsulateResponse(answer.body));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 400);
  EXPECT_THAT(r->content, HasSubstr("bhttp"));
  EXPECT_TRUE(target_.seen.empty());
}

TEST_F(GatewayServiceTest, UnknownKeyIsTheRfcProblemTypeAndGarbageA400) {
  absl::StatusOr<crypto::ohttp::Gateway> other = crypto::ohttp::Gateway::Generate(9);
  absl::StatusOr<crypto::ohttp::EncapsulatedRequest> enc =
      crypto::ohttp::EncapsulateRequest(other->keys()[0].config, "x");
  GatewayAnswer answer = service_->Handle(enc->bytes, nullptr);
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.content_type, "application/problem+json");
  EXPECT_THAT(answer.body, HasSubstr("http-problem-types#ohttp-key"));
  absl::StatusOr<crypto::ohttp::EncapsulatedRequest> tampered =
      crypto::ohttp::EncapsulateRequest(config_, "x");
  tampered->bytes.back() ^= 1;
  answer = service_->Handle(tampered->bytes, nullptr);
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.content_type, "application/json");
  EXPECT_TRUE(target_.seen.empty());
}

TEST_F(GatewayServiceTest, HttpFaceRoutesKeysAndChecksMethodAndMediaType) {
  relay::HttpRequest get;
  get.method = "GET";
  get.path = kKeysPath;
  relay::HttpResponse res;
  HandleGatewayHttp(*service_, get, res, nullptr);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.Header("Content-Type"), "application/ohttp-keys");
  absl::StatusOr<std::vector<crypto::ohttp::KeyConfig>> configs =
      crypto::ohttp::ParseKeyConfigList(res.body);
  ASSERT_TRUE(configs.ok()) << configs.status();
  EXPECT_EQ((*configs)[0].public_key, config_.public_key);

  relay::HttpRequest post;
  post.method = "POST";
  post.path = kGatewayPath;
  post.headers = {{"Content-Type", "application/json"}};
  res = relay::HttpResponse();
  HandleGatewayHttp(*service_, post, res, nullptr);
  EXPECT_EQ(res.status, 415);
  post.method = "PUT";
  res = relay::HttpResponse();
  HandleGatewayHttp(*service_, post, res, nullptr);
  EXPECT_EQ(res.status, 405);
  post.path = "/v1/m";
  res = relay::HttpResponse();
  HandleGatewayHttp(*service_, post, res, nullptr);
  EXPECT_EQ(res.status, 404);
}

}  // namespace
}  // namespace sct::ohttp_gateway
