#include "scenarios/engine/inbox.h"

#include <string>

#include "common/derived_location.h"
#include "common/share_link.h"
#include "crypto/derived_schedule.h"
#include "gtest/gtest.h"
#include "scenarios/engine/run_clock.h"

namespace sct::scenarios {
namespace {

namespace cv1 = ::common::v1;

constexpr char kId[] = "56c1306a-915c-4681-a81e-f8e31f29cedb";
constexpr char kOther[] = "11111111-1111-4111-8111-111111111111";

std::string Link(const std::string& id) {
  return "https://127.0.0.1:4431/v1/m/" + id + "?v=c#c2VjcmV0LXNlY3JldC0xMjM0";
}

TEST(LinkInTest, FindsTheLinkOfTheMailbox) {
  const std::string body = "Fwd: " + Link(kOther) + " and the car key " + Link(kId) + "\n";
  EXPECT_EQ(LinkIn(body, kId), Link(kId));
  EXPECT_EQ(LinkIn(body, kOther), Link(kOther));
  EXPECT_EQ(LinkIn(body, ""), Link(kOther));  // any mailbox: the first
}

TEST(LinkInTest, NothingWithoutThatMailbox) {
  EXPECT_EQ(LinkIn("Your PIN is 482913", kId), "");
  EXPECT_EQ(LinkIn("see https://example.com/v1/x", ""), "");
  EXPECT_EQ(LinkIn(Link(kOther), kId), "");
}

TEST(ChannelWaitTest, LargestDelayOfTopologyOrFaultPlusFiveSeconds) {
  scenario::v1::Scenario s;
  EXPECT_EQ(ChannelWait(s, cv1::SMS), absl::Seconds(5));
  scenario::v1::ChannelSpec* sms = s.mutable_topology()->add_channels();
  sms->set_kind(cv1::SMS);
  sms->set_delay("2s");
  sms->set_jitter("500ms");
  EXPECT_EQ(ChannelWait(s, cv1::SMS), absl::Milliseconds(7500));
  EXPECT_EQ(ChannelWait(s, cv1::EMAIL), absl::Seconds(5));
  scenario::v1::Fault* f = s.add_faults();
  f->mutable_channel()->set_kind(cv1::SMS);
  f->mutable_channel()->set_delay("10s");
  EXPECT_EQ(ChannelWait(s, cv1::SMS), absl::Seconds(15));
}

TEST(LinkInTest, FindsADerivedLinkByItsFirstLocation) {
  const std::string secret(32, '\x33');
  const std::string link = FormatDerivedShareLink("https://127.0.0.1:9", "c", secret);
  const std::string first = *DerivedLocationText(*crypto::DerivedLocation(secret, ""));
  const std::string body = "A key for you: " + link;
  EXPECT_EQ(LinkIn(body, first), link);
  EXPECT_EQ(LinkIn(body, ""), link);
  const std::string other =
      *DerivedLocationText(*crypto::DerivedLocation(std::string(32, '\x34'), ""));
  EXPECT_EQ(LinkIn(body, other), "");
}

TEST(ChannelWordTest, NamesEachChannel) {
  EXPECT_EQ(ChannelWord(cv1::SMS), "sms");
  EXPECT_EQ(ChannelWord(cv1::EMAIL), "email");
  EXPECT_EQ(ChannelWord(cv1::MESSENGER), "messenger");
  EXPECT_EQ(ChannelWord(cv1::CHANNEL_KIND_UNSPECIFIED), "unknown");
}

// An inbox poll that missed a message just sent waits 5 ms before the next,
// not the old fixed 100 ms; later pauses double up to the cap.
TEST(PollPauseTest, StartsAtFiveMillisecondsAndDoublesUpToItsCap) {
  PollPause pause(absl::Milliseconds(100));
  EXPECT_EQ(pause.Next(), absl::Milliseconds(5));
  EXPECT_EQ(pause.Next(), absl::Milliseconds(10));
  EXPECT_EQ(pause.Next(), absl::Milliseconds(20));
  EXPECT_EQ(pause.Next(), absl::Milliseconds(40));
  EXPECT_EQ(pause.Next(), absl::Milliseconds(80));
  EXPECT_EQ(pause.Next(), absl::Milliseconds(100));
  EXPECT_EQ(pause.Next(), absl::Milliseconds(100));
  PollPause small(absl::Milliseconds(3));
  EXPECT_EQ(small.Next(), absl::Milliseconds(3));
  EXPECT_EQ(small.Next(), absl::Milliseconds(3));
}

}  // namespace
}  // namespace sct::scenarios
