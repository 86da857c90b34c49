// Tests of the client helpers that do not need a server.
#include <set>
#include <string>

#include "common/uuid.h"
#include "gtest/gtest.h"
#include "relay/loadgen/cycle_data.h"
#include "relay/loadgen/relay_grpc_client.h"

namespace sct::relay::loadgen {
namespace {

TEST(MailboxIdFromUrlLinkTest, TakesTheSegmentAfterV1M) {
  EXPECT_EQ(MailboxIdFromUrlLink("https://relay.example/v1/m/1b4e28ba-2fa1-41d2-883f-0016d3cca427"),
            "1b4e28ba-2fa1-41d2-883f-0016d3cca427");
  EXPECT_EQ(MailboxIdFromUrlLink("http://127.0.0.1:8080/base/v1/m/abc?v=a#secret"), "abc");
  EXPECT_EQ(MailboxIdFromUrlLink("http://127.0.0.1/v1/m/abc/extra"), "abc");
}

TEST(MailboxIdFromUrlLinkTest, EmptyWhenThereIsNoId) {
  EXPECT_EQ(MailboxIdFromUrlLink(""), "");
  EXPECT_EQ(MailboxIdFromUrlLink("http://127.0.0.1/v2/x/abc"), "");
  EXPECT_EQ(MailboxIdFromUrlLink("http://127.0.0.1/v1/m/"), "");
}

TEST(CycleDataTest, FreshClaimsAndPayloadsOfTheRequestedSizeEveryCycle) {
  CycleData d(1024, 7);
  std::set<std::string> claims, payloads;
  for (int i = 0; i < 20; ++i) {
    d.NewCycle();
    EXPECT_TRUE(IsValidUuid(d.sender_claim(), /*require_v4=*/true));
    EXPECT_TRUE(IsValidUuid(d.receiver_claim(), /*require_v4=*/true));
    EXPECT_NE(d.sender_claim(), d.receiver_claim());
    EXPECT_EQ(d.share_payload().size(), 1024u);
    EXPECT_EQ(d.reply_payload().size(), 1024u);
    EXPECT_NE(d.share_payload(), d.reply_payload());
    claims.insert(d.sender_claim());
    claims.insert(d.receiver_claim());
    payloads.insert(d.share_payload());
  }
  EXPECT_EQ(claims.size(), 40u);
  EXPECT_EQ(payloads.size(), 20u);
}

TEST(CycleDataTest, PayloadIsNeverSmallerThanIvPlusTag) {
  CycleData d(3, 1);
  d.NewCycle();
  EXPECT_EQ(d.share_payload().size(), kMinPayloadBytes);
}

}  // namespace
}  // namespace sct::relay::loadgen
