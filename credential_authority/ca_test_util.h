// Test-only helpers for the credential authority: an OEM attestation PKI,
// simulated secure-element device keys with attestation chains, the signed
// requests a holder's OEM sends (share intents, holder proofs, endorsements),
// and a fixture-style Env wiring a CaService to a SQLite ledger in
// $TEST_TMPDIR with a FakeClock.
//
// Thread-safety: Env is thread-compatible except `service`, which is
// thread-safe. Failures abort the test via gtest assertions in callers.
#ifndef SCT_CREDENTIAL_AUTHORITY_CA_TEST_UTIL_H_
#define SCT_CREDENTIAL_AUTHORITY_CA_TEST_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "credential_authority/ca_service.h"
#include "credential_authority/pin.h"
#include "credential_authority/sqlite_ledger.h"
#include "crypto/ecdsa.h"
#include "crypto/x509.h"

namespace sct::ca::testing {

// An OEM's attestation CA.
struct TestOem {
  std::string id;
  crypto::EcdsaP256PrivateKey key;
  crypto::Certificate root;
  std::string root_der;
};
absl::StatusOr<TestOem> MakeOem(const std::string& id, absl::Time now);

// A device secure-element key attested by an OEM (chain: leaf only).
struct TestDevice {
  crypto::EcdsaP256PrivateKey key;
  std::string raw_private;  // 32-byte scalar (HPKE recipient key)
  std::string spki;
  common::v1::AttestationChain attestation;
};
absl::StatusOr<TestDevice> MakeDevice(const TestOem& oem, absl::Time now);

// A P-256 key with its raw scalar (usable for ECDSA and as an HPKE recipient).
absl::StatusOr<std::pair<crypto::EcdsaP256PrivateKey, std::string>> MakeKey();

// A validity window [now + from, now + to].
common::v1::ValidityWindow Window(absl::Time now, absl::Duration from,
                                  absl::Duration to);

// An InitiateShareRequest whose intent is signed by `holder`.
absl::StatusOr<credential_authority::v1::InitiateShareRequest> SignedShare(
    const crypto::EcdsaP256PrivateKey& holder,
    credential_authority::v1::ShareIntent intent, const std::string& pin);

// A HolderProof by `holder` for (method, subject) at `now`.
absl::StatusOr<credential_authority::v1::HolderProof> MakeHolderProof(
    const crypto::EcdsaP256PrivateKey& holder, const std::string& credential_id,
    const std::string& method, const std::string& subject, absl::Time now);

// An authority wired to a fresh SQLite file, with OEMs "oem-a" and "oem-b",
// a car "car-1" (CAR, with an access point key) and a hotel lock "room-1".
struct Env {
  std::string db_path;
  FakeClock clock;
  std::unique_ptr<SqliteLedger> ledger;
  std::unique_ptr<crypto::EcdsaP256PrivateKey> signing_key;
  std::unique_ptr<crypto::Certificate> root;
  std::string pin_key_path;         // beside the database, created by Create
  std::unique_ptr<PinKey> pin_key;  // as last loaded from pin_key_path
  std::unique_ptr<CaService> service;
  CaServiceOptions options;  // what Restart() builds the service with
  std::vector<TestOem> oems;                            // [0] oem-a, [1] oem-b
  std::unique_ptr<crypto::EcdsaP256PrivateKey> ap_key;  // car-1 / room-1 key
  std::string ap_raw_private;                           // its raw scalar
  Caller admin{CallerRole::kAdmin, "admin"};
  Caller oem_a{CallerRole::kOem, "oem-a"};
  Caller oem_b{CallerRole::kOem, "oem-b"};
  Caller car{CallerRole::kAccessPoint, "car-1"};

  // Creates everything; `db_name` is relative to $TEST_TMPDIR.
  static absl::StatusOr<std::unique_ptr<Env>> Create(const std::string& db_name);
  // Create with a database named after the running GoogleTest test
  // ("Suite.Test.db"), so each test starts from a fresh file.
  static absl::StatusOr<std::unique_ptr<Env>> ForCurrentTest();
  // Closes and reopens the ledger and service on the same file and keys (the
  // PIN key read again from its file).
  absl::Status Restart();

  // Bootstraps an owner credential for a new oem-a device on `ap`.
  absl::StatusOr<std::pair<TestDevice, common::v1::Credential>> Owner(
      const std::string& ap, common::v1::CredentialKind kind,
      std::vector<std::string> entitlements, bool resharing_allowed = true);

  // A plain intent over `credential` (all its entitlements unless given).
  credential_authority::v1::ShareIntent Intent(
      const common::v1::Credential& credential,
      std::vector<std::string> entitlements = {});

  // A redeem request for `token` by a new device of `oem`.
  absl::StatusOr<
      std::pair<TestDevice, credential_authority::v1::RedeemShareRequest>>
  Redeem(const common::v1::SignedShareToken& token, const TestOem& oem,
         const std::string& pin = "");
};

}  // namespace sct::ca::testing

#endif  // SCT_CREDENTIAL_AUTHORITY_CA_TEST_UTIL_H_
