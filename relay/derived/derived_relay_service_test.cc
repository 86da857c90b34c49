#include "relay/derived/derived_relay_service.h"

#include <string>

#include "common/clock.h"
#include "common/derived_location.h"
#include "common/errors.h"
#include "gtest/gtest.h"
#include "relay/derived/memory_derived_store.h"

namespace sct::relay::derived {
namespace {

std::string Loc(char fill) { return *DerivedLocationText(std::string(32, fill)); }

class DerivedRelayServiceTest : public testing::Test {
 protected:
  DerivedRelayService Make(DerivedRelayLimits limits = {}) {
    return DerivedRelayService(&store_, &clock_, limits);
  }
  FakeClock clock_;
  MemoryDerivedStore store_;
};

TEST_F(DerivedRelayServiceTest, PutGetDelete) {
  DerivedRelayService service = Make();
  ASSERT_TRUE(service.Put(Loc('a'), "ciphertext", "127.0.0.11").ok());
  absl::StatusOr<std::string> got = service.Get(Loc('a'), "127.0.0.12");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "ciphertext");
  // GET does not remove: the draft's receiver deletes explicitly.
  EXPECT_TRUE(service.Get(Loc('a'), "127.0.0.12").ok());
  ASSERT_TRUE(service.Delete(Loc('a'), "127.0.0.12").ok());
  EXPECT_EQ(ReasonOf(service.Get(Loc('a'), "127.0.0.12").status()), "message_not_found");
}

TEST_F(DerivedRelayServiceTest, NobodyReplacesAStoredMessage) {
  DerivedRelayService service = Make();
  ASSERT_TRUE(service.Put(Loc('a'), "first", "127.0.0.11").ok());
  absl::Status racer = service.Put(Loc('a'), "second", "127.0.0.66");
  EXPECT_EQ(racer.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(racer), "location_occupied");
  EXPECT_EQ(*service.Get(Loc('a'), "x"), "first");
}

TEST_F(DerivedRelayServiceTest, BadLocationsNameTheField) {
  DerivedRelayService service = Make();
  for (const std::string& bad : {std::string("short"), std::string(43, '+'), Loc('a') + "x"}) {
    absl::Status s = service.Put(bad, "m", "c");
    EXPECT_EQ(ReasonOf(s), "invalid_field") << bad;
    EXPECT_NE(s.message().find("location"), absl::string_view::npos) << s;
    EXPECT_EQ(ReasonOf(service.Get(bad, "c").status()), "invalid_field");
    EXPECT_EQ(ReasonOf(service.Delete(bad, "c")), "invalid_field");
  }
}

TEST_F(DerivedRelayServiceTest, MessageLimits) {
  DerivedRelayLimits limits;
  limits.max_message_bytes = 8;
  DerivedRelayService service = Make(limits);
  EXPECT_EQ(ReasonOf(service.Put(Loc('a'), "", "c")), "invalid_field");
  absl::Status big = service.Put(Loc('a'), std::string(9, 'x'), "c");
  EXPECT_EQ(big.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(big), "payload_too_large");
  EXPECT_TRUE(service.Put(Loc('a'), std::string(8, 'x'), "c").ok());
}

TEST_F(DerivedRelayServiceTest, MessagesExpireAfterTheTtl) {
  DerivedRelayLimits limits;
  limits.ttl = absl::Minutes(10);
  DerivedRelayService service = Make(limits);
  ASSERT_TRUE(service.Put(Loc('a'), "m", "c").ok());
  clock_.Advance(absl::Minutes(10));
  EXPECT_EQ(ReasonOf(service.Get(Loc('a'), "c").status()), "message_not_found");
  EXPECT_EQ(*service.SweepExpired(), 1);
}

TEST_F(DerivedRelayServiceTest, LocationGuessingIsRateLimitedPerClient) {
  DerivedRelayLimits limits;
  limits.failed_lookups_per_window = 3;
  limits.rate_window = absl::Minutes(1);
  DerivedRelayService service = Make(limits);
  ASSERT_TRUE(service.Put(Loc('z'), "real", "127.0.0.11").ok());
  for (char c : {'a', 'b', 'c'}) {
    EXPECT_EQ(ReasonOf(service.Get(Loc(c), "127.0.0.66").status()), "message_not_found");
  }
  absl::Status limited = service.Get(Loc('z'), "127.0.0.66").status();
  EXPECT_EQ(limited.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(limited), "rate_limited");
  EXPECT_EQ(ReasonOf(service.Delete(Loc('z'), "127.0.0.66")), "rate_limited");
  // Another client is not affected, and the guesser recovers after the window.
  EXPECT_TRUE(service.Get(Loc('z'), "127.0.0.12").ok());
  clock_.Advance(absl::Minutes(1));
  EXPECT_TRUE(service.Get(Loc('z'), "127.0.0.66").ok());
}

// Proximity mode: only the devices in range reach a message; a device out
// of range learns nothing (not even whether the location is occupied).
TEST_F(DerivedRelayServiceTest, ProximityModeServesOnlyTheDevicesInRange) {
  DerivedRelayLimits limits;
  limits.in_range = {"127.0.0.11", "127.0.0.12"};
  DerivedRelayService service = Make(limits);
  ASSERT_TRUE(service.Put(Loc('a'), "ciphertext", "127.0.0.11").ok());
  for (const absl::Status& refused :
       {service.Get(Loc('a'), "127.0.0.13").status(), service.Delete(Loc('a'), "127.0.0.13"),
        service.Put(Loc('b'), "m", "127.0.0.13"), service.Get("bad", "127.0.0.13").status()}) {
    EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
    EXPECT_EQ(ReasonOf(refused), "peer_out_of_range") << refused;
  }
  EXPECT_EQ(*service.Get(Loc('a'), "127.0.0.12"), "ciphertext");
  EXPECT_TRUE(service.Delete(Loc('a'), "127.0.0.12").ok());
}

TEST(DerivedRelayLimitsTest, CheckNamesTheLimit) {
  DerivedRelayLimits limits;
  EXPECT_TRUE(CheckLimits(limits).ok());
  limits.ttl = absl::ZeroDuration();
  EXPECT_NE(CheckLimits(limits).message().find("ttl"), absl::string_view::npos);
  limits = {};
  limits.max_message_bytes = 0;
  EXPECT_NE(CheckLimits(limits).message().find("max_message_bytes"), absl::string_view::npos);
  limits = {};
  limits.in_range = {"127.0.0.11", "bob-phone"};
  EXPECT_NE(CheckLimits(limits).message().find("in_range"), absl::string_view::npos);
  EXPECT_NE(CheckLimits(limits).message().find("bob-phone"), absl::string_view::npos);
}

}  // namespace
}  // namespace sct::relay::derived
