// The relay-attestation variant's check: an attestation verifies only as a
// key attestation under a configured vendor root, signed over the very claim
// it comes with; the vendor whose root verified is what the relay learns.
#include "relay/device_attestation.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "common/base64.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/relay_attestation.h"
#include "crypto/ecdsa.h"
#include "crypto/x509.h"
#include "gtest/gtest.h"
#include "proto/relay/v1/relay.pb.h"
#include "relay/mailbox_service.h"
#include "relay/memory_mailbox_store.h"

namespace sct::relay {
namespace {

constexpr char kClaim[] = "6f1c2a4e-7b3d-4c5e-9f10-2a3b4c5d6e7f";
const absl::Time kNow = absl::FromUnixSeconds(1800000000);

struct Vendor {
  crypto::EcdsaP256PrivateKey key;
  crypto::Certificate root;
};

Vendor MakeVendor(const std::string& name) {
  crypto::EcdsaP256PrivateKey key = *crypto::EcdsaP256PrivateKey::Generate();
  crypto::CertificateSpec spec;
  spec.subject_cn = name + " attestation root";
  spec.not_before = kNow - absl::Hours(1);
  spec.not_after = kNow + absl::Hours(24);
  spec.is_ca = true;
  crypto::Certificate root = *crypto::SelfSignCertificate(spec, key);
  return Vendor{std::move(key), std::move(root)};
}

class DeviceAttestationTest : public ::testing::Test {
 protected:
  DeviceAttestationTest()
      : oem_a_(MakeVendor("oem-a")),
        oem_b_(MakeVendor("oem-b")),
        device_key_(*crypto::EcdsaP256PrivateKey::Generate()) {}

  DeviceAttestationChecker Checker() {
    std::map<std::string, std::string> roots = {{"oem-a", *oem_a_.root.ToPem()},
                                                {"oem-b", *oem_b_.root.ToPem()}};
    absl::StatusOr<DeviceAttestationChecker> checker = DeviceAttestationChecker::Create(roots);
    EXPECT_TRUE(checker.ok()) << checker.status();
    return *std::move(checker);
  }

  // The header a device of `vendor` sends for `signed_claim`.
  std::string Attestation(const Vendor& vendor, const std::string& signed_claim,
                          bool key_attestation = true) {
    crypto::CertificateSpec spec;
    spec.subject_cn = "se key";
    spec.not_before = kNow - absl::Hours(1);
    spec.not_after = kNow + absl::Hours(24);
    if (key_attestation) {
      spec.extensions.push_back(
          {std::string(crypto::kOidKeyAttestation), false, "sct-key-attestation-v1"});
    }
    crypto::Certificate leaf =
        *crypto::IssueCertificate(spec, device_key_.PublicKey(), vendor.root, vendor.key);
    ::relay::v1::DeviceAttestation a;
    a.add_certificates_der(*leaf.ToDer());
    a.set_claim_signature(*device_key_.Sign(RelayAttestationTranscript(signed_claim),
                                            crypto::SignatureEncoding::kDer));
    return Base64UrlEncode(a.SerializeAsString());
  }

