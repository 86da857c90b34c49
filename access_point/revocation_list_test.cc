#include "access_point/revocation_list.h"

#include "access_point/fake_authority.h"
#include "common/clock.h"
#include "common/errors.h"
#include "gtest/gtest.h"

namespace sct::access_point {
namespace {

class RevocationListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ca = FakeAuthority::Create("ca", clock_.Now());
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = std::make_unique<FakeAuthority>(*std::move(ca));
    list_ =
        std::make_unique<RevocationList>("ca", ca_->key().PublicKey(), clock_);
  }
  credential_authority::v1::SignedRevocationList List(
      uint64_t v, std::vector<std::string> ids) {
    auto l =
        ca_->SignList(v, ids, clock_.Now(), clock_.Now() + absl::Minutes(5));
    EXPECT_TRUE(l.ok());
    return *l;
  }
  FakeClock clock_;
  std::unique_ptr<FakeAuthority> ca_;
  std::unique_ptr<RevocationList> list_;
};

TEST_F(RevocationListTest, StartsEmptyAndStale) {
  EXPECT_EQ(list_->version(), 0u);
  EXPECT_TRUE(list_->IsStale());
  EXPECT_FALSE(list_->IsRevoked("c1", ""));
}

TEST_F(RevocationListTest, AcceptsSignedSnapshotAndAnswersMembership) {
  ASSERT_TRUE(list_->ApplySnapshot(List(3, {"c1", "c2"})).ok());
  EXPECT_EQ(list_->version(), 3u);
  EXPECT_TRUE(list_->IsRevoked("c1", ""));
  EXPECT_TRUE(list_->IsRevoked("c2", "s"));
  EXPECT_FALSE(list_->IsRevoked("c3", ""));
  EXPECT_FALSE(list_->IsStale());
  clock_.Advance(absl::Minutes(6));
  EXPECT_TRUE(list_->IsStale());
}

TEST_F(RevocationListTest, RejectsRollbackToAnOlderVersion) {
  auto old_list = List(4, {});
  ASSERT_TRUE(list_->ApplySnapshot(List(5, {"c1"})).ok());
  absl::Status s = list_->ApplySnapshot(old_list);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(s), "revocation_rollback");
  EXPECT_EQ(list_->version(), 5u);
  EXPECT_TRUE(list_->IsRevoked("c1", ""));  // the rollback un-revoked nothing
}

TEST_F(RevocationListTest, RejectsForgedOrTamperedList) {
  auto other = FakeAuthority::Create("ca", clock_.Now());
  ASSERT_TRUE(other.ok());
  auto forged = other->SignList(9, {}, clock_.Now(), clock_.Now());
  ASSERT_TRUE(forged.ok());
  absl::Status s = list_->ApplySnapshot(*forged);
  EXPECT_EQ(ReasonOf(s), "bad_revocation_signature");
  auto good = List(2, {"c1"});
  good.mutable_body()->back() ^= 1;
  EXPECT_EQ(ReasonOf(list_->ApplySnapshot(good)), "bad_revocation_signature");
  EXPECT_EQ(list_->version(), 0u);
}

TEST_F(RevocationListTest, RejectsAnotherAuthority) {
  auto other = FakeAuthority::Create("other-ca", clock_.Now());
  ASSERT_TRUE(other.ok());
  RevocationList l("ca", other->key().PublicKey(), clock_);
  auto list = other->SignList(1, {}, clock_.Now(), clock_.Now());
  EXPECT_EQ(ReasonOf(l.ApplySnapshot(*list)), "wrong_authority");
}

TEST_F(RevocationListTest, AppliesDeltasInOrderOnly) {
  ASSERT_TRUE(list_->ApplySnapshot(List(1, {})).ok());
  auto d12 = ca_->SignDelta(1, 2, {"c1"}, clock_.Now());
  auto d34 = ca_->SignDelta(3, 4, {"c3"}, clock_.Now());
  ASSERT_TRUE(d12.ok() && d34.ok());
  EXPECT_EQ(ReasonOf(list_->ApplyDelta(*d34)), "revocation_version_gap");
  ASSERT_TRUE(list_->ApplyDelta(*d12).ok());
  EXPECT_EQ(list_->version(), 2u);
  EXPECT_TRUE(list_->IsRevoked("c1", ""));
  EXPECT_TRUE(list_->ApplyDelta(*d12).ok());  // redelivery is harmless
  EXPECT_EQ(list_->version(), 2u);
}

}  // namespace
}  // namespace sct::access_point
