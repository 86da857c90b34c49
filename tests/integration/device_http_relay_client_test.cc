// The device's HTTP relay client (device/http_relay_client.h) against the
// REAL relay HTTP face (relay/relay_http.h: MailboxService + RelayHttpServer
// on 127.0.0.1:0 over TLS with a test CA): every operation of the draft,
// the error answers mapped to the codes and reasons the gRPC face gives,
// repeated request ids, a wrong CA refused, link faults of the simulator,
// and (against a tiny fake HTTP server) an answer too large to accept. It
// lives here because it links the device's and the relay's code.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/uuid.h"
#include "device/http_relay_client.h"
#include "gtest/gtest.h"
#include "relay/fake_push_notifier.h"
#include "relay/mailbox_service.h"
#include "relay/memory_mailbox_store.h"
#include "relay/metrics.h"
#include "relay/relay_http.h"
#include "runtime/test_certs.h"
#include "sim/sim_state.h"

namespace sct::device {
namespace {

namespace rv = ::relay::v1;

std::string TmpPath(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return std::string(tmp ? tmp : "/tmp") + "/" + NewUuidV4() + "-" + name;
}

// 12-byte IV + ciphertext + 16-byte tag: the relay checks only the length.
std::string Sealed(size_t n = 40) { return std::string(n, '\x7f'); }

rv::CreateMailboxRequest NewCreate(const std::string& claim, const std::string& rights = "RWD") {
  rv::CreateMailboxRequest req;
  req.set_device_claim(claim);
  req.set_request_id(NewUuidV4());
  req.mutable_payload()->set_type("AEAD_AES_128_GCM");
  req.mutable_payload()->set_data(Sealed());
  req.mutable_display_information()->set_title("A <key> & more");
  req.mutable_display_information()->set_description("Blue car");
  req.mutable_notification_token()->set_type("oem-a");
  req.mutable_notification_token()->set_token_data("sender-token");
  req.mutable_mailbox_configuration()->set_access_rights(rights);
  return req;
}

std::string IdOf(const rv::CreateMailboxResponse& created) {
  return created.url_link().substr(created.url_link().rfind('/') + 1);
}

class HttpRelayClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestServerFiles> tls = WriteTestServerFiles(TmpPath(""), "relay");
    ASSERT_TRUE(tls.ok()) << tls.status();
    const std::string& cert = tls->cert_file;
    const std::string& key = tls->key_file;
    ca_path_ = tls->ca_file;
    limits_.max_payload_bytes = 1024;
    limits_.creates_per_window = 5;
    service_ = std::make_unique<relay::MailboxService>(&store_, &clock_, &push_,
                                                       "https://relay.example", limits_);
    relay::RelayHttpOptions options;
    options.tls_cert_file = cert;
    options.tls_key_file = key;
    options.threads = 2;
    auto server = relay::RelayHttpServer::Start(service_.get(), &metrics_, options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
    client_ = NewClient(ca_path_);
  }

