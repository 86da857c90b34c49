#include "relay/sim_http_hook.h"

#include "common/clock.h"
#include "sim/sim_state.h"
#include "gtest/gtest.h"

namespace sct::relay {

using sim::SimOptions;
using sim::Recorder;
using sim::SimState;
namespace {

namespace cv1 = ::common::v1;

TEST(HttpHookTest, RpcNameHidesMailboxId) {
  EXPECT_EQ(HttpRpcName("POST", "/v1/m/0f8e2c1a-aaaa-4bbb-8ccc-123456789abc"),
            "HTTP POST /v1/m/{id}");
  EXPECT_EQ(HttpRpcName("POST", "/v1/m"), "HTTP POST /v1/m");
  EXPECT_EQ(HttpRpcName("GET", "/v1/m/"), "HTTP GET /v1/m/");
  EXPECT_EQ(HttpRpcName("GET", "/healthz"), "HTTP GET /healthz");
}

TEST(HttpHookTest, StatusNames) {
  EXPECT_EQ(HttpStatusCodeName(200), "OK");
  EXPECT_EQ(HttpStatusCodeName(201), "OK");
  EXPECT_EQ(HttpStatusCodeName(400), "INVALID_ARGUMENT");
  EXPECT_EQ(HttpStatusCodeName(401), "UNAUTHENTICATED");
  EXPECT_EQ(HttpStatusCodeName(404), "NOT_FOUND");
  EXPECT_EQ(HttpStatusCodeName(429), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(HttpStatusCodeName(503), "UNAVAILABLE");
  EXPECT_EQ(HttpStatusCodeName(500), "INTERNAL");
}

TEST(HttpHookTest, RecordsExchangeAndObservations) {
  FakeClock clock;
  SimOptions options;
  options.actor_id = "relay";
  options.base_clock = &clock;
  SimState state(options);
  const std::string key(32, 'a');
  ASSERT_TRUE(state.recorder().SetAuditKey(key).ok());
  HttpRequest req;
  req.method = "PUT";
  req.path = "/v1/m/mbx-7";
  req.headers.emplace_back("sct-actor", "alice");
  req.headers.emplace_back("sct-step", "s2");
  req.headers.emplace_back("Mailbox-Device-Claim", "claim-9");
  req.body = R"({"payload":{"type":"AEAD_AES_128_GCM","data":"QUJD/w=="},)"
             R"("notificationToken":{"type":"oem-a","tokenData":"push-tok"}})";
  HttpResponse res;
  res.status = 401;
  res.body = R"({"error":{"code":"wrong_claim","message":"no"}})";
  RecordHttpExchange(&state, req, res);

  auto trace = state.recorder().Trace(0);
  ASSERT_EQ(trace.size(), 1u);
  EXPECT_EQ(trace[0].from(), "alice");
  EXPECT_TRUE(trace[0].actor_self_declared());  // no client certificate backs the header
  EXPECT_EQ(trace[0].to(), "relay");
  EXPECT_EQ(trace[0].rpc(), "HTTP PUT /v1/m/{id}");
  EXPECT_EQ(trace[0].status_code(), "UNAUTHENTICATED");
  EXPECT_EQ(trace[0].reason(), "wrong_claim");
  EXPECT_EQ(trace[0].step_id(), "s2");

  auto has = [&](cv1::KnowledgeItem item, const std::string& value) {
    const std::string fp = *Recorder::Fingerprint(key, value);
    for (const auto& o : state.recorder().Observations()) {
      if (o.item() == item && o.fingerprint() == fp && o.where() == "HTTP PUT /v1/m/{id}") {
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(has(cv1::MAILBOX_ID, "mbx-7"));
  EXPECT_TRUE(has(cv1::KNOWLEDGE_ITEM_UNSPECIFIED, "claim-9"));
  EXPECT_TRUE(has(cv1::CIPHERTEXT, "QUJD/w=="));
  EXPECT_TRUE(has(cv1::PUSH_TOKEN, "push-tok"));
  EXPECT_FALSE(has(cv1::KNOWLEDGE_ITEM_UNSPECIFIED, "QUJD"));  // ciphertext not tokenized
}

}  // namespace
}  // namespace sct::relay
