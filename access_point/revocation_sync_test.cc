#include "access_point/revocation_sync.h"

#include <atomic>

#include "absl/synchronization/notification.h"
#include "access_point/fake_authority.h"
#include "common/clock.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "grpcpp/test/mock_stream.h"
#include "gtest/gtest.h"
#include "proto/credential_authority/v1/credential_authority_mock.grpc.pb.h"

namespace sct::access_point {
namespace {

namespace cav1 = ::credential_authority::v1;
using ::grpc::testing::MockClientReader;
using ::testing::_;
using ::testing::DoAll;
using ::testing::Invoke;
using ::testing::Return;
using ::testing::SetArgPointee;

class RevocationSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ca = FakeAuthority::Create("ca", clock_.Now());
    ASSERT_TRUE(ca.ok());
    ca_ = std::make_unique<FakeAuthority>(*std::move(ca));
    list_ =
        std::make_unique<RevocationList>("ca", ca_->key().PublicKey(), clock_);
    options_.access_point_id = "car-1";
    options_.initial_backoff = absl::Milliseconds(1);
    options_.max_backoff = absl::Milliseconds(4);
  }
  cav1::SignedRevocationList List(uint64_t v, std::vector<std::string> ids) {
    return *ca_->SignList(v, ids, clock_.Now(), clock_.Now() + absl::Hours(1));
  }
  // A GetRevocationList answer: checks that the lock (car-1) says it holds
  // `known`, then answers `*resp`.
  static auto AnswerPoll(uint64_t known, const cav1::GetRevocationListResponse* resp) {
    return Invoke([known, resp](grpc::ClientContext*, const cav1::GetRevocationListRequest& req,
                                cav1::GetRevocationListResponse* out) {
      EXPECT_EQ(req.access_point_id(), "car-1");
      EXPECT_EQ(req.known_version(), known);
      *out = *resp;
      return grpc::Status::OK;
    });
  }
  FakeClock clock_;
  std::unique_ptr<FakeAuthority> ca_;
  std::unique_ptr<RevocationList> list_;
  cav1::MockCredentialAuthorityStub stub_;
  RevocationSyncOptions options_;
};

TEST_F(RevocationSyncTest, PollAppliesNewListAndSendsKnownVersion) {
  cav1::GetRevocationListResponse first;
  *first.mutable_list() = List(2, {"c1"});
  first.set_version(2);
  cav1::GetRevocationListResponse second;
  second.set_not_modified(true);
  second.set_version(2);
  EXPECT_CALL(stub_, GetRevocationList(_, _, _))
      .WillOnce(AnswerPoll(0, &first))
      .WillOnce(AnswerPoll(2, &second));
  PollingRevocationSync sync(&stub_, list_.get(), options_);
  ASSERT_TRUE(sync.SyncNow().ok());
  EXPECT_TRUE(list_->IsRevoked("c1", ""));
  ASSERT_TRUE(sync.SyncNow().ok());
  EXPECT_EQ(list_->version(), 2u);
}

// A polling lock that holds a version gets only what came after it (a signed
// delta): it denies the newly revoked, keeps what it had, and its freshness
// follows the delta's next_update exactly as a snapshot's would.
TEST_F(RevocationSyncTest, PollAppliesDeltaFromHeldVersionAndStaysFresh) {
  ASSERT_TRUE(list_->ApplySnapshot(List(2, {"c1"})).ok());
  clock_.Advance(absl::Minutes(50));
  cav1::GetRevocationListResponse delta;
  *delta.mutable_delta() =
      *ca_->SignDelta(2, 3, {"c3"}, clock_.Now(), clock_.Now() + absl::Hours(1));
  delta.set_version(3);
  EXPECT_CALL(stub_, GetRevocationList(_, _, _))
      .WillOnce(AnswerPoll(2, &delta));
  PollingRevocationSync sync(&stub_, list_.get(), options_);
  ASSERT_TRUE(sync.SyncNow().ok());
  EXPECT_EQ(list_->version(), 3u);
  EXPECT_TRUE(list_->IsRevoked("c3", ""));
  EXPECT_TRUE(list_->IsRevoked("c1", ""));
  // Past the first list's next_update (60 min), within the delta's.
  clock_.Advance(absl::Minutes(30));
  EXPECT_FALSE(list_->IsStale());
  EXPECT_EQ(list_->next_update(), clock_.Now() + absl::Minutes(30));
}

