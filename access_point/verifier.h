// The access point's decision logic: issues single-use challenges and decides
// whether a credential presented with a proof over a challenge may perform an
// action here. Transport-free; main.cc and tests inject the clock, the trust
// anchors and the revocation list.
//
// Signed challenge (the transcript; docs/access_point.md):
//   "sct-ap-auth-v1\0" || access_point_id || "\0" || nonce(32) || "\0" ||
//   action
// proven by ECDSA P-256/SHA-256 (DER) with the credential certificate's key
// (asymmetric) or HMAC-SHA256 (32-byte tag) with the credential key the
// authority delivered to this access point (symmetric).
//
// Check order for Authenticate (the first failing check is the reason):
//   1. nonce: never issued here or expired -> DENIED_UNKNOWN_CHALLENGE;
//      already presented once -> DENIED_REPLAY. Any presentation consumes it.
//   2. action supported by this access point -> else DENIED_UNSUPPORTED_ACTION.
//   3. asymmetric: certificate parses and follows the profile
//      (credential_profile.h) -> else DENIED_MALFORMED_CREDENTIAL;
//      symmetric: key known -> else DENIED_UNKNOWN_CREDENTIAL.
//   4. asymmetric: chain to the trust anchor -> else DENIED_BAD_CHAIN. The
//      chain is verified at the access point's clock; when that instant lies
//      outside the leaf's own window, at the nearest edge of that window, so
//      that a genuine but expired credential is reported as such (step 7).
//   5. credential names this access point -> else DENIED_WRONG_ACCESS_POINT.
//   6. proof over the transcript -> else DENIED_BAD_SIGNATURE.
//   7. validity window at the clock -> DENIED_NOT_YET_VALID / DENIED_EXPIRED.
//   8. revocation list: credential or parent share listed -> DENIED_REVOKED;
//      no list received yet (whatever the policy), or list past its
//      next_update under the fail-closed policy -> DENIED_REVOCATION_STALE.
//   9. action among the credential's entitlements -> else DENIED_ENTITLEMENT.
//
// Parsed, chain-verified certificates: a bounded cache keyed by the SHA-256
// of the presented DER (leaf and intermediates) keeps what steps 3 and 4
// established about a certificate (its parsed profile, its key, a successful
// chain verification) so that the next presentation of the same credential
// skips the parse and the chain verification. A cached chain is used only
// while the instant step 4 would verify at lies inside every certificate's
// own window (leaf, intermediates, trust anchors; one second of margin at
// each edge); otherwise the chain is verified again. Steps 1, 2 and 5 to 9
// (nonce, action, access point, signature over the challenge, validity at the
// clock, revocation, entitlement) run on every call. Only successes are
// cached; the oldest entry leaves first (VerifierOptions::
// certificate_cache_size, 0 turns the cache off).
//
// Thread-safety: thread-safe. Ownership: borrows `revocations` and `clock`,
// which must outlive the verifier.
// Errors: IssueChallenge: RESOURCE_EXHAUSTED "too_many_challenges" when the
// outstanding-challenge bound is reached, overall or for the client;
// INTERNAL if RAND_bytes fails.
// Authenticate: INVALID_ARGUMENT "invalid_field" for a missing nonce, action,
// credential or proof (denials are OK results with a reason).
#ifndef SCT_ACCESS_POINT_VERIFIER_H_
#define SCT_ACCESS_POINT_VERIFIER_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "access_point/revocation_list.h"
#include "common/clock.h"
#include "crypto/x509.h"
#include "proto/access_point/v1/access_point.pb.h"
#include "proto/common/v1/types.pb.h"

namespace sct::access_point {

using ::access_point::v1::AuthReason;

struct CredentialCertificateInfo;  // credential_profile.h

inline constexpr absl::string_view kAuthContext =
    absl::string_view("sct-ap-auth-v1\0", 15);
inline constexpr size_t kNonceSize = 32;

// The exact bytes a device signs (or MACs).
std::string ChallengeTranscript(absl::string_view access_point_id,
                                absl::string_view nonce,
                                absl::string_view action);

// Actions an access point of `kind` supports by default.
std::vector<std::string> DefaultActions(::common::v1::AccessPointKind kind);

struct VerifierOptions {
  std::string access_point_id;
  ::common::v1::AccessPointKind kind = ::common::v1::CAR;
  // Empty: DefaultActions(kind).
  std::vector<std::string> supported_actions;
  absl::Duration challenge_ttl = absl::Seconds(30);
  size_t max_outstanding_challenges = 100000;
  // Outstanding (issued, unused, unexpired) challenges one client may hold;
  // the client is what IssueChallenge is told (the adapter passes the TLS
  // identity, else the peer address).
  size_t max_challenges_per_client = 256;
  // Also deny (DENIED_REVOCATION_STALE) when the list is past its
  // next_update. Before the first list arrives the verifier denies anyway.
  bool revocation_fail_closed = false;
  // Parsed, chain-verified credential certificates kept (see above); 0: none.
  size_t certificate_cache_size = 1024;
};

struct Challenge {
  std::string nonce;
  absl::Time expires_at;
};

// One presentation at the access point.
struct AuthAttempt {
  std::string nonce;
  std::string action;
  enum class Kind { kAsymmetric, kSymmetric } kind = Kind::kAsymmetric;
  // kAsymmetric: DER credential certificate and intermediates.
  std::string certificate_der;
  std::vector<std::string> intermediates_der;
  // kSymmetric: the credential id whose key this access point holds.
  std::string credential_id;
  // ECDSA DER signature or 32-byte HMAC tag.
  std::string proof;
};

struct Decision {
  AuthReason reason = ::access_point::v1::AUTH_REASON_UNSPECIFIED;
  std::string detail;
  std::string credential_id;
  absl::Time decided_at;
  uint64_t revocation_list_version = 0;
  bool granted() const { return reason == ::access_point::v1::GRANTED; }
};

// A symmetric credential key delivered by the authority.
struct SymmetricKey {
  std::string key;  // secret; never logged
  std::vector<std::string> entitlements;
  absl::Time not_before = absl::InfinitePast();
  absl::Time not_after = absl::InfiniteFuture();
};

struct VerifierCounters {
  size_t outstanding_challenges = 0;
  size_t symmetric_key_count = 0;
  std::map<AuthReason, uint64_t> decisions;
  // Certificates in the cache, and presentations that found theirs there.
  size_t certificate_cache_entries = 0;
  uint64_t certificate_cache_hits = 0;
};

class Verifier {
 public:
  // `trust_anchors`: the authority root certificate(s).
  Verifier(VerifierOptions options,
           std::vector<crypto::Certificate> trust_anchors,
           const RevocationList* revocations, const Clock& clock);

