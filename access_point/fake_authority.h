// Test double: an in-memory credential authority that mints what an access
// point consumes (root certificate, credential certificates following
// credential_profile.h, signed revocation lists and deltas), so unit tests,
// service tests and the benchmark need no authority process.
//
// Thread-compatible (not thread-safe). Errors are those of crypto/x509.h and
// crypto/ecdsa.h.
#ifndef SCT_ACCESS_POINT_FAKE_AUTHORITY_H_
#define SCT_ACCESS_POINT_FAKE_AUTHORITY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/ecdsa.h"
#include "crypto/x509.h"
#include "proto/credential_authority/v1/credential_authority.pb.h"

namespace sct::access_point {

struct IssuedCredential {
  std::string credential_id;
  crypto::EcdsaP256PrivateKey holder_key;  // the simulated SE key
  crypto::Certificate certificate;
  std::string certificate_der;
};

struct CredentialRequest {
  std::string credential_id;
  std::string access_point_id;
  std::string share_id;
  std::vector<std::string> entitlements;
  absl::Time not_before;
  absl::Time not_after;
};

class FakeAuthority {
 public:
  // A fresh P-256 root valid [now - 1 year, now + 10 years].
  static absl::StatusOr<FakeAuthority> Create(std::string authority_id,
                                              absl::Time now);

  const std::string& authority_id() const { return authority_id_; }
  const crypto::Certificate& root() const { return root_; }
  const crypto::EcdsaP256PrivateKey& key() const { return key_; }

  absl::StatusOr<IssuedCredential> Issue(
      const CredentialRequest& request) const;

  // A list of `entries` (credential ids) at `version`.
  absl::StatusOr<credential_authority::v1::SignedRevocationList> SignList(
      uint64_t version, const std::vector<std::string>& revoked_credentials,
      absl::Time issued_at, absl::Time next_update) const;
  absl::StatusOr<credential_authority::v1::SignedRevocationDelta> SignDelta(
      uint64_t from_version, uint64_t to_version,
      const std::vector<std::string>& revoked_credentials,
      absl::Time issued_at,
      absl::Time next_update = absl::InfinitePast()) const;  // InfinitePast: unset

 private:
  FakeAuthority(std::string id, crypto::EcdsaP256PrivateKey key,
                crypto::Certificate root)
      : authority_id_(std::move(id)),
        key_(std::move(key)),
        root_(std::move(root)) {}
  std::string authority_id_;
  crypto::EcdsaP256PrivateKey key_;
  crypto::Certificate root_;
};

}  // namespace sct::access_point

#endif  // SCT_ACCESS_POINT_FAKE_AUTHORITY_H_
