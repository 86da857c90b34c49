#include "oem_server/challenges.h"

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/errors.h"
#include "gtest/gtest.h"

namespace sct::oem {
namespace {

class ChallengesTest : public ::testing::Test {
 protected:
  std::unique_ptr<Challenges> Make(ChallengeOptions options = {}) {
    return Challenges::Create(clock_, options).value();
  }
  FakeClock clock_;
};

TEST_F(ChallengesTest, IssuedNonceIsAcceptedOnceAndCarriesItsExpiry) {
  auto c = Make();
  Challenges::Issued issued = c->Issue().value();
  EXPECT_EQ(issued.nonce.size(), Challenges::kNonceSize);
  EXPECT_EQ(issued.expires_at, clock_.Now() + absl::Minutes(5));
  EXPECT_TRUE(c->Consume(issued.nonce, "nonce").ok());
  absl::Status again = c->Consume(issued.nonce, "nonce");
  EXPECT_EQ(again.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(again), "unknown_challenge");
}

TEST_F(ChallengesTest, ForgedTamperedAndForeignNoncesAreRefused) {
  auto c = Make();
  auto other = Make();  // another server key
  EXPECT_EQ(ReasonOf(c->Consume(std::string(32, 'x'), "nonce")), "unknown_challenge");
  std::string nonce = c->Issue().value().nonce;
  for (size_t i : {0u, 8u, 16u, 31u}) {
    std::string tampered = nonce;
    tampered[i] ^= 1;
    EXPECT_EQ(ReasonOf(c->Consume(tampered, "nonce")), "unknown_challenge") << "byte " << i;
  }
  EXPECT_EQ(ReasonOf(other->Consume(nonce, "nonce")), "unknown_challenge");
  EXPECT_TRUE(c->Consume(nonce, "nonce").ok());
}

TEST_F(ChallengesTest, WrongLengthNamesTheField) {
  auto c = Make();
  absl::Status s = c->Consume("short", "attest.nonce");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(s), "invalid_field");
  EXPECT_NE(s.message().find("attest.nonce"), absl::string_view::npos);
}

TEST_F(ChallengesTest, ExpiredAndFutureNoncesAreRefused) {
  auto c = Make();
  std::string nonce = c->Issue().value().nonce;
  clock_.Advance(absl::Minutes(5));
  EXPECT_EQ(ReasonOf(c->Consume(nonce, "nonce")), "unknown_challenge");
  // Issued, then the clock moves back by more than the lifetime.
  std::string future = c->Issue().value().nonce;
  clock_.Advance(-absl::Minutes(6));
  EXPECT_EQ(ReasonOf(c->Consume(future, "nonce")), "unknown_challenge");
}

TEST_F(ChallengesTest, IssuingStoresNothing) {
  auto c = Make();
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(c->Issue().ok());
  EXPECT_EQ(c->used_size(), 0u);
  EXPECT_EQ(c->entries_visited(), 0u);
}

TEST_F(ChallengesTest, SeenSetExpiresByTimeWithBoundedWorkPerCall) {
  ChallengeOptions options;
  options.sweep_batch = 4;
  auto c = Make(options);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(c->Consume(c->Issue().value().nonce, "nonce").ok());
  EXPECT_EQ(c->used_size(), 20u);
  clock_.Advance(absl::Minutes(5));
  uint64_t before = c->entries_visited();
  ASSERT_TRUE(c->Consume(c->Issue().value().nonce, "nonce").ok());
  EXPECT_LE(c->entries_visited() - before, 5u);  // sweep_batch + the lookup
  EXPECT_EQ(c->used_size(), 17u);                // 4 expired erased, 1 added
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(c->Consume(c->Issue().value().nonce, "nonce").ok());
  EXPECT_EQ(c->used_size(), 5u);  // only the unexpired ones remain
}

TEST_F(ChallengesTest, FullSeenSetRefusesUntilEntriesExpire) {
  ChallengeOptions options;
  options.max_used = 3;
  auto c = Make(options);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c->Consume(c->Issue().value().nonce, "nonce").ok());
  std::string nonce = c->Issue().value().nonce;
  absl::Status full = c->Consume(nonce, "nonce");
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(full), "too_many_challenges");
  clock_.Advance(absl::Minutes(5));
  EXPECT_TRUE(c->Consume(c->Issue().value().nonce, "nonce").ok());
}

}  // namespace
}  // namespace sct::oem
