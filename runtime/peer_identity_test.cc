#include "runtime/peer_identity.h"

#include "gtest/gtest.h"

namespace sct {
namespace {

TEST(PeerIdentityTest, LoopbackPeers) {
  EXPECT_TRUE(IsLoopbackPeer("ipv4:127.0.0.1:4444"));
  EXPECT_TRUE(IsLoopbackPeer("ipv4:127.0.0.11:4444"));
  EXPECT_TRUE(IsLoopbackPeer("ipv6:[::1]:4444"));
  EXPECT_TRUE(IsLoopbackPeer("ipv6:%5B::1%5D:4444"));
  EXPECT_TRUE(IsLoopbackPeer("ipv6:[::ffff:127.0.0.1]:4444"));
  EXPECT_TRUE(IsLoopbackPeer("unix:/tmp/sock"));
  EXPECT_FALSE(IsLoopbackPeer("ipv4:10.0.0.5:4444"));
  EXPECT_FALSE(IsLoopbackPeer("ipv4:128.0.0.1:1"));
  EXPECT_FALSE(IsLoopbackPeer("ipv6:[2001:db8::1]:4444"));
  EXPECT_FALSE(IsLoopbackPeer(""));
}

TEST(PeerIdentityTest, NoAuthContextMeansNoName) {
  EXPECT_EQ(PeerCommonName(static_cast<const grpc::AuthContext*>(nullptr)), "");
  grpc::ServerContext context;  // not bound to a call: no auth context
  EXPECT_EQ(PeerCommonName(context), "");
}

}  // namespace
}  // namespace sct
