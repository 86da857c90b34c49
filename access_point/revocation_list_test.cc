#include "access_point/revocation_list.h"

#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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

// A list the authority re-signs at the same version (nothing was revoked
// since) carries a later next_update: the list must follow it.
TEST_F(RevocationListTest, ResignedSnapshotOfTheHeldVersionExtendsFreshness) {
  ASSERT_TRUE(list_->ApplySnapshot(List(3, {"c1"})).ok());
  for (int i = 0; i < 30; ++i) {
    clock_.Advance(absl::Minutes(1));
    ASSERT_TRUE(list_->ApplySnapshot(List(3, {"c1"})).ok());
    ASSERT_FALSE(list_->IsStale()) << "after " << i + 1 << " minutes";
  }
  EXPECT_EQ(list_->next_update(), clock_.Now() + absl::Minutes(5));
  EXPECT_TRUE(list_->IsRevoked("c1", ""));
  clock_.Advance(absl::Minutes(6));
  EXPECT_TRUE(list_->IsStale());
}

// Heartbeats and not-modified answers at the held version keep the list
// fresh by one list lifetime (next_update - issued_at) each; silence, or a
// heartbeat for another version, does not.
TEST_F(RevocationListTest, HeartbeatAtTheHeldVersionExtendsFreshnessByOneLifetime) {
  ASSERT_TRUE(list_->ApplySnapshot(List(3, {})).ok());
  for (int i = 0; i < 30; ++i) {
    clock_.Advance(absl::Minutes(1));
    list_->NoteHeartbeat(3);
    ASSERT_FALSE(list_->IsStale()) << "after " << i + 1 << " minutes";
  }
  EXPECT_EQ(list_->next_update(), clock_.Now() + absl::Minutes(5));
  list_->NoteHeartbeat(4);  // a newer version is a gap, not a confirmation
  list_->NoteHeartbeat(2);
  clock_.Advance(absl::Minutes(5) + absl::Seconds(1));
  EXPECT_TRUE(list_->IsStale());
}

TEST_F(RevocationListTest, ReplayedOlderSignatureOfTheHeldVersionDoesNotShortenFreshness) {
  auto early = List(3, {});
  clock_.Advance(absl::Minutes(4));
  ASSERT_TRUE(list_->ApplySnapshot(List(3, {})).ok());
  ASSERT_TRUE(list_->ApplySnapshot(early).ok());
  EXPECT_EQ(list_->next_update(), clock_.Now() + absl::Minutes(5));
}

TEST_F(RevocationListTest, HeartbeatBeforeAnyListKeepsItStale) {
  list_->NoteHeartbeat(0);
  EXPECT_TRUE(list_->IsStale());
}

// A signed body whose times lie outside 0001-9999 is refused, naming the field.
TEST_F(RevocationListTest, RejectsTimesOutsideTheTimestampRange) {
  for (const char* field : {"next_update", "issued_at"}) {
    credential_authority::v1::RevocationListBody body;
    body.set_authority_id("ca");
    body.set_version(1);
    body.mutable_issued_at()->set_seconds(absl::ToUnixSeconds(clock_.Now()));
    body.mutable_next_update()->set_seconds(absl::ToUnixSeconds(clock_.Now()) + 300);
    auto* bad = std::string(field) == "next_update" ? body.mutable_next_update()
                                                    : body.mutable_issued_at();
    bad->set_seconds((int64_t{1} << 58) + absl::ToUnixSeconds(clock_.Now()));
    credential_authority::v1::SignedRevocationList list;
    list.set_body(body.SerializeAsString());
    auto sig = ca_->key().Sign(absl::StrCat(kRevocationListContext, list.body()),
                               crypto::SignatureEncoding::kDer);
    ASSERT_TRUE(sig.ok());
    list.set_signature(*sig);
    absl::Status s = list_->ApplySnapshot(list);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_EQ(ReasonOf(s), "invalid_field");
    EXPECT_TRUE(absl::StrContains(s.message(), field)) << s;
    EXPECT_EQ(list_->version(), 0u);
  }
}

}  // namespace
}  // namespace sct::access_point
