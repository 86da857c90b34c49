// A relay that cannot push (isPushNotificationSupported false in its create
// and update answers): the device polls the exchange at the initial interval
// without backing off and says so once per exchange with
// EVENT_RELAY_PUSH_UNSUPPORTED.
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "device/device_agent.h"
#include "device/device_agent_fixture.h"
#include "device/fake_services.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::device {
namespace {

using testing::Device;
using testing::DeviceAgentTest;
namespace dv = ::device::v1;
namespace cv = ::common::v1;

std::vector<dv::DeviceEvent> PushUnsupportedEvents(DeviceAgent& agent) {
  std::vector<dv::DeviceEvent> out;
  for (const dv::DeviceEvent& e : agent.EventsAfter(0, "")) {
    if (e.kind() == dv::EVENT_RELAY_PUSH_UNSUPPORTED) out.push_back(e);
  }
  return out;
}

// The gaps between the next `n` polls of `agent` (each poll finds nothing).
std::vector<absl::Duration> PollGaps(DeviceAgent& agent, FakeClock& clock, int n) {
  std::vector<absl::Duration> gaps;
  absl::Time last = clock.Now();
  for (int i = 0; i < n; ++i) {
    const absl::Time next = agent.NextPollAt();
    gaps.push_back(next - last);
    clock.Set(next);
    EXPECT_EQ(agent.Tick(), 1) << "step " << i;
    last = next;
  }
  return gaps;
}

using PushFallbackTest = DeviceAgentTest;

TEST_F(PushFallbackTest, WithoutRelayPushTheDevicePollsWithoutBackoffAndSaysSoOnce) {
  relay_.set_push_supported(false);
  Device alice = MakeDevice("+15550001");
  Device bob = MakeDevice("+15550002");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  auto req = ShareReq(cred, "+15550002");
  req.set_multi_round(true);
  req.set_auto_answer(true);
  auto share = alice.agent->ShareCredential(req);
  ASSERT_TRUE(share.ok()) << share.status();

  const auto events = PushUnsupportedEvents(*alice.agent);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].reason(), "relay_push_unsupported");
  EXPECT_EQ(events[0].mailbox_id(), share->mailbox_id());
  EXPECT_EQ(events[0].relay_host(), "relay.test");
  EXPECT_THAT(PollGaps(*alice.agent, clock_, 5),
              ::testing::Each(absl::Seconds(2)));  // poll_initial, never doubled
  EXPECT_EQ(PushUnsupportedEvents(*alice.agent).size(), 1u);

  // The receiver's key-signing request (an update) hears the same: it polls
  // for the answer and the exchange completes without a single push.
  ASSERT_EQ(bob.agent->AcceptLink(FromInbox("+15550002"))->outcome(), dv::ACCEPT_AWAITING_SENDER);
  EXPECT_EQ(PushUnsupportedEvents(*bob.agent).size(), 1u);
  relay_.TakePushes();
  clock_.Set(alice.agent->NextPollAt());
  EXPECT_EQ(alice.agent->Tick(), 1);  // reads the request, answers
  relay_.TakePushes();
  clock_.Set(bob.agent->NextPollAt());
  EXPECT_EQ(bob.agent->Tick(), 1);
  EXPECT_EQ(oem_.redemptions(), 1);
}

TEST_F(PushFallbackTest, ARelayThatPushesKeepsTheBackoffAndEmitsNothing) {
  Device alice = MakeDevice("+15550001");
  std::string cred = Own(alice, cv::ASYMMETRIC);
  auto req = ShareReq(cred, "+15550002");
  req.set_multi_round(true);
  ASSERT_TRUE(alice.agent->ShareCredential(req).ok());
  EXPECT_TRUE(PushUnsupportedEvents(*alice.agent).empty());
  EXPECT_THAT(PollGaps(*alice.agent, clock_, 3),
              ::testing::ElementsAre(absl::Seconds(2), absl::Seconds(4), absl::Seconds(8)));
}

// A device without a vendor server (push_tokens false): it mints no push
// token and gives the relay none; the exchange still completes.
TEST_F(PushFallbackTest, WithoutPushTokensTheRelayGetsNoNotificationToken) {
  relay_.set_push_supported(false);
  Device alice = MakeDevice("+15550001", "", false, /*push_tokens=*/false);
  Device bob = MakeDevice("+15550002", "", false, /*push_tokens=*/false);
  std::string cred = Own(alice, cv::ASYMMETRIC);
  ASSERT_TRUE(bob.agent->Enrol({}).ok());
  auto share = alice.agent->ShareCredential(ShareReq(cred, "+15550002"));
  ASSERT_TRUE(share.ok()) << share.status();
  auto accepted = bob.agent->AcceptLink(FromInbox("+15550002"));
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->outcome(), dv::ACCEPT_PROVISIONED);
  EXPECT_EQ(oem_.redemptions(), 1);
  EXPECT_THAT(log_.calls(), ::testing::Not(::testing::Contains("oem.MintPushToken")));
  EXPECT_THAT(relay_.create_token_data(), ::testing::ElementsAre(""));
}

}  // namespace
}  // namespace sct::device
