// The byte strings the authority signs or checks, each behind its own
// domain-separation prefix (`context` || 0x00 || ...), as the proto
// specifies: share tokens, revocation lists and deltas (signed by the
// authority), share intents, holder proofs and endorsements (signed by a
// device's credential key), and the HPKE info of a symmetric credential.
//
// Thread-safety: pure functions, thread-safe.
// Errors: SignWithContext: INTERNAL on a crypto failure. VerifyDeviceSignature:
// PERMISSION_DENIED without a reason (callers attach the reason that fits).
#ifndef SCT_CREDENTIAL_AUTHORITY_SIGNED_BYTES_H_
#define SCT_CREDENTIAL_AUTHORITY_SIGNED_BYTES_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/ecdsa.h"

namespace sct::ca {

inline constexpr absl::string_view kShareTokenContext = "sct-share-token-v1";
inline constexpr absl::string_view kRevocationListContext = "sct-revocation-list-v1";
inline constexpr absl::string_view kRevocationDeltaContext = "sct-revocation-delta-v1";
inline constexpr absl::string_view kShareIntentContext = "sct-share-intent-v1";
inline constexpr absl::string_view kHolderContext = "sct-holder-v1";
inline constexpr absl::string_view kEndorseContext = "sct-endorse-v1";
inline constexpr absl::string_view kCredentialInfoContext = "sct-credential-v1";

// `context` || 0x00 || `body`: the exact bytes signed.
std::string SignedBytes(absl::string_view context, absl::string_view body);

// The bytes of a HolderProof: "sct-holder-v1\0" method "\0" subject "\0" secs.
std::string HolderProofBytes(absl::string_view method, absl::string_view subject,
                             int64_t unix_seconds);

// The bytes of a sender's endorsement of a receiver key:
// "sct-endorse-v1\0" share_id "\0" receiver_public_key.
std::string EndorsementBytes(absl::string_view share_id, absl::string_view receiver_public_key);

// The HPKE info for a symmetric credential: "sct-credential-v1\0" || id.
std::string CredentialHpkeInfo(absl::string_view credential_id);

// The authority's signature (ECDSA P-256, DER) over SignedBytes(context, body).
absl::StatusOr<std::string> SignWithContext(const crypto::EcdsaP256PrivateKey& key,
                                            absl::string_view context, absl::string_view body);

// OK when `signature` over `message` verifies with `key`, given as DER or as
// 64-byte P1363 (devices may produce either).
absl::Status VerifyDeviceSignature(const crypto::EcdsaP256PublicKey& key, absl::string_view message,
                                   absl::string_view signature);

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_SIGNED_BYTES_H_
