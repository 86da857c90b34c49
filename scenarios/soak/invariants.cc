#include "scenarios/soak/invariants.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace sct::soak {

int FaultTimeline::Begin(absl::Time start, std::string kind, std::string target,
                         std::string detail) {
  absl::MutexLock lock(&mu_);
  events_.push_back(
      FaultEvent{start, std::nullopt, std::move(kind), std::move(target), std::move(detail)});
  return static_cast<int>(events_.size()) - 1;
}

void FaultTimeline::End(int index, absl::Time end, const std::string& more_detail) {
  absl::MutexLock lock(&mu_);
  if (index < 0 || index >= static_cast<int>(events_.size())) return;
  events_[index].end = end;
  if (!more_detail.empty()) absl::StrAppend(&events_[index].detail, "; ", more_detail);
}

ErrorClass ClassifyError(const std::string& error) {
  // The outermost status is the first code in the text ("share: UNAVAILABLE:
  // ... last error: UNKNOWN: ..." is UNAVAILABLE).
  static const std::pair<const char*, ErrorClass> kCodes[] = {
      {"UNAVAILABLE:", ErrorClass::kTransient},
      {"DEADLINE_EXCEEDED:", ErrorClass::kTransient},
      {"CANCELLED:", ErrorClass::kTransient},
      {"ABORTED:", ErrorClass::kTransient},
      {"RESOURCE_EXHAUSTED:", ErrorClass::kNever},
      {"INTERNAL:", ErrorClass::kNever},
      {"UNKNOWN:", ErrorClass::kNever},
      {"INVALID_ARGUMENT:", ErrorClass::kNever},
      {"UNIMPLEMENTED:", ErrorClass::kNever},
      {"DATA_LOSS:", ErrorClass::kNever},
      {"OUT_OF_RANGE:", ErrorClass::kNever},
      {"PERMISSION_DENIED:", ErrorClass::kState},
      {"FAILED_PRECONDITION:", ErrorClass::kState},
      {"NOT_FOUND:", ErrorClass::kState},
      {"ALREADY_EXISTS:", ErrorClass::kState},
      {"UNAUTHENTICATED:", ErrorClass::kState},
      {"no link in", ErrorClass::kTransient},
      {"no answer from", ErrorClass::kTransient},
      {"ACCEPT_AWAITING_SENDER", ErrorClass::kTransient}};
  size_t first = std::string::npos;
  ErrorClass c = ErrorClass::kState;
  for (const auto& [code, cls] : kCodes) {
    const size_t at = error.find(code);
    if (at < first) {
      first = at;
      c = cls;
    }
  }
  return c;
}

std::string FaultTimeline::Explain(absl::Time from, absl::Time to, const std::string& error) const {
  const ErrorClass c = ClassifyError(error);
  if (c == ErrorClass::kNever) return "";
  absl::MutexLock lock(&mu_);
  const FaultEvent* best = nullptr;
  for (const FaultEvent& e : events_) {
    if (c == ErrorClass::kState && e.kind != "kill_restart" && e.kind != "redis_restart" &&
        e.kind != "clock_skew") {
      continue;
    }
    const absl::Time until = e.end.has_value() ? *e.end + grace_ : absl::InfiniteFuture();
    if (e.start > to || from > until) continue;
    const bool named = absl::StrContains(error, e.target);
    if (best == nullptr || named || !absl::StrContains(error, best->target)) best = &e;
  }
  return best == nullptr ? "" : absl::StrCat(best->kind, " ", best->target);
}

std::vector<FaultEvent> FaultTimeline::Events() const {
  absl::MutexLock lock(&mu_);
  return events_;
}

int FaultTimeline::Restarts(const std::string& target) const {
  absl::MutexLock lock(&mu_);
  int n = 0;
  for (const FaultEvent& e : events_) {
    n += (e.kind == "kill_restart" || e.kind == "redis_restart") && e.target == target &&
         e.end.has_value();
  }
  return n;
}

void InvariantBook::Held(const std::string& invariant) {
  absl::MutexLock lock(&mu_);
  ++checks_[invariant];
}

void InvariantBook::Violated(absl::Time at, const std::string& invariant,
                             const std::string& detail) {
  absl::MutexLock lock(&mu_);
  ++checks_[invariant];
  violations_.push_back(Violation{at, invariant, detail});
}

void InvariantBook::FlowOk(const std::string& flow) {
  absl::MutexLock lock(&mu_);
  ++flows_ok_[flow];
}

bool InvariantBook::FlowFailed(const std::string& flow, absl::Time from, absl::Time to,
                               const std::string& error) {
  std::string why = timeline_->Explain(from, to, error);
  absl::MutexLock lock(&mu_);
  errors_.push_back(FlowError{to, flow, error, why});
  return !why.empty();
}

void InvariantBook::RevocationLatency(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  revocation_ms_.push_back(absl::ToDoubleMilliseconds(d));
}

std::map<std::string, int64_t> InvariantBook::Checks() const {
  absl::MutexLock lock(&mu_);
  return checks_;
}

std::vector<Violation> InvariantBook::Violations() const {
  absl::MutexLock lock(&mu_);
  return violations_;
}

std::vector<FlowError> InvariantBook::Errors() const {
  absl::MutexLock lock(&mu_);
  return errors_;
}

std::map<std::string, int64_t> InvariantBook::FlowsOk() const {
  absl::MutexLock lock(&mu_);
  return flows_ok_;
}

