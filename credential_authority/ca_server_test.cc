// End-to-end tier: the real ca_server binary as a separate process. Starts it
// on port 0 with mutual TLS, a SQLite file and a signing key in $TEST_TMPDIR,
// reads the one `listening grpc=HOST:PORT` line, drives it over gRPC, stops it
// with SIGTERM (exit 0), restarts it on the same files and checks that the
// key and the ledger survived.
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
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

extern char** environ;

namespace sct::ca {
namespace {

namespace cav1 = ::credential_authority::v1;

std::string Tmp(const std::string& name) {
  const char* d = std::getenv("TEST_TMPDIR");
  return std::string(d != nullptr ? d : "/tmp") + "/" + name;
}

struct Server {
  pid_t pid = -1;
  std::string address;
};

// Starts ca_server and reads its first stdout line.
Server Start(const std::vector<std::string>& flags) {
  std::string bin = std::string(std::getenv("TEST_SRCDIR")) +
                    "/sct_lab/credential_authority/ca_server";
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::vector<std::string> args = {bin};
  args.insert(args.end(), flags.begin(), flags.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  Server s;
  EXPECT_EQ(
      posix_spawn(&s.pid, bin.c_str(), &actions, nullptr, argv.data(), environ),
      0);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  std::string line;
  char c;
  while (read(fds[0], &c, 1) == 1 && c != '\n') line += c;
  close(fds[0]);
  const std::string prefix = "listening grpc=";
  EXPECT_EQ(line.rfind(prefix, 0), 0u) << line;
  if (line.rfind(prefix, 0) == 0) s.address = line.substr(prefix.size());
  return s;
}

int Stop(const Server& s) {
  kill(s.pid, SIGTERM);
  int status = 0;
  waitpid(s.pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
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
}

}  // namespace
}  // namespace sct::ca
