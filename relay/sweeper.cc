#include "relay/sweeper.h"

#include <iostream>
#include <utility>

namespace sct::relay {

Sweeper::Sweeper(MailboxService* service, SweeperOptions options)
    : service_(service), options_(std::move(options)) {}

Sweeper::~Sweeper() { Stop(); }

void Sweeper::Start() {
  if (thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void Sweeper::Stop() {
  if (!thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

absl::StatusOr<int64_t> Sweeper::RunOnce() {
  const int64_t batch = options_.batch_limit > 0 ? options_.batch_limit : 1000;
  int64_t total = 0;
  while (true) {
    absl::StatusOr<int64_t> n = service_->SweepExpired(batch);
    if (!n.ok()) return n.status();
    total += *n;
    if (*n < batch) break;
    absl::MutexLock lock(&mu_);
    if (stop_) break;
  }
  return total;
}

void Sweeper::Loop() {
  while (true) {
    absl::StatusOr<int64_t> n = RunOnce();
    if (!n.ok()) {
      std::cerr << "relay: sweep failed: " << n.status() << "\n";
    }
    if (options_.on_pass) options_.on_pass(n.ok() ? *n : 0);
    absl::MutexLock lock(&mu_);
    // Wakes as soon as Stop() sets stop_, or after one interval.
    mu_.AwaitWithTimeout(absl::Condition(&stop_), options_.interval);
    if (stop_) return;
  }
}

}  // namespace sct::relay
