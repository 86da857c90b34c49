#include "scenarios/launcher/dev_pki.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/time/clock.h"
#include "runtime/health.grpc.pb.h"
#include "runtime/tls.h"
#include "common/errors.h"
#include "crypto/pem.h"
#include "crypto/x509.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "gtest/gtest.h"

namespace sct::scenarios {
namespace {

std::string TmpDir(const std::string& name) {
  const char* d = std::getenv("TEST_TMPDIR");
  return std::string(d != nullptr ? d : "/tmp") + "/" + name;
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(DevPkiTest, IssuesIdentitiesThatChainToTheRoot) {
  auto pki = DevPki::Create(TmpDir("pki1/nested"), absl::Now());
  ASSERT_TRUE(pki.ok()) << pki.status();
  auto relay = (*pki)->Identity("relay");
  ASSERT_TRUE(relay.ok()) << relay.status();
  EXPECT_EQ(relay->cert_file, TmpDir("pki1/nested/relay.pem"));

  auto root = crypto::Certificate::FromPem(Read((*pki)->root_cert_file()));
  ASSERT_TRUE(root.ok()) << root.status();
  auto leaf = crypto::Certificate::FromPem(Read(relay->cert_file));
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  EXPECT_EQ(leaf->SubjectCommonName(), "relay");
  EXPECT_TRUE(
      crypto::VerifyCertificateChain(*leaf, {}, {*root}, absl::Now()).ok());

  struct stat st;
  ASSERT_EQ(stat(relay->key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((TmpDir("pki1/nested/root.key")).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // Same identity twice: same files, same certificate.
  auto again = (*pki)->Identity("relay");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Read(again->cert_file), Read(relay->cert_file));
}

TEST(DevPkiTest, RejectsUnsafeCommonNames) {
  auto pki = DevPki::Create(TmpDir("pki2"), absl::Now());
  ASSERT_TRUE(pki.ok()) << pki.status();
  for (const char* cn : {"", "../etc", "a/b", ".hidden", "sp ace"}) {
    auto id = (*pki)->Identity(cn);
    EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument) << cn;
  }
}

// The certificates work for gRPC mutual TLS to 127.0.0.1 (subjectAltName).
TEST(DevPkiTest, MutualTlsHandshakeOnLoopback) {
  auto pki = DevPki::Create(TmpDir("pki3"), absl::Now());
  ASSERT_TRUE(pki.ok()) << pki.status();
  auto server_id = (*pki)->Identity("credential-authority");
  auto client_id = (*pki)->Identity("admin");
  ASSERT_TRUE(server_id.ok() && client_id.ok());
  auto server_creds = LoadServerCredentials(
      {server_id->cert_file, server_id->key_file, (*pki)->root_cert_file(),
       /*require_client_cert=*/true});
  ASSERT_TRUE(server_creds.ok()) << server_creds.status();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", *server_creds, &port);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  ASSERT_GT(port, 0);

  auto client_creds = LoadClientCredentials(
      {(*pki)->root_cert_file(), client_id->cert_file, client_id->key_file});
  ASSERT_TRUE(client_creds.ok()) << client_creds.status();
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), *client_creds));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::health::v1::HealthCheckResponse resp;
  grpc::Status s = stub->Check(&ctx, {}, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  server->Shutdown();
}

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

// The files oem_server loads with --attestation_ca_key/--attestation_ca_cert.
TEST(DevPkiTest, OemAttestationRootIsMadeOnceAndKept) {
  ASSERT_TRUE(MakeDirs(TmpDir("att"), 0700).ok());
  const std::string key_file = TmpDir("att/oem-a-attestation.key");
  const std::string cert_file = TmpDir("att/oem-a-attestation.pem");
  const absl::Time now = absl::FromUnixSeconds(1735689600);
  ASSERT_TRUE(EnsureOemAttestationRoot("oem-a", key_file, cert_file, now).ok());
  EXPECT_EQ(ModeOf(key_file), 0600u);
  EXPECT_EQ(ModeOf(cert_file), 0644u);

  auto root = crypto::Certificate::FromPem(Read(cert_file));
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_TRUE(root->IsCa());
  EXPECT_EQ(root->SubjectCommonName(), "oem-a attestation root");
  EXPECT_EQ(root->NotBefore(), now - absl::Minutes(5));
  EXPECT_EQ(root->NotAfter(), now + absl::Hours(24 * 3650));
  auto key = crypto::P256PrivateKeyFromPem(Read(key_file), key_file);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(*root->PublicKey(), key->PublicKey());

  // A second launch on the same work directory keeps the root.
  const std::string before = Read(cert_file);
  ASSERT_TRUE(EnsureOemAttestationRoot("oem-a", key_file, cert_file,
                                       now + absl::Hours(1))
                  .ok());
  EXPECT_EQ(Read(cert_file), before);
}

TEST(DevPkiTest, OemAttestationRootRefusesHalfOrMismatchedFiles) {
  ASSERT_TRUE(MakeDirs(TmpDir("att2"), 0700).ok());
  const absl::Time now = absl::FromUnixSeconds(1735689600);
  const std::string k1 = TmpDir("att2/a.key"), c1 = TmpDir("att2/a.pem");
  const std::string k2 = TmpDir("att2/b.key"), c2 = TmpDir("att2/b.pem");
  ASSERT_TRUE(EnsureOemAttestationRoot("oem-a", k1, c1, now).ok());
  ASSERT_TRUE(EnsureOemAttestationRoot("oem-b", k2, c2, now).ok());

  absl::Status mixed = EnsureOemAttestationRoot("oem-a", k1, c2, now);
  EXPECT_EQ(ReasonOf(mixed), "invalid_field") << mixed;
  EXPECT_NE(mixed.message().find("does not match"), absl::string_view::npos);

  const std::string none = TmpDir("att2/none.pem");
  absl::Status half = EnsureOemAttestationRoot("oem-a", k1, none, now);
  EXPECT_EQ(ReasonOf(half), "invalid_field") << half;
  EXPECT_NE(half.message().find(none), absl::string_view::npos);
}

TEST(DevPkiTest, LoadOrCreateKeyKeepsTheKeyAcrossCalls) {
  ASSERT_TRUE(MakeDirs(TmpDir("keys"), 0700).ok());
  const std::string path = TmpDir("keys/ap-hpke.key");
  auto first = LoadOrCreateKey(path);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(ModeOf(path), 0600u);
  auto second = LoadOrCreateKey(path);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->PublicKey(), second->PublicKey());

  ASSERT_TRUE(WriteFileWithMode(TmpDir("keys/bad.key"), "not a key", 0600).ok());
  auto bad = LoadOrCreateKey(TmpDir("keys/bad.key"));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sct::scenarios
