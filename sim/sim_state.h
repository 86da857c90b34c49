// Everything --sim_control adds to one service process, in one object that
// main.cc owns and hands (as a pointer) to the server interceptor, the
// outbound channels and the Audit/SimControl services:
//   - the actor id (the process's name in a scenario);
//   - the SimClock actor logic runs on;
//   - the Recorder (trace and knowledge audit);
//   - the outbound link faults (SetLinkFaults) and their seeded PRNGs;
//   - the outage window (SetOutage);
//   - the scenario step being served (the `sct-step` metadata), per thread
//     while the server interceptor serves a call, else the last one seen.
//
// Thread-safe. The base clock is not owned and must outlive the SimState.
#ifndef SCT_SIM_SIM_STATE_H_
#define SCT_SIM_SIM_STATE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "sim/knowledge.h"
#include "sim/recorder.h"
#include "sim/sim_clock.h"
#include "proto/common/v1/control.pb.h"

namespace sct::sim {

// Metadata keys the simulator sends and reads.
inline constexpr char kActorMetadata[] = "sct-actor";
inline constexpr char kStepMetadata[] = "sct-step";

struct SimOptions {
  std::string actor_id;
  const Clock* base_clock = &RealClock::Get();
  RecorderOptions recorder;
};

// What an outbound call to one peer suffers (see SimState::DecideFault).
struct FaultDecision {
  bool matched = false;  // some LinkFault applied
  absl::Duration delay = absl::ZeroDuration();
  bool drop = false;
  bool duplicate = false;
};

class SimState {
 public:
  explicit SimState(SimOptions options);

  const std::string& actor_id() const { return actor_id_; }
  SimClock& clock() { return clock_; }
  const SimClock& clock() const { return clock_; }
  Recorder& recorder() { return recorder_; }

  // Replaces the link faults. INVALID_ARGUMENT (reason "invalid_field",
  // naming e.g. "faults[1].drop_probability") for an empty peer, a
  // probability outside [0, 1] or NaN, or a negative or over-60 s delay.
  absl::Status SetLinkFaults(const std::vector<::common::v1::LinkFault>& faults);
  // The first fault whose peer is `peer_name`, `target` ("host:port") or "*"
  // decides, drawing from that fault's PRNG (seeded with its `seed`).
  FaultDecision DecideFault(absl::string_view peer_name, absl::string_view target);

  // Inbound calls of the main services fail while Now() < until; nullopt
  // ends the outage.
  void SetOutage(std::optional<absl::Time> until);
  bool InOutage() const;

  // The step of the inbound call this thread serves (set by the server
  // interceptor; empty clears it). Also remembered as the process's last step.
  void SetThreadStep(absl::string_view step);
  // This thread's step, else the last step the process saw, else "".
  std::string CurrentStep() const;

  // How many entries the service's growing containers hold, by name (e.g.
  // "inbox_messages"), for SimControl.GetMemory: main.cc adds a reporter
  // that reads them from its logic; Sizes() calls every reporter.
  using SizeReporter = std::function<std::vector<std::pair<std::string, uint64_t>>()>;
  void AddSizeReporter(SizeReporter reporter);
  std::vector<std::pair<std::string, uint64_t>> Sizes() const;

 private:
  struct ActiveFault {
    ::common::v1::LinkFault fault;
    absl::Duration delay;
    std::mt19937_64 rng;
  };

  const std::string actor_id_;
  SimClock clock_;
  Recorder recorder_;

  mutable absl::Mutex mu_;
  std::vector<ActiveFault> faults_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Time> outage_until_ ABSL_GUARDED_BY(mu_);
  std::string last_step_ ABSL_GUARDED_BY(mu_);
  std::vector<SizeReporter> size_reporters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sct::sim

#endif  // SCT_SIM_SIM_STATE_H_
