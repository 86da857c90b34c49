// The soak's bookkeeping, free of any transport: the fault timeline (which
// fault was active when), the ledger of mailboxes the relay acknowledged, the
// shares the authority acknowledged, the race and revocation checks, and the
// book that counts every check, every violation and every flow error (each
// either explained by a fault or unexpected). The soak's drivers feed it what
// they observe through the contracts; tests feed it fakes.
//
// Thread-safety: FaultTimeline and InvariantBook are thread-safe (one mutex
// each); MailboxLedger and ShareLedger too. Times are passed in (the caller's
// clock), never read here.
#ifndef SCT_SCENARIOS_SOAK_INVARIANTS_H_
#define SCT_SCENARIOS_SOAK_INVARIANTS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sct::soak {

// One injected fault: [start, end] (end unset while it lasts).
struct FaultEvent {
  absl::Time start;
  std::optional<absl::Time> end;
  // "kill_restart", "redis_restart", "link_drop", "link_delay", "clock_skew"
  std::string kind;
  std::string target;  // service name
  std::string detail;  // e.g. "drop 0.30 to *" or the restart's error
};

class FaultTimeline {
 public:
  // `grace`: how long after a fault ends an error may still be its effect
  // (reconnect back-off, a retry that was already in flight).
  explicit FaultTimeline(absl::Duration grace) : grace_(grace) {}

  // Records a fault starting at `start`; returns its index for End().
  int Begin(absl::Time start, std::string kind, std::string target, std::string detail);
  void End(int index, absl::Time end, const std::string& more_detail = "");
  // The fault that explains `error` seen by a flow that ran [from, to], as
  // "kind target"; "" when none does. A fault explains it when its window
  // [start, end + grace] (open: no end yet) overlaps [from, to] and it can
  // cause that kind of error (ClassifyError). Of several, the report names
  // one whose target the error text names, else the latest.
  std::string Explain(absl::Time from, absl::Time to, const std::string& error) const;
  std::vector<FaultEvent> Events() const;
  // Completed restarts of `target` so far (a kill_restart or redis_restart
  // counts once it ended: the service is back, or failed to come back).
  int Restarts(const std::string& target) const;

 private:
  const absl::Duration grace_;
  mutable absl::Mutex mu_;
  std::vector<FaultEvent> events_ ABSL_GUARDED_BY(mu_);
};

// What can explain a flow error, from the first status code in its text
// (the outermost status):
//   kTransient (UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, ABORTED, a link
//     that never arrived, an access point that never answered, a
//     multi-round receiver still awaiting the sender: a lost push): any fault;
//   kState (PERMISSION_DENIED, FAILED_PRECONDITION, NOT_FOUND,
//     ALREADY_EXISTS, UNAUTHENTICATED, an unexpected outcome): a kill and
//     restart (state lost in flight, a retry after the fact) or a clock skew;
//   kNever (RESOURCE_EXHAUSTED, INTERNAL, UNKNOWN, INVALID_ARGUMENT,
//     UNIMPLEMENTED, DATA_LOSS, OUT_OF_RANGE): no fault; always unexpected.
enum class ErrorClass { kTransient, kState, kNever };
ErrorClass ClassifyError(const std::string& error);

// A violation of an invariant: the invariant's name and what was seen.
struct Violation {
  absl::Time at;
  std::string invariant;
  std::string detail;
};

// A flow error, with the fault that explains it ("" when none: unexpected).
struct FlowError {
  absl::Time at;
  std::string flow;
  std::string error;
  std::string explained_by;
};

// The invariants the soak checks (names used in the report).
inline constexpr char kMailboxDurable[] = "acknowledged_mailbox_readable";
inline constexpr char kLedgerDurable[] = "acknowledged_share_in_ledger";
inline constexpr char kSingleBinding[] = "single_binding";
inline constexpr char kSingleRedemption[] = "single_redemption";
inline constexpr char kRevocationBound[] = "revoked_denied_within_bound";

class InvariantBook {
 public:
  explicit InvariantBook(const FaultTimeline* timeline) : timeline_(timeline) {}

  // One check of `invariant` that held.
  void Held(const std::string& invariant);
  void Violated(absl::Time at, const std::string& invariant, const std::string& detail);
  // A flow of kind `flow` that ran [from, to] and completed.
  void FlowOk(const std::string& flow);
  // A flow of kind `flow` that ran [from, to] and failed with `error`;
  // returns whether a fault explains it.
  bool FlowFailed(const std::string& flow, absl::Time from, absl::Time to,
                  const std::string& error);
  // A measured revocation latency (acknowledged -> first denial).
  void RevocationLatency(absl::Duration d);

  std::map<std::string, int64_t> Checks() const;
  std::vector<Violation> Violations() const;
  std::vector<FlowError> Errors() const;
  std::map<std::string, int64_t> FlowsOk() const;
  std::vector<double> RevocationLatenciesMs() const;
  int64_t Unexpected() const;

