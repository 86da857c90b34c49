#include "relay/redis/redis_steps.h"

#include <utility>

namespace sct::relay {

RedisRelaySteps::RedisRelaySteps(RedisMailboxStore* store, RedisEventLimiter* creates,
                                 RedisEventLimiter* failed_lookups, RedisDeleteLog* deletes)
    : store_(store),
      creates_(creates),
      failed_lookups_(failed_lookups),
      deletes_(deletes),
      composed_(store, creates, failed_lookups, deletes),
      single_node_(!store->cluster()) {}

absl::StatusOr<LimitedInsertResult> RedisRelaySteps::LimitedInsert(
    absl::string_view client, const Mailbox& mailbox, absl::string_view create_key) {
  std::optional<RedisLimiterGate> gate = creates_->Gate(client);
  if (!single_node_ || !gate.has_value()) {
    if (!gate.has_value()) {  // no limit: the plain insert is one script too
      absl::StatusOr<InsertResult> inserted = store_->Insert(mailbox, create_key);
      if (!inserted.ok()) return inserted.status();
      return LimitedInsertResult{false, *std::move(inserted)};
    }
    return composed_.LimitedInsert(client, mailbox, create_key);
  }
  absl::StatusOr<RedisMailboxStore::GatedInsert> r =
      store_->InsertGated(mailbox, create_key, *gate);
  if (!r.ok()) return r.status();
  return LimitedInsertResult{r->limited, std::move(r->insert)};
}

absl::StatusOr<LimitedGetResult> RedisRelaySteps::LimitedGet(absl::string_view client,
                                                             absl::string_view id,
                                                             absl::Time now) {
  std::optional<RedisLimiterGate> gate = failed_lookups_->Gate(client);
  LimitedGetResult result;
  absl::StatusOr<Mailbox> m;
  if (!gate.has_value()) {  // no limit: a plain GET
    m = store_->Get(id, now);
  } else if (!single_node_) {
    return composed_.LimitedGet(client, id, now);
  } else {
    absl::StatusOr<RedisMailboxStore::GetWithResult> r =
        store_->GetWith(gate->counter_key, id, now);
    if (!r.ok()) return r.status();
    if (failed_lookups_->ExhaustedForValue(r->other, gate->now_ms) > 0) {
      result.outcome = LimitedGetResult::Outcome::kLimited;
      return result;
    }
    m = std::move(r->mailbox);
  }
  if (absl::IsNotFound(m.status())) return result;  // kNotFound
  if (!m.ok()) return m.status();
  result.outcome = LimitedGetResult::Outcome::kFound;
  result.mailbox = *std::move(m);
  return result;
}

absl::Status RedisRelaySteps::DeleteAndLog(absl::string_view id, int64_t expected_version,
                                           absl::string_view request_key) {
  if (request_key.empty()) return store_->Delete(id, expected_version);
  // The log entry is the mailbox's tombstone: one script also on a cluster.
  return store_->DeleteAndLog(id, expected_version, request_key, deletes_->ttl_ms());
}

}  // namespace sct::relay
