// The HTTP listener over TLS (--tls_cert/--tls_key): a client that verifies
// the relay's certificate completes a create and a read.
#include <cstdlib>
#include <string>

#include "runtime/test_certs.h"
#include "common/uuid.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "relay/memory_mailbox_store.h"
#include "relay/relay_http.h"
#include "relay/relay_test_util.h"

namespace sct::relay {
namespace {

std::string TmpPath(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return std::string(tmp ? tmp : "/tmp") + "/" + NewUuidV4() + "-" + name;
}

TEST(RelayHttpTlsTest, ServesHttpsWithTheGivenCertificate) {
  auto ca = MakeTestCa("relay test CA");
  ASSERT_TRUE(ca.ok()) << ca.status();
  auto leaf = IssueTestCert(*ca, "relay", {"localhost"}, {"127.0.0.1"});
  ASSERT_TRUE(leaf.ok()) << leaf.status();
  const std::string ca_path = TmpPath("ca.pem"), cert = TmpPath("cert.pem"),
                    key = TmpPath("key.pem");
  ASSERT_TRUE(WriteTestFile(ca_path, ca->cert_pem).ok());
  ASSERT_TRUE(WriteTestFile(cert, leaf->cert_pem).ok());
  ASSERT_TRUE(WriteTestFile(key, leaf->key_pem).ok());

  FakeClock clock;
  MemoryMailboxStore store;
  RelayMetrics metrics;
  MailboxService service(&store, &clock, nullptr, "https://relay.example", RelayLimits());
  RelayHttpOptions options;
  options.tls_cert_file = cert;
  options.tls_key_file = key;
  auto server = RelayHttpServer::Start(&service, &metrics, options);
  ASSERT_TRUE(server.ok()) << server.status();

  httplib::SSLClient client("127.0.0.1", (*server)->port());
  client.set_ca_cert_path(ca_path.c_str());
  client.enable_server_certificate_verification(true);
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200);

  httplib::Headers h = {{"Mailbox-Device-Claim", NewUuidV4()},
                        {"Mailbox-Request-ID", NewUuidV4()}};
  auto created = client.Post("/v1/m", h, testing::CreateBody().dump(), "application/json");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 200) << created->body;
  EXPECT_EQ(created->get_header_value("Content-Type"), "application/json");

  // A plaintext client gets nowhere.
  httplib::Client plain("127.0.0.1", (*server)->port());
  plain.set_read_timeout(2, 0);
  auto r = plain.Get("/healthz");
  EXPECT_FALSE(r && r->status == 200);
}

TEST(RelayHttpTlsTest, BadTlsFilesFailAtStart) {
  RelayHttpOptions options;
  options.tls_cert_file = TmpPath("missing-cert.pem");
  options.tls_key_file = TmpPath("missing-key.pem");
  EXPECT_FALSE(RelayHttpServer::Bind(options).ok());
  options.tls_key_file = "";
  auto half = RelayHttpServer::Bind(options);
  ASSERT_FALSE(half.ok());
  EXPECT_EQ(half.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sct::relay
