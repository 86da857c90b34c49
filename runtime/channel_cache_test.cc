#include "runtime/channel_cache.h"

#include <chrono>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "runtime/grpc_server.h"
#include "runtime/health.grpc.pb.h"

namespace sct {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

std::shared_ptr<grpc::Channel> Plain(const std::string& target) {
  return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
}

// One health check without wait-for-ready: fails fast when the channel
// cannot connect.
grpc::Status Check(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  HealthCheckResponse response;
  return Health::NewStub(channel)->Check(&context, HealthCheckRequest(), &response);
}

std::unique_ptr<GrpcServer> Serve(const std::string& address) {
  GrpcServerOptions options;
  options.address = address;
  absl::StatusOr<std::unique_ptr<GrpcServer>> server = GrpcServer::Start(options);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

TEST(ChannelCacheTest, ReusesTheChannelOfATarget) {
  ChannelCache cache(Plain);
  std::shared_ptr<grpc::Channel> a = cache.Get("127.0.0.1:1");
  EXPECT_EQ(cache.Get("127.0.0.1:1"), a);
  EXPECT_NE(cache.Get("127.0.0.1:2"), a);
  EXPECT_EQ(cache.made(), 2u);
}

TEST(ChannelCacheTest, OneConnectionServesManyCalls) {
  std::unique_ptr<GrpcServer> server = Serve("127.0.0.1:0");
  ASSERT_NE(server, nullptr);
  ChannelCache cache(Plain);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Check(cache.Get(server->address())).ok());
  EXPECT_EQ(cache.made(), 1u);
  EXPECT_EQ(cache.Get(server->address())->GetState(false), GRPC_CHANNEL_READY);
}

TEST(ChannelCacheTest, KeptChannelWorksAfterThePeerRestarts) {
  std::unique_ptr<GrpcServer> server = Serve("127.0.0.1:0");
  ASSERT_NE(server, nullptr);
  const std::string address = server->address();
  ChannelCache cache(Plain);
  std::shared_ptr<grpc::Channel> channel = cache.Get(address);
  ASSERT_TRUE(Check(channel).ok());
  server->Shutdown(absl::ZeroDuration());
  server.reset();
  // The client sees the connection go (a bound on the wait, not a timing
  // assumption: the loopback close arrives at once).
  channel->WaitForStateChange(GRPC_CHANNEL_READY,
                              std::chrono::system_clock::now() + std::chrono::seconds(20));
  channel.reset();
  server = Serve(address);
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(Check(cache.Get(address)).ok());
}

TEST(ChannelCacheTest, AFailedChannelIsReplacedSoTheNextCallConnectsAtOnce) {
  std::string address;
  {
    std::unique_ptr<GrpcServer> probe = Serve("127.0.0.1:0");
    ASSERT_NE(probe, nullptr);
    address = probe->address();  // a port with nobody listening once it is gone
  }
  ChannelCache cache(Plain);
  std::shared_ptr<grpc::Channel> failed = cache.Get(address);
  EXPECT_EQ(Check(failed).error_code(), grpc::StatusCode::UNAVAILABLE);
  std::unique_ptr<GrpcServer> server = Serve(address);
  ASSERT_NE(server, nullptr);
  // The failed channel would fail fast until its reconnect backoff ends; the
  // cache hands out a fresh one, which connects now.
  std::shared_ptr<grpc::Channel> next = cache.Get(address);
  EXPECT_NE(next, failed);
  EXPECT_TRUE(Check(next).ok());
  EXPECT_EQ(cache.made(), 2u);
}

TEST(ChannelCacheTest, KeepsAtMostMaxTargetsDroppingTheLeastRecentlyUsed) {
  ChannelCache cache(Plain, 2);
  std::shared_ptr<grpc::Channel> a = cache.Get("127.0.0.1:1");
  std::shared_ptr<grpc::Channel> b = cache.Get("127.0.0.1:2");
  EXPECT_EQ(cache.Get("127.0.0.1:1"), a);  // a is now the most recent
  cache.Get("127.0.0.1:3");                // drops b
  EXPECT_EQ(cache.Get("127.0.0.1:1"), a);
  EXPECT_NE(cache.Get("127.0.0.1:2"), b);
  EXPECT_EQ(cache.made(), 4u);
}

TEST(ChannelCacheTest, ANullChannelIsNotKept) {
  int calls = 0;
  ChannelCache cache([&calls](const std::string&) {
    ++calls;
    return std::shared_ptr<grpc::Channel>();
  });
  EXPECT_EQ(cache.Get("x"), nullptr);
  EXPECT_EQ(cache.Get("x"), nullptr);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(cache.made(), 0u);
}

}  // namespace
}  // namespace sct
