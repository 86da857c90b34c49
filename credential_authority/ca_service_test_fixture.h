// The CaService test fixture shared by ca_service_test and
// ca_service_bounded_test: an Env (service on a SQLite ledger in $TEST_TMPDIR),
// an owner device with its credential, share and redeem helpers, and the
// ASSERT_OK / ASSERT_OK_AND_ASSIGN macros. testonly.
#ifndef SCT_CREDENTIAL_AUTHORITY_CA_SERVICE_TEST_FIXTURE_H_
#define SCT_CREDENTIAL_AUTHORITY_CA_SERVICE_TEST_FIXTURE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "credential_authority/ca_service.h"
#include "credential_authority/ca_test_util.h"
#include "gtest/gtest.h"

namespace sct::ca {

#define ASSERT_OK(expr)           \
  do {                            \
    auto _st = (expr);            \
    ASSERT_TRUE(_st.ok()) << _st; \
  } while (0)

#define ASSERT_OK_AND_ASSIGN(lhs, expr)            \
  auto ASSERT_CONCAT(_sor_, __LINE__) = (expr);    \
  ASSERT_TRUE(ASSERT_CONCAT(_sor_, __LINE__).ok()) \
      << ASSERT_CONCAT(_sor_, __LINE__).status();  \
  lhs = std::move(*ASSERT_CONCAT(_sor_, __LINE__))
#define ASSERT_CONCAT_(a, b) a##b
#define ASSERT_CONCAT(a, b) ASSERT_CONCAT_(a, b)

class CaServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = testing::Env::ForCurrentTest();
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = std::move(*env);
  }

  // Owner (oem-a device) of car-1 with unlock, lock, drive.
  void MakeOwner(common::v1::CredentialKind kind = common::v1::ASYMMETRIC,
                 bool resharing = true) {
    auto owner =
        env_->Owner(kind == common::v1::ASYMMETRIC ? "car-1" : "room-1", kind,
                    kind == common::v1::ASYMMETRIC
                        ? std::vector<std::string>{"unlock", "lock", "drive"}
                        : std::vector<std::string>{"enter"},
                    resharing);
    ASSERT_TRUE(owner.ok()) << owner.status();
    owner_device_ = std::make_unique<testing::TestDevice>(std::move(owner->first));
    owner_cred_ = owner->second;
  }

  absl::StatusOr<::credential_authority::v1::InitiateShareResponse> Share(
      const crypto::EcdsaP256PrivateKey& holder, ::credential_authority::v1::ShareIntent intent,
      const std::string& pin = "") {
    auto req = testing::SignedShare(holder, std::move(intent), pin);
    if (!req.ok()) return req.status();
    return env_->service->InitiateShare(env_->oem_a, *req);
  }

  absl::StatusOr<std::pair<testing::TestDevice, ::credential_authority::v1::RedeemShareResponse>>
  RedeemB(
      const common::v1::SignedShareToken& token, const std::string& pin = "") {
    auto r = env_->Redeem(token, env_->oems[1], pin);
    if (!r.ok()) return r.status();
    auto resp = env_->service->RedeemShare(env_->oem_b, r->second);
    if (!resp.ok()) return resp.status();
    return std::make_pair(std::move(r->first), std::move(*resp));
  }

  std::unique_ptr<testing::Env> env_;
  std::unique_ptr<testing::TestDevice> owner_device_;
  common::v1::Credential owner_cred_;
};

}  // namespace sct::ca

#endif  // SCT_CREDENTIAL_AUTHORITY_CA_SERVICE_TEST_FIXTURE_H_
