// Push delivery inside the OEM: routes "mailbox X changed" to every open
// notification stream of a device, and keeps a bounded, durable per-device
// queue (in the DeviceRegistry) so a device with no open stream gets its
// notifications when it subscribes.
//
// Semantics:
//   - Publish stores the notification with the device's next sequence number
//     (keeping only the newest `queue_limit` per device). If the device has
//     open streams, it is handed to each of them and stored as delivered;
//     otherwise it stays undelivered.
//   - Subscribe opens a stream. The first message is SUBSCRIBED carrying the
//     device's last sequence number. Then it replays: with after_sequence = 0
//     every undelivered notification; with after_sequence = N every retained
//     notification with sequence > N (delivered or not, for a device that
//     lost a stream). Replayed notifications are then marked delivered.
//   - A stream's in-memory backlog is bounded by `queue_limit` too (oldest
//     dropped; they remain retained in the registry for a resume).
//   - At most `max_streams` streams per device are open: the newest wins.
//     Subscribing beyond the bound retires the device's oldest stream, which
//     gets no further notifications, hands out what it already holds, then
//     answers kReplaced (the adapter ends it with RESOURCE_EXHAUSTED
//     "stream_replaced"). A device that reconnects after a silent network
//     loss is never locked out by its own dead streams, and a leaked device
//     token cannot hold more than `max_streams` server threads.
//   - Close ends every stream (Next returns kClosed) and refuses new ones:
//     the server's clean shutdown.
//
// Thread-safety: all methods are thread-safe; one mutex guards the streams
// and serialises registry access for publishes/subscribes, so a notification
// published during a subscribe is seen exactly once by the new stream.
// Ownership: the registry and clock are not owned and must outlive the hub;
// a Subscription must not outlive its hub.
// Errors: Publish: the registry's (NOT_FOUND unknown_device, UNAVAILABLE);
// Subscribe: UNAVAILABLE "shutting_down" after Close, registry errors.
#ifndef SCT_OEM_SERVER_NOTIFICATION_HUB_H_
#define SCT_OEM_SERVER_NOTIFICATION_HUB_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <vector>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "oem_server/device_registry.h"
#include "proto/oem/v1/oem.pb.h"

namespace sct::oem {

class NotificationHub;

// One open notification stream of one device.
class Subscription {
 public:
  enum class Result { kNotification, kTimeout, kClosed, kReplaced };
  ~Subscription();  // unregisters from the hub
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // Waits up to `wait` (real time; the adapter uses it to notice a cancelled
  // call) for the next message and moves it to `*out`. kClosed at once after
  // Close (an undrained backlog stays retained in the registry for a resume).
  Result Next(absl::Duration wait, ::oem::v1::DeviceNotification* out);

  const std::string& device_id() const { return device_id_; }

 private:
  friend class NotificationHub;
  Subscription(NotificationHub* hub, std::string device_id)
      : hub_(hub), device_id_(std::move(device_id)) {}

  NotificationHub* hub_;
  const std::string device_id_;
  // Guarded by hub_->mu_.
  std::deque<::oem::v1::DeviceNotification> backlog_;
  bool replaced_ = false;
  absl::CondVar ready_;
};

class NotificationHub {
 public:
  NotificationHub(DeviceRegistry* registry, const Clock& clock, int queue_limit,
                  int max_streams = 4)
      : registry_(registry),
        clock_(clock),
        queue_limit_(queue_limit),
        max_streams_(max_streams < 1 ? 1 : max_streams) {}
  NotificationHub(const NotificationHub&) = delete;
  NotificationHub& operator=(const NotificationHub&) = delete;

  // Stores and routes one MAILBOX_CHANGED notification.
  absl::StatusOr<StoredNotification> Publish(absl::string_view device_id,
                                             absl::string_view mailbox_id,
                                             absl::string_view token_data);
  absl::StatusOr<std::unique_ptr<Subscription>> Subscribe(
      absl::string_view device_id, uint64_t after_sequence);
  // Number of open streams of `device_id` (tests, logs).
  int OpenStreams(absl::string_view device_id);
  void Close();

 private:
  friend class Subscription;
  void Unregister(Subscription* s);
  void Enqueue(Subscription* s, ::oem::v1::DeviceNotification n)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  DeviceRegistry* registry_;
  const Clock& clock_;
  const int queue_limit_;
  const int max_streams_;
  absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  // Per device, open streams oldest first (at most max_streams_).
  std::map<std::string, std::vector<Subscription*>, std::less<>> streams_
      ABSL_GUARDED_BY(mu_);
};

// The DeviceNotification for a stored notification.
::oem::v1::DeviceNotification ToProto(const StoredNotification& n);

}  // namespace sct::oem

#endif  // SCT_OEM_SERVER_NOTIFICATION_HUB_H_
