// AuthorityServer: the configuration rules of ca_server's flags, and the
// wiring started in-process on port 0 with test certificates, a key file and
// a ledger in $TEST_TMPDIR.
#include "credential_authority/authority_server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "common/errors.h"
#include "gtest/gtest.h"
#include "runtime/test_certs.h"

namespace sct::ca {
namespace {

std::string Tmp(const std::string& name) {
  const char* d = std::getenv("TEST_TMPDIR");
  return std::string(d != nullptr ? d : "/tmp") + "/" + name;
}

TEST(ParseOemRootsTest, ReadsPairsAndSkipsEmptyItems) {
  auto roots = ParseOemRoots("oem-a=a.pem,,oem-b=dir/b=1.pem");
  ASSERT_TRUE(roots.ok()) << roots.status();
  ASSERT_EQ(roots->size(), 2u);
  EXPECT_EQ((*roots)[0].oem_id, "oem-a");
  EXPECT_EQ((*roots)[0].pem_path, "a.pem");
  EXPECT_EQ((*roots)[1].oem_id, "oem-b");
  EXPECT_EQ((*roots)[1].pem_path, "dir/b=1.pem");
  auto none = ParseOemRoots("");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(ParseOemRootsTest, RejectsItemsWithoutIdOrFile) {
  for (const char* bad : {"oem-a", "=a.pem", "oem-a=", "oem-a=a.pem,oem-b"}) {
    auto roots = ParseOemRoots(bad);
    EXPECT_EQ(ReasonOf(roots.status()), "invalid_field") << bad;
    EXPECT_NE(roots.status().message().find("--oem_roots: expected OEM=FILE"),
              absl::string_view::npos)
        << roots.status();
  }
}

TEST(AuthorityServerConfigTest, TlsFilesAreRequiredAndRootDefaultsBesideTheKey) {
  AuthorityServerConfig config;
  EXPECT_EQ(ReasonOf(CheckAuthorityServerConfig(config)), "invalid_field");
  config.tls_cert = "s.pem";
  config.tls_key = "s.key";
  EXPECT_EQ(ReasonOf(CheckAuthorityServerConfig(config)), "invalid_field");
  config.tls_client_ca = "ca.pem";
  EXPECT_TRUE(CheckAuthorityServerConfig(config).ok());
  for (uint32_t out_of_range : {0u, 101u}) {
    config.max_pin_attempts = out_of_range;
    absl::Status s = CheckAuthorityServerConfig(config);
    EXPECT_EQ(ReasonOf(s), "invalid_field");
    EXPECT_NE(s.message().find("--max_pin_attempts"), absl::string_view::npos) << s;
  }
  config.max_pin_attempts = 100;
  EXPECT_TRUE(CheckAuthorityServerConfig(config).ok());
  config.signing_key_path = "/keys/ca.pem";
  EXPECT_EQ(RootCertPath(config), "/keys/ca.pem.root.pem");
  config.root_cert_path = "/keys/root.pem";
  EXPECT_EQ(RootCertPath(config), "/keys/root.pem");
  EXPECT_EQ(PinKeyPath(config), "/keys/ca.pem.pin.key");
  config.pin_key_path = "/state/pin.key";
  EXPECT_EQ(PinKeyPath(config), "/state/pin.key");
}

class AuthorityServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ca = MakeTestCa("sct dev root");
    ASSERT_TRUE(ca.ok()) << ca.status();
    auto server_cert = IssueTestCert(*ca, "ca", {"localhost"}, {"127.0.0.1"});
    ASSERT_TRUE(server_cert.ok()) << server_cert.status();
    auto oem_root = MakeTestCa("oem-a attestation root");
    ASSERT_TRUE(oem_root.ok()) << oem_root.status();
    ASSERT_TRUE(WriteTestFile(Tmp("client_ca.pem"), ca->cert_pem).ok());
    ASSERT_TRUE(WriteTestFile(Tmp("server.pem"), server_cert->cert_pem).ok());
    ASSERT_TRUE(WriteTestFile(Tmp("server.key"), server_cert->key_pem).ok());
    ASSERT_TRUE(WriteTestFile(Tmp("oem_a_root.pem"), oem_root->cert_pem).ok());
    const std::string db = Tmp("authority_server.db");
    for (const std::string& f :
         {db, db + "-wal", db + "-shm", Tmp("key.pem"), Tmp("key.pem.root.pem"),
          Tmp("key.pem.pin.key"), Tmp("pin_link.key")}) {
      std::remove(f.c_str());
    }
    config_.db_path = db;
    config_.signing_key_path = Tmp("key.pem");
    config_.tls_cert = Tmp("server.pem");
    config_.tls_key = Tmp("server.key");
    config_.tls_client_ca = Tmp("client_ca.pem");
    config_.oem_roots = {{"oem-a", Tmp("oem_a_root.pem")}};
    config_.authority_id = "ca-test";
  }

