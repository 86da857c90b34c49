// End-to-end tier: the real ca_server binary as a separate process. Starts it
// on port 0 with mutual TLS, a SQLite file and a signing key in $TEST_TMPDIR,
// reads the one `listening grpc=HOST:PORT` line, drives it over gRPC, stops it
// with SIGTERM (exit 0), restarts it on the same files and checks that the
// keys (signing key, PIN key) and the ledger survived.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "common/errors.h"
#include "common/status_mapping.h"
#include "runtime/test_certs.h"
#include "runtime/tls.h"
#include "credential_authority/ca_test_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/credential_authority/v1/credential_authority.grpc.pb.h"
#include "runtime/child_process.h"
#include "runtime/files.h"

namespace sct::ca {
namespace {

namespace cav1 = ::credential_authority::v1;

std::string Tmp(const std::string& name) {
  const char* d = std::getenv("TEST_TMPDIR");
  return std::string(d != nullptr ? d : "/tmp") + "/" + name;
}

struct Server {
  std::unique_ptr<ChildProcess> process;  // null when it did not start
  std::string address;
};

// Starts ca_server (its stderr to the test log) and reads its start-up line.
Server Start(const std::vector<std::string>& flags) {
  ChildProcessSpec spec;
  spec.name = "ca_server";
  spec.binary = std::string(std::getenv("TEST_SRCDIR")) +
                "/sct_lab/credential_authority/ca_server";
  spec.args = flags;
  spec.start_timeout = absl::Seconds(60);
  absl::StatusOr<std::unique_ptr<ChildProcess>> started = ChildProcess::Start(spec);
  Server s;
  EXPECT_TRUE(started.ok()) << started.status();
  if (!started.ok()) return s;
  s.process = *std::move(started);
  auto grpc = s.process->listening().find("grpc");
  EXPECT_NE(grpc, s.process->listening().end()) << s.process->listening_line();
  if (grpc != s.process->listening().end()) s.address = grpc->second;
  return s;
}

int Stop(const Server& s) {
  return s.process == nullptr ? -1 : s.process->Terminate(absl::Seconds(30));
}

std::unique_ptr<cav1::CredentialAuthority::Stub> Connect(
    const std::string& address, const std::string& cn) {
  TlsClientFiles files{Tmp("e2e-ca.pem"), Tmp("e2e-" + cn + ".pem"),
                       Tmp("e2e-" + cn + ".key")};
  auto creds = LoadClientCredentials(files);
  EXPECT_TRUE(creds.ok()) << creds.status();
  return cav1::CredentialAuthority::NewStub(
      grpc::CreateChannel(address, *creds));
}

TEST(CaServerProcessTest, ServesOverMutualTlsStopsOnSigtermAndKeepsState) {
  auto ca = MakeTestCa("e2e root");
  ASSERT_TRUE(ca.ok());
  ASSERT_TRUE(WriteTestFile(Tmp("e2e-ca.pem"), ca->cert_pem).ok());
  auto server_cert = IssueTestCert(*ca, "ca", {"localhost"}, {"127.0.0.1"});
  ASSERT_TRUE(server_cert.ok());
  ASSERT_TRUE(WriteTestFile(Tmp("e2e-server.pem"), server_cert->cert_pem).ok());
  ASSERT_TRUE(WriteTestFile(Tmp("e2e-server.key"), server_cert->key_pem).ok());
  for (const char* cn : {"admin", "oem-a"}) {
    auto c = IssueTestCert(*ca, cn, {}, {});
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(
        WriteTestFile(Tmp(std::string("e2e-") + cn + ".pem"), c->cert_pem)
            .ok());
    ASSERT_TRUE(
        WriteTestFile(Tmp(std::string("e2e-") + cn + ".key"), c->key_pem).ok());
  }
  auto oem = testing::MakeOem("oem-a", absl::Now());
  ASSERT_TRUE(oem.ok());
  auto oem_pem = oem->root.ToPem();
  ASSERT_TRUE(oem_pem.ok());
  ASSERT_TRUE(WriteTestFile(Tmp("e2e-oem-a-root.pem"), *oem_pem).ok());
  std::remove(Tmp("e2e-signing.pem").c_str());
  std::remove(Tmp("e2e-signing.pem.root.pem").c_str());
  std::remove(Tmp("e2e-signing.pem.pin.key").c_str());
  std::remove(Tmp("e2e.db").c_str());

  const std::vector<std::string> flags = {
      "--listen=127.0.0.1:0",
      "--db_path=" + Tmp("e2e.db"),
      "--signing_key=" + Tmp("e2e-signing.pem"),
      "--tls_cert=" + Tmp("e2e-server.pem"),
      "--tls_key=" + Tmp("e2e-server.key"),
      "--tls_client_ca=" + Tmp("e2e-ca.pem"),
      "--oem_roots=oem-a=" + Tmp("e2e-oem-a-root.pem"),
      "--admin_cn=admin"};
  Server first = Start(flags);
  ASSERT_FALSE(first.address.empty());
  struct stat st;
  ASSERT_EQ(stat(Tmp("e2e-signing.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  // The PIN key, created beside the signing key at the first start.
  const std::string pin_key_path = Tmp("e2e-signing.pem.pin.key");
  ASSERT_EQ(lstat(pin_key_path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto pin_key = ReadWholeFile(pin_key_path);
  ASSERT_TRUE(pin_key.ok()) << pin_key.status();
  EXPECT_EQ(pin_key->size(), 32u);

  auto admin = Connect(first.address, "admin");
  cav1::GetAuthorityInfoResponse info;
  grpc::ClientContext c1;
  ASSERT_TRUE(admin->GetAuthorityInfo(&c1, {}, &info).ok());
  cav1::RegisterAccessPointRequest reg;
  reg.mutable_access_point()->set_access_point_id("car-1");
  reg.mutable_access_point()->set_kind(common::v1::CAR);
  cav1::RegisterAccessPointResponse reg_resp;
  grpc::ClientContext c2;
  ASSERT_TRUE(admin->RegisterAccessPoint(&c2, reg, &reg_resp).ok());
  EXPECT_TRUE(reg_resp.created());
  // oem-a is trusted through --oem_roots: its empty request is checked
  // (invalid_field), not refused as an unknown caller.
  auto oem_a = Connect(first.address, "oem-a");
  grpc::ClientContext c3;
  cav1::InitiateShareResponse share;
  grpc::Status s = oem_a->InitiateShare(&c3, {}, &share);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(FromGrpcStatus(s)), "invalid_field");
  EXPECT_EQ(Stop(first), 0);

  Server second = Start(flags);
  ASSERT_FALSE(second.address.empty());
  auto admin2 = Connect(second.address, "admin");
  cav1::GetAuthorityInfoResponse info2;
  grpc::ClientContext c4;
  ASSERT_TRUE(admin2->GetAuthorityInfo(&c4, {}, &info2).ok());
  EXPECT_EQ(info2.key_id(), info.key_id());
  EXPECT_EQ(info2.root_certificate_der(), info.root_certificate_der());
  grpc::ClientContext c5;
  ASSERT_TRUE(admin2->RegisterAccessPoint(&c5, reg, &reg_resp).ok());
  EXPECT_FALSE(reg_resp.created());  // the ledger kept it
  EXPECT_EQ(Stop(second), 0);
  EXPECT_EQ(*ReadWholeFile(pin_key_path), *pin_key);  // read back, not replaced
}

}  // namespace
}  // namespace sct::ca
