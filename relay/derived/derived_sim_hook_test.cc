#include "relay/derived/derived_sim_hook.h"

#include <set>
#include <string>

#include "common/clock.h"
#include "gtest/gtest.h"
#include "sim/sim_state.h"

namespace sct::relay::derived {
namespace {

namespace cv1 = ::common::v1;

// The derived relay (and, under direct-transfer, the proximity link) records
// the caller's address together with the location and the body, so that the
// linkability audit can tell who used which location.
TEST(DerivedSimHookTest, RecordsClientAddressWithLocationAndCiphertext) {
  FakeClock clock;
  sim::SimOptions options;
  options.actor_id = "proximity";
  options.base_clock = &clock;
  sim::SimState state(options);
  const std::string key(32, 'k');
  ASSERT_TRUE(state.recorder().SetAuditKey(key).ok());
  const std::string location(43, 'L');
  HttpRequest req;
  req.method = "PUT";
  req.path = "/v1/d/" + location;
  req.remote_addr = "::ffff:127.0.0.11";
  req.body = "sealed-message-0";
  HttpResponse res;
  res.status = 201;
  RecordDerivedExchange(&state, req, res);

  const std::string where = "HTTP PUT /v1/d/{location}";
  auto fingerprint = [&](const std::string& value) {
    return *sim::Recorder::Fingerprint(key, value);
  };
  auto has = [&](cv1::KnowledgeItem item, const std::string& value) {
    for (const auto& o : state.recorder().Observations()) {
      if (o.item() == item && o.fingerprint() == fingerprint(value) && o.where() == where) {
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(has(cv1::CLIENT_ADDRESS, "127.0.0.11"));
  EXPECT_TRUE(has(cv1::MAILBOX_ID, location));
  EXPECT_TRUE(has(cv1::CIPHERTEXT, "sealed-message-0"));
  const auto together = state.recorder().CoObservations();
  ASSERT_EQ(together.size(), 1u);
  EXPECT_EQ(together[0].where(), where);
  std::set<std::string> fps(together[0].fingerprints().begin(), together[0].fingerprints().end());
  EXPECT_EQ(fps.count(fingerprint("127.0.0.11")), 1u);
  EXPECT_EQ(fps.count(fingerprint(location)), 1u);
}

}  // namespace
}  // namespace sct::relay::derived