  std::unique_ptr<HttpRelayClient> NewClient(const std::string& ca_file,
                                             sim::SimState* sim = nullptr) {
    HttpRelayClientOptions options;
    options.base_url = absl::StrCat("https://127.0.0.1:", server_->port());
    options.ca_file = ca_file;
    options.timeout = absl::Seconds(10);
    options.sim = sim;
    auto client = HttpRelayClient::Create(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  std::string ca_path_;  // the test CA's certificate (SetUp)
  FakeClock clock_;
  relay::MemoryMailboxStore store_;
  relay::FakePushNotifier push_{{"oem-a"}};
  relay::RelayMetrics metrics_;
  relay::RelayLimits limits_;
  std::unique_ptr<relay::MailboxService> service_;
  std::unique_ptr<relay::RelayHttpServer> server_;
  std::unique_ptr<HttpRelayClient> client_;
};

TEST_F(HttpRelayClientTest, EveryOperationOfTheDraftOverHttps) {
  const std::string sender = NewUuidV4(), receiver = NewUuidV4();
  auto created = client_->CreateMailbox(NewCreate(sender));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(absl::StartsWith(created->url_link(), "https://relay.example/v1/m/"));
  EXPECT_TRUE(created->is_push_notification_supported());
  EXPECT_FALSE(created->expiration().empty());
  EXPECT_FALSE(created->repeated());
  const std::string id = IdOf(*created);
  EXPECT_EQ(client_->host(), "127.0.0.1");

  rv::ReadDisplayInformationRequest preview;
  preview.set_mailbox_id(id);
  auto shown = client_->ReadDisplayInformation(preview);
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_EQ(shown->display_information().title(), "A <key> & more");
  EXPECT_EQ(shown->display_information().description(), "Blue car");
  EXPECT_EQ(shown->url_link(), created->url_link());

  rv::ReadSecureContentRequest read;
  read.set_mailbox_id(id);
  read.set_device_claim(receiver);
  read.set_request_id(NewUuidV4());
  read.mutable_notification_token()->set_type("oem-a");
  read.mutable_notification_token()->set_token_data("receiver-token");
  auto got = client_->ReadSecureContent(read);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->payload().type(), "AEAD_AES_128_GCM");
  EXPECT_EQ(got->payload().data(), Sealed());
  EXPECT_EQ(got->display_information().title(), "A <key> & more");
  EXPECT_EQ(got->expiration(), created->expiration());

  rv::UpdateMailboxRequest update;
  update.set_mailbox_id(id);
  update.set_device_claim(receiver);
  update.set_request_id(NewUuidV4());
  update.mutable_payload()->set_type("AEAD_AES_128_GCM");
  update.mutable_payload()->set_data(Sealed(50));
  auto updated = client_->UpdateMailbox(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_TRUE(updated->is_push_notification_supported());  // the receiver's token: oem-a
  ASSERT_EQ(push_.sent().size(), 1u);
  EXPECT_EQ(push_.sent()[0].token.token_data, "sender-token");

  rv::ReadSecureContentRequest sender_read;
  sender_read.set_mailbox_id(id);
  sender_read.set_device_claim(sender);
  sender_read.set_request_id(NewUuidV4());
  auto reply = client_->ReadSecureContent(sender_read);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->payload().data(), Sealed(50));

  rv::RelinquishMailboxRequest relinquish;
  relinquish.set_mailbox_id(id);
  relinquish.set_device_claim(receiver);
  relinquish.set_request_id(NewUuidV4());
  EXPECT_TRUE(client_->RelinquishMailbox(relinquish).ok());

  rv::DeleteMailboxRequest del;
  del.set_mailbox_id(id);
  del.set_device_claim(sender);
  del.set_request_id(NewUuidV4());
  auto deleted = client_->DeleteMailbox(del);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_FALSE(deleted->repeated());
  auto again = client_->DeleteMailbox(del);  // the same request id
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->repeated());
  auto gone = client_->ReadSecureContent(sender_read);
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(HttpRelayClientTest, ARepeatedRequestIdAnswersTheSameMailbox) {
  rv::CreateMailboxRequest req = NewCreate(NewUuidV4());
  auto first = client_->CreateMailbox(req);
  auto second = client_->CreateMailbox(req);
  ASSERT_TRUE(first.ok() && second.ok()) << first.status() << second.status();
  EXPECT_FALSE(first->repeated());
  EXPECT_TRUE(second->repeated());
  EXPECT_EQ(first->url_link(), second->url_link());
}

TEST_F(HttpRelayClientTest, PushUnsupportedIsReported) {
  rv::CreateMailboxRequest req = NewCreate(NewUuidV4());
  req.mutable_notification_token()->set_type("oem-unknown");
  auto created = client_->CreateMailbox(req);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_FALSE(created->is_push_notification_supported());
}

TEST_F(HttpRelayClientTest, ErrorAnswersKeepTheGrpcFacesCodesAndReasons) {
  const std::string sender = NewUuidV4();
  auto created = client_->CreateMailbox(NewCreate(sender, "R"));
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string id = IdOf(*created);
  rv::ReadSecureContentRequest read;
  read.set_mailbox_id(id);
  read.set_device_claim(NewUuidV4());
  read.set_request_id(NewUuidV4());
  ASSERT_TRUE(client_->ReadSecureContent(read).ok());

  // 401 claim_mismatch: another receiver is bound.
  read.set_device_claim(NewUuidV4());
  read.set_request_id(NewUuidV4());
  absl::Status st = client_->ReadSecureContent(read).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kUnauthenticated) << st;
  EXPECT_EQ(ReasonOf(st), "claim_mismatch");
  // 401 access_denied: the rights are "R", the sender may not delete.
  rv::DeleteMailboxRequest del;
  del.set_mailbox_id(id);
  del.set_device_claim(sender);
  del.set_request_id(NewUuidV4());
  st = client_->DeleteMailbox(del).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kPermissionDenied) << st;
  EXPECT_EQ(ReasonOf(st), "access_denied");
  // 404 mailbox_not_found.
  read.set_mailbox_id(NewUuidV4());
  st = client_->ReadSecureContent(read).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound) << st;
  EXPECT_EQ(ReasonOf(st), "mailbox_not_found");
  // 413 payload_too_large.
  rv::CreateMailboxRequest big = NewCreate(NewUuidV4());
  big.mutable_payload()->set_data(Sealed(2000));
  st = client_->CreateMailbox(big).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted) << st;
  EXPECT_EQ(ReasonOf(st), "payload_too_large");
  // 400 invalid_field naming the field.
  rv::CreateMailboxRequest bad = NewCreate(NewUuidV4());
  bad.set_request_id("not-a-uuid");
  st = client_->CreateMailbox(bad).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  EXPECT_EQ(ReasonOf(st), "invalid_field");
  EXPECT_TRUE(absl::StrContains(st.message(), "Mailbox-Request-ID")) << st;
}