  AuthorityServerConfig config_;
};

TEST_F(AuthorityServerTest, StartsOnAFreePortWithTheOemRootsRegistered) {
  auto server = AuthorityServer::Start(config_, nullptr);
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ((*server)->address().rfind("127.0.0.1:", 0), 0u) << (*server)->address();
  EXPECT_NE((*server)->address(), "127.0.0.1:0");
  const CaService& service = (*server)->service();
  EXPECT_FALSE(service.key_id().empty());
  EXPECT_EQ(service.revocation_version(), 0u);
  struct stat key_stat;
  ASSERT_EQ(stat(config_.signing_key_path.c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600);
  struct stat root_stat;
  EXPECT_EQ(stat(RootCertPath(config_).c_str(), &root_stat), 0);
  struct stat pin_key_stat;
  ASSERT_EQ(lstat(PinKeyPath(config_).c_str(), &pin_key_stat), 0);
  EXPECT_TRUE(S_ISREG(pin_key_stat.st_mode));
  EXPECT_EQ(pin_key_stat.st_mode & 0777, 0600);
  (*server)->Shutdown();
  (*server)->Shutdown();  // idempotent

  // The OEM root was recorded in the ledger: a restart finds oem-a without
  // being told again.
  config_.oem_roots.clear();
  auto again = AuthorityServer::Start(config_, nullptr);
  ASSERT_TRUE(again.ok()) << again.status();
  auto ledger = SqliteLedger::Open(config_.db_path);
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  EXPECT_TRUE((*ledger)->GetOemRoot("oem-a").ok());
}

TEST_F(AuthorityServerTest, FailuresNameTheFlag) {
  AuthorityServerConfig missing_root = config_;
  missing_root.oem_roots = {{"oem-b", Tmp("no_such_root.pem")}};
  auto no_root = AuthorityServer::Start(missing_root, nullptr);
  ASSERT_FALSE(no_root.ok());
  EXPECT_EQ(no_root.status().message().rfind("--oem_roots oem-b: ", 0), 0u) << no_root.status();

  AuthorityServerConfig bad_tls = config_;
  bad_tls.tls_key = Tmp("no_such.key");
  auto no_tls = AuthorityServer::Start(bad_tls, nullptr);
  ASSERT_FALSE(no_tls.ok());
  EXPECT_EQ(no_tls.status().message().rfind("tls: ", 0), 0u) << no_tls.status();
  EXPECT_EQ(ReasonOf(no_tls.status()), "tls_file_unreadable");

  AuthorityServerConfig bad_listen = config_;
  bad_listen.listen = "not an address";
  auto no_listen = AuthorityServer::Start(bad_listen, nullptr);
  ASSERT_FALSE(no_listen.ok());
  EXPECT_EQ(no_listen.status().message().rfind("--listen: ", 0), 0u) << no_listen.status();

  AuthorityServerConfig linked_pin_key = config_;
  linked_pin_key.pin_key_path = Tmp("pin_link.key");
  ASSERT_EQ(symlink(Tmp("elsewhere.key").c_str(), linked_pin_key.pin_key_path.c_str()), 0);
  auto no_pin_key = AuthorityServer::Start(linked_pin_key, nullptr);
  ASSERT_FALSE(no_pin_key.ok());
  EXPECT_EQ(no_pin_key.status().message().rfind("--pin_key: ", 0), 0u) << no_pin_key.status();
  EXPECT_EQ(ReasonOf(no_pin_key.status()), "invalid_field");
}

}  // namespace
}  // namespace sct::ca