 private:
  const FaultTimeline* timeline_;
  mutable absl::Mutex mu_;
  std::map<std::string, int64_t> checks_ ABSL_GUARDED_BY(mu_);
  std::vector<Violation> violations_ ABSL_GUARDED_BY(mu_);
  std::vector<FlowError> errors_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> flows_ok_ ABSL_GUARDED_BY(mu_);
  std::vector<double> revocation_ms_ ABSL_GUARDED_BY(mu_);
};

// Mailboxes the relay acknowledged (CreateMailbox answered OK): each must
// stay readable, with the same payload, until its expiry or an acknowledged
// deletion.
class MailboxLedger {
 public:
  struct Entry {
    std::string sender_claim;
    std::string receiver_claim;  // the claim the binding race bound ("" none yet)
    std::string payload;
    absl::Time expires;
    bool deleted = false;
  };

  void Acknowledge(const std::string& id, Entry entry);
  void Bound(const std::string& id, const std::string& receiver_claim);
  void Deleted(const std::string& id);
  // Ids that must still be readable at `now`.
  std::vector<std::string> Live(absl::Time now) const;
  std::optional<Entry> Get(const std::string& id) const;
  // Judges a read of `id` at `now` that returned `payload` (or an error):
  // "" when it is consistent with the ledger; otherwise what is wrong
  // (NOT_FOUND of a live mailbox, or another payload). Errors other than
  // NOT_FOUND are not judged here (they are flow errors).
  std::string JudgeRead(const std::string& id, absl::Time now,
                        const absl::StatusOr<std::string>& payload) const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

// Shares the authority acknowledged (ShareCredential answered OK), per
// (device, persona credential) the sender lists them from.
class ShareLedger {
 public:
  struct Source {
    std::string device;
    std::string credential_id;
    bool operator<(const Source& o) const {
      return device != o.device ? device < o.device : credential_id < o.credential_id;
    }
  };
  // What ListShares answered for one share.
  struct Listed {
    std::string share_id;
    uint32_t redemptions = 0;
    uint32_t max_redemptions = 0;
    int issued_credentials = 0;
  };

  void Acknowledge(const Source& source, const std::string& share_id);
  std::vector<Source> Sources() const;
  // The shares acknowledged so far for `source`: take it BEFORE listing, so
  // a share acknowledged while the listing runs is not expected in it.
  std::set<std::string> Acked(const Source& source) const;
  // Violations (invariant, detail) in one listing by `device`: an
  // acknowledged share missing (kLedgerDurable), or a share redeemed more
  // often than allowed or with more credentials issued than redemptions
  // allowed (kSingleRedemption). Counts the checks that held, per
  // invariant, in *held.
  static std::vector<std::pair<std::string, std::string>> Judge(const std::string& device,
                                                                const std::set<std::string>& acked,
                                                                const std::vector<Listed>& listed,
                                                                std::map<std::string, int>* held);

 private:
  mutable absl::Mutex mu_;
  std::map<Source, std::set<std::string>> acked_ ABSL_GUARDED_BY(mu_);
};

// A race of `contenders` for one thing that must be won at most once (a
// mailbox binding, a share redemption): "" when at most one won, else the
// violation text.
std::string JudgeRace(const std::string& what, int winners, int contenders);

// The error of a redemption race nobody won, from each contender's result
// (`name` -> its error): the contender refused the binding ("mailbox_claimed",
// the loser by design) comes last, so the error classified (the first status
// code in the text) is the one that ended the race, e.g. the binder's
// UNAVAILABLE under a link fault.
std::string NobodyRedeemed(const std::vector<std::pair<std::string, std::string>>& results);

// Watches one revoked credential being used after the revocation was
// acknowledged at `acked`: a grant later than acked + bound is a violation.
class RevocationWatch {
 public:
  enum class Outcome { kGranted, kDenied, kTransient };
  RevocationWatch(absl::Time acked, absl::Duration bound) : acked_(acked), bound_(bound) {}

  // Feeds one use at `at`; returns true once the watch is decided (denied,
  // or granted past the bound).
  bool Observe(absl::Time at, Outcome outcome);
  // Whether the time allowed for a decision (bound + `slack`) has run out.
  bool TimedOut(absl::Time now, absl::Duration slack) const {
    return now > acked_ + bound_ + slack;
  }
  bool violated() const { return violated_; }
  bool denied() const { return denied_at_.has_value(); }
  absl::Duration latency() const { return denied_at_.value_or(acked_) - acked_; }
  std::string Describe() const;

 private:
  const absl::Time acked_;
  const absl::Duration bound_;
  std::optional<absl::Time> denied_at_;
  std::optional<absl::Time> last_granted_;
  bool violated_ = false;
};

}  // namespace sct::soak

#endif  // SCT_SCENARIOS_SOAK_INVARIANTS_H_