TEST_F(HttpRelayClientTest, RateLimitedWithRetryAfter) {
  absl::Status st;
  for (int i = 0; i < 10 && st.ok(); ++i)
    st = client_->CreateMailbox(NewCreate(NewUuidV4())).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kResourceExhausted) << st;
  EXPECT_EQ(ReasonOf(st), "rate_limited");
  EXPECT_TRUE(absl::StrContains(st.message(), "Retry-After")) << st;
}

TEST_F(HttpRelayClientTest, AWrongCaIsRefused) {
  auto other = MakeTestCa("another CA");
  ASSERT_TRUE(other.ok());
  const std::string other_path = TmpPath("other.pem");
  ASSERT_TRUE(WriteTestFile(other_path, other->cert_pem).ok());
  std::unique_ptr<HttpRelayClient> client = NewClient(other_path);
  ASSERT_NE(client, nullptr);
  absl::Status st = client->CreateMailbox(NewCreate(NewUuidV4())).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_EQ(ReasonOf(st), "relay_unavailable");
  EXPECT_EQ(service_->stats().mailboxes_created, 0);
}

TEST_F(HttpRelayClientTest, BadOptionsNameTheFlag) {
  HttpRelayClientOptions options;
  for (const char* url : {"ftp://relay", "https://", "https://relay:99999", "https://relay/#x"}) {
    options.base_url = url;
    absl::Status st = HttpRelayClient::Create(options).status();
    EXPECT_TRUE(absl::StartsWith(st.message(), "--relay_http_url: ")) << url << " " << st;
  }
  options.base_url = "https://127.0.0.1:1";
  options.ca_file = TmpPath("missing.pem");
  absl::Status st = HttpRelayClient::Create(options).status();
  EXPECT_TRUE(absl::StartsWith(st.message(), "--relay_ca_file: ")) << st;
}

TEST_F(HttpRelayClientTest, LinkFaultsOfTheSimulatorHitHttpToo) {
  sim::SimOptions sim_options;
  sim_options.actor_id = "alice";
  sim::SimState sim(sim_options);
  ::common::v1::LinkFault drop;
  drop.set_peer("relay");
  drop.set_drop_probability(1.0);
  ASSERT_TRUE(sim.SetLinkFaults({drop}).ok());
  std::unique_ptr<HttpRelayClient> client = NewClient(ca_path_, &sim);
  absl::Status st = client->CreateMailbox(NewCreate(NewUuidV4())).status();
  EXPECT_EQ(ReasonOf(st), "simulated_drop") << st;
  EXPECT_EQ(service_->stats().mailboxes_created, 0);

  ::common::v1::LinkFault twice;
  twice.set_peer("relay");
  twice.set_duplicate_probability(1.0);
  ASSERT_TRUE(sim.SetLinkFaults({twice}).ok());
  auto created = client->CreateMailbox(NewCreate(NewUuidV4()));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(created->repeated());  // the duplicate went first
  EXPECT_EQ(service_->stats().mailboxes_created, 1);
}

