#include "runtime/source_address.h"

#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "runtime/grpc_server.h"
#include "runtime/testdata/echo.grpc.pb.h"

namespace sct {
namespace {

using sct::common::testdata::Echo;
using sct::common::testdata::EchoMessage;

// Answers with the caller's address as the server saw it.
class PeerEcho final : public Echo::Service {
 public:
  grpc::Status Echo(grpc::ServerContext* ctx, const EchoMessage*, EchoMessage* resp) override {
    resp->set_text(ctx->peer());
    return grpc::Status::OK;
  }
};

std::string PeerSeenBy(const std::string& server_address, const grpc::ChannelArguments& args) {
  auto stub = Echo::NewStub(
      grpc::CreateCustomChannel(server_address, grpc::InsecureChannelCredentials(), args));
  grpc::ClientContext ctx;
  EchoMessage req, resp;
  grpc::Status s = stub->Echo(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp.text();
}

TEST(SourceAddressTest, LoopbackLiteralsOnly) {
  EXPECT_TRUE(IsLoopbackIpv4("127.0.0.11"));
  EXPECT_TRUE(IsLoopbackIpv4("127.255.0.1"));
  EXPECT_FALSE(IsLoopbackIpv4("128.0.0.1"));
  EXPECT_FALSE(IsLoopbackIpv4("localhost"));
  EXPECT_FALSE(IsLoopbackIpv4("::1"));
  EXPECT_FALSE(IsLoopbackIpv4(""));
}

TEST(SourceAddressTest, SetRejectsNonLoopbackAndAppliesToLoopbackTargetsOnly) {
  EXPECT_FALSE(SetSourceAddress("10.0.0.1").ok());
  EXPECT_FALSE(SetSourceAddress("relay.example").ok());
  ASSERT_TRUE(SetSourceAddress("127.0.0.11").ok());
  EXPECT_EQ(SourceAddressFor("127.0.0.2"), "127.0.0.11");
  EXPECT_EQ(SourceAddressFor("relay.example"), "");
  EXPECT_EQ(SourceAddressFor("192.0.2.1"), "");
  ASSERT_TRUE(SetSourceAddress("").ok());
  EXPECT_EQ(SourceAddressFor("127.0.0.2"), "");
}

TEST(SourceAddressTest, TargetHostOfGrpcTargets) {
  EXPECT_EQ(TargetHost("127.0.0.2:4433"), "127.0.0.2");
  EXPECT_EQ(TargetHost("ipv4:127.0.0.2:4433"), "127.0.0.2");
  EXPECT_EQ(TargetHost("dns:///localhost:50051"), "localhost");
  EXPECT_EQ(TargetHost("[::1]:80"), "::1");
  EXPECT_EQ(TargetHost("relay.example"), "relay.example");
}

TEST(SourceAddressTest, ChannelConnectsFromTheBoundAddress) {
  PeerEcho service;
  GrpcServerOptions options;
  options.address = "127.0.0.2:0";
  options.services = {&service};
  auto server = GrpcServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();

  EXPECT_NE(PeerSeenBy((*server)->address(), {}).find("127.0.0.1:"), std::string::npos);

  grpc::ChannelArguments bound;
  BindClientConnections("127.0.0.11", &bound);
  EXPECT_NE(PeerSeenBy((*server)->address(), bound).find("127.0.0.11:"), std::string::npos);

  // A second address gives a distinct connection (the mutators compare unequal).
  grpc::ChannelArguments other;
  BindClientConnections("127.0.0.12", &other);
  EXPECT_NE(PeerSeenBy((*server)->address(), other).find("127.0.0.12:"), std::string::npos);
}

}  // namespace
}  // namespace sct
