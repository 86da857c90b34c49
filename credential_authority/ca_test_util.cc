#include "credential_authority/ca_test_util.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/uuid.h"
#include "credential_authority/authority_keys.h"
#include "credential_authority/signed_bytes.h"
#include "crypto/hpke.h"
#include "crypto/random.h"
#include "gtest/gtest.h"

namespace sct::ca::testing {
namespace {

namespace cav1 = ::credential_authority::v1;
std::string TmpDir() {
  const char* d = std::getenv("TEST_TMPDIR");
  return d != nullptr ? d : "/tmp";
}

}  // namespace

absl::StatusOr<TestOem> MakeOem(const std::string& id, absl::Time now) {
  ASSIGN_OR_RETURN(crypto::EcdsaP256PrivateKey key,
                   crypto::EcdsaP256PrivateKey::Generate());
  crypto::CertificateSpec spec;
  spec.subject_cn = id + " attestation root";
  spec.not_before = now - absl::Hours(24 * 400);
  spec.not_after = now + absl::Hours(24 * 3650);
  spec.is_ca = true;
  spec.key_usage = crypto::kKeyUsageKeyCertSign | crypto::kKeyUsageCrlSign;
  ASSIGN_OR_RETURN(crypto::Certificate root,
                   crypto::SelfSignCertificate(spec, key));
  ASSIGN_OR_RETURN(std::string der, root.ToDer());
  return TestOem{id, std::move(key), std::move(root), std::move(der)};
}

absl::StatusOr<std::pair<crypto::EcdsaP256PrivateKey, std::string>> MakeKey() {
  ASSIGN_OR_RETURN(
      crypto::HpkeKeyPair kp,
      crypto::HpkeGenerateKeyPair(crypto::HpkeKem::kDhkemP256HkdfSha256));
  ASSIGN_OR_RETURN(crypto::EcdsaP256PrivateKey key,
                   crypto::EcdsaP256PrivateKey::FromRawScalar(kp.private_key));
  return std::make_pair(std::move(key), kp.private_key);
}

absl::StatusOr<TestDevice> MakeDevice(const TestOem& oem, absl::Time now) {
  ASSIGN_OR_RETURN(auto kp, MakeKey());
  crypto::EcdsaP256PrivateKey& key = kp.first;
  crypto::CertificateSpec spec;
  spec.subject_cn = "se-key";
  spec.not_before = now - absl::Hours(24 * 300);
  spec.not_after = now + absl::Hours(24 * 3000);
  spec.key_usage = crypto::kKeyUsageDigitalSignature;
  spec.extensions.push_back({std::string(crypto::kOidKeyAttestation), false, "test attestation"});
  ASSIGN_OR_RETURN(
      crypto::Certificate leaf,
      crypto::IssueCertificate(spec, key.PublicKey(), oem.root, oem.key));
  TestDevice d{std::move(key), kp.second, "", {}};
  d.spki = d.key.PublicKey().SpkiDer();
  ASSIGN_OR_RETURN(std::string der, leaf.ToDer());
  d.attestation.add_certificates_der(der);
  return d;
}

common::v1::ValidityWindow Window(absl::Time now, absl::Duration from,
                                  absl::Duration to) {
  common::v1::ValidityWindow w;
  *w.mutable_not_before() = ToProtoTimestamp(now + from);
  *w.mutable_not_after() = ToProtoTimestamp(now + to);
  return w;
}

absl::StatusOr<cav1::InitiateShareRequest> SignedShare(
    const crypto::EcdsaP256PrivateKey& holder, cav1::ShareIntent intent,
    const std::string& pin) {
  cav1::InitiateShareRequest req;
  req.set_request_id(NewUuidV4());
  req.set_intent(intent.SerializeAsString());
  ASSIGN_OR_RETURN(*req.mutable_holder_proof(),
                   holder.Sign(SignedBytes(kShareIntentContext, req.intent()),
                               crypto::SignatureEncoding::kDer));
  req.set_pin(pin);
  return req;
}

absl::StatusOr<cav1::HolderProof> MakeHolderProof(
    const crypto::EcdsaP256PrivateKey& holder, const std::string& credential_id,
    const std::string& method, const std::string& subject, absl::Time now) {
  cav1::HolderProof p;
  p.set_credential_id(credential_id);
  *p.mutable_signed_at() =
      ToProtoTimestamp(absl::FromUnixSeconds(absl::ToUnixSeconds(now)));
  ASSIGN_OR_RETURN(
      *p.mutable_proof(),
      holder.Sign(HolderProofBytes(method, subject, absl::ToUnixSeconds(now)),
                  crypto::SignatureEncoding::kDer));
  return p;
}

absl::StatusOr<std::unique_ptr<Env>> Env::ForCurrentTest() {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  if (test == nullptr) return absl::FailedPreconditionError("no GoogleTest test is running");
  return Create(absl::StrCat(test->test_suite_name(), ".", test->name(), ".db"));
}

absl::StatusOr<std::unique_ptr<Env>> Env::Create(const std::string& db_name) {
  auto env = std::make_unique<Env>();
  env->db_path = TmpDir() + "/" + db_name;
  std::remove(env->db_path.c_str());
  std::remove((env->db_path + "-wal").c_str());
  std::remove((env->db_path + "-shm").c_str());
  env->pin_key_path = env->db_path + ".pin.key";
  std::remove(env->pin_key_path.c_str());
  ASSIGN_OR_RETURN(crypto::EcdsaP256PrivateKey key,
                   crypto::EcdsaP256PrivateKey::Generate());
  env->signing_key = std::make_unique<crypto::EcdsaP256PrivateKey>(key);
  ASSIGN_OR_RETURN(crypto::Certificate root,
                   MakeRootCertificate(key, "ca", env->clock.Now()));
  env->root = std::make_unique<crypto::Certificate>(root);
  RETURN_IF_ERROR(env->Restart());
  for (const char* id : {"oem-a", "oem-b"}) {
    ASSIGN_OR_RETURN(TestOem oem, MakeOem(id, env->clock.Now()));
    cav1::RegisterOemRequest reg;
    reg.set_oem_id(id);
    reg.set_attestation_root_der(oem.root_der);
    RETURN_IF_ERROR(env->service->RegisterOem(env->admin, reg).status());
    env->oems.push_back(std::move(oem));
  }
  ASSIGN_OR_RETURN(auto ap_kp, MakeKey());
  crypto::EcdsaP256PrivateKey& ap_key = ap_kp.first;
  env->ap_key = std::make_unique<crypto::EcdsaP256PrivateKey>(ap_key);
  env->ap_raw_private = ap_kp.second;
  cav1::RegisterAccessPointRequest car;
  car.mutable_access_point()->set_access_point_id("car-1");
  car.mutable_access_point()->set_kind(common::v1::CAR);
  car.mutable_access_point()->set_public_key(ap_key.PublicKey().SpkiDer());
  RETURN_IF_ERROR(env->service->RegisterAccessPoint(env->admin, car).status());
  cav1::RegisterAccessPointRequest room;
  room.mutable_access_point()->set_access_point_id("room-1");
  room.mutable_access_point()->set_kind(common::v1::HOTEL_LOCK);
  room.mutable_access_point()->set_public_key(ap_key.PublicKey().SpkiDer());
  RETURN_IF_ERROR(env->service->RegisterAccessPoint(env->admin, room).status());
  return env;
}

absl::Status Env::Restart() {
  service.reset();
  ledger.reset();
  ASSIGN_OR_RETURN(ledger, SqliteLedger::Open(db_path));
  ASSIGN_OR_RETURN(PinKey key, LoadOrCreatePinKey(pin_key_path));
  pin_key = std::make_unique<PinKey>(std::move(key));
  service = std::make_unique<CaService>(ledger.get(), &clock, *signing_key,
                                        *root, *pin_key, options);
  return absl::OkStatus();
}

absl::StatusOr<std::pair<TestDevice, common::v1::Credential>> Env::Owner(
    const std::string& ap, common::v1::CredentialKind kind,
    std::vector<std::string> entitlements, bool resharing_allowed) {
  ASSIGN_OR_RETURN(TestDevice dev, MakeDevice(oems[0], clock.Now()));
  cav1::BootstrapOwnerRequest req;
  req.set_request_id(NewUuidV4());
  req.set_access_point_id(ap);
  req.set_owner_label("owner");
  req.set_oem_id("oem-a");
  req.set_holder_public_key(dev.spki);
  *req.mutable_holder_attestation() = dev.attestation;
  req.set_kind(kind);
  for (auto& e : entitlements) req.add_entitlements(e);
  *req.mutable_validity() =
      Window(clock.Now(), -absl::Hours(1), absl::Hours(24 * 365));
  req.set_resharing_allowed(resharing_allowed);
  ASSIGN_OR_RETURN(cav1::BootstrapOwnerResponse resp,
                   service->BootstrapOwner(admin, req));
  return std::make_pair(std::move(dev), resp.credential());
}

cav1::ShareIntent Env::Intent(const common::v1::Credential& credential,
                              std::vector<std::string> entitlements) {
  cav1::ShareIntent intent;
  intent.set_credential_id(credential.credential_id());
  if (entitlements.empty()) {
    entitlements.assign(credential.entitlements().begin(),
                        credential.entitlements().end());
  }
  for (auto& e : entitlements) intent.add_entitlements(e);
  *intent.mutable_validity() =
      Window(clock.Now(), absl::ZeroDuration(), absl::Hours(24));
  *intent.mutable_signed_at() = ToProtoTimestamp(clock.Now());
  intent.set_nonce(std::string(16, 'n'));
  return intent;
}

absl::StatusOr<std::pair<TestDevice, cav1::RedeemShareRequest>> Env::Redeem(
    const common::v1::SignedShareToken& token, const TestOem& oem,
    const std::string& pin) {
  ASSIGN_OR_RETURN(TestDevice dev, MakeDevice(oem, clock.Now()));
  cav1::RedeemShareRequest req;
  req.set_request_id(NewUuidV4());
  *req.mutable_token() = token;
  req.set_receiver_public_key(dev.spki);
  *req.mutable_receiver_attestation() = dev.attestation;
  req.set_pin(pin);
  return std::make_pair(std::move(dev), std::move(req));
}

}  // namespace sct::ca::testing