// A delta that does not start at the held version (the list moved meanwhile)
// is not applied: the lock asks again from version 0 and takes the full list.
TEST_F(RevocationSyncTest, PollDeltaGapPullsTheFullList) {
  ASSERT_TRUE(list_->ApplySnapshot(List(2, {"c1"})).ok());
  cav1::GetRevocationListResponse gap;
  *gap.mutable_delta() = *ca_->SignDelta(4, 5, {"c5"}, clock_.Now());
  cav1::GetRevocationListResponse full;
  *full.mutable_list() = List(5, {"c1", "c4", "c5"});
  EXPECT_CALL(stub_, GetRevocationList(_, _, _))
      .WillOnce(AnswerPoll(2, &gap))
      .WillOnce(AnswerPoll(0, &full));
  PollingRevocationSync sync(&stub_, list_.get(), options_);
  ASSERT_TRUE(sync.SyncNow().ok());
  EXPECT_EQ(list_->version(), 5u);
  EXPECT_TRUE(list_->IsRevoked("c4", ""));
  EXPECT_TRUE(list_->IsRevoked("c5", ""));
}

TEST_F(RevocationSyncTest, PollRejectsRollbackFromTheAuthorityChannel) {
  ASSERT_TRUE(list_->ApplySnapshot(List(5, {"c1"})).ok());
  cav1::GetRevocationListResponse old;
  *old.mutable_list() = List(3, {});
  EXPECT_CALL(stub_, GetRevocationList(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(old), Return(grpc::Status::OK)));
  PollingRevocationSync sync(&stub_, list_.get(), options_);
  EXPECT_EQ(ReasonOf(sync.SyncNow()), "revocation_rollback");
  EXPECT_TRUE(list_->IsRevoked("c1", ""));
  EXPECT_EQ(sync.failures(), 1u);
}

