#include "relay/grpc_push_notifier.h"

#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/oem/v1/oem_mock.grpc.pb.h"

namespace sct::relay {
namespace {

using ::testing::_;
using ::testing::DoAll;
using ::testing::HasSubstr;
using ::testing::Return;
using ::testing::SaveArg;
using ::testing::SetArgPointee;

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

TEST(GrpcPushNotifierTest, SendsOnlyTokenAndMailboxId) {
  auto stub = std::make_unique<::oem::v1::MockOemStub>();
  ::oem::v1::NotifyRequest seen;
  ::oem::v1::NotifyResponse accepted;
  accepted.set_accepted(true);
  EXPECT_CALL(*stub, Notify(_, _, _))
      .WillOnce(DoAll(SaveArg<1>(&seen), SetArgPointee<2>(accepted), Return(grpc::Status::OK)));
  GrpcPushNotifier::StubMap stubs;
  stubs.emplace("oem-a", std::move(stub));
  GrpcPushNotifier notifier(std::move(stubs));
  EXPECT_TRUE(notifier.Supports("oem-a"));
  EXPECT_FALSE(notifier.Supports("oem-b"));
  ASSERT_TRUE(notifier.Notify({"oem-a", "opaque"}, "mailbox-1").ok());
  EXPECT_EQ(seen.token_type(), "oem-a");
  EXPECT_EQ(seen.token_data(), "opaque");
  EXPECT_EQ(seen.mailbox_id(), "mailbox-1");
}

TEST(GrpcPushNotifierTest, ErrorsComeBackAsStatuses) {
  auto stub = std::make_unique<::oem::v1::MockOemStub>();
  EXPECT_CALL(*stub, Notify(_, _, _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down")));
  GrpcPushNotifier::StubMap stubs;
  stubs.emplace("oem-a", std::move(stub));
  GrpcPushNotifier notifier(std::move(stubs));
  EXPECT_EQ(notifier.Notify({"oem-a", "t"}, "m").code(), absl::StatusCode::kUnavailable);
  absl::Status unrouted = notifier.Notify({"oem-x", "t"}, "m");
  EXPECT_EQ(unrouted.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(unrouted), "no_push_route");
}

}  // namespace
}  // namespace sct::relay
