// Extreme validity windows across the real ca_server and access_point
// binaries (a polling lock, hotel-style symmetric keys): the authority refuses a timestamp outside
// 0001-9999 with INVALID_ARGUMENT "invalid_field" naming the field, so that no
// credential valid for billions of years is ever issued; and a hotel key
// valid up to the last second of 9999 is granted, revoked, and then denied by
// the polling lock (its revocation is in every full snapshot).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "common/proto_time.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/integration/ca_ap_ecosystem.h"

namespace sct::integration {
namespace {

namespace apv1 = ::access_point::v1;

std::string Runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/sct_lab/" + path;
}

::common::v1::ValidityWindow Window(int64_t not_before_seconds, int64_t not_after_seconds) {
  ::common::v1::ValidityWindow w;
  w.mutable_not_before()->set_seconds(not_before_seconds);
  w.mutable_not_after()->set_seconds(not_after_seconds);
  return w;
}

class ValidityRangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EcosystemOptions o;
    o.ca_binary = Runfile("credential_authority/ca_server");
    o.ap_binary = Runfile("access_point/access_point");
    o.work_dir = std::string(std::getenv("TEST_TMPDIR")) + "/validity";
    o.revocation_mode = "poll";
    o.poll_interval = absl::Milliseconds(200);
    auto e = Ecosystem::Start(o);
    ASSERT_TRUE(e.ok()) << e.status();
    eco_ = *std::move(e);
  }

  // Pulls the key grants now instead of waiting for the next poll.
  void Refresh() {
    grpc::ClientContext ctx;
    apv1::RefreshResponse r;
    ASSERT_TRUE(eco_->ap().Refresh(&ctx, {}, &r).ok());
  }

  std::unique_ptr<Ecosystem> eco_;
};

// 2^58 s + 60 s past now: in microseconds this is past int64's range, the
// value that once wrapped to "now + 60 s" at the authority.
TEST_F(ValidityRangeTest, HotelKeyPastYear9999IsRefusedNamingTheField) {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  const int64_t far = now + (int64_t{1} << 58) + 60;
  auto key = eco_->BootstrapOwner(::common::v1::SYMMETRIC, {"unlock"}, Window(now - 60, far));
  ASSERT_FALSE(key.ok()) << "a key valid for billions of years was issued";
  EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument) << key.status();
  EXPECT_TRUE(absl::StrContains(key.status().message(), "validity.not_after")) << key.status();
  EXPECT_TRUE(absl::StrContains(key.status().message(), "invalid_field")) << key.status();

  auto early = eco_->BootstrapOwner(::common::v1::SYMMETRIC, {"unlock"},
                                    Window(-(int64_t{1} << 58), now + 3600));
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(early.status().message(), "validity.not_before")) << early.status();
}

TEST_F(ValidityRangeTest, RevokedHotelKeyValidUntil9999IsDeniedByAPollingLock) {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  const int64_t last = absl::ToUnixSeconds(MaxProtoTime());
  auto key = eco_->BootstrapOwner(::common::v1::SYMMETRIC, {"unlock"}, Window(now - 60, last));
  ASSERT_TRUE(key.ok()) << key.status();
  Refresh();
  auto granted = eco_->Authenticate(*key, "unlock");
  ASSERT_TRUE(granted.ok()) << granted.status();
  EXPECT_EQ(granted->reason(), apv1::GRANTED) << granted->detail();

  auto version = eco_->RevokeCredential(key->credential_id);
  ASSERT_TRUE(version.ok()) << version.status();
  ASSERT_TRUE(eco_->WaitForApVersion(*version, absl::Seconds(30)).ok());
  auto denied = eco_->Authenticate(*key, "unlock");
  ASSERT_TRUE(denied.ok()) << denied.status();
  EXPECT_EQ(denied->reason(), apv1::DENIED_REVOKED) << denied->detail();
}

}  // namespace
}  // namespace sct::integration