  // `client` names the requester for the per-client bound.
  absl::StatusOr<Challenge> IssueChallenge(absl::string_view client = "");
  absl::StatusOr<Decision> Authenticate(const AuthAttempt& attempt);

  void PutSymmetricKey(const std::string& credential_id, SymmetricKey key);

  const VerifierOptions& options() const { return options_; }
  const std::vector<std::string>& supported_actions() const {
    return options_.supported_actions;
  }
  VerifierCounters Counters() const;

 private:
  struct NonceState {
    absl::Time expires_at;
    bool used = false;
    std::string client;
  };
  // One fewer outstanding challenge for `client`.
  void ReleaseClientLocked(const std::string& client) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PurgeExpiredLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Checks and consumes the nonce; returns GRANTED when it may proceed.
  AuthReason ConsumeNonce(const std::string& nonce, absl::Time now);
  // The outcome of one check: nullopt when it passes, else the denial.
  using Denial = std::optional<Decision>;
  struct ProvenCredential;
  struct CheckedCertificate;

  // The cached checks of this certificate when they hold at `now`, else null.
  std::shared_ptr<const CheckedCertificate> CachedCertificate(
      const std::string& key, absl::Time now);
  void CacheCertificate(const std::string& key,
                        std::shared_ptr<const CheckedCertificate> checked);

  // The checks in the order of the header comment; the first denial wins.
  Decision Decide(const AuthAttempt& attempt, absl::Time now);
  Denial CheckChallenge(const AuthAttempt& attempt, absl::Time now);
  Denial ProveCertificate(const AuthAttempt& attempt,
                          absl::string_view transcript, absl::Time now,
                          ProvenCredential* out);
  // Steps 3 and 4 on a certificate not in the cache; fills `out` on success.
  Denial CheckCertificate(const AuthAttempt& attempt, absl::Time now,
                          CheckedCertificate* out) const;
  Denial ProveSymmetricKey(const AuthAttempt& attempt,
                           absl::string_view transcript, ProvenCredential* out);
  static Denial CheckValidity(const ProvenCredential& credential,
                              absl::Time now);
  Denial CheckRevocation(const ProvenCredential& credential) const;
  static Denial CheckEntitlement(const ProvenCredential& credential,
                                 absl::string_view action);
  Decision Finish(Decision d);

  VerifierOptions options_;
  const std::vector<crypto::Certificate> trust_anchors_;
  // The instants at which every trust anchor is inside its window.
  absl::Time anchors_from_ = absl::InfinitePast();
  absl::Time anchors_until_ = absl::InfiniteFuture();
  const RevocationList* const revocations_;
  const Clock& clock_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, NonceState> nonces_ ABSL_GUARDED_BY(mu_);
  // Outstanding challenges per client (clients with none are absent).
  absl::flat_hash_map<std::string, size_t> per_client_ ABSL_GUARDED_BY(mu_);
  // Nonces in issue order; with one TTL this is also expiry order, so
  // purging costs only what expired.
  std::deque<std::pair<absl::Time, std::string>> expiry_queue_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, SymmetricKey> symmetric_keys_
      ABSL_GUARDED_BY(mu_);
  std::map<AuthReason, uint64_t> decisions_ ABSL_GUARDED_BY(mu_);

  mutable absl::Mutex cache_mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const CheckedCertificate>>
      cache_ ABSL_GUARDED_BY(cache_mu_);
  std::deque<std::string> cache_order_ ABSL_GUARDED_BY(cache_mu_);  // oldest first
  uint64_t cache_hits_ ABSL_GUARDED_BY(cache_mu_) = 0;
};

}  // namespace sct::access_point

#endif  // SCT_ACCESS_POINT_VERIFIER_H_
