// The OEM server's wiring: configuration checks, and a development-mode
// (--insecure) server on port 0 with its registry and attestation root in
// TEST_TMPDIR. The authority is never called, so none runs.
#include "oem_server/server.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/oem/v1/oem.grpc.pb.h"

namespace sct::oem {
namespace {

namespace ov1 = ::oem::v1;

std::string TempPath(absl::string_view name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

// A complete development configuration with its files under `prefix`.
OemServerConfig InsecureConfig(absl::string_view prefix) {
  OemServerConfig config;
  config.service.oem_id = "oem-a";
  config.db_path = TempPath(absl::StrCat(prefix, "-registry.db"));
  config.attestation_ca_key = TempPath(absl::StrCat(prefix, "-root.key"));
  config.attestation_ca_cert = TempPath(absl::StrCat(prefix, "-root.crt"));
  config.ca_target = "127.0.0.1:1";
  config.insecure = true;
  return config;
}

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST(OemServerConfigTest, ValidateNamesTheFirstMissingOrBadFlag) {
  OemServerConfig config = InsecureConfig("validate");
  EXPECT_TRUE(ValidateConfig(config).ok());

  config.service.oem_id.clear();
  EXPECT_EQ(Message(ValidateConfig(config)), "--oem_id is required");

  config = InsecureConfig("validate");
  config.insecure = false;  // now every TLS setting is needed
  EXPECT_EQ(Message(ValidateConfig(config)), "--tls_cert is required");
  config.server_tls = {"cert.pem", "key.pem", "clients.pem", false};
  config.service.relay_cn = "relay";
  config.authority_tls = {"roots.pem", "oem.pem", ""};
  EXPECT_EQ(Message(ValidateConfig(config)), "--ca_tls_key is required");
  config.authority_tls.key_file = "oem.key";
  EXPECT_TRUE(ValidateConfig(config).ok());

  config = InsecureConfig("validate");
  config.service.push_queue_limit = 0;
  EXPECT_EQ(Message(ValidateConfig(config)), "--push_queue_limit must be >= 1");

  config = InsecureConfig("validate");
  config.ca_target = "no-port";
  EXPECT_EQ(ValidateConfig(config).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(ValidateConfig(config)), ::testing::HasSubstr("--ca_target"));
}

TEST(OemServerTest, ServesAndKeepsItsAttestationRootAcrossRestarts) {
  const OemServerConfig config = InsecureConfig("serve");
  std::string first_root;
  for (int run = 0; run < 2; ++run) {
    auto server = OemServer::Start(config, /*sim=*/nullptr);
    ASSERT_TRUE(server.ok()) << server.status();
    auto stub = ov1::Oem::NewStub(
        grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials()));
    ov1::GetOemInfoResponse info;
    {
      grpc::ClientContext context;
      ASSERT_TRUE(stub->GetOemInfo(&context, {}, &info).ok());
    }
    EXPECT_EQ(info.oem_id(), "oem-a");
    EXPECT_FALSE(info.attestation_root_der().empty());
    if (run == 0) first_root = info.attestation_root_der();
    EXPECT_EQ(info.attestation_root_der(), first_root) << "run " << run;
    ov1::GetChallengeResponse challenge;
    grpc::ClientContext context;
    ASSERT_TRUE(stub->GetChallenge(&context, {}, &challenge).ok());
    EXPECT_EQ(challenge.nonce().size(), OemService::kNonceSize);
    (*server)->Shutdown();
    (*server)->Shutdown();  // idempotent
  }
}

TEST(OemServerTest, ARegistryThatIsNotADatabaseStopsTheStart) {
  OemServerConfig config = InsecureConfig("garbage");
  {
    std::ofstream out(config.db_path);
    out << std::string(4096, 'x');
  }
  auto server = OemServer::Start(config, /*sim=*/nullptr);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(server.status()), "store_unavailable");
}

TEST(OemServerConfigTest, AgreementsParseAndNeedTheVendorFormat) {
  auto roots = ParseAgreementRoots("oem-a=/r/a.pem,,oem-c=/r/c.pem");
  ASSERT_TRUE(roots.ok()) << roots.status();
  EXPECT_EQ(roots->size(), 2u);
  EXPECT_EQ(roots->at("oem-c"), "/r/c.pem");
  EXPECT_THAT(Message(ParseAgreementRoots("oem-a").status()),
              ::testing::HasSubstr("--provisioning_agreements"));
  EXPECT_THAT(Message(ParseAgreementRoots("oem-a=x,oem-a=y").status()),
              ::testing::HasSubstr("given twice"));

  OemServerConfig config = InsecureConfig("agreements");
  config.agreement_roots = *roots;
  EXPECT_EQ(Message(ValidateConfig(config)),
            "--provisioning_agreements needs --token_model=per_oem_format");
  config.vendor_format = true;
  EXPECT_TRUE(ValidateConfig(config).ok());
}

TEST(OemServerTest, AnAgreementRootFileThatIsMissingStopsTheStart) {
  OemServerConfig config = InsecureConfig("missing-partner");
  config.vendor_format = true;
  config.agreement_roots = {{"oem-b", TempPath("no-such-root.pem")}};
  auto server = OemServer::Start(config, /*sim=*/nullptr);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(server.status()), ::testing::HasSubstr("oem-b"));
}

}  // namespace
}  // namespace sct::oem
