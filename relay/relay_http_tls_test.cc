// The HTTP listener over TLS (--tls_cert/--tls_key): a client that verifies
// the relay's certificate completes a create and a read.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

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

// The first flight of a TLS client, produced by OpenSSL into a memory BIO.
std::string RecordedClientHello() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, in, out);  // ssl owns both
  SSL_set_connect_state(ssl);
  SSL_do_handshake(ssl);  // wants to read: the ClientHello is in `out`
  char* data = nullptr;
  long n = BIO_get_mem_data(out, &data);
  std::string hello(data, static_cast<size_t>(n));
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return hello;
}

// A relay HTTPS face on 127.0.0.1:0 with a leaf of a fresh test CA; the CA
// certificate is at ca_path_.
class HttpsRelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestServerFiles> tls = WriteTestServerFiles(TmpPath(""), "relay");
    ASSERT_TRUE(tls.ok()) << tls.status();
    const std::string& cert = tls->cert_file;
    const std::string& key = tls->key_file;
    ca_path_ = tls->ca_file;
    RelayHttpOptions options;
    options.tls_cert_file = cert;
    options.tls_key_file = key;
    auto server = RelayHttpServer::Start(&service_, &metrics_, options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
  }

  std::string ca_path_;  // the test CA's certificate (SetUp)
  FakeClock clock_;
  MemoryMailboxStore store_;
  RelayMetrics metrics_;
  MailboxService service_{&store_, &clock_, nullptr, "https://relay.example", RelayLimits()};
  std::unique_ptr<RelayHttpServer> server_;
};

TEST_F(HttpsRelayTest, ServesHttpsWithTheGivenCertificate) {
  httplib::SSLClient client("127.0.0.1", server_->port());
  client.set_ca_cert_path(ca_path_.c_str());
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
  httplib::Client plain("127.0.0.1", server_->port());
  plain.set_read_timeout(2, 0);
  auto r = plain.Get("/healthz");
  EXPECT_FALSE(r && r->status == 200);
}

// A client that rejects the relay's certificate aborts the handshake and
// closes; the relay's next write to that socket must not raise SIGPIPE,
// whose default action kills the whole process. Raw clients that reset the
// connection right after their first bytes do the same. The server keeps
// answering afterwards.
TEST_F(HttpsRelayTest, ClientsThatAbandonTheHandshakeDoNotStopTheServer) {
  auto wrong_ca = MakeTestCa("some other CA");
  ASSERT_TRUE(wrong_ca.ok()) << wrong_ca.status();
  const std::string wrong_path = TmpPath("wrong.pem");
  ASSERT_TRUE(WriteTestFile(wrong_path, wrong_ca->cert_pem).ok());

  for (int i = 0; i < 20; ++i) {
    httplib::SSLClient wrong("127.0.0.1", server_->port());
    wrong.set_ca_cert_path(wrong_path.c_str());
    wrong.enable_server_certificate_verification(true);
    auto refused = wrong.Get("/healthz");
    EXPECT_FALSE(refused);

    // A ClientHello-sized burst, then a reset instead of a close.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server_->port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    const std::string hello = RecordedClientHello();
    ASSERT_EQ(::send(fd, hello.data(), hello.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(hello.size()));
    linger reset{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
    ::close(fd);
  }

  httplib::SSLClient client("127.0.0.1", server_->port());
  client.set_ca_cert_path(ca_path_.c_str());
  client.enable_server_certificate_verification(true);
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200);
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
