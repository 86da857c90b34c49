#include "oem_server/notification_hub.h"

#include <algorithm>
#include <utility>

#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"

namespace sct::oem {

::oem::v1::DeviceNotification ToProto(const StoredNotification& n) {
  ::oem::v1::DeviceNotification out;
  out.set_sequence(n.sequence);
  out.set_kind(::oem::v1::MAILBOX_CHANGED);
  out.set_mailbox_id(n.mailbox_id);
  out.set_token_data(n.token_data);
  sct::ToProto(n.received_at, out.mutable_received_at());
  return out;
}

Subscription::~Subscription() { hub_->Unregister(this); }

Subscription::Result Subscription::Next(absl::Duration wait,
                                        ::oem::v1::DeviceNotification* out) {
  absl::MutexLock lock(&hub_->mu_);
  absl::Time deadline = absl::Now() + wait;
  while (!hub_->closed_ && !replaced_ && backlog_.empty()) {
    if (ready_.WaitWithDeadline(&hub_->mu_, deadline)) break;  // timed out
  }
  if (hub_->closed_) return Result::kClosed;
  if (backlog_.empty()) return replaced_ ? Result::kReplaced : Result::kTimeout;
  *out = std::move(backlog_.front());
  backlog_.pop_front();
  return Result::kNotification;
}

void NotificationHub::Enqueue(Subscription* s,
                              ::oem::v1::DeviceNotification n) {
  s->backlog_.push_back(std::move(n));
  while (static_cast<int>(s->backlog_.size()) > queue_limit_) {
    s->backlog_.pop_front();
  }
  s->ready_.Signal();
}

absl::StatusOr<StoredNotification> NotificationHub::Publish(
    absl::string_view device_id, absl::string_view mailbox_id,
    absl::string_view token_data) {
  absl::MutexLock lock(&mu_);
  auto it = streams_.find(device_id);
  bool online = it != streams_.end() && !it->second.empty();
  StoredNotification n;
  n.mailbox_id = std::string(mailbox_id);
  n.token_data = std::string(token_data);
  n.received_at = clock_.Now();
  n.delivered = online;
  ASSIGN_OR_RETURN(StoredNotification stored,
                   registry_->AppendNotification(device_id, n, queue_limit_));
  if (online) {
    for (Subscription* s : it->second) Enqueue(s, ToProto(stored));
  }
  return stored;
}

absl::StatusOr<std::unique_ptr<Subscription>> NotificationHub::Subscribe(
    absl::string_view device_id, uint64_t after_sequence) {
  absl::MutexLock lock(&mu_);
  if (closed_) {
    return MakeError(absl::StatusCode::kUnavailable, "shutting_down",
                     "the OEM server is shutting down");
  }
  ASSIGN_OR_RETURN(uint64_t last, registry_->LastSequence(device_id));
  ASSIGN_OR_RETURN(std::vector<StoredNotification> replay,
                   registry_->ReadNotifications(device_id, after_sequence,
                                                /*undelivered_only=*/
                                                after_sequence == 0));
  std::unique_ptr<Subscription> sub(
      new Subscription(this, std::string(device_id)));
  ::oem::v1::DeviceNotification hello;
  hello.set_sequence(last);
  hello.set_kind(::oem::v1::SUBSCRIBED);
  sct::ToProto(clock_.Now(), hello.mutable_received_at());
  sub->backlog_.push_back(std::move(hello));
  // The backlog bound applies after SUBSCRIBED; replay is already bounded by
  // the registry's retention (queue_limit per device).
  for (const StoredNotification& n : replay) {
    sub->backlog_.push_back(ToProto(n));
  }
  if (!replay.empty()) {
    RETURN_IF_ERROR(
        registry_->MarkDelivered(device_id, replay.back().sequence));
  }
  std::vector<Subscription*>& open = streams_[std::string(device_id)];
  if (static_cast<int>(open.size()) >= max_streams_) {
    Subscription* oldest = open.front();
    open.erase(open.begin());
    oldest->replaced_ = true;
    oldest->ready_.SignalAll();
  }
  open.push_back(sub.get());
  return sub;
}

int NotificationHub::OpenStreams(absl::string_view device_id) {
  absl::MutexLock lock(&mu_);
  auto it = streams_.find(device_id);
  return it == streams_.end() ? 0 : static_cast<int>(it->second.size());
}

void NotificationHub::Unregister(Subscription* s) {
  absl::MutexLock lock(&mu_);
  auto it = streams_.find(s->device_id_);
  if (it == streams_.end()) return;
  std::vector<Subscription*>& open = it->second;
  open.erase(std::remove(open.begin(), open.end(), s), open.end());
  if (open.empty()) streams_.erase(it);
}

void NotificationHub::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  for (auto& [device, subs] : streams_) {
    for (Subscription* s : subs) s->ready_.SignalAll();
  }
}

}  // namespace sct::oem
