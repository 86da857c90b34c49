// Runs tasks at clock times: the channel's delayed deliveries and the
// messenger preview bot's fetches.
//
// Time comes from the injected Clock. Tests use a FakeClock, Advance it and
// call RunDue() themselves (no thread, no sleeping). Production calls Start():
// a background thread waits on a condition with a timeout until the earliest
// task is due (or a new task arrives, or Stop), then runs RunDue(). Tasks due
// at the same instant run in the order they were added.
//
// Thread-safety: all methods are thread-safe. Tasks run without the
// scheduler's lock held, one at a time (on the loop thread or on the thread
// calling RunDue), and may add further tasks. Whatever a task refers to must
// outlive the scheduler's Stop() (or the last RunDue call).
#ifndef SCT_CHANNEL_SCHEDULER_H_
#define SCT_CHANNEL_SCHEDULER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace sct::channel {

class Scheduler {
 public:
  using Task = std::function<void()>;

  explicit Scheduler(const Clock* clock) : clock_(clock) {}
  ~Scheduler() { Stop(); }
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Adds `task` to run once the clock reaches `when` (past times: at the next
  // RunDue). Ignored after Stop().
  void At(absl::Time when, Task task);

  // Runs every task that is due now; returns how many ran.
  int RunDue();

  // Starts the background loop (once). For real clocks; never in unit tests.
  void Start();
  // Stops and joins the loop; pending tasks are discarded. Idempotent.
  void Stop();

  size_t pending() const;
  std::optional<absl::Time> NextDue() const;

 private:
  void Loop();
  bool ShouldWake() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return wake_ || stopping_; }

  const Clock* clock_;
  mutable absl::Mutex mu_;
  std::map<std::pair<absl::Time, uint64_t>, Task> tasks_ ABSL_GUARDED_BY(mu_);
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 0;
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // touched only by Start/Stop (main thread)
};

}  // namespace sct::channel

#endif  // SCT_CHANNEL_SCHEDULER_H_
