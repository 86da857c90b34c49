// Pulls symmetric (hotel-style) credential keys the authority delivers to
// this access point (CredentialAuthority.GetAccessPointKeys), opens each with
// HPKE (RFC 9180 Base mode, DHKEM(P-256, HKDF-SHA256), HKDF-SHA256,
// AES-128-GCM, empty aad) using the access point's own P-256 private key, and
// installs the key, entitlements and validity in the Verifier.
//
// A grant is accepted only if its HPKE info is exactly
// "sct-credential-v1\0" || credential_id (binding the key to the credential
// it is for) and it opens to a 32-byte key; other grants are skipped and
// counted.
//
// Thread-safety: SyncNow is thread-safe (serialised by a mutex).
// Ownership: borrows the stub and the verifier. The private key is a secret:
// held in memory only, never logged.
// Errors (SyncNow): UNAVAILABLE "authority_unavailable" for transport
// failures, other authority errors as mapped by common/status_mapping.h.
#ifndef SCT_ACCESS_POINT_KEY_GRANT_SYNC_H_
#define SCT_ACCESS_POINT_KEY_GRANT_SYNC_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "access_point/revocation_sync.h"
#include "access_point/verifier.h"

namespace sct::access_point {

// "sct-credential-v1\0" || credential_id.
std::string CredentialHpkeInfo(absl::string_view credential_id);

class KeyGrantSync {
 public:
  KeyGrantSync(CaStub* stub, std::string access_point_id,
               std::string private_scalar, Verifier* verifier,
               absl::Duration rpc_deadline = absl::Seconds(5));

  absl::Status SyncNow();
  uint64_t last_sequence() const;
  uint64_t rejected_grants() const;

 private:
  CaStub* const stub_;
  const std::string access_point_id_;
  const std::string private_scalar_;
  Verifier* const verifier_;
  const absl::Duration rpc_deadline_;
  mutable absl::Mutex mu_;
  uint64_t last_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t rejected_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sct::access_point

#endif  // SCT_ACCESS_POINT_KEY_GRANT_SYNC_H_
