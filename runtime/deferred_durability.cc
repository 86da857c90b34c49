#include "runtime/deferred_durability.h"

#include <algorithm>
#include <utility>

#include "absl/synchronization/notification.h"

namespace sct {
namespace {

thread_local DeferredDurability* current_scope = nullptr;

}  // namespace

DeferredDurability::DeferredDurability() : outer_(current_scope) { current_scope = this; }

DeferredDurability::~DeferredDurability() {
  if (!open_) return;
  // Ended without Then: wait here, so nothing answers before the sync.
  absl::Notification durable;
  Then([&durable](absl::Status) { durable.Notify(); });
  durable.WaitForNotification();
}

DeferredDurability* DeferredDurability::Current() { return current_scope; }

void DeferredDurability::Require(DurabilitySource* source, int64_t ticket) {
  source_ = source;
  ticket_ = std::max(ticket_, ticket);
}

void DeferredDurability::AfterDurable(absl::AnyInvocable<void()> action) {
  DeferredDurability* scope = current_scope;
  if (scope == nullptr) {
    action();
    return;
  }
  scope->after_.push_back(std::move(action));
}

void DeferredDurability::Then(Done done) {
  open_ = false;
  // Scopes close in the order they opened (they live on the stack).
  if (current_scope == this) current_scope = outer_;
  auto finish = [done = std::move(done),
                 after = std::move(after_)](absl::Status status) mutable {
    if (status.ok()) {
      for (auto& action : after) action();
    }
    done(std::move(status));
  };
  if (source_ == nullptr) {
    finish(absl::OkStatus());
    return;
  }
  source_->WhenDurable(ticket_, std::move(finish));
}

}  // namespace sct
