// The knowledge-audit and trace record of one service process.
//
// A Recorder holds two things the scenario engine reads through
// common.v1.Audit:
//   - trace events (messages actually exchanged), numbered 1, 2, ... in the
//     order recorded, kept in a ring of at most `max_events` (oldest dropped);
//   - observations: for every value the service saw, an HMAC-SHA256
//     fingerprint keyed with the per-run audit key, grouped by (item,
//     fingerprint, where) with a count and the first time seen. Values are
//     never stored. At most `max_observations` distinct groups are kept;
//     further new groups are counted in dropped_observations();
//   - co-observations: the fingerprints one call carried together (its
//     caller's address included), grouped by (where, set) with a count: what
//     lets the service link values (the linkability audit).
// Until SetAuditKey is called only the trace is recorded (no key, no
// fingerprints). ResetAudit forgets the trace and the observations but keeps
// the key and the sequence counter (so `after_seq` polling stays valid).
//
// Thread-safe. The clock is not owned and must outlive the Recorder.
#ifndef SCT_SIM_RECORDER_H_
#define SCT_SIM_RECORDER_H_

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "proto/common/v1/audit.pb.h"

namespace sct::sim {

struct RecorderOptions {
  size_t max_events = 20000;
  size_t max_observations = 200000;
  size_t max_co_observations = 20000;
};

class Recorder {
 public:
  // `observer` is the actor id written into every Observation.
  Recorder(std::string observer, const Clock* clock, RecorderOptions options = {});

  // The lowercase hex HMAC-SHA256(key, value): what Observation.fingerprint
  // holds. INTERNAL with OpenSSL's text if OpenSSL fails.
  static absl::StatusOr<std::string> Fingerprint(absl::string_view key,
                                                 absl::string_view value);

  // INVALID_ARGUMENT (reason "invalid_field", field "key") unless exactly 32
  // bytes. Replaces any previous key; existing observations are kept.
  absl::Status SetAuditKey(absl::string_view key);
  bool has_audit_key() const;

  // Forgets trace events and observations (and the drop counters).
  void ResetAudit();

  // Appends `event` with the next sequence number (its `seq` is overwritten)
  // and returns that number.
  uint64_t RecordEvent(::common::v1::TraceEvent event);

  // Records that this service saw `value` (an empty value is ignored; so is
  // everything while no audit key is set). With `together`, also adds the
  // value's fingerprint to it (the values of one call, for ObserveTogether).
  void Observe(::common::v1::KnowledgeItem item, absl::string_view value,
               absl::string_view where, std::set<std::string>* together = nullptr);

  // Records that one call at `where` carried all of `fingerprints` (from
  // Observe's `together`); fewer than two are ignored. Grouped by (where,
  // set) with a count; at most `max_co_observations` groups, further new
  // ones are counted in dropped_observations().
  void ObserveTogether(const std::set<std::string>& fingerprints, absl::string_view where);

  // Events with seq > after_seq, in seq order.
  std::vector<::common::v1::TraceEvent> Trace(uint64_t after_seq) const;
  std::vector<::common::v1::Observation> Observations() const;
  std::vector<::common::v1::CoObservation> CoObservations() const;

  uint64_t dropped_events() const;
  // Trace events held now (at most max_events).
  size_t event_count() const;
  uint64_t dropped_observations() const;
  const std::string& observer() const { return observer_; }

 private:
  struct Seen {
    absl::Time first_seen;
    uint64_t count = 0;
  };
  using Key = std::tuple<int, std::string, std::string>;  // item, fingerprint, where

  const std::string observer_;
  const Clock* const clock_;
  const RecorderOptions options_;

  mutable absl::Mutex mu_;
  std::string key_ ABSL_GUARDED_BY(mu_);
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  std::deque<::common::v1::TraceEvent> events_ ABSL_GUARDED_BY(mu_);
  std::map<Key, Seen> observations_ ABSL_GUARDED_BY(mu_);
  // (where, fingerprints) -> calls.
  std::map<std::pair<std::string, std::set<std::string>>, uint64_t> co_observations_
      ABSL_GUARDED_BY(mu_);
  uint64_t dropped_events_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t dropped_observations_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sct::sim

#endif  // SCT_SIM_RECORDER_H_
