#include "gtest/gtest.h"
#include "sim/server_side.h"

namespace sct::sim {
namespace {

namespace cv1 = ::common::v1;

TEST(ServerSideTest, KindsAndInfrastructure) {
  EXPECT_EQ(KindOf("oem.v1.Oem/Notify"), cv1::PUSH);
  EXPECT_EQ(KindOf("/oem.v1.Oem/SubscribeNotifications"), cv1::PUSH);
  EXPECT_EQ(KindOf("oem.v1.Oem/EnrolDevice"), cv1::TRACE_KIND_UNSPECIFIED);
  EXPECT_EQ(KindOf("channel.v1.Channel/Send"), cv1::CHANNEL);
  EXPECT_EQ(KindOf("relay.v1.Relay/CreateMailbox"), cv1::TRACE_KIND_UNSPECIFIED);
  EXPECT_TRUE(IsInfrastructureRpc("/grpc.health.v1.Health/Check"));
  EXPECT_TRUE(IsInfrastructureRpc("/common.v1.Audit/GetTrace"));
  EXPECT_TRUE(IsInfrastructureRpc("common.v1.SimControl/SetClock"));
  EXPECT_TRUE(IsInfrastructureRpc("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"));
  EXPECT_FALSE(IsInfrastructureRpc("/relay.v1.Relay/CreateMailbox"));
}

}  // namespace
}  // namespace sct::sim