std::vector<double> InvariantBook::RevocationLatenciesMs() const {
  absl::MutexLock lock(&mu_);
  return revocation_ms_;
}

int64_t InvariantBook::Unexpected() const {
  absl::MutexLock lock(&mu_);
  int64_t n = 0;
  for (const FlowError& e : errors_) n += e.explained_by.empty();
  return n;
}

void MailboxLedger::Acknowledge(const std::string& id, Entry entry) {
  absl::MutexLock lock(&mu_);
  entries_[id] = std::move(entry);
}

void MailboxLedger::Bound(const std::string& id, const std::string& receiver_claim) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it != entries_.end()) it->second.receiver_claim = receiver_claim;
}

void MailboxLedger::Deleted(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it != entries_.end()) it->second.deleted = true;
}

std::vector<std::string> MailboxLedger::Live(absl::Time now) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> ids;
  for (const auto& [id, e] : entries_) {
    if (!e.deleted && now < e.expires) ids.push_back(id);
  }
  return ids;
}

std::optional<MailboxLedger::Entry> MailboxLedger::Get(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

std::string MailboxLedger::JudgeRead(const std::string& id, absl::Time now,
                                     const absl::StatusOr<std::string>& payload) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return "";
  const Entry& e = it->second;
  if (e.deleted || now >= e.expires) return "";
  if (!payload.ok()) {
    if (payload.status().code() != absl::StatusCode::kNotFound) return "";
    return absl::StrCat("mailbox ", id, " acknowledged, live until ", absl::FormatTime(e.expires),
                        ", read NOT_FOUND: ", payload.status().message());
  }
  if (*payload != e.payload) {
    return absl::StrCat("mailbox ", id, " read back another payload (", payload->size(),
                        " bytes, acknowledged ", e.payload.size(), ")");
  }
  return "";
}

void ShareLedger::Acknowledge(const Source& source, const std::string& share_id) {
  absl::MutexLock lock(&mu_);
  acked_[source].insert(share_id);
}

std::vector<ShareLedger::Source> ShareLedger::Sources() const {
  absl::MutexLock lock(&mu_);
  std::vector<Source> out;
  for (const auto& [s, ids] : acked_) out.push_back(s);
  return out;
}

std::set<std::string> ShareLedger::Acked(const Source& source) const {
  absl::MutexLock lock(&mu_);
  auto it = acked_.find(source);
  return it == acked_.end() ? std::set<std::string>() : it->second;
}

std::vector<std::pair<std::string, std::string>> ShareLedger::Judge(
    const std::string& device, const std::set<std::string>& acked,
    const std::vector<Listed>& listed, std::map<std::string, int>* held) {
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string> seen;
  for (const Listed& l : listed) {
    seen.insert(l.share_id);
    const uint32_t allowed = l.max_redemptions == 0 ? 1 : l.max_redemptions;
    if (l.redemptions > allowed || l.issued_credentials > static_cast<int>(allowed)) {
      out.emplace_back(
          kSingleRedemption,
          absl::StrCat("share ", l.share_id, " redeemed ", l.redemptions, " times, ",
                       l.issued_credentials, " credentials issued, allowed ", allowed));
    } else {
      ++(*held)[kSingleRedemption];
    }
  }
  for (const std::string& id : acked) {
    if (seen.count(id) == 0) {
      out.emplace_back(kLedgerDurable, absl::StrCat("share ", id, " acknowledged to ", device,
                                                    " is missing from ListShares"));
    } else {
      ++(*held)[kLedgerDurable];
    }
  }
  return out;
}

std::string NobodyRedeemed(const std::vector<std::pair<std::string, std::string>>& results) {
  std::vector<std::pair<std::string, std::string>> ordered = results;
  std::stable_partition(ordered.begin(), ordered.end(), [](const auto& r) {
    return !absl::StrContains(r.second, "mailbox_claimed");
  });
  std::string out = "nobody redeemed:";
  for (size_t i = 0; i < ordered.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? " " : "; ", ordered[i].second, " (", ordered[i].first, ")");
  }
  return out;
}

std::string JudgeRace(const std::string& what, int winners, int contenders) {
  if (winners <= 1) return "";
  return absl::StrCat(what, ": ", winners, " of ", contenders, " contenders won");
}

bool RevocationWatch::Observe(absl::Time at, Outcome outcome) {
  if (denied_at_.has_value() || violated_) return true;
  switch (outcome) {
    case Outcome::kDenied:
      denied_at_ = at;
      return true;
    case Outcome::kGranted:
      last_granted_ = at;
      if (at > acked_ + bound_) {
        violated_ = true;
        return true;
      }
      return false;
    case Outcome::kTransient:
      return false;
  }
  return false;
}

std::string RevocationWatch::Describe() const {
  if (violated_) {
    return absl::StrCat("granted ", absl::FormatDuration(*last_granted_ - acked_),
                        " after the revocation was acknowledged (bound ",
                        absl::FormatDuration(bound_), ")");
  }
  if (denied_at_.has_value()) return absl::StrCat("denied after ", absl::FormatDuration(latency()));
  if (last_granted_.has_value()) {
    return absl::StrCat("still granted ", absl::FormatDuration(*last_granted_ - acked_),
                        " after the revocation, then no answer");
  }
  return "no answer from the access point";
}

}  // namespace sct::soak
