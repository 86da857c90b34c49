// DeviceAgent's AcceptLink from an inbox (`source: inbox`): the channel's
// inboxes keep every message, so the device reads from the newest end in
// growing windows (device_agent_accept.cc, LinkFromRequestLocked). Against
// the fake channel server, which pages like the real one.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "device/device_agent.h"
#include "device/device_agent_fixture.h"
#include "device/fake_services.h"
#include "gtest/gtest.h"

namespace sct::device {
namespace {

namespace dv = ::device::v1;
namespace cv = ::common::v1;

class DeviceAgentInboxTest : public testing::DeviceAgentTest {
 protected:
  using Device = testing::Device;
  // `count` SMS messages without a link into +15550002's inbox.
  void Fill(int count, const std::string& body) {
    for (int i = 0; i < count; ++i) {
      ::channel::v1::SendRequest filler;
      filler.set_kind(cv::SMS);
      filler.set_from("+15550009");
      filler.set_to("+15550002");
      filler.set_body(absl::StrCat(body, i));
      ::channel::v1::SendResponse sent;
      grpc::ClientContext ctx;
      ASSERT_TRUE(channel_.Send(&ctx, filler, &sent).ok());
    }
  }
};

// An inbox keeps every message; on an ecosystem reused for many runs it holds
// all earlier runs' messages. Accepting from it reads from the newest end:
// the answers carry a bounded number of messages, not the whole inbox.
TEST_F(DeviceAgentInboxTest, AcceptFromABusyInboxReadsOnlyItsNewestMessages) {
  Device alice = MakeDevice("+15550001");
  Device bob = MakeDevice("+15550002");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  ASSERT_NO_FATAL_FAILURE(Fill(200, "an earlier run's message "));
  auto share = alice.agent->ShareCredential(ShareReq(cred, "+15550002"));
  ASSERT_TRUE(share.ok()) << share.status();
  const int before = channel_.MessagesReceived();

  auto accepted = bob.agent->AcceptLink(FromInbox("+15550002"));
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->mailbox_id(), share->mailbox_id());
  EXPECT_LE(channel_.MessagesReceived() - before, 16);
}

// An inbox without any link is read to its first message (in growing
// windows) and answered with no_link_in_inbox, every message seen once.
TEST_F(DeviceAgentInboxTest, AcceptFromAnInboxWithoutALinkReadsItAllOnce) {
  Device bob = MakeDevice("+15550002");
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  ASSERT_NO_FATAL_FAILURE(Fill(100, "no link here "));
  const int before = channel_.MessagesReceived();
  auto accepted = bob.agent->AcceptLink(FromInbox("+15550002"));
  ASSERT_FALSE(accepted.ok());
  EXPECT_EQ(ReasonOf(accepted.status()), "no_link_in_inbox");
  EXPECT_EQ(channel_.MessagesReceived() - before, 101);  // the probe's one, then all 100
}

// The link is still found when newer messages than a read window follow it.
TEST_F(DeviceAgentInboxTest, AcceptFromInboxFindsALinkBehindManyNewerMessages) {
  Device alice = MakeDevice("+15550001");
  Device bob = MakeDevice("+15550002");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  auto share = alice.agent->ShareCredential(ShareReq(cred, "+15550002"));
  ASSERT_TRUE(share.ok()) << share.status();
  ASSERT_NO_FATAL_FAILURE(Fill(30, "a later message "));
  auto accepted = bob.agent->AcceptLink(FromInbox("+15550002"));
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->mailbox_id(), share->mailbox_id());
  EXPECT_EQ(accepted->outcome(), dv::ACCEPT_PROVISIONED);
}

}  // namespace
}  // namespace sct::device