// A listening socket on 127.0.0.1 at a free port (written to `port`).
int ListenOnLoopback(int* port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  listen(fd, 4);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  return fd;
}

// A server that answers every connection with a 200 whose body never ends.
class EndlessBodyServer {
 public:
  EndlessBodyServer() {
    fd_ = ListenOnLoopback(&port_);
    thread_ = std::thread([this] { Serve(); });
  }
  ~EndlessBodyServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  size_t sent() const { return sent_; }

 private:
  void Serve() {
    const int conn = accept(fd_, nullptr, nullptr);
    if (conn < 0) return;
    char buf[4096];
    recv(conn, buf, sizeof(buf), 0);
    const std::string head =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n";
    send(conn, head.data(), head.size(), MSG_NOSIGNAL);
    const std::string chunk(64 * 1024, ' ');
    while (sent_ < (size_t{256} << 20)) {
      const ssize_t n = send(conn, chunk.data(), chunk.size(), MSG_NOSIGNAL);
      if (n <= 0) break;
      sent_ += static_cast<size_t>(n);
    }
    close(conn);
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<size_t> sent_{0};
  std::thread thread_;
};

// A server that answers one create per connection, keep-alive as far as the
// client can tell, then closes the connection (as a relay's idle timer does).
class OneAnswerPerConnectionServer {
 public:
  OneAnswerPerConnectionServer() {
    fd_ = ListenOnLoopback(&port_);
    thread_ = std::thread([this] { Serve(); });
  }
  ~OneAnswerPerConnectionServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  int answered() const { return answered_; }

 private:
  void Serve() {
    for (;;) {
      const int conn = accept(fd_, nullptr, nullptr);
      if (conn < 0) return;
      std::string request;
      char buf[4096];
      // The head and the JSON body of one create (the client sends both at once).
      while (!absl::StrContains(request, "}")) {
        const ssize_t n = recv(conn, buf, sizeof(buf), 0);
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
      }
      const std::string body =
          R"({"urlLink":"http://127.0.0.1/v1/m/1","expiration":"2030-01-01T00:00:00Z",)"
          R"("isPushNotificationSupported":false})";
      const std::string answer = absl::StrCat(
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ", body.size(),
          "\r\n\r\n", body);
      send(conn, answer.data(), answer.size(), MSG_NOSIGNAL);
      ++answered_;
      close(conn);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> answered_{0};
  std::thread thread_;
};

TEST(HttpRelayClientKeepAliveTest, AConnectionTheRelayClosedIsReplacedNotAnError) {
  OneAnswerPerConnectionServer server;
  HttpRelayClientOptions options;
  options.base_url = absl::StrCat("http://127.0.0.1:", server.port());
  auto client = HttpRelayClient::Create(options);
  ASSERT_TRUE(client.ok()) << client.status();
  for (int i = 0; i < 3; ++i) {
    absl::Status st = (*client)->CreateMailbox(NewCreate(NewUuidV4())).status();
    EXPECT_TRUE(st.ok()) << "call " << i << ": " << st;
  }
  EXPECT_EQ(server.answered(), 3);
}

TEST(HttpRelayClientBoundsTest, AnOversizedAnswerIsAbandoned) {
  EndlessBodyServer server;
  HttpRelayClientOptions options;
  options.base_url = absl::StrCat("http://127.0.0.1:", server.port());
  options.max_response_bytes = 64 * 1024;
  options.timeout = absl::Seconds(10);
  auto client = HttpRelayClient::Create(options);
  ASSERT_TRUE(client.ok()) << client.status();
  absl::Status st = (*client)->CreateMailbox(NewCreate(NewUuidV4())).status();
  EXPECT_EQ(st.code(), absl::StatusCode::kInternal) << st;
  EXPECT_EQ(ReasonOf(st), "bad_relay_response");
  EXPECT_TRUE(absl::StrContains(st.message(), "larger than 65536 bytes")) << st;
}

}  // namespace
}  // namespace sct::device
