// The credential authority's logic (ARCHITECTURE.md sections 4-5): owner
// bootstrap, share initiation and exactly-once redemption, credential
// issuance (X.509 over the receiver's secure-element key, or an HPKE-sealed
// symmetric key), cascading revocation, share listing, the signed revocation
// list and its watch, and symmetric key grants for access points.
//
// No transport types: the gRPC adapter (ca_grpc.h) identifies the caller from
// its TLS certificate and passes a Caller. Dependencies are injected: the
// ledger, the clock and the authority's signing key and root certificate.
//
// Thread-safety: thread-safe; every method may be called concurrently.
// Ownership: borrows the ledger and the clock, which must outlive it.
//
// Errors: each method returns the codes and stable reasons listed beside its
// RPC in proto/credential_authority/v1/credential_authority.proto; in
// particular PIN lockout is FAILED_PRECONDITION "share_locked", a wrong PIN is
// PERMISSION_DENIED "wrong_pin", a second redemption FAILED_PRECONDITION
// "share_already_redeemed", an unknown caller UNAUTHENTICATED "untrusted_oem"
// or "untrusted_access_point", a non-admin calling an admin method
// PERMISSION_DENIED "not_admin". INTERNAL for a ledger or crypto failure.
#ifndef SCT_CREDENTIAL_AUTHORITY_CA_SERVICE_H_
#define SCT_CREDENTIAL_AUTHORITY_CA_SERVICE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "credential_authority/ledger.h"
#include "credential_authority/pin.h"
#include "crypto/ecdsa.h"
#include "crypto/x509.h"
#include "proto/credential_authority/v1/credential_authority.pb.h"

namespace sct::ca {

// Who is calling, as established by the transport (TLS client certificate).
enum class CallerRole { kAnonymous, kAdmin, kOem, kAccessPoint };
struct Caller {
  CallerRole role = CallerRole::kAnonymous;
  std::string id;  // OEM id, access point id or admin CN; empty if anonymous
};

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
  // PBKDF2 iterations for new PIN verifiers.
  uint32_t pin_iterations = kDefaultPinIterations;
  // Largest max_redemptions accepted.
  uint32_t max_redemptions_limit = 1000;
};

// Domain-separation prefixes of the signed byte strings (see the proto).
inline constexpr absl::string_view kShareTokenContext = "sct-share-token-v1";
inline constexpr absl::string_view kRevocationListContext =
    "sct-revocation-list-v1";
inline constexpr absl::string_view kRevocationDeltaContext =
    "sct-revocation-delta-v1";
inline constexpr absl::string_view kShareIntentContext = "sct-share-intent-v1";
inline constexpr absl::string_view kHolderContext = "sct-holder-v1";
inline constexpr absl::string_view kEndorseContext = "sct-endorse-v1";
inline constexpr absl::string_view kCredentialInfoContext = "sct-credential-v1";

// `context` || 0x00 || `body`: the exact bytes signed.
std::string SignedBytes(absl::string_view context, absl::string_view body);
// The bytes of a HolderProof: "sct-holder-v1\0" method "\0" subject "\0" secs.
std::string HolderProofBytes(absl::string_view method,
                             absl::string_view subject, int64_t unix_seconds);
// The HPKE info for a symmetric credential: "sct-credential-v1\0" || id.
std::string CredentialHpkeInfo(absl::string_view credential_id);

class CaService {
 public:
  CaService(Ledger* ledger, const Clock* clock,
            crypto::EcdsaP256PrivateKey signing_key,
            crypto::Certificate root_certificate, CaServiceOptions options);
  ~CaService();

  // Classifies a TLS peer common name: admin, a registered OEM, a registered
  // access point, else anonymous (empty name) or an unknown identity
  // (anonymous with `id` set).
  Caller Identify(const std::string& tls_common_name);

  absl::StatusOr<credential_authority::v1::RegisterOemResponse> RegisterOem(
      const Caller& caller,
      const credential_authority::v1::RegisterOemRequest& request);
  absl::StatusOr<credential_authority::v1::RegisterAccessPointResponse>
  RegisterAccessPoint(
      const Caller& caller,
      const credential_authority::v1::RegisterAccessPointRequest& request);
  absl::StatusOr<credential_authority::v1::BootstrapOwnerResponse>
  BootstrapOwner(
      const Caller& caller,
      const credential_authority::v1::BootstrapOwnerRequest& request);
  absl::StatusOr<credential_authority::v1::InitiateShareResponse> InitiateShare(
      const Caller& caller,
      const credential_authority::v1::InitiateShareRequest& request);
  absl::StatusOr<credential_authority::v1::RedeemShareResponse> RedeemShare(
      const Caller& caller,
      const credential_authority::v1::RedeemShareRequest& request);
  absl::StatusOr<credential_authority::v1::RevokeResponse> RevokeShare(
      const Caller& caller,
      const credential_authority::v1::RevokeShareRequest& request);
  absl::StatusOr<credential_authority::v1::RevokeResponse> RevokeCredential(
      const Caller& caller,
      const credential_authority::v1::RevokeCredentialRequest& request);
  absl::StatusOr<credential_authority::v1::ListSharesResponse> ListShares(
      const Caller& caller,
      const credential_authority::v1::ListSharesRequest& request);
  absl::StatusOr<credential_authority::v1::GetRevocationListResponse>
  GetRevocationList(
      const Caller& caller,
      const credential_authority::v1::GetRevocationListRequest& request);
  absl::StatusOr<credential_authority::v1::GetAccessPointKeysResponse>
  GetAccessPointKeys(
      const Caller& caller,
      const credential_authority::v1::GetAccessPointKeysRequest& request);
  credential_authority::v1::GetAuthorityInfoResponse GetAuthorityInfo();

