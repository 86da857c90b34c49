// What access points learn about revocations: the signed revocation list
// (every entry still relevant: credential or pending share not yet past its
// validity), signed deltas between two list versions, and the live watch
// stream that sends a delta as soon as a revocation commits.
//
// Lists are signed over "sct-revocation-list-v1\0" || body and deltas over
// "sct-revocation-delta-v1\0" || body (ECDSA P-256, DER). Publish() is how the
// service reports a committed version: watches wait on a condition variable,
// never poll the ledger. Heartbeat pacing uses wall time (transport pacing);
// the times inside lists use the injected clock.
//
// Thread-safety: thread-safe; Watch runs on the caller's thread until the
// stream ends. Ownership: borrows the ledger, the clock and the signing key.
// Errors: Watch: OUT_OF_RANGE "unknown_revocation_version" (from_version
// ahead of the authority), UNAVAILABLE "shutting_down" after Shutdown(),
// CANCELLED when `cancelled` says so; INTERNAL on a crypto failure; the
// ledger's errors.
#ifndef SCT_CREDENTIAL_AUTHORITY_REVOCATION_FEED_H_
#define SCT_CREDENTIAL_AUTHORITY_REVOCATION_FEED_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "credential_authority/ledger.h"
#include "crypto/ecdsa.h"
#include "proto/credential_authority/v1/credential_authority.pb.h"

namespace sct::ca {

struct RevocationFeedOptions {
  std::string authority_id = "ca";
  // Id of the signing key, carried by every list and delta.
  std::string key_id;
  // Body.next_update = issued_at + this.
  absl::Duration list_ttl = absl::Hours(1);
  // Heartbeat when the watcher asks for none; the shortest allowed is 100 ms.
  absl::Duration default_heartbeat = absl::Seconds(10);
  // A watch starting more than this many versions behind gets the full list
  // first instead of a delta (CaServiceOptions.max_revocation_delta_versions).
  uint64_t max_delta_versions = 1024;
};

class RevocationFeed {
 public:
  // Starts at the ledger's current version (0 if it cannot be read).
  RevocationFeed(Ledger* ledger, const Clock* clock, const crypto::EcdsaP256PrivateKey* signing_key,
                 RevocationFeedOptions options);

  // The full list at the ledger's current version.
  absl::StatusOr<credential_authority::v1::SignedRevocationList> MakeList();
  // The entries of versions (from_version, to_version].
  absl::StatusOr<credential_authority::v1::SignedRevocationDelta> MakeDelta(uint64_t from_version,
                                                                            uint64_t to_version);

  // A revocation committed list version `version`: wakes the watches.
  void Publish(uint64_t version);
  // The latest version published (or read at construction).
  uint64_t version() const;

  // Streams to one watcher: first a snapshot (from_version 0), a delta
  // (from_version behind) or a heartbeat (up to date); then a delta after
  // each Publish and a heartbeat every `heartbeat` (zero: the default).
  // Returns OK when `send` returns false (the watcher left).
  absl::Status Watch(
      uint64_t from_version, absl::Duration heartbeat,
      const std::function<bool(const credential_authority::v1::RevocationUpdate&)>& send,
      const std::function<bool()>& cancelled);

  // Wakes and ends every watch; later watches end at once.
  void Shutdown();

 private:
  // The first update of a watch from `*known`, which it advances.
  absl::StatusOr<credential_authority::v1::RevocationUpdate> FirstUpdate(uint64_t current,
                                                                         uint64_t* known);

  Ledger* const ledger_;
  const Clock* const clock_;
  const crypto::EcdsaP256PrivateKey* const signing_key_;
  const RevocationFeedOptions options_;

  mutable absl::Mutex mu_;
  absl::CondVar changed_;
  uint64_t version_ ABSL_GUARDED_BY(mu_) = 0;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_REVOCATION_FEED_H_
