// Background removal of expired mailboxes.
//
// A Sweeper owns one thread that calls MailboxService::SweepExpired every
// `interval`, draining in batches of `batch_limit` while a batch comes back
// full (so a backlog clears in one pass, each batch being one short store
// transaction). Expired mailboxes already answer NOT_FOUND before they are
// swept; sweeping only reclaims storage. Errors are logged and retried at the
// next interval.
//
// Stop() (also run by the destructor) wakes the thread at once and joins it;
// it never waits for the rest of an interval. Start/Stop are not meant to be
// called concurrently with each other. The service is not owned and must
// outlive the Sweeper. Waiting uses real time (this is the production loop);
// tests call MailboxService::SweepExpired directly with a FakeClock, or use
// `on_pass` to observe passes.
#ifndef SCT_RELAY_SWEEPER_H_
#define SCT_RELAY_SWEEPER_H_

#include <cstdint>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "relay/mailbox_service.h"

namespace sct::relay {

struct SweeperOptions {
  absl::Duration interval = absl::Seconds(10);
  int64_t batch_limit = 1000;  // small batches keep each store write short
  // Called after every pass with the number removed in it (tests, metrics).
  std::function<void(int64_t removed)> on_pass;
};

class Sweeper {
 public:
  Sweeper(MailboxService* service, SweeperOptions options);
  ~Sweeper();
  Sweeper(const Sweeper&) = delete;
  Sweeper& operator=(const Sweeper&) = delete;

  // Starts the thread (the first pass runs at once). No-op if running.
  void Start();
  // Stops promptly and joins. No-op if not running.
  void Stop();

  // One pass now, on the caller's thread: batches until one is not full.
  // Returns the number removed, or the first store error.
  absl::StatusOr<int64_t> RunOnce();

 private:
  void Loop();

  MailboxService* const service_;
  const SweeperOptions options_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace sct::relay

#endif  // SCT_RELAY_SWEEPER_H_