  Vendor oem_a_;
  Vendor oem_b_;
  crypto::EcdsaP256PrivateKey device_key_;
};

TEST_F(DeviceAttestationTest, NamesTheVendorWhoseRootVerifies) {
  DeviceAttestationChecker checker = Checker();
  absl::StatusOr<std::string> a = checker.Check(Attestation(oem_a_, kClaim), kClaim, kNow);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(*a, "oem-a");
  absl::StatusOr<std::string> b = checker.Check(Attestation(oem_b_, kClaim), kClaim, kNow);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(*b, "oem-b");
  // The claim compares case-insensitively, as the relay stores it.
  EXPECT_TRUE(checker.Check(Attestation(oem_a_, kClaim), absl::AsciiStrToUpper(kClaim), kNow).ok());
}

TEST_F(DeviceAttestationTest, RefusesWhatIsNotAValidAttestationForThisClaim) {
  DeviceAttestationChecker checker = Checker();
  const Vendor stranger = MakeVendor("unknown");
  struct Case {
    const char* name;
    std::string attestation;
    const char* reason;
  };
  const Case cases[] = {
      {"missing", "", "attestation_required"},
      {"not base64url", "!!!", "bad_attestation"},
      {"not the message", Base64UrlEncode("garbage"), "bad_attestation"},
      {"other claim", Attestation(oem_a_, "00000000-0000-4000-8000-000000000000"),
       "bad_attestation"},
      {"unknown vendor", Attestation(stranger, kClaim), "bad_attestation"},
      {"no key attestation statement", Attestation(oem_a_, kClaim, false), "bad_attestation"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::string> got = checker.Check(c.attestation, kClaim, kNow);
    ASSERT_FALSE(got.ok()) << c.name;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kPermissionDenied) << c.name;
    EXPECT_EQ(ReasonOf(got.status()), c.reason) << c.name << ": " << got.status();
    EXPECT_NE(got.status().message().find("Mailbox-Device-Attestation"), std::string::npos)
        << c.name;
  }
  // Outside the chain's validity.
  EXPECT_FALSE(checker.Check(Attestation(oem_a_, kClaim), kClaim, kNow + absl::Hours(48)).ok());
}

TEST_F(DeviceAttestationTest, CreateRefusesABadRoot) {
  absl::StatusOr<DeviceAttestationChecker> bad =
      DeviceAttestationChecker::Create({{"oem-a", "not pem"}});
  EXPECT_EQ(ReasonOf(bad.status()), "invalid_field");
  EXPECT_NE(bad.status().message().find("--attestation_roots"), std::string::npos);
  EXPECT_FALSE(DeviceAttestationChecker::Create({}).ok());
}

// The service with RequireAttestation: the creator and the reader that
// binds must be attested; the vendors reach the observer (what the relay
// learns). Without it the header is stored unread (the reference design).
TEST_F(DeviceAttestationTest, ServiceBindsOnlyAttestedReadersAndLearnsTheirVendor) {
  DeviceAttestationChecker checker = Checker();
  FakeClock clock(kNow);
  MemoryMailboxStore store;
  MailboxService service(&store, &clock, nullptr, "https://relay.test", RelayLimits());
  std::vector<std::string> vendors;
  service.RequireAttestation(&checker, [&vendors](const std::string& v) { vendors.push_back(v); });
  const CallContext ctx{"192.0.2.1"};
  const std::string sender = "11111111-1111-4111-8111-111111111111";
  CreateMailboxRequest create;
  create.device_claim = sender;
  create.request_id = "22222222-2222-4222-8222-222222222222";
  create.payload = {kAeadAes128Gcm, std::string(40, 'x')};
  absl::StatusOr<CreateMailboxResponse> refused = service.CreateMailbox(ctx, create);
  EXPECT_EQ(ReasonOf(refused.status()), "attestation_required");
  create.attestation = Attestation(oem_a_, sender);
  absl::StatusOr<CreateMailboxResponse> created = service.CreateMailbox(ctx, create);
  ASSERT_TRUE(created.ok()) << created.status();

  ReadSecureContentRequest read{created->mailbox_id, kClaim, "", std::nullopt};
  EXPECT_EQ(ReasonOf(service.ReadSecureContent(ctx, read).status()), "attestation_required");
  read.attestation = Attestation(oem_b_, sender);  // signed over another claim
  EXPECT_EQ(ReasonOf(service.ReadSecureContent(ctx, read).status()), "bad_attestation");
  read.attestation = Attestation(oem_b_, kClaim);
  ASSERT_TRUE(service.ReadSecureContent(ctx, read).ok());
  // Bound now: the receiver's later reads need no new attestation.
  read.attestation.clear();
  EXPECT_TRUE(service.ReadSecureContent(ctx, read).ok());
  EXPECT_EQ(vendors, (std::vector<std::string>{"oem-a", "oem-b"}));
}

TEST_F(DeviceAttestationTest, WithoutTheCheckAnyReaderBinds) {
  FakeClock clock(kNow);
  MemoryMailboxStore store;
  MailboxService service(&store, &clock, nullptr, "https://relay.test", RelayLimits());
  const CallContext ctx{"192.0.2.1"};
  CreateMailboxRequest create;
  create.device_claim = "11111111-1111-4111-8111-111111111111";
  create.request_id = "22222222-2222-4222-8222-222222222222";
  create.payload = {kAeadAes128Gcm, std::string(40, 'x')};
  absl::StatusOr<CreateMailboxResponse> created = service.CreateMailbox(ctx, create);
  ASSERT_TRUE(created.ok()) << created.status();
  ReadSecureContentRequest read{created->mailbox_id, kClaim, "", std::nullopt};
  EXPECT_TRUE(service.ReadSecureContent(ctx, read).ok());
}

}  // namespace
}  // namespace sct::relay
