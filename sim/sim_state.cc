#include "sim/sim_state.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/proto_time.h"

namespace sct::sim {
namespace {

thread_local std::string t_step;

bool Draw(std::mt19937_64& rng, double p) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < p;
}

}  // namespace

SimState::SimState(SimOptions options)
    : actor_id_(std::move(options.actor_id)),
      clock_(options.base_clock),
      recorder_(actor_id_, &clock_, options.recorder) {}

absl::Status SimState::SetLinkFaults(const std::vector<::common::v1::LinkFault>& faults) {
  std::vector<ActiveFault> active;
  for (size_t i = 0; i < faults.size(); ++i) {
    const auto& f = faults[i];
    const std::string field = absl::StrCat("faults[", i, "]");
    if (f.peer().empty()) return InvalidField(field + ".peer", "required (an actor id, host:port or \"*\")");
    for (auto [name, p] : {std::pair<const char*, double>{"drop_probability", f.drop_probability()},
                           {"duplicate_probability", f.duplicate_probability()}}) {
      if (!(p >= 0.0 && p <= 1.0)) {
        return InvalidField(absl::StrCat(field, ".", name), "must be in [0, 1]");
      }
    }
    absl::Duration delay = absl::ZeroDuration();
    if (f.has_delay()) {
      absl::StatusOr<absl::Duration> d = FromProto(f.delay(), field + ".delay");
      if (!d.ok()) return d.status();
      if (*d < absl::ZeroDuration() || *d > absl::Seconds(60)) {
        return InvalidField(field + ".delay", "must be between 0 and 60s");
      }
      delay = *d;
    }
    active.push_back(ActiveFault{f, delay, std::mt19937_64(f.seed())});
  }
  absl::MutexLock lock(&mu_);
  faults_ = std::move(active);
  return absl::OkStatus();
}

FaultDecision SimState::DecideFault(absl::string_view peer_name, absl::string_view target) {
  absl::MutexLock lock(&mu_);
  for (ActiveFault& a : faults_) {
    const std::string& peer = a.fault.peer();
    if (peer != "*" && peer != peer_name && peer != target) continue;
    FaultDecision d;
    d.matched = true;
    d.delay = a.delay;
    d.drop = Draw(a.rng, a.fault.drop_probability());
    if (!d.drop) d.duplicate = Draw(a.rng, a.fault.duplicate_probability());
    return d;
  }
  return FaultDecision{};
}

void SimState::SetOutage(std::optional<absl::Time> until) {
  absl::MutexLock lock(&mu_);
  outage_until_ = until;
}

bool SimState::InOutage() const {
  std::optional<absl::Time> until;
  {
    absl::MutexLock lock(&mu_);
    until = outage_until_;
  }
  return until.has_value() && clock_.Now() < *until;
}

void SimState::SetThreadStep(absl::string_view step) {
  t_step = std::string(step);
  if (step.empty()) return;
  absl::MutexLock lock(&mu_);
  last_step_ = std::string(step);
}

std::string SimState::CurrentStep() const {
  if (!t_step.empty()) return t_step;
  absl::MutexLock lock(&mu_);
  return last_step_;
}

void SimState::AddSizeReporter(SizeReporter reporter) {
  absl::MutexLock lock(&mu_);
  size_reporters_.push_back(std::move(reporter));
}

std::vector<std::pair<std::string, uint64_t>> SimState::Sizes() const {
  std::vector<SizeReporter> reporters;
  {
    absl::MutexLock lock(&mu_);
    reporters = size_reporters_;
  }
  std::vector<std::pair<std::string, uint64_t>> sizes;
  for (const SizeReporter& reporter : reporters) {
    for (auto& entry : reporter()) sizes.push_back(std::move(entry));
  }
  return sizes;
}

}  // namespace sct::sim
