// The credential authority's logic (ARCHITECTURE.md sections 4-5): owner
// bootstrap, share initiation and exactly-once redemption, credential
// issuance (X.509 over the receiver's secure-element key, or an HPKE-sealed
// symmetric key), cascading revocation, share listing, the signed revocation
// list and its watch, and symmetric key grants for access points.
//
// Each RPC method checks the caller and the request, then runs the pieces in
// order: share_token.h (the signed token), share_policy.h (what a sharer may
// grant), holder_proof.h and attestation.h (who holds which key), pin_gate.h
// (PIN attempts), credential_issuer.h (the credential), ledger_steps.h (what
// is recorded, idempotency) and revocation_feed.h (lists and the watch).
//
// No transport types: the gRPC adapter (ca_grpc.h) identifies the caller from
// its TLS certificate and passes a Caller. Dependencies are injected: the
// ledger, the clock, the authority's signing key and root certificate, and
// its PIN key (pin.h: new PIN verifiers are HMACs under it).
//
// Thread-safety: thread-safe; every method may be called concurrently.
// Ownership: borrows the ledger and the clock, which must outlive it.
//
// Errors: each method returns the codes and stable reasons listed beside its
// RPC in proto/credential_authority/v1/credential_authority.proto; in
// particular PIN lockout is FAILED_PRECONDITION "share_locked", a wrong PIN is
// PERMISSION_DENIED "wrong_pin", a second redemption FAILED_PRECONDITION
// "share_already_redeemed", an unknown caller UNAUTHENTICATED "untrusted_oem"
// or "untrusted_access_point", an attestation under an OEM the authority
// does not trust (options.trusted_oems) PERMISSION_DENIED
// "untrusted_attestation_root", a non-admin calling an admin method
// PERMISSION_DENIED "not_admin". UNAVAILABLE "store_unavailable" when the
// ledger's storage fails, INTERNAL for a crypto failure.
#ifndef SCT_CREDENTIAL_AUTHORITY_CA_SERVICE_H_
#define SCT_CREDENTIAL_AUTHORITY_CA_SERVICE_H_

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "credential_authority/attestation.h"
#include "credential_authority/caller.h"
#include "credential_authority/credential_issuer.h"
#include "credential_authority/holder_proof.h"
#include "credential_authority/ledger.h"
#include "credential_authority/ledger_steps.h"
#include "credential_authority/pin.h"
#include "credential_authority/pin_gate.h"
#include "credential_authority/revocation_feed.h"
#include "credential_authority/share_token.h"
#include "crypto/ecdsa.h"
#include "crypto/x509.h"
#include "proto/credential_authority/v1/credential_authority.pb.h"

namespace sct::ca {

// ListShares: shares in one answer when the request sets no page_size, and
// the most it may ask for (larger is read as this).
inline constexpr uint64_t kDefaultListSharesPageSize = 100;
inline constexpr uint64_t kMaxListSharesPageSize = 1000;

struct CaServiceOptions {
  // Authority id ("issuer" in tokens and credentials).
  std::string authority_id = "ca";
  // TLS common name of the admin identity.
  std::string admin_cn = "admin";
  absl::Duration default_token_ttl = absl::Hours(48);
  absl::Duration max_token_ttl = absl::Hours(24 * 30);
  // Allowed distance between a holder proof's signed_at and the clock.
  absl::Duration proof_skew = absl::Minutes(5);
  // RevocationListBody.next_update = issued_at + this.
  absl::Duration revocation_list_ttl = absl::Hours(1);
  // Heartbeat on the watch stream when the caller asks for none.
  absl::Duration default_heartbeat = absl::Seconds(10);
  // GetRevocationList answers a caller at most this many versions behind with
  // a signed delta (the entries since its version); further behind, the full
  // list. The delta is read from the ledger's revocations by version (no
  // history is kept in memory), so this bounds each delta's size.
  uint64_t max_revocation_delta_versions = 1024;
  // Wrong PINs that lock a share (kMinPinAttemptsLimit..kMaxPinAttemptsLimit).
  uint32_t max_pin_attempts = kMaxPinAttempts;
  // Largest max_redemptions accepted.
  uint32_t max_redemptions_limit = 1000;
  // OEMs whose attestation roots are accepted (attestation.h); empty: all.
  std::set<std::string> trusted_oems;
};

class CaService {
 public:
  CaService(Ledger* ledger, const Clock* clock, crypto::EcdsaP256PrivateKey signing_key,
            crypto::Certificate root_certificate, PinKey pin_key, CaServiceOptions options);
  ~CaService();

  // Classifies a TLS peer common name: admin, a registered OEM, a registered
  // access point, else anonymous (empty name) or an unknown identity
  // (anonymous with `id` set).
  Caller Identify(const std::string& tls_common_name);

