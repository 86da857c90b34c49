#include "scenarios/engine/event_collector.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <utility>

#include "absl/time/clock.h"

namespace sct::scenarios {

namespace dv1 = ::device::v1;

EventCollector::EventCollector(std::shared_ptr<grpc::Channel> channel)
    : stub_(dv1::DeviceAgent::NewStub(std::move(channel))) {
  thread_ = std::thread([this] { Loop(); });
}

EventCollector::~EventCollector() { Stop(); }

void EventCollector::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_) return;
    stopping_ = true;
    if (ctx_ != nullptr) ctx_->TryCancel();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool EventCollector::WaitFor(const std::function<bool(const dv1::DeviceEvent&)>& pred,
                             absl::Time deadline, dv1::DeviceEvent* out) {
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    for (size_t i = 0; i < events_.size(); ++i) {
      if (!consumed_[i] && pred(events_[i])) {
        consumed_[i] = true;
        *out = events_[i];
        return true;
      }
    }
    absl::Time now = absl::Now();
    if (now >= deadline || stopping_) return false;
    cv_.wait_for(l, std::chrono::milliseconds(
                        std::min<int64_t>(200, absl::ToInt64Milliseconds(deadline - now) + 1)));
  }
}

bool EventCollector::Seen(const std::function<bool(const dv1::DeviceEvent&)>& pred,
                          absl::Time deadline, dv1::DeviceEvent* out) {
  std::unique_lock<std::mutex> l(mu_);
  size_t checked = 0;
  while (true) {
    for (; checked < events_.size(); ++checked) {
      if (pred(events_[checked])) {
        *out = events_[checked];
        return true;
      }
    }
    absl::Time now = absl::Now();
    if (now >= deadline || stopping_) return false;
    cv_.wait_for(l, std::chrono::milliseconds(
                        std::min<int64_t>(200, absl::ToInt64Milliseconds(deadline - now) + 1)));
  }
}

void EventCollector::Loop() {
  uint64_t last = 0;
  while (true) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("sct-actor", "engine");
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stopping_) return;
      ctx_ = &ctx;
    }
    dv1::WatchEventsRequest req;
    req.set_after_sequence(last);
    std::unique_ptr<grpc::ClientReader<dv1::DeviceEvent>> reader = stub_->WatchEvents(&ctx, req);
    dv1::DeviceEvent e;
    while (reader->Read(&e)) {
      last = e.sequence();
      std::lock_guard<std::mutex> l(mu_);
      events_.push_back(e);
      consumed_.push_back(false);
      cv_.notify_all();
    }
    reader->Finish();
    {
      std::lock_guard<std::mutex> l(mu_);
      ctx_ = nullptr;
      if (stopping_) return;
    }
    // The device went away (restart): reconnect for new events only.
    last = 0;
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait_for(l, std::chrono::milliseconds(200));
  }
}

}  // namespace sct::scenarios
