#include "credential_authority/revocation_feed.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "credential_authority/signed_bytes.h"

namespace sct::ca {
namespace {

namespace cav1 = ::credential_authority::v1;

constexpr absl::Duration kMinHeartbeat = absl::Milliseconds(100);
// How often an idle watch checks whether its watcher left.
constexpr absl::Duration kCancelPoll = absl::Milliseconds(200);

}  // namespace

RevocationFeed::RevocationFeed(Ledger* ledger, const Clock* clock,
                               const crypto::EcdsaP256PrivateKey* signing_key,
                               RevocationFeedOptions options)
    : ledger_(ledger), clock_(clock), signing_key_(signing_key), options_(std::move(options)) {
  absl::StatusOr<uint64_t> v = ledger_->RevocationVersion();
  absl::MutexLock lock(&mu_);
  version_ = v.ok() ? *v : 0;
}

absl::StatusOr<cav1::SignedRevocationList> RevocationFeed::MakeList() {
  const absl::Time now = LedgerTime(clock_->Now());
  ASSIGN_OR_RETURN(uint64_t version, ledger_->RevocationVersion());
  ASSIGN_OR_RETURN(std::vector<cav1::RevocationEntry> entries, ledger_->RevocationsAfter(0, now));
  cav1::RevocationListBody body;
  body.set_authority_id(options_.authority_id);
  body.set_version(version);
  *body.mutable_issued_at() = ToProtoTimestamp(now);
  *body.mutable_next_update() = ToProtoTimestamp(LedgerTime(now + options_.list_ttl));
  for (auto& e : entries) {
    if (e.version() <= version) *body.add_entries() = std::move(e);
  }
  cav1::SignedRevocationList list;
  list.set_body(body.SerializeAsString());
  ASSIGN_OR_RETURN(*list.mutable_signature(),
                   SignWithContext(*signing_key_, kRevocationListContext, list.body()));
  list.set_key_id(options_.key_id);
  return list;
}

absl::StatusOr<cav1::SignedRevocationDelta> RevocationFeed::MakeDelta(uint64_t from_version,
                                                                      uint64_t to_version) {
  const absl::Time now = LedgerTime(clock_->Now());
  ASSIGN_OR_RETURN(std::vector<cav1::RevocationEntry> entries,
                   ledger_->RevocationsAfter(from_version, absl::InfinitePast()));
  cav1::RevocationDeltaBody body;
  body.set_authority_id(options_.authority_id);
  body.set_from_version(from_version);
  body.set_to_version(to_version);
  *body.mutable_issued_at() = ToProtoTimestamp(now);
  *body.mutable_next_update() = ToProtoTimestamp(LedgerTime(now + options_.list_ttl));
  for (auto& e : entries) {
    if (e.version() <= to_version) *body.add_entries() = std::move(e);
  }
  cav1::SignedRevocationDelta delta;
  delta.set_body(body.SerializeAsString());
  ASSIGN_OR_RETURN(*delta.mutable_signature(),
                   SignWithContext(*signing_key_, kRevocationDeltaContext, delta.body()));
  delta.set_key_id(options_.key_id);
  return delta;
}

void RevocationFeed::Publish(uint64_t version) {
  absl::MutexLock lock(&mu_);
  if (version > version_) {
    version_ = version;
    changed_.SignalAll();
  }
}

uint64_t RevocationFeed::version() const {
  absl::MutexLock lock(&mu_);
  return version_;
}

void RevocationFeed::Shutdown() {
  absl::MutexLock lock(&mu_);
  shutdown_ = true;
  changed_.SignalAll();
}

absl::StatusOr<cav1::RevocationUpdate> RevocationFeed::FirstUpdate(uint64_t current,
                                                                   uint64_t* known) {
  cav1::RevocationUpdate first;
  if (*known == 0 || current - std::min(current, *known) > options_.max_delta_versions) {
    ASSIGN_OR_RETURN(*first.mutable_snapshot(), MakeList());
    cav1::RevocationListBody body;
    body.ParseFromString(first.snapshot().body());
    *known = body.version();
  } else if (*known < current) {
    ASSIGN_OR_RETURN(*first.mutable_delta(), MakeDelta(*known, current));
    *known = current;
  } else {
    first.set_heartbeat_version(*known);
  }
  return first;
}

absl::Status RevocationFeed::Watch(uint64_t from_version, absl::Duration heartbeat,
                                   const std::function<bool(const cav1::RevocationUpdate&)>& send,
                                   const std::function<bool()>& cancelled) {
  ASSIGN_OR_RETURN(uint64_t current, ledger_->RevocationVersion());
  if (from_version > current) {
    return MakeError(absl::StatusCode::kOutOfRange, "unknown_revocation_version",
                     "from_version is ahead of the authority");
  }
  if (heartbeat <= absl::ZeroDuration()) heartbeat = options_.default_heartbeat;
  heartbeat = std::max(heartbeat, kMinHeartbeat);
  uint64_t known = from_version;
  ASSIGN_OR_RETURN(cav1::RevocationUpdate first, FirstUpdate(current, &known));
  if (!send(first)) return absl::OkStatus();
  absl::Time last_sent = absl::Now();  // pacing only, not a protocol time
  while (true) {
    uint64_t target;
    {
      absl::MutexLock lock(&mu_);
      absl::Duration wait = std::min(kCancelPoll, last_sent + heartbeat - absl::Now());
      if (!shutdown_ && version_ <= known && wait > absl::ZeroDuration()) {
        changed_.WaitWithTimeout(&mu_, wait);
      }
      if (shutdown_) {
        return MakeError(absl::StatusCode::kUnavailable, "shutting_down",
                         "authority is shutting down");
      }
      target = version_;
    }
    if (cancelled()) return absl::CancelledError("watch cancelled");
    cav1::RevocationUpdate update;
    if (target > known) {
      ASSIGN_OR_RETURN(*update.mutable_delta(), MakeDelta(known, target));
      known = target;
    } else if (absl::Now() - last_sent >= heartbeat) {
      update.set_heartbeat_version(known);
    } else {
      continue;
    }
    if (!send(update)) return absl::OkStatus();
    last_sent = absl::Now();
  }
}

}  // namespace sct::ca
