#include "device/wallet_retention.h"

#include <algorithm>
#include <set>
#include <string>

#include "common/proto_time.h"

namespace sct::device {
namespace {

namespace ds = ::device::state;

// Stamps newly finished exchanges and removes those finished `retention` ago.
void PruneExchanges(ds::PersonaRecord& persona, absl::Time now, absl::Duration retention,
                    const std::function<bool(const ds::MailboxEntry&)>& finished,
                    PruneResult& result) {
  auto* entries = persona.mutable_mailboxes();
  const int before = entries->size();
  for (ds::MailboxEntry& entry : *entries) {
    if (finished(entry) && !entry.has_finished_at()) {
      *entry.mutable_finished_at() = ToProtoTimestamp(now);
      result.changed = true;
    }
  }
  entries->erase(std::remove_if(entries->begin(), entries->end(),
                                [&](const ds::MailboxEntry& entry) {
                                  return entry.has_finished_at() && finished(entry) &&
                                         now - ToAbslTime(entry.finished_at()) >= retention;
                                }),
                 entries->end());
  const int removed = before - entries->size();
  result.exchanges_removed += removed;
  if (removed > 0) result.changed = true;
}

// Stamps `cred` the first time it is found past its not_after; whether it
// changed.
bool StampExpiry(ds::CredentialRecord& cred, absl::Time now) {
  const auto& validity = cred.credential().validity();
  if (cred.has_expired_seen_at() || !validity.has_not_after() ||
      now < ToAbslTime(validity.not_after())) {
    return false;
  }
  *cred.mutable_expired_seen_at() = ToProtoTimestamp(now);
  return true;
}

// Whether `cred` has been known dead (revoked or expired) for at least
// `retention`.
bool DeadLongEnough(const ds::CredentialRecord& cred, absl::Time now, absl::Duration retention) {
  if (cred.has_revoked_at() && now - ToAbslTime(cred.revoked_at()) >= retention) return true;
  return cred.has_expired_seen_at() && now - ToAbslTime(cred.expired_seen_at()) >= retention;
}

void PruneCredentials(ds::PersonaRecord& persona, absl::Time now, absl::Duration retention,
                      const std::function<bool(const ds::MailboxEntry&)>& finished,
                      PruneResult& result) {
  std::set<std::string> in_use;  // credentials and keys unfinished exchanges name
  for (const ds::MailboxEntry& entry : persona.mailboxes()) {
    if (finished(entry)) continue;
    in_use.insert(entry.credential_id());
    in_use.insert(entry.pending_key_id());
  }
  for (ds::CredentialRecord& cred : *persona.mutable_credentials()) {
    if (StampExpiry(cred, now)) result.changed = true;
  }
  std::set<std::string> removed_ids;
  std::set<std::string> candidate_keys;
  auto* creds = persona.mutable_credentials();
  creds->erase(std::remove_if(creds->begin(), creds->end(),
                              [&](const ds::CredentialRecord& cred) {
                                const std::string& id = cred.credential().credential_id();
                                if (in_use.count(id) > 0 || !DeadLongEnough(cred, now, retention)) {
                                  return false;
                                }
                                removed_ids.insert(id);
                                if (!cred.key_id().empty()) candidate_keys.insert(cred.key_id());
                                if (!cred.symmetric_handle().empty()) {
                                  result.element_handles.push_back(cred.symmetric_handle());
                                }
                                return true;
                              }),
               creds->end());
  if (removed_ids.empty()) return;
  result.changed = true;
  result.credentials_removed += removed_ids.size();
  for (const ds::CredentialRecord& cred : persona.credentials()) {
    candidate_keys.erase(cred.key_id());
  }
  for (const std::string& key : in_use) candidate_keys.erase(key);
  auto* keys = persona.mutable_keys();
  keys->erase(std::remove_if(
                  keys->begin(), keys->end(),
                  [&](const ds::KeyRecord& key) { return candidate_keys.count(key.key_id()) > 0; }),
              keys->end());
  result.element_handles.insert(result.element_handles.end(), candidate_keys.begin(),
                                candidate_keys.end());
  auto* shares = persona.mutable_shares();
  shares->erase(std::remove_if(shares->begin(), shares->end(),
                               [&](const ds::ShareMade& made) {
                                 return removed_ids.count(made.credential_id()) > 0;
                               }),
                shares->end());
}

// Removes the records of shares this persona revoked `retention` ago, unless
// an unfinished exchange still carries the share.
void PruneRevokedShares(ds::PersonaRecord& persona, absl::Time now, absl::Duration retention,
                        const std::function<bool(const ds::MailboxEntry&)>& finished,
                        PruneResult& result) {
  std::set<std::string> open;
  for (const ds::MailboxEntry& entry : persona.mailboxes()) {
    if (!finished(entry)) open.insert(entry.share_id());
  }
  auto* shares = persona.mutable_shares();
  const int before = shares->size();
  shares->erase(std::remove_if(shares->begin(), shares->end(),
                               [&](const ds::ShareMade& made) {
                                 return made.has_revoked_at() &&
                                        now - ToAbslTime(made.revoked_at()) >= retention &&
                                        open.count(made.share_id()) == 0;
                               }),
                shares->end());
  const int removed = before - shares->size();
  result.share_records_removed += removed;
  if (removed > 0) result.changed = true;
}

}  // namespace

PruneResult PruneWallet(ds::WalletState& state, absl::Time now, absl::Duration retention,
                        const std::function<bool(const ds::MailboxEntry&)>& finished) {
  PruneResult result;
  for (ds::PersonaRecord& persona : *state.mutable_personas()) {
    PruneExchanges(persona, now, retention, finished, result);
    PruneCredentials(persona, now, retention, finished, result);
    PruneRevokedShares(persona, now, retention, finished, result);
  }
  return result;
}

}  // namespace sct::device