TEST_F(RevocationSyncTest, PollOutageIsAuthorityUnavailable) {
  EXPECT_CALL(stub_, GetRevocationList(_, _, _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down")));
  PollingRevocationSync sync(&stub_, list_.get(), options_);
  absl::Status s = sync.SyncNow();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(s), "authority_unavailable");
}

TEST_F(RevocationSyncTest, PollLoopRunsUntilStopped) {
  std::atomic<int> calls{0};
  absl::Notification third;
  cav1::GetRevocationListResponse nm;
  nm.set_not_modified(true);
  EXPECT_CALL(stub_, GetRevocationList(_, _, _))
      .WillRepeatedly(Invoke([&](grpc::ClientContext*,
                                 const cav1::GetRevocationListRequest&,
                                 cav1::GetRevocationListResponse* resp) {
        *resp = nm;
        if (++calls == 3) third.Notify();
        return grpc::Status::OK;
      }));
  options_.interval = absl::Milliseconds(1);
  PollingRevocationSync sync(&stub_, list_.get(), options_);
  sync.Start();
  ASSERT_TRUE(third.WaitForNotificationWithTimeout(absl::Seconds(30)));
  sync.Stop();
  int after_stop = calls.load();
  EXPECT_GE(after_stop, 3);
  EXPECT_EQ(calls.load(), after_stop);  // nothing runs after Stop returns
}

TEST_F(RevocationSyncTest, WatchAppliesStreamAndReconnectsFromHeldVersion) {
  cav1::RevocationUpdate snap;
  *snap.mutable_snapshot() = List(1, {});
  cav1::RevocationUpdate delta;
  *delta.mutable_delta() = *ca_->SignDelta(1, 2, {"c9"}, clock_.Now());
  cav1::RevocationUpdate beat;
  beat.set_heartbeat_version(2);

  auto* first = new MockClientReader<cav1::RevocationUpdate>();
  EXPECT_CALL(*first, Read(_))
      .WillOnce(DoAll(SetArgPointee<0>(snap), Return(true)))
      .WillOnce(DoAll(SetArgPointee<0>(delta), Return(true)))
      .WillOnce(DoAll(SetArgPointee<0>(beat), Return(true)))
      .WillOnce(Return(false));
  EXPECT_CALL(*first, Finish())
      .WillOnce(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "reset")));

  absl::Notification reconnected;
  std::atomic<int> opens{0};
  EXPECT_CALL(stub_, WatchRevocationsRaw(_, _))
      .WillRepeatedly(Invoke(
          [&](grpc::ClientContext*, const cav1::WatchRevocationsRequest& req)
              -> grpc::ClientReaderInterface<cav1::RevocationUpdate>* {
            int n = ++opens;
            EXPECT_EQ(req.access_point_id(), "car-1");
            if (n == 1) {
              EXPECT_EQ(req.from_version(), 0u);
              return first;
            }
            EXPECT_EQ(req.from_version(), 2u);  // resumes, not from scratch
            if (n == 2) reconnected.Notify();
            auto* empty = new MockClientReader<cav1::RevocationUpdate>();
            EXPECT_CALL(*empty, Read(_)).WillOnce(Return(false));
            EXPECT_CALL(*empty, Finish())
                .WillOnce(
                    Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "")));
            return empty;
          }));
  WatchRevocationSync sync(&stub_, list_.get(), options_);
  sync.Start();
  ASSERT_TRUE(reconnected.WaitForNotificationWithTimeout(absl::Seconds(30)));
  sync.Stop();
  EXPECT_EQ(list_->version(), 2u);
  EXPECT_TRUE(list_->IsRevoked("c9", ""));
  EXPECT_GE(sync.failures(), 1u);
}

TEST_F(RevocationSyncTest, WatchGapTriggersFullPull) {
  cav1::RevocationUpdate gap;
  *gap.mutable_delta() = *ca_->SignDelta(7, 8, {"c8"}, clock_.Now());
  cav1::GetRevocationListResponse full;
  *full.mutable_list() = List(8, {"c8", "c7"});
  absl::Notification pulled;
  EXPECT_CALL(stub_, GetRevocationList(_, _, _))
      .WillOnce(Invoke([&](grpc::ClientContext*,
                           const cav1::GetRevocationListRequest&,
                           cav1::GetRevocationListResponse* resp) {
        *resp = full;
        pulled.Notify();
        return grpc::Status::OK;
      }));
  std::atomic<int> opens{0};
  EXPECT_CALL(stub_, WatchRevocationsRaw(_, _))
      .WillRepeatedly(
          Invoke([&](grpc::ClientContext*, const cav1::WatchRevocationsRequest&)
                     -> grpc::ClientReaderInterface<cav1::RevocationUpdate>* {
            auto* r = new MockClientReader<cav1::RevocationUpdate>();
            if (++opens == 1) {
              EXPECT_CALL(*r, Read(_))
                  .WillOnce(DoAll(SetArgPointee<0>(gap), Return(true)));
            } else {
              EXPECT_CALL(*r, Read(_)).WillOnce(Return(false));
            }
            EXPECT_CALL(*r, Finish())
                .WillOnce(
                    Return(grpc::Status(grpc::StatusCode::CANCELLED, "")));
            return r;
          }));
  WatchRevocationSync sync(&stub_, list_.get(), options_);
  sync.Start();
  ASSERT_TRUE(pulled.WaitForNotificationWithTimeout(absl::Seconds(30)));
  sync.Stop();
  EXPECT_EQ(list_->version(), 8u);
  EXPECT_TRUE(list_->IsRevoked("c7", ""));
}

}  // namespace
}  // namespace sct::access_point
