#include "relay/adapter_checks.h"

#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::relay {
namespace {

using ::testing::HasSubstr;

TEST(AdapterChecksTest, ClaimMissingIsUnauthenticatedMalformedIsInvalid) {
  absl::Status missing = CheckDeviceClaim("", "Mailbox-Device-Claim");
  EXPECT_EQ(missing.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ReasonOf(missing), kClaimMissing);
  absl::Status bad = CheckDeviceClaim("1234", "device_claim");
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.message(), HasSubstr("device_claim"));
  EXPECT_TRUE(CheckDeviceClaim("0f8fad5b-d9cb-469f-a165-70867728950e", "x").ok());
}

TEST(AdapterChecksTest, PayloadTypeAndLength) {
  EXPECT_TRUE(CheckPayload({kAeadAes128Gcm, std::string(28, 'x')}, "payload").ok());
  EXPECT_THAT(CheckPayload({kAeadAes256Gcm, std::string(27, 'x')}, "payload").message(),
              HasSubstr("payload.data"));
  EXPECT_THAT(CheckPayload({"AEAD_CHACHA20", std::string(40, 'x')}, "p").message(),
              HasSubstr("p.type"));
}

TEST(AdapterChecksTest, AccessRights) {
  for (const char* good : {"R", "W", "D", "RD", "DR", "RWD", "DWR"}) {
    EXPECT_TRUE(CheckAccessRights(good, "f").ok()) << good;
  }
  for (const char* bad : {"", "X", "RR", "rd", "RWDR", "R D"}) {
    EXPECT_FALSE(CheckAccessRights(bad, "f").ok()) << bad;
  }
}

TEST(AdapterChecksTest, WholeSecondsRoundsDown) {
  const absl::Time t = absl::FromUnixSeconds(1735689600);
  EXPECT_EQ(WholeSeconds(t + absl::Milliseconds(999)), t);
  EXPECT_EQ(WholeSeconds(t), t);
}

TEST(AdapterChecksTest, ClientAddressFromGrpcPeer) {
  EXPECT_EQ(ClientAddressFromGrpcPeer("ipv4:127.0.0.1:5555"), "127.0.0.1");
  EXPECT_EQ(ClientAddressFromGrpcPeer("ipv6:[::1]:5555"), "::1");
  EXPECT_EQ(ClientAddressFromGrpcPeer("ipv6:%5B::1%5D:5555"), "::1");
  EXPECT_EQ(ClientAddressFromGrpcPeer("unix:/tmp/s"), "unix:/tmp/s");
}

}  // namespace
}  // namespace sct::relay
