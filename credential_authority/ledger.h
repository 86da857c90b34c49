// The credential authority's key-tracking record: OEMs, access points,
// credentials, shares, redemptions, revocations, revocation-list versions,
// symmetric key grants for access points and idempotent request results.
//
// Every method that changes state is one atomic, durable transaction: when it
// returns OK the change survives a crash or restart (SqliteLedger runs WAL
// with synchronous=FULL). Redemption is a conditional update inside that
// transaction, so at most `max_redemptions` redemptions of a share ever
// commit, whatever the concurrency (several threads or several processes).
//
// What the ledger never holds: a PIN in clear (only a verifier and its salt,
// pin.h), any private key, a symmetric credential key in clear (only HPKE-sealed
// to the holder's and to the access point's key).
//
// Idempotent requests: the three writes that create something on behalf of a
// request (InsertCredential, InsertShare, CommitRedemption) record the
// request's id, fingerprint and response in the same transaction. When the
// id is already recorded (a retry that raced the first call), nothing changes
// and the write returns a WriteOutcome carrying the stored record, so that
// the caller can answer the retry without parsing an error.
//
// Thread-safety: implementations are thread-safe.
// Errors (common to all methods): UNAVAILABLE "store_unavailable" when the
// storage fails (with the storage's error text; the caller may retry),
// INTERNAL for a stored record that does not parse. Method comments list the
// others.
#ifndef SCT_CREDENTIAL_AUTHORITY_LEDGER_H_
#define SCT_CREDENTIAL_AUTHORITY_LEDGER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/common/v1/types.pb.h"
#include "proto/credential_authority/v1/credential_authority.pb.h"

namespace sct::ca {

// The ledger keeps times to the microsecond. A time the authority both hands
// out and records (a token's expiry) is cut to that precision first, so that
// what a caller is told and what the ledger enforces are the same instant.
inline absl::Time LedgerTime(absl::Time t) {
  return absl::FromUnixMicros(absl::ToUnixMicros(t));
}

// A credential as recorded (the material is public or sealed).
struct CredentialRow {
  common::v1::Credential credential;
  // Set once revoked.
  std::optional<absl::Time> revoked_at;
};

// A share as recorded. `record` carries every field of the ShareRecord; the
// ledger keeps state, counters and timestamps current on reads.
struct ShareRow {
  common::v1::ShareRecord record;
  common::v1::CredentialKind credential_kind =
      common::v1::CREDENTIAL_KIND_UNSPECIFIED;
  bool resharing_allowed = false;
  bool endorsement_required = false;
  // PIN verifier (empty unless record.pin_required), pin.h: keyed
  // (pin_iterations 0: key id || HMAC) or, written before, PBKDF2.
  std::string pin_salt;
  std::string pin_hash;
  uint32_t pin_iterations = 0;
};

// The stored outcome of an idempotent request (keyed by request id).
struct RequestRecord {
  std::string request_id;
  std::string method;
  // SHA-256 of the request content without secrets (never contains a PIN).
  std::string fingerprint;
  // The serialized response returned the first time.
  std::string response;
};

// What a write keyed by a request id did.
struct WriteOutcome {
  // Empty when this call's change committed. Set when the request id was
  // already recorded (by an earlier call, or by one that committed first):
  // nothing changed, and this is the record stored for the id.
  std::optional<RequestRecord> already_recorded;

  bool applied() const { return !already_recorded.has_value(); }
};

// What a revocation changed.
struct RevocationResult {
  std::vector<std::string> share_ids;       // newly revoked
  std::vector<std::string> credential_ids;  // newly revoked
  uint64_t version = 0;                     // list version containing them
};

class Ledger {
 public:
  virtual ~Ledger() = default;

  // Inserts or replaces an OEM's attestation root. Returns false when the
  // identical registration already existed.
  virtual absl::StatusOr<bool> PutOem(const std::string& oem_id,
                                      const std::string& root_der) = 0;
  // The OEM's attestation root (DER). NOT_FOUND "oem_not_found".
  virtual absl::StatusOr<std::string> GetOemRoot(const std::string& oem_id) = 0;

  // Inserts or replaces an access point. Returns false when identical.
  virtual absl::StatusOr<bool> PutAccessPoint(
      const credential_authority::v1::AccessPointRegistration& ap) = 0;
  // NOT_FOUND "access_point_not_found".
  virtual absl::StatusOr<credential_authority::v1::AccessPointRegistration>
  GetAccessPoint(const std::string& access_point_id) = 0;

  // Records an owner credential (and its access point key grant, if any) and,
  // in the same transaction, the request record (skipped when its id is
  // empty). Not applied when the request id is already recorded.
  virtual absl::StatusOr<WriteOutcome> InsertCredential(
      const common::v1::Credential& credential,
      const std::optional<credential_authority::v1::SymmetricKeyGrant>& grant,
      const RequestRecord& request) = 0;
  // NOT_FOUND "credential_not_found".
  virtual absl::StatusOr<CredentialRow> GetCredential(
      const std::string& credential_id) = 0;

