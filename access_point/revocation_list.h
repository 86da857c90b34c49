// The access point's copy of the authority's revocation list.
//
// Accepts only lists and deltas signed by the authority's revocation-signing
// key (ECDSA P-256/SHA-256 DER over "sct-revocation-list-v1\0" || body, or
// "sct-revocation-delta-v1\0" || body), naming the expected authority, and
// moving the version strictly forward: an older snapshot (a rollback, e.g. a
// replayed old list that would un-revoke a credential) is rejected; a
// snapshot of the version already held changes nothing.
//
// Thread-safety: all methods are thread-safe (one internal mutex).
// Ownership: borrows `clock`, which must outlive this object.
//
// Errors (Apply*):
//   INVALID_ARGUMENT "invalid_field"        unparseable body, or issued_at /
//                                            next_update outside 0001-9999;
//   UNAUTHENTICATED  "bad_revocation_signature" signature does not verify;
//   PERMISSION_DENIED "wrong_authority"      body names another authority;
//   FAILED_PRECONDITION "revocation_rollback" snapshot version below current;
//   FAILED_PRECONDITION "revocation_version_gap" delta from_version differs
//       from the version held (the caller should resynchronise).
#ifndef SCT_ACCESS_POINT_REVOCATION_LIST_H_
#define SCT_ACCESS_POINT_REVOCATION_LIST_H_

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "crypto/ecdsa.h"
#include "proto/credential_authority/v1/credential_authority.pb.h"

namespace sct::access_point {

inline constexpr absl::string_view kRevocationListContext =
    absl::string_view("sct-revocation-list-v1\0", 23);
inline constexpr absl::string_view kRevocationDeltaContext =
    absl::string_view("sct-revocation-delta-v1\0", 24);

class RevocationList {
 public:
  // `authority_id` empty accepts any authority id in the body.
  RevocationList(std::string authority_id,
                 crypto::EcdsaP256PublicKey signing_key, const Clock& clock);

  absl::Status ApplySnapshot(
      const credential_authority::v1::SignedRevocationList& list);
  absl::Status ApplyDelta(
      const credential_authority::v1::SignedRevocationDelta& delta);
  // The authority says `version` is its current one (a stream heartbeat or a
  // not-modified answer, both over the authority's mutually authenticated
  // channel). At the held version it records liveness and keeps the list
  // fresh for one more lifetime of the last signed list (its next_update
  // minus its issued_at); it never changes the version or the entries.
  void NoteHeartbeat(uint64_t version);

  // True when the credential id or the share id (each ignored when empty)
  // appears on the list.
  bool IsRevoked(absl::string_view credential_id,
                 absl::string_view share_id) const;

  uint64_t version() const;
  // True once a signed list has been accepted.
  bool has_list() const;
  absl::Time last_update() const;  // InfinitePast before the first list
  absl::Time next_update() const;  // InfiniteFuture when the list set none
  size_t revoked_count() const;
  // True when a list was accepted and the clock is past its next_update, or
  // when no list has been accepted yet. next_update only moves forward: a
  // newer version, a re-signed snapshot of the held version and a heartbeat
  // at the held version each extend it; silence does not.
  bool IsStale() const;

 private:
  // What a signed body says about how long the list it carries stays fresh.
  struct Freshness {
    absl::Time next_update = absl::InfiniteFuture();
    // next_update - issued_at: how far a heartbeat extends the list.
    absl::Duration lifetime = absl::InfiniteDuration();
  };
  // INVALID_ARGUMENT "invalid_field" when a time lies outside 0001-9999.
  static absl::StatusOr<Freshness> ReadFreshness(const google::protobuf::Timestamp* issued_at,
                                                 const google::protobuf::Timestamp* next_update,
                                                 absl::string_view body);
  void ExtendFreshnessLocked(const Freshness& fresh) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  void AddEntryLocked(const credential_authority::v1::RevocationEntry& e)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string authority_id_;
  const crypto::EcdsaP256PublicKey signing_key_;
  const Clock& clock_;
  mutable absl::Mutex mu_;
  bool have_list_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t version_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_update_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time next_update_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  absl::Duration list_lifetime_ ABSL_GUARDED_BY(mu_) = absl::InfiniteDuration();
  absl::flat_hash_set<std::string> credentials_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> shares_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sct::access_point

#endif  // SCT_ACCESS_POINT_REVOCATION_LIST_H_
