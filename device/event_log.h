// The device's event and notification log: what WatchEvents streams and
// GetState reports besides the wallet.
//
// Events (device.v1.DeviceEvent) get consecutive sequence numbers from 1 and
// the injected clock's time. Notification records say how the device noticed
// a mailbox change (VIA_PUSH / VIA_POLL). The push-stream bookkeeping (last
// OEM sequence seen, whether the stream is connected) lives here too, because
// GetState reports it next to the notifications.
//
// Bounded: the log keeps the newest `max_events` events (default 4096) and
// `max_notifications` notification records (default 1024); older ones are
// forgotten (sequence numbers go on; a watcher asking from before the oldest
// kept event gets the log from its oldest kept event).
//
// Thread-safety: thread-safe, with its own lock, so that readers (WatchEvents)
// never wait for a wallet operation. `clock` is not owned and must outlive the
// log. No method fails.
#ifndef SCT_DEVICE_EVENT_LOG_H_
#define SCT_DEVICE_EVENT_LOG_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "device/device_state.pb.h"
#include "proto/device/v1/device.pb.h"

namespace sct::device {

class EventLog {
 public:
  static constexpr size_t kDefaultMaxEvents = 4096;
  static constexpr size_t kDefaultMaxNotifications = 1024;

  explicit EventLog(const Clock* clock, size_t max_events = kDefaultMaxEvents,
                    size_t max_notifications = kDefaultMaxNotifications)
      : clock_(clock), max_events_(max_events), max_notifications_(max_notifications) {}

  // Appends `event` with the next sequence number and the current time, and
  // wakes WaitForEventAfter.
  void Emit(::device::v1::DeviceEvent event);
  // Records that a change of `mailbox_id` was noticed, and how.
  void RecordNotification(absl::string_view mailbox_id, ::device::v1::NotificationVia via);

  // Events with sequence > after_sequence for `persona` ("" = all); events
  // that concern no persona are always included.
  std::vector<::device::v1::DeviceEvent> EventsAfter(uint64_t after_sequence,
                                                     absl::string_view persona) const;
  // Blocks (real time, at most `timeout`) until an event with sequence >
  // after_sequence exists; returns whether one does.
  bool WaitForEventAfter(uint64_t after_sequence, absl::Duration timeout) const;

  // A message from the OEM's push stream: remembers the highest sequence
  // (the resume point) and, for the subscription confirmation, that the
  // stream is connected.
  void NotePush(uint64_t sequence, bool subscribed);
  // The resume point for the next subscription.
  uint64_t push_sequence() const;
  // The stream ended: marks it disconnected; returns whether it was connected.
  bool EndPushStream();
  // Sets push_connected and the notification records of `response`.
  void FillPushState(::device::v1::GetStateResponse* response) const;

 private:
  const Clock* const clock_;
  const size_t max_events_;
  const size_t max_notifications_;
  mutable absl::Mutex mu_;
  mutable absl::CondVar cv_;
  uint64_t last_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<::device::v1::DeviceEvent> events_ ABSL_GUARDED_BY(mu_);  // newest max_events_
  std::deque<::device::v1::NotificationRecord> notifications_ ABSL_GUARDED_BY(mu_);
  bool push_connected_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t push_sequence_ ABSL_GUARDED_BY(mu_) = 0;
};

// An event about one exchange of `persona` (its mailbox and share ids).
::device::v1::DeviceEvent ExchangeEvent(::device::v1::DeviceEventKind kind,
                                        const ::device::state::PersonaRecord& persona,
                                        const ::device::state::MailboxEntry& entry,
                                        absl::string_view reason = "");
// An event of the device as a whole (push stream), optionally naming a mailbox.
::device::v1::DeviceEvent DeviceWideEvent(::device::v1::DeviceEventKind kind,
                                          absl::string_view mailbox_id = "",
                                          absl::string_view reason = "");

}  // namespace sct::device

#endif  // SCT_DEVICE_EVENT_LOG_H_
