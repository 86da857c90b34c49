// The wallet's retention policy: what a device forgets, and when, so that its
// state (and the memory it is loaded into) is bounded by what is live plus
// one retention period of history, not by everything it ever received.
//
// PruneWallet, given the time and the retention period:
// - stamps `finished_at` on every exchange that is finished (the caller's
//   predicate: provisioned, cancelled, relinquished, expired, claimed by
//   another, failed) and has none yet, and removes every exchange whose
//   `finished_at` is at least `retention` old;
// - removes every credential known to be revoked (`revoked_at`) or expired
//   (`validity.not_after`) at least `retention` ago, unless an unfinished
//   exchange still names it, together with the wallet's record of its key
//   (when nothing left names that key) and the share records made from it;
// - removes every share record (ShareMade) whose revocation by this persona
//   was acknowledged (`revoked_at`) at least `retention` ago, unless an
//   unfinished exchange still carries that share (without this a persona
//   whose credential lives on, an owner sharing and revoking again and
//   again, kept one record per share it ever made, and wrote them all with
//   every wallet write);
// - returns the secure-element handles (key pairs, symmetric keys) of what
//   it removed, for the caller to delete from the element.
// Live credentials, unfinished exchanges, keys not bound to a removed
// credential and the enrolment are never touched.
//
// A plain function over the state; thread-compatible (the caller locks).
// No error: an entry whose timestamp is unset is simply not yet due.
#ifndef SCT_DEVICE_WALLET_RETENTION_H_
#define SCT_DEVICE_WALLET_RETENTION_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "device/device_state.pb.h"

namespace sct::device {

// The default retention period of finished exchanges and dead credentials.
inline constexpr absl::Duration kDefaultWalletRetention = absl::Hours(1);

struct PruneResult {
  int exchanges_removed = 0;
  int credentials_removed = 0;
  int share_records_removed = 0;
  // Secure-element handles no record names any more.
  std::vector<std::string> element_handles;
  // Whether the state changed (a stamp or a removal): persist it.
  bool changed = false;
};

PruneResult PruneWallet(::device::state::WalletState& state, absl::Time now,
                        absl::Duration retention,
                        const std::function<bool(const ::device::state::MailboxEntry&)>& finished);

}  // namespace sct::device

#endif  // SCT_DEVICE_WALLET_RETENTION_H_
