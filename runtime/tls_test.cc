#include "runtime/tls.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "common/errors.h"
#include "runtime/grpc_server.h"
#include "runtime/health.grpc.pb.h"
#include "runtime/test_certs.h"
#include "gtest/gtest.h"

namespace sct {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = new std::string(tmp != nullptr ? tmp : "/tmp");
    auto ca = MakeTestCa("SCT Lab test CA");
    auto other_ca = MakeTestCa("Some other CA");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ASSERT_TRUE(other_ca.ok()) << other_ca.status();
    auto server =
        IssueTestCert(*ca, "relay", {"localhost"}, {"127.0.0.1", "::1"});
    auto client = IssueTestCert(*ca, "device-1", {}, {});
    auto stranger = IssueTestCert(*other_ca, "device-x", {}, {});
    ASSERT_TRUE(server.ok()) << server.status();
    ASSERT_TRUE(client.ok()) << client.status();
    ASSERT_TRUE(stranger.ok()) << stranger.status();
    Write("ca.pem", ca->cert_pem);
    Write("other_ca.pem", other_ca->cert_pem);
    Write("server.pem", server->cert_pem);
    Write("server.key", server->key_pem);
    Write("client.pem", client->cert_pem);
    Write("client.key", client->key_pem);
    Write("stranger.pem", stranger->cert_pem);
    Write("stranger.key", stranger->key_pem);
    // Bad files for the error table.
    Write("empty.pem", "");
    Write("garbage.pem", "this is not a certificate\n");
    Write("der.pem", std::string("\x30\x82\x01\x0a\x02\x82\x01\x01\x00", 9));
    Write("bad_base64.pem",
          "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
    Write("encrypted.key",
          "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED "
          "PRIVATE KEY-----\n");
    Write("second_broken.pem",
          server->cert_pem +
              "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::string Path(const std::string& name) {
    return *dir_ + "/" + name;
  }
  static void Write(const std::string& name, const std::string& contents) {
    ASSERT_TRUE(WriteTestFile(Path(name), contents).ok()) << name;
  }

  std::unique_ptr<GrpcServer> StartServer(TlsServerFiles files) {
    auto creds = LoadServerCredentials(files);
    EXPECT_TRUE(creds.ok()) << creds.status();
    if (!creds.ok()) return nullptr;
    GrpcServerOptions options;
    options.credentials = *creds;
    auto server = GrpcServer::Start(options);
    EXPECT_TRUE(server.ok()) << server.status();
    if (!server.ok()) return nullptr;
    return *std::move(server);
  }

  grpc::Status Check(const GrpcServer& server,
                     std::shared_ptr<grpc::ChannelCredentials> creds) {
    auto stub = Health::NewStub(grpc::CreateChannel(server.address(), creds));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    HealthCheckRequest req;
    HealthCheckResponse resp;
    grpc::Status s = stub->Check(&ctx, req, &resp);
    if (s.ok()) {
      EXPECT_EQ(resp.status(), HealthCheckResponse::SERVING);
    }
    return s;
  }

  grpc::Status CheckWith(const GrpcServer& server, TlsClientFiles files) {
    auto creds = LoadClientCredentials(files);
    EXPECT_TRUE(creds.ok()) << creds.status();
    if (!creds.ok())
      return grpc::Status(grpc::StatusCode::INTERNAL, "no creds");
    return Check(server, *creds);
  }

  static std::string* dir_;
};

std::string* TlsTest::dir_ = nullptr;

TEST_F(TlsTest, ClientTrustingTheCaConnects) {
  auto server =
      StartServer({Path("server.pem"), Path("server.key"), "", false});
  ASSERT_NE(server, nullptr);
  grpc::Status s = CheckWith(*server, {Path("ca.pem"), "", ""});
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(TlsTest, ClientWithWrongCaIsRefused) {
  auto server =
      StartServer({Path("server.pem"), Path("server.key"), "", false});
  ASSERT_NE(server, nullptr);
  grpc::Status s = CheckWith(*server, {Path("other_ca.pem"), "", ""});
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
}

TEST_F(TlsTest, PlaintextClientIsRefused) {
  auto server =
      StartServer({Path("server.pem"), Path("server.key"), "", false});
  ASSERT_NE(server, nullptr);
  grpc::Status s = Check(*server, grpc::InsecureChannelCredentials());
  EXPECT_FALSE(s.ok());
}

TEST_F(TlsTest, MutualTlsRequiresAClientCertFromTheCa) {
  auto server = StartServer({Path("server.pem"), Path("server.key"),
                             Path("ca.pem"), /*require=*/true});
  ASSERT_NE(server, nullptr);
  grpc::Status with_cert = CheckWith(
      *server, {Path("ca.pem"), Path("client.pem"), Path("client.key")});
  EXPECT_TRUE(with_cert.ok()) << with_cert.error_message();

  grpc::Status no_cert = CheckWith(*server, {Path("ca.pem"), "", ""});
  EXPECT_EQ(no_cert.error_code(), grpc::StatusCode::UNAVAILABLE);

  grpc::Status stranger = CheckWith(
      *server, {Path("ca.pem"), Path("stranger.pem"), Path("stranger.key")});
  EXPECT_EQ(stranger.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, OptionalClientCertIsVerifiedWhenPresented) {
  auto server = StartServer({Path("server.pem"), Path("server.key"),
                             Path("ca.pem"), /*require=*/false});
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(CheckWith(*server, {Path("ca.pem"), "", ""}).ok());
  EXPECT_TRUE(CheckWith(*server, {Path("ca.pem"), Path("client.pem"),
                                  Path("client.key")})
                  .ok());
  EXPECT_FALSE(CheckWith(*server, {Path("ca.pem"), Path("stranger.pem"),
                                   Path("stranger.key")})
                   .ok());
}

struct BadServerCase {
  std::string name;
  std::string cert, key, ca;
  bool require;
  absl::StatusCode code;
  std::string reason;
  std::vector<std::string> in_message;
};

TEST_F(TlsTest, ServerCredentialErrorsNameTheFile) {
  const std::string missing = Path("does_not_exist.pem");
  const std::vector<BadServerCase> cases = {
      {"missing cert",
       missing,
       Path("server.key"),
       "",
       false,
       absl::StatusCode::kNotFound,
       "tls_file_unreadable",
       {"TLS certificate file", missing, "No such file"}},
      {"missing key",
       Path("server.pem"),
       missing,
       "",
       false,
       absl::StatusCode::kNotFound,
       "tls_file_unreadable",
       {"TLS private key file", missing}},
      {"missing client CA",
       Path("server.pem"),
       Path("server.key"),
       missing,
       true,
       absl::StatusCode::kNotFound,
       "tls_file_unreadable",
       {"TLS client CA file", missing}},
      {"no cert path",
       "",
       Path("server.key"),
       "",
       false,
       absl::StatusCode::kInvalidArgument,
       "invalid_field",
       {"TLS certificate: no file"}},
      {"directory",
       *dir_,
       Path("server.key"),
       "",
       false,
       absl::StatusCode::kInvalidArgument,
       "tls_file_invalid",
       {*dir_}},
      {"empty cert",
       Path("empty.pem"),
       Path("server.key"),
       "",
       false,
       absl::StatusCode::kInvalidArgument,
       "tls_file_invalid",
       {Path("empty.pem"), "empty file"}},
      {"garbage cert",
       Path("garbage.pem"),
       Path("server.key"),
       "",
       false,
       absl::StatusCode::kInvalidArgument,
       "tls_file_invalid",
       {Path("garbage.pem"), "not PEM"}},
      {"DER cert",
       Path("der.pem"),
       Path("server.key"),
       "",
       false,
       absl::StatusCode::kInvalidArgument,
       "tls_file_invalid",
       {Path("der.pem"), "not PEM"}},
      {"bad base64 cert",
       Path("bad_base64.pem"),
       Path("server.key"),
       "",
       false,
       absl::StatusCode::kInvalidArgument,
       "tls_file_invalid",
       {Path("bad_base64.pem"), "no PEM CERTIFICATE block"}},
      {"second cert broken",
       Path("second_broken.pem"),
       Path("server.key"),
       "",
       false,
       absl::StatusCode::kInvalidArgument,
       "tls_file_invalid",
       {Path("second_broken.pem"), "certificate 2 is malformed", "OpenSSL"}},
      {"key as cert",
       Path("server.key"),
       Path("server.key"),
       "",
       false,
       absl::StatusCode::kInvalidArgument,
       "tls_file_invalid",
       {Path("server.key"), "contains a private key, not a certificate"}},
      {"cert as key",
       Path("server.pem"),
       Path("server.pem"),
       "",
       false,
       absl::StatusCode::kInvalidArgument,
       "tls_file_invalid",
       {"TLS private key file", Path("server.pem"), "contains a certificate"}},
      {"garbage key",
       Path("server.pem"),
       Path("garbage.pem"),
       "",
       false,
       absl::StatusCode::kInvalidArgument,
       "tls_file_invalid",
       {"TLS private key file", Path("garbage.pem"), "not PEM"}},
      {"encrypted key",
       Path("server.pem"),
       Path("encrypted.key"),
       "",
       false,
       absl::StatusCode::kInvalidArgument,
       "tls_file_invalid",
       {Path("encrypted.key"), "encrypted"}},
      {"mismatched key",
       Path("server.pem"),
       Path("client.key"),
       "",
       false,
       absl::StatusCode::kInvalidArgument,
       "tls_file_invalid",
       {Path("client.key"), "does not match the certificate"}},
      {"garbage CA",
       Path("server.pem"),
       Path("server.key"),
       Path("garbage.pem"),
       true,
       absl::StatusCode::kInvalidArgument,
       "tls_file_invalid",
       {"TLS client CA file", Path("garbage.pem")}},
      {"mTLS without CA",
       Path("server.pem"),
       Path("server.key"),
       "",
       true,
       absl::StatusCode::kInvalidArgument,
       "invalid_field",
       {"client_ca_file"}},
  };
  for (const BadServerCase& c : cases) {
    auto creds = LoadServerCredentials({c.cert, c.key, c.ca, c.require});
    ASSERT_FALSE(creds.ok()) << c.name;
    EXPECT_EQ(creds.status().code(), c.code)
        << c.name << ": " << creds.status();
    EXPECT_EQ(ReasonOf(creds.status()), c.reason)
        << c.name << ": " << creds.status();
    for (const std::string& part : c.in_message) {
      EXPECT_NE(creds.status().message().find(part), std::string::npos)
          << c.name << ": '" << part << "' not in: " << creds.status();
    }
  }
}

TEST_F(TlsTest, ClientCredentialErrorsNameTheFile) {
  struct Case {
    std::string name;
    TlsClientFiles files;
    std::string reason;
    std::string in_message;
  };
  const std::vector<Case> cases = {
      {"missing CA",
       {Path("nope.pem"), "", ""},
       "tls_file_unreadable",
       Path("nope.pem")},
      {"garbage CA",
       {Path("garbage.pem"), "", ""},
       "tls_file_invalid",
       Path("garbage.pem")},
      {"key as CA",
       {Path("client.key"), "", ""},
       "tls_file_invalid",
       "private key"},
      {"cert without key",
       {Path("ca.pem"), Path("client.pem"), ""},
       "invalid_field",
       "key_file"},
      {"key without cert",
       {Path("ca.pem"), "", Path("client.key")},
       "invalid_field",
       "cert_file"},
      {"mismatched client key",
       {Path("ca.pem"), Path("client.pem"), Path("stranger.key")},
       "tls_file_invalid",
       "does not match"},
      {"missing client cert",
       {Path("ca.pem"), Path("nope.pem"), Path("client.key")},
       "tls_file_unreadable",
       "TLS client certificate file"},
  };
  for (const Case& c : cases) {
    auto creds = LoadClientCredentials(c.files);
    ASSERT_FALSE(creds.ok()) << c.name;
    EXPECT_EQ(ReasonOf(creds.status()), c.reason)
        << c.name << ": " << creds.status();
    EXPECT_NE(creds.status().message().find(c.in_message), std::string::npos)
        << c.name << ": " << creds.status();
  }
}

TEST_F(TlsTest, ChainAndCombinedFilesAreAccepted) {
  // A cert file holding leaf + CA, and a key file that also holds the cert.
  std::string leaf, key, ca;
  {
    auto l = ReadPemCertificates(Path("server.pem"), "cert");
    auto k = ReadPemPrivateKey(Path("server.key"), "key");
    auto c = ReadPemCertificates(Path("ca.pem"), "ca");
    ASSERT_TRUE(l.ok() && k.ok() && c.ok());
    leaf = *l;
    key = *k;
    ca = *c;
  }
  Write("chain.pem", leaf + ca);
  Write("combined.key", leaf + key);
  auto server =
      StartServer({Path("chain.pem"), Path("combined.key"), "", false});
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(CheckWith(*server, {Path("ca.pem"), "", ""}).ok());
}

}  // namespace
}  // namespace sct
