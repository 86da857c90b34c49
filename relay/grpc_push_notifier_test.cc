#include "relay/grpc_push_notifier.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/oem/v1/oem.grpc.pb.h"
#include "relay/fake_oem_push_endpoint.h"

namespace sct::relay {
namespace {

using ::testing::HasSubstr;

TEST(ParsePushRoutesTest, AcceptsRepeatedAndCommaLists) {
  auto routes = ParsePushRoutes({"oem-a=127.0.0.1:7001,oem-b=localhost:7002", "oem-c=[::1]:7003"});
  ASSERT_TRUE(routes.ok()) << routes.status();
  EXPECT_EQ(routes->size(), 3u);
  EXPECT_EQ(routes->at("oem-a"), "127.0.0.1:7001");
  EXPECT_EQ(routes->at("oem-c"), "[::1]:7003");
  EXPECT_TRUE(ParsePushRoutes({})->empty());
}

TEST(ParsePushRoutesTest, RejectsBadEntriesNamingTheFlag) {
  for (const char* bad : {"noequals", "=127.0.0.1:1", "a=127.0.0.1", "a=host:99999",
                          "a=127.0.0.1:1,a=127.0.0.1:2", "a=127.0.0.1:0"}) {
    SCOPED_TRACE(bad);
    auto routes = ParsePushRoutes({bad});
    ASSERT_FALSE(routes.ok());
    EXPECT_EQ(routes.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(routes.status().message(), HasSubstr("--push_route"));
  }
}

// The outcomes `done` received, in order.
class Outcomes {
 public:
  PushNotifier::Done Callback() {
    return [this](absl::Status s) {
      absl::MutexLock lock(&mu_);
      statuses_.push_back(std::move(s));
    };
  }
  std::vector<absl::Status> statuses() {
    absl::MutexLock lock(&mu_);
    return statuses_;
  }

 private:
  absl::Mutex mu_;
  std::vector<absl::Status> statuses_ ABSL_GUARDED_BY(mu_);
};

class GrpcPushNotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&oem_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override {
    oem_.Release();
    server_->Shutdown();
  }
  std::unique_ptr<GrpcPushNotifier> Notifier(int max_in_flight) {
    GrpcPushNotifier::StubMap stubs;
    stubs.emplace("oem-a", ::oem::v1::Oem::NewStub(server_->InProcessChannel({})));
    return std::make_unique<GrpcPushNotifier>(std::move(stubs), absl::Seconds(30),
                                              max_in_flight);
  }

  FakeOemPushEndpoint oem_;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(GrpcPushNotifierTest, SendsOnlyTokenAndMailboxId) {
  auto notifier = Notifier(GrpcPushNotifier::kDefaultMaxInFlight);
  EXPECT_TRUE(notifier->Supports("oem-a"));
  EXPECT_FALSE(notifier->Supports("oem-b"));
  Outcomes outcomes;
  notifier->Notify({"oem-a", "opaque"}, "mailbox-1", outcomes.Callback());
  notifier->Drain();
  ASSERT_EQ(outcomes.statuses().size(), 1u);
  EXPECT_TRUE(outcomes.statuses()[0].ok()) << outcomes.statuses()[0];
  const std::vector<::oem::v1::NotifyRequest> all = oem_.seen();
  ASSERT_EQ(all.size(), 1u);
  const ::oem::v1::NotifyRequest& seen = all[0];
  EXPECT_EQ(seen.token_type(), "oem-a");
  EXPECT_EQ(seen.token_data(), "opaque");
  EXPECT_EQ(seen.mailbox_id(), "mailbox-1");
}

TEST_F(GrpcPushNotifierTest, ErrorsComeBackAsStatuses) {
  auto notifier = Notifier(GrpcPushNotifier::kDefaultMaxInFlight);
  Outcomes outcomes;
  oem_.AnswerWith(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"));
  notifier->Notify({"oem-a", "t"}, "m", outcomes.Callback());
  notifier->Drain();
  oem_.AnswerWith(grpc::Status::OK, /*accept=*/false);
  notifier->Notify({"oem-a", "t"}, "m", outcomes.Callback());
  notifier->Drain();
  notifier->Notify({"oem-x", "t"}, "m", outcomes.Callback());  // answered before returning
  std::vector<absl::Status> s = outcomes.statuses();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(s[1]), "push_not_accepted");
  EXPECT_EQ(s[2].code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(s[2]), "no_push_route");
}

// A mailbox operation never waits for the OEM: Notify returns while the OEM
// still holds the push (a synchronous notifier would never return here).
TEST_F(GrpcPushNotifierTest, NotifyReturnsBeforeTheOemAnswers) {
  auto notifier = Notifier(GrpcPushNotifier::kDefaultMaxInFlight);
  Outcomes outcomes;
  oem_.Hold();
  notifier->Notify({"oem-a", "t"}, "m", outcomes.Callback());
  oem_.AwaitCalls(1);
  EXPECT_TRUE(outcomes.statuses().empty());
  oem_.Release();
  notifier->Drain();
  ASSERT_EQ(outcomes.statuses().size(), 1u);
  EXPECT_TRUE(outcomes.statuses()[0].ok());
}

// A dead or slow OEM costs bounded memory: beyond max_in_flight pushes under
// way, a push is refused at once with push_backlog.
TEST_F(GrpcPushNotifierTest, PushesBeyondTheBacklogAreRefusedAtOnce) {
  auto notifier = Notifier(2);
  Outcomes outcomes;
  oem_.Hold();
  notifier->Notify({"oem-a", "t"}, "m1", outcomes.Callback());
  notifier->Notify({"oem-a", "t"}, "m2", outcomes.Callback());
  oem_.AwaitCalls(2);
  notifier->Notify({"oem-a", "t"}, "m3", outcomes.Callback());
  std::vector<absl::Status> early = outcomes.statuses();
  ASSERT_EQ(early.size(), 1u);
  EXPECT_EQ(early[0].code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(early[0]), "push_backlog");
  oem_.Release();
  notifier->Drain();
  EXPECT_EQ(outcomes.statuses().size(), 3u);
  EXPECT_EQ(oem_.seen().size(), 2u);
  // Room again once they are done.
  notifier->Notify({"oem-a", "t"}, "m4", outcomes.Callback());
  notifier->Drain();
  EXPECT_TRUE(outcomes.statuses().back().ok());
}

}  // namespace
}  // namespace sct::relay