  // Records a new share (state PENDING) and the request record (skipped when
  // its id is empty). Not applied when the request id is already recorded.
  virtual absl::StatusOr<WriteOutcome> InsertShare(
      const ShareRow& share, const RequestRecord& request) = 0;
  // The share with current state; state PENDING becomes EXPIRED on read when
  // `now` is past the token expiry. NOT_FOUND "share_not_found".
  virtual absl::StatusOr<ShareRow> GetShare(const std::string& share_id,
                                            absl::Time now) = 0;

  // PIN attempts are reserved before the PIN is checked, so that parallel
  // guesses cannot exceed the limit: at most `limit` attempts are ever
  // counted for a share, whatever the concurrency.
  //
  // Reserves one attempt: counts it if the share is PENDING with fewer than
  // `limit` attempts counted. FAILED_PRECONDITION "share_locked" when the
  // attempts are used up (or the share is otherwise not PENDING, with the
  // matching reason); NOT_FOUND "share_not_found".
  virtual absl::Status ReservePinAttempt(const std::string& share_id,
                                         uint32_t limit, absl::Time now) = 0;
  // The reserved attempt was a wrong PIN: the share becomes LOCKED once
  // `limit` attempts are counted. Returns the attempts counted so far.
  virtual absl::StatusOr<uint32_t> RecordWrongPin(const std::string& share_id,
                                                  uint32_t limit) = 0;
  // Gives back a reserved attempt whose PIN was right (when the redemption
  // then failed for another reason).
  virtual absl::Status ReleasePinAttempt(const std::string& share_id) = 0;

  // Atomically: if the share is PENDING, its token unexpired at `now` and
  // redemptions < max, counts one redemption (REDEEMED at max) and records
  // `issued` (plus its grant and the request record) and, when
  // `release_pin_attempt`, gives back the attempt reserved for the right PIN.
  // The share is checked first: when it cannot be redeemed nothing changes
  // and the error says why: FAILED_PRECONDITION "share_already_redeemed" /
  // "share_revoked" / "share_locked" / "share_expired"; NOT_FOUND
  // "share_not_found". Then, when the request id is already recorded, nothing
  // changes and the outcome is not applied.
  virtual absl::StatusOr<WriteOutcome> CommitRedemption(
      const std::string& share_id, const std::string& receiver_oem_id,
      absl::Time now, const common::v1::Credential& issued,
      const std::optional<credential_authority::v1::SymmetricKeyGrant>& grant,
      const RequestRecord& request, bool release_pin_attempt) = 0;

  // Revokes a share (when `share_id` set) or a credential, and transitively
  // every credential issued from a revoked share and every share made from a
  // revoked credential. Already-revoked items are skipped; when anything is
  // newly revoked the revocation-list version increases by one.
  // NOT_FOUND "share_not_found" / "credential_not_found".
  virtual absl::StatusOr<RevocationResult> RevokeShare(
      const std::string& share_id, absl::Time now) = 0;
  virtual absl::StatusOr<RevocationResult> RevokeCredential(
      const std::string& credential_id, absl::Time now) = 0;

  // Shares made from a credential, oldest first.
  virtual absl::StatusOr<std::vector<ShareRow>> ListSharesByParent(
      const std::string& credential_id, absl::Time now) = 0;
  // Shares for an access point, oldest first.
  virtual absl::StatusOr<std::vector<ShareRow>> ListSharesByAccessPoint(
      const std::string& access_point_id, absl::Time now) = 0;

  // What a ListShares page lists: the shares made from a credential or for an
  // access point (the roots), and with `descendants` every share made from a
  // credential those issued, further down, each share once.
  struct ShareListing {
    enum class By { kParentCredential, kAccessPoint };
    By by = By::kParentCredential;
    std::string key;  // the credential id or the access point id
    bool descendants = false;
  };
  // Shares [offset, offset + limit) of `listing` in its order: by depth (the
  // roots first), then oldest first; `*more` says whether any follow. Only
  // the page's rows are read in full (ids for the rest), in one snapshot.
  virtual absl::StatusOr<std::vector<ShareRow>> ListSharesPage(const ShareListing& listing,
                                                               uint64_t offset, uint64_t limit,
                                                               absl::Time now, bool* more) = 0;

  // Current revocation-list version (0 before any revocation).
  virtual absl::StatusOr<uint64_t> RevocationVersion() = 0;

  // Shares still PENDING at `now` whose keyed PIN verifier names another PIN
  // key id than `pin_key_id` (their PINs cannot be checked: pin_key_mismatch).
  virtual absl::StatusOr<uint64_t> CountPendingSharesUnderOtherPinKey(
      const std::string& pin_key_id, absl::Time now) = 0;
  // Entries with version > `after_version` whose credential (or share) is
  // still valid at `now`, oldest first (pass 0 and now for the full list).
  virtual absl::StatusOr<std::vector<credential_authority::v1::RevocationEntry>>
  RevocationsAfter(uint64_t after_version, absl::Time relevant_at) = 0;

  // Symmetric key grants for an access point with sequence > after_sequence,
  // and the highest sequence issued for it.
  virtual absl::StatusOr<
      std::vector<credential_authority::v1::SymmetricKeyGrant>>
  GrantsAfter(const std::string& access_point_id, uint64_t after_sequence,
              uint64_t* last_sequence) = 0;

  // The stored outcome of a request id, if any.
  virtual absl::StatusOr<std::optional<RequestRecord>> GetRequest(
      const std::string& request_id) = 0;
};

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_LEDGER_H_
