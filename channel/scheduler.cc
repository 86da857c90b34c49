#include "channel/scheduler.h"

#include <algorithm>

namespace sct::channel {

void Scheduler::At(absl::Time when, Task task) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  tasks_.emplace(std::make_pair(when, next_seq_++), std::move(task));
  wake_ = true;
}

int Scheduler::RunDue() {
  int ran = 0;
  while (true) {
    Task task;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_ || tasks_.empty() || tasks_.begin()->first.first > clock_->Now()) break;
      task = std::move(tasks_.begin()->second);
      tasks_.erase(tasks_.begin());
    }
    task();
    ++ran;
  }
  return ran;
}

void Scheduler::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void Scheduler::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    tasks_.clear();
  }
  if (thread_.joinable()) thread_.join();
}

size_t Scheduler::pending() const {
  absl::MutexLock lock(&mu_);
  return tasks_.size();
}

std::optional<absl::Time> Scheduler::NextDue() const {
  absl::MutexLock lock(&mu_);
  if (tasks_.empty()) return std::nullopt;
  return tasks_.begin()->first.first;
}

void Scheduler::Loop() {
  while (true) {
    RunDue();
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    // Re-read the clock at least once a second even when idle, so a clock
    // that jumps (or a task added just before we locked) is never missed.
    absl::Duration wait = absl::Seconds(1);
    if (!tasks_.empty()) {
      wait = std::min(wait, tasks_.begin()->first.first - clock_->Now());
    }
    if (wait > absl::ZeroDuration() && !wake_) {
      mu_.AwaitWithTimeout(absl::Condition(this, &Scheduler::ShouldWake), wait);
    }
    wake_ = false;
    if (stopping_) return;
  }
}

}  // namespace sct::channel