  // Streams revocation updates: first a snapshot (from_version 0), a delta
  // (from_version behind) or a heartbeat (up to date); then a delta as soon
  // as each revocation commits, and a heartbeat every heartbeat interval
  // (wall time). Returns when `send` returns false (caller gone, OK),
  // `cancelled` returns true (CANCELLED) or Shutdown() is called
  // (UNAVAILABLE "shutting_down"). Errors before streaming: see the proto.
  absl::Status WatchRevocations(
      const Caller& caller,
      const credential_authority::v1::WatchRevocationsRequest& request,
      const std::function<
          bool(const credential_authority::v1::RevocationUpdate&)>& send,
      const std::function<bool()>& cancelled);

  // Wakes and ends every watch; later watches end at once.
  void Shutdown();

  // The current revocation-list version as last committed by this process.
  uint64_t revocation_version() const;

  const crypto::Certificate& root_certificate() const { return root_; }
  const crypto::EcdsaP256PublicKey& signing_public_key() const {
    return signing_key_.PublicKey();
  }
  const std::string& key_id() const { return key_id_; }

 private:
  struct IssueParams {
    std::string credential_id;
    credential_authority::v1::AccessPointRegistration access_point;
    common::v1::CredentialKind kind;
    std::vector<std::string> entitlements;
    common::v1::ValidityWindow validity;
    bool resharing_allowed = false;
    std::string parent_share_id;
    std::string holder_spki;
    // The parsed holder key (parsing an SPKI is costly in OpenSSL 3.0).
    const crypto::EcdsaP256PublicKey* holder = nullptr;
  };

  absl::StatusOr<std::string> Sign(absl::string_view context,
                                   absl::string_view body) const;
  absl::Status RequireOem(const Caller& caller) const;
  absl::Status RequireAdmin(const Caller& caller) const;
  absl::StatusOr<std::string> RequireAccessPoint(
      const Caller& caller, const std::string& ap_id) const;
  absl::Status VerifyAttestation(const std::string& oem_id,
                                 const crypto::EcdsaP256PublicKey& key,
                                 const common::v1::AttestationChain& chain,
                                 absl::string_view field);
  absl::StatusOr<CredentialRow> VerifyHolderProof(
      const credential_authority::v1::HolderProof& holder,
      absl::string_view method, absl::string_view subject);
  absl::StatusOr<bool> HolderIsAncestorOfShare(const std::string& credential_id,
                                               const std::string& share_id);
  absl::StatusOr<common::v1::Credential> Issue(
      const IssueParams& params,
      std::optional<credential_authority::v1::SymmetricKeyGrant>* grant);
  // The response stored for a request id, when `method` and `fingerprint`
  // match it; ALREADY_EXISTS "request_id_conflict" otherwise.
  static absl::StatusOr<std::string> ResponseOf(const RequestRecord& stored,
                                                const std::string& method,
                                                const std::string& fingerprint);
  // The stored response for a retried request id, or nullopt when new.
  // ALREADY_EXISTS "request_id_conflict" when the id was used differently.
  absl::StatusOr<std::optional<std::string>> PriorResponse(
      const std::string& request_id, const std::string& method,
      const std::string& fingerprint);
  absl::StatusOr<credential_authority::v1::SignedRevocationList> MakeList();
  absl::StatusOr<credential_authority::v1::SignedRevocationDelta> MakeDelta(
      uint64_t from_version, uint64_t to_version);
  credential_authority::v1::RevokeResponse Notify(const RevocationResult& r);

  Ledger* const ledger_;
  const Clock* const clock_;
  const crypto::EcdsaP256PrivateKey signing_key_;
  const crypto::Certificate root_;
  const CaServiceOptions options_;
  const std::string key_id_;

  // Parsed OEM attestation roots by OEM id, with the DER they came from.
  absl::Mutex roots_mu_;
  std::map<std::string, std::pair<std::string, crypto::Certificate>> roots_
      ABSL_GUARDED_BY(roots_mu_);

  mutable absl::Mutex mu_;
  absl::CondVar changed_;
  uint64_t version_ ABSL_GUARDED_BY(mu_) = 0;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_CA_SERVICE_H_