  absl::StatusOr<credential_authority::v1::RegisterOemResponse> RegisterOem(
      const Caller& caller, const credential_authority::v1::RegisterOemRequest& request);
  absl::StatusOr<credential_authority::v1::RegisterAccessPointResponse> RegisterAccessPoint(
      const Caller& caller, const credential_authority::v1::RegisterAccessPointRequest& request);
  absl::StatusOr<credential_authority::v1::BootstrapOwnerResponse> BootstrapOwner(
      const Caller& caller, const credential_authority::v1::BootstrapOwnerRequest& request);
  absl::StatusOr<credential_authority::v1::InitiateShareResponse> InitiateShare(
      const Caller& caller, const credential_authority::v1::InitiateShareRequest& request);
  absl::StatusOr<credential_authority::v1::RedeemShareResponse> RedeemShare(
      const Caller& caller, const credential_authority::v1::RedeemShareRequest& request);
  absl::StatusOr<credential_authority::v1::RevokeResponse> RevokeShare(
      const Caller& caller, const credential_authority::v1::RevokeShareRequest& request);
  absl::StatusOr<credential_authority::v1::RevokeResponse> RevokeCredential(
      const Caller& caller, const credential_authority::v1::RevokeCredentialRequest& request);
  absl::StatusOr<credential_authority::v1::ListSharesResponse> ListShares(
      const Caller& caller, const credential_authority::v1::ListSharesRequest& request);
  absl::StatusOr<credential_authority::v1::GetRevocationListResponse> GetRevocationList(
      const Caller& caller, const credential_authority::v1::GetRevocationListRequest& request);
  absl::StatusOr<credential_authority::v1::GetAccessPointKeysResponse> GetAccessPointKeys(
      const Caller& caller, const credential_authority::v1::GetAccessPointKeysRequest& request);
  credential_authority::v1::GetAuthorityInfoResponse GetAuthorityInfo();

  // Streams revocation updates: first a snapshot (from_version 0), a delta
  // (from_version behind) or a heartbeat (up to date); then a delta as soon
  // as each revocation commits, and a heartbeat every heartbeat interval
  // (wall time). Returns when `send` returns false (caller gone, OK),
  // `cancelled` returns true (CANCELLED) or Shutdown() is called
  // (UNAVAILABLE "shutting_down"). Errors before streaming: see the proto.
  absl::Status WatchRevocations(
      const Caller& caller, const credential_authority::v1::WatchRevocationsRequest& request,
      const std::function<bool(const credential_authority::v1::RevocationUpdate&)>& send,
      const std::function<bool()>& cancelled);

  // Wakes and ends every watch; later watches end at once.
  void Shutdown();

  // The current revocation-list version as last committed by this process.
  uint64_t revocation_version() const;

  // Shares still pending whose PIN verifier was made under another PIN key
  // than this authority's: their redemptions fail "pin_key_mismatch" (the
  // authority was started with another --pin_key file). ca_server warns at
  // start-up when there are any. Errors: the ledger's.
  absl::StatusOr<uint64_t> PendingSharesUnderAnotherPinKey() const {
    return pin_gate_.PendingSharesUnderAnotherKey(clock_->Now());
  }

  const crypto::Certificate& root_certificate() const { return root_; }
  const crypto::EcdsaP256PublicKey& signing_public_key() const { return signing_key_.PublicKey(); }
  const std::string& key_id() const { return key_id_; }

 private:
  // The sharer's credential and the terms of the share `request` asks for.
  absl::StatusOr<std::pair<CredentialRow, ShareTerms>> CheckShareRequest(
      const credential_authority::v1::InitiateShareRequest& request, absl::Time now);
  // The receiver key of a redemption of `share`, once its attestation by the
  // calling OEM and, when required, the sender's endorsement check out.
  absl::StatusOr<crypto::EcdsaP256PublicKey> CheckReceiver(
      const Caller& caller, const ShareRow& share,
      const credential_authority::v1::RedeemShareRequest& request);
  // May `caller` revoke share `share_id` (admin, or the holder of a
  // credential the share descends from)?
  absl::Status AuthorizeShareRevocation(
      const Caller& caller, const credential_authority::v1::RevokeShareRequest& request);
  absl::Status AuthorizeCredentialRevocation(
      const Caller& caller, const credential_authority::v1::RevokeCredentialRequest& request);
  // What a ListShares request lists, once the caller may see it.
  absl::StatusOr<Ledger::ShareListing> ListingOf(
      const Caller& caller, const credential_authority::v1::ListSharesRequest& request);
  // Reports a revocation to watchers and makes its response.
  credential_authority::v1::RevokeResponse Notify(const RevocationResult& r);

  Ledger* const ledger_;
  const Clock* const clock_;
  const crypto::EcdsaP256PrivateKey signing_key_;
  const crypto::Certificate root_;
  const CaServiceOptions options_;
  const std::string key_id_;

  const ShareTokenCodec tokens_;
  const CredentialIssuer issuer_;
  AttestationVerifier attestation_;
  HolderProofVerifier holders_;
  PinGate pin_gate_;
  LedgerSteps steps_;
  RevocationFeed feed_;
};

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_CA_SERVICE_H_
