// What every soak thread shares: the launched ecosystem (behind one mutex:
// the Ecosystem is not thread-safe, and only set-up, the fault injector and
// the sampler touch it after launch), the options, the bookkeeping of
// invariants.h, and the stop flag.
//
// Thread-safety: the members are thread-safe as documented by their types;
// `eco` only under `eco_mu`. Everything is borrowed: the run (soak_run.h)
// owns it and outlives every thread.
#ifndef SCT_SCENARIOS_SOAK_SOAK_CONTEXT_H_
#define SCT_SCENARIOS_SOAK_SOAK_CONTEXT_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "scenarios/launcher/ecosystem.h"
#include "scenarios/soak/invariants.h"

namespace sct::soak {

struct SoakOptions {
  absl::Duration duration = absl::Minutes(30);
  uint64_t seed = 1;
  std::string store = "sqlite";  // relay store: sqlite or memory
  bool faults = true;
  absl::Duration rpc_timeout = absl::Seconds(10);
  absl::Duration link_timeout = absl::Seconds(20);
  // A revoked credential must be denied this long after the revocation was
  // acknowledged (the access points watch or poll every 2 s).
  absl::Duration revocation_bound = absl::Seconds(30);
  // Errors this long after a fault ended are still its effect.
  absl::Duration fault_grace = absl::Seconds(20);
  // Time between faults: uniform in [gap_min, gap_max].
  absl::Duration fault_gap_min = absl::Seconds(10);
  absl::Duration fault_gap_max = absl::Seconds(30);
  absl::Duration sample_every = absl::Seconds(5);
  absl::Duration slope_warmup = absl::Seconds(60);
  double max_rss_slope_mib_per_h = 50;
  double max_fd_slope_per_h = 50;
};

struct SoakContext {
  scenarios::Ecosystem* eco = nullptr;
  absl::Mutex* eco_mu = nullptr;
  const SoakOptions* options = nullptr;
  FaultTimeline* timeline = nullptr;
  InvariantBook* book = nullptr;
  MailboxLedger* mailboxes = nullptr;
  ShareLedger* shares = nullptr;
  std::atomic<bool>* stop = nullptr;
  absl::Time started;
  // gRPC address of each access point (filled at set-up).
  std::map<std::string, std::string> access_points;

  bool stopping() const { return stop->load(); }
  // Sleeps `d` in small steps; false when the run is stopping.
  bool Pause(absl::Duration d) const {
    const absl::Time until = absl::Now() + d;
    while (!stopping() && absl::Now() < until) absl::SleepFor(absl::Milliseconds(100));
    return !stopping();
  }
};

}  // namespace sct::soak

#endif  // SCT_SCENARIOS_SOAK_SOAK_CONTEXT_H_
