#include "device/event_log.h"

#include <string>

#include "common/clock.h"
#include "common/proto_time.h"
#include "gtest/gtest.h"

namespace sct::device {
namespace {

namespace dv = ::device::v1;

::device::state::PersonaRecord Persona(const std::string& name) {
  ::device::state::PersonaRecord p;
  p.set_name(name);
  return p;
}

TEST(EventLogTest, EventsAreNumberedFromOneAndStampedWithTheClock) {
  FakeClock clock;
  EventLog log(&clock);
  ::device::state::MailboxEntry entry;
  entry.set_mailbox_id("m-1");
  entry.set_share_id("s-1");
  log.Emit(ExchangeEvent(dv::EVENT_SHARE_COMPLETED, Persona("personal"), entry));
  clock.Advance(absl::Seconds(3));
  log.Emit(DeviceWideEvent(dv::EVENT_PUSH_LOST, "", "oem_unavailable"));
  auto events = log.EventsAfter(0, "");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].sequence(), 1u);
  EXPECT_EQ(events[0].persona(), "personal");
  EXPECT_EQ(events[0].mailbox_id(), "m-1");
  EXPECT_EQ(events[0].share_id(), "s-1");
  EXPECT_EQ(events[1].sequence(), 2u);
  EXPECT_EQ(events[1].reason(), "oem_unavailable");
  EXPECT_EQ(ToAbslTime(events[1].time()) - ToAbslTime(events[0].time()), absl::Seconds(3));
}

TEST(EventLogTest, EventsAfterFiltersBySequenceAndPersona) {
  FakeClock clock;
  EventLog log(&clock);
  ::device::state::MailboxEntry entry;
  log.Emit(ExchangeEvent(dv::EVENT_POLL_CHANGE, Persona("personal"), entry));
  log.Emit(ExchangeEvent(dv::EVENT_POLL_CHANGE, Persona("work"), entry));
  log.Emit(DeviceWideEvent(dv::EVENT_PUSH_CONNECTED));
  EXPECT_EQ(log.EventsAfter(1, "").size(), 2u);
  auto work = log.EventsAfter(0, "work");
  ASSERT_EQ(work.size(), 2u);  // its own, and the device-wide one
  EXPECT_EQ(work[0].persona(), "work");
  EXPECT_EQ(work[1].kind(), dv::EVENT_PUSH_CONNECTED);
  EXPECT_TRUE(log.EventsAfter(7, "").empty());
}

TEST(EventLogTest, WaitReturnsAtOnceWhenAnEventExists) {
  FakeClock clock;
  EventLog log(&clock);
  EXPECT_FALSE(log.WaitForEventAfter(0, absl::ZeroDuration()));
  log.Emit(DeviceWideEvent(dv::EVENT_PUSH_CONNECTED));
  EXPECT_TRUE(log.WaitForEventAfter(0, absl::Hours(1)));
}

TEST(EventLogTest, PushStateKeepsTheHighestSequenceAndTheConnection) {
  FakeClock clock;
  EventLog log(&clock);
  log.NotePush(4, /*subscribed=*/true);
  log.NotePush(2, /*subscribed=*/false);
  EXPECT_EQ(log.push_sequence(), 4u);
  log.RecordNotification("m-1", dv::VIA_PUSH);
  dv::GetStateResponse state;
  log.FillPushState(&state);
  EXPECT_TRUE(state.push_connected());
  ASSERT_EQ(state.notifications_size(), 1);
  EXPECT_EQ(state.notifications(0).mailbox_id(), "m-1");
  EXPECT_EQ(state.notifications(0).via(), dv::VIA_PUSH);
  EXPECT_EQ(ToAbslTime(state.notifications(0).received_at()), clock.Now());
  EXPECT_TRUE(log.EndPushStream());
  EXPECT_FALSE(log.EndPushStream());
  EXPECT_EQ(log.push_sequence(), 4u);  // the resume point survives the stream
}

TEST(EventLogTest, KeepsTheNewestEventsAndNotificationsUpToItsCaps) {
  FakeClock clock;
  EventLog log(&clock, /*max_events=*/3, /*max_notifications=*/2);
  for (int i = 0; i < 5; ++i) {
    log.Emit(DeviceWideEvent(dv::EVENT_PUSH_RECEIVED, "m-" + std::to_string(i)));
    log.RecordNotification("m-" + std::to_string(i), dv::VIA_PUSH);
  }
  auto all = log.EventsAfter(0, "");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].sequence(), 3u);
  EXPECT_EQ(all[2].sequence(), 5u);
  auto after4 = log.EventsAfter(4, "");
  ASSERT_EQ(after4.size(), 1u);
  EXPECT_EQ(after4[0].mailbox_id(), "m-4");
  EXPECT_TRUE(log.EventsAfter(5, "").empty());
  EXPECT_TRUE(log.WaitForEventAfter(4, absl::ZeroDuration()));
  EXPECT_FALSE(log.WaitForEventAfter(5, absl::ZeroDuration()));
  dv::GetStateResponse state;
  log.FillPushState(&state);
  ASSERT_EQ(state.notifications_size(), 2);
  EXPECT_EQ(state.notifications(0).mailbox_id(), "m-3");
}

}  // namespace
}  // namespace sct::device
