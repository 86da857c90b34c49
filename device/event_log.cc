#include "device/event_log.h"

#include <algorithm>
#include <utility>

#include "common/proto_time.h"

namespace sct::device {

namespace dv = ::device::v1;

void EventLog::Emit(dv::DeviceEvent event) {
  absl::MutexLock lock(&mu_);
  event.set_sequence(++last_sequence_);
  *event.mutable_time() = ToProtoTimestamp(clock_->Now());
  events_.push_back(std::move(event));
  while (events_.size() > max_events_) events_.pop_front();
  cv_.SignalAll();
}

void EventLog::RecordNotification(absl::string_view mailbox_id, dv::NotificationVia via) {
  absl::MutexLock lock(&mu_);
  dv::NotificationRecord record;
  record.set_mailbox_id(std::string(mailbox_id));
  record.set_via(via);
  *record.mutable_received_at() = ToProtoTimestamp(clock_->Now());
  notifications_.push_back(std::move(record));
  while (notifications_.size() > max_notifications_) notifications_.pop_front();
}

std::vector<dv::DeviceEvent> EventLog::EventsAfter(uint64_t after_sequence,
                                                   absl::string_view persona) const {
  absl::MutexLock lock(&mu_);
  std::vector<dv::DeviceEvent> out;
  const uint64_t first = last_sequence_ - events_.size() + 1;  // of events_.front()
  const uint64_t skip = after_sequence < first ? 0 : after_sequence - first + 1;
  for (size_t i = static_cast<size_t>(std::min<uint64_t>(skip, events_.size()));
       i < events_.size(); ++i) {
    if (persona.empty() || events_[i].persona().empty() || events_[i].persona() == persona) {
      out.push_back(events_[i]);
    }
  }
  return out;
}

bool EventLog::WaitForEventAfter(uint64_t after_sequence, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  if (last_sequence_ > after_sequence) return true;
  cv_.WaitWithTimeout(&mu_, timeout);
  return last_sequence_ > after_sequence;
}

void EventLog::NotePush(uint64_t sequence, bool subscribed) {
  absl::MutexLock lock(&mu_);
  push_sequence_ = std::max(push_sequence_, sequence);
  if (subscribed) push_connected_ = true;
}

uint64_t EventLog::push_sequence() const {
  absl::MutexLock lock(&mu_);
  return push_sequence_;
}

bool EventLog::EndPushStream() {
  absl::MutexLock lock(&mu_);
  const bool was_connected = push_connected_;
  push_connected_ = false;
  return was_connected;
}

void EventLog::FillPushState(dv::GetStateResponse* response) const {
  absl::MutexLock lock(&mu_);
  response->set_push_connected(push_connected_);
  for (const auto& n : notifications_) *response->add_notifications() = n;
}

dv::DeviceEvent ExchangeEvent(dv::DeviceEventKind kind,
                              const ::device::state::PersonaRecord& persona,
                              const ::device::state::MailboxEntry& entry,
                              absl::string_view reason) {
  dv::DeviceEvent event;
  event.set_kind(kind);
  event.set_persona(persona.name());
  event.set_mailbox_id(entry.mailbox_id());
  event.set_share_id(entry.share_id());
  event.set_reason(std::string(reason));
  return event;
}

dv::DeviceEvent DeviceWideEvent(dv::DeviceEventKind kind, absl::string_view mailbox_id,
                                absl::string_view reason) {
  dv::DeviceEvent event;
  event.set_kind(kind);
  event.set_mailbox_id(std::string(mailbox_id));
  event.set_reason(std::string(reason));
  return event;
}

}  // namespace sct::device
