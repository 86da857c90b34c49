// DeviceAgent, learning of the other party's moves: the OEM's push stream
// (HandleNotification, RunPushStream) and polling with exponential backoff
// (Tick, NextPollAt) for every exchange that waits for the other party.
#include <algorithm>
#include <memory>
#include <string>

#include "common/errors.h"
#include "common/status_macros.h"
#include "device/device_agent.h"
#include "device/wallet_lookup.h"

namespace sct::device {

namespace dv = ::device::v1;

void DeviceAgent::HandleNotification(const ::oem::v1::DeviceNotification& n) {
  const bool subscribed = n.kind() == ::oem::v1::SUBSCRIBED;
  events_.NotePush(n.sequence(), subscribed);
  if (subscribed) {
    events_.Emit(DeviceWideEvent(dv::EVENT_PUSH_CONNECTED));
    return;
  }
  if (n.kind() != ::oem::v1::MAILBOX_CHANGED) return;
  events_.RecordNotification(n.mailbox_id(), dv::VIA_PUSH);
  events_.Emit(DeviceWideEvent(dv::EVENT_PUSH_RECEIVED, n.mailbox_id()));
  absl::MutexLock lock(&mu_);
  for (auto& persona : *wallet_.state().mutable_personas()) {
    for (auto& entry : *persona.mutable_mailboxes()) {
      if (entry.mailbox_id() != n.mailbox_id()) continue;
      if (!n.token_data().empty() && entry.push_token_data() != n.token_data()) continue;
      ProcessChangeLocked(persona, entry, /*automatic=*/true);
      SchedulePollLocked(persona, entry, deps_.clock->Now());
    }
  }
}

absl::Status DeviceAgent::RunPushStream(grpc::ClientContext* context) {
  ::oem::v1::SubscribeNotificationsRequest req;
  {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(*req.mutable_auth(), DeviceAuthOf(wallet_));
  }
  req.set_after_sequence(events_.push_sequence());
  std::unique_ptr<grpc::ClientReaderInterface<::oem::v1::DeviceNotification>> reader =
      deps_.oem->SubscribeNotifications(context, req);
  ::oem::v1::DeviceNotification n;
  while (reader->Read(&n)) HandleNotification(n);
  absl::Status st = TranslateRpcStatus(reader->Finish(), "oem");
  if (events_.EndPushStream()) {
    events_.Emit(DeviceWideEvent(dv::EVENT_PUSH_LOST, "", ReasonOf(st)));
  }
  return st;
}

int DeviceAgent::Tick() {
  absl::MutexLock lock(&mu_);
  const absl::Time now = deps_.clock->Now();
  int polled = 0;
  for (auto& persona : *wallet_.state().mutable_personas()) {
    for (auto& entry : *persona.mutable_mailboxes()) {
      const std::string key = PollKey(persona, entry);
      if (!WaitsForPeer(entry)) {
        polls_.erase(key);
        continue;
      }
      auto it = polls_.find(key);
      if (it == polls_.end()) {
        SchedulePollLocked(persona, entry, now);
        continue;
      }
      if (now < it->second.next_at) continue;
      ++polled;
      const bool changed = ProcessChangeLocked(persona, entry, /*automatic=*/true);
      PollState& ps = polls_[key];
      if (changed) {
        events_.RecordNotification(entry.mailbox_id(), dv::VIA_POLL);
        events_.Emit(ExchangeEvent(dv::EVENT_POLL_CHANGE, persona, entry));
        ps.backoff = options_.poll_initial;
      } else if (entry.relay_push_unsupported()) {
        ps.backoff = options_.poll_initial;  // no push will come: keep polling
      } else {
        ps.backoff = std::min(ps.backoff * 2, options_.poll_max);
      }
      ps.next_at = now + ps.backoff;
    }
  }
  return polled;
}

void DeviceAgent::NoteRelayPushLocked(const Persona& persona, Entry& entry, bool supported) {
  if (supported) {
    entry.set_relay_push_unsupported(false);
    return;
  }
  if (entry.relay_push_unsupported()) return;
  entry.set_relay_push_unsupported(true);
  dv::DeviceEvent event = ExchangeEvent(dv::EVENT_RELAY_PUSH_UNSUPPORTED, persona, entry,
                                        "relay_push_unsupported");
  event.set_relay_host(relay_->host());
  events_.Emit(std::move(event));
}

absl::Time DeviceAgent::NextPollAt() const {
  absl::MutexLock lock(&mu_);
  absl::Time next = absl::InfiniteFuture();
  for (const auto& [key, ps] : polls_) next = std::min(next, ps.next_at);
  return next;
}

}  // namespace sct::device
