// Oblivious HTTP in front of the relay, end to end with real processes: the
// device's HTTP relay client in OHTTP mode -> the ohttp_relay binary -> the
// ohttp_gateway binary -> the mailbox relay's real HTTP face (in process, so
// the test can see which client addresses reach it), all over TLS with a test
// CA. Clients connect from their own loopback addresses (127.0.0.11 for the
// device, 127.0.0.66 for an attacker).
//
// What it shows: every mailbox operation works through the chain; the
// mailbox relay sees only the gateway's address; so its per-address budget
// throttles all OHTTP clients together (an attacker spends the device's
// budget); the oblivious relay's per-address budget (the mitigation) stops
// the attacker and not the device; a key configuration the gateway does not
// hold is refused with the RFC's problem type.
#include <cstdlib>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/uuid.h"
#include "crypto/ohttp.h"
#include "device/http_relay_client.h"
#include "gtest/gtest.h"
#include "relay/fake_push_notifier.h"
#include "relay/mailbox_service.h"
#include "relay/memory_mailbox_store.h"
#include "relay/metrics.h"
#include "relay/relay_http.h"
#include "runtime/child_process.h"
#include "runtime/files.h"
#include "runtime/test_certs.h"

namespace sct {
namespace {

namespace rv = ::relay::v1;

std::string TmpPath(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return std::string(tmp ? tmp : "/tmp") + "/" + NewUuidV4() + "-" + name;
}

rv::CreateMailboxRequest NewCreate(const std::string& claim) {
  rv::CreateMailboxRequest req;
  req.set_device_claim(claim);
  req.set_request_id(NewUuidV4());
  req.mutable_payload()->set_type("AEAD_AES_128_GCM");
  req.mutable_payload()->set_data(std::string(40, '\x7f'));
  req.mutable_display_information()->set_title("Blue car");
  req.mutable_mailbox_configuration()->set_access_rights("RWD");
  return req;
}

std::unique_ptr<ChildProcess> StartBinary(const std::string& runfile,
                                          const std::vector<std::string>& flags) {
  ChildProcessSpec spec;
  spec.name = runfile;
  spec.binary = std::string(std::getenv("TEST_SRCDIR")) + "/sct_lab/" + runfile;
  spec.args = flags;
  spec.start_timeout = absl::Seconds(60);
  absl::StatusOr<std::unique_ptr<ChildProcess>> started = ChildProcess::Start(spec);
  EXPECT_TRUE(started.ok()) << started.status();
  return started.ok() ? *std::move(started) : nullptr;
}

class OhttpChainTest : public ::testing::Test {
 protected:
  // The mailbox relay, the gateway, and an oblivious relay allowing
  // `per_address` requests per client address per minute (0: no limit).
  void StartChain(int64_t per_address) {
    absl::StatusOr<TestServerFiles> tls = WriteTestServerFiles(TmpPath(""), "ohttp");
    ASSERT_TRUE(tls.ok()) << tls.status();
    tls_ = *tls;
    limits_.creates_per_window = 4;
    service_ = std::make_unique<relay::MailboxService>(&store_, &clock_, &push_,
                                                       "https://relay.example", limits_);
    relay::RelayHttpOptions options;
    options.tls_cert_file = tls_.cert_file;
    options.tls_key_file = tls_.key_file;
    options.threads = 2;
    absl::StatusOr<std::unique_ptr<relay::RelayHttpServer>> server =
        relay::RelayHttpServer::Bind(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    server_->set_exchange_hook([this](const relay::HttpRequest& req, const relay::HttpResponse&) {
      std::lock_guard<std::mutex> lock(mu_);
      seen_addresses_.insert(req.remote_addr);
    });
    server_->Serve(service_.get(), &metrics_);
    relay_url_ = absl::StrCat("https://127.0.0.1:", server_->port());
    keys_file_ = TmpPath("ohttp-keys");
    gateway_ = StartBinary(
        "ohttp_gateway/ohttp_gateway",
        {"--tls_cert=" + tls_.cert_file, "--tls_key=" + tls_.key_file, "--target_url=" + relay_url_,
         "--target_ca_file=" + tls_.ca_file, "--keys_out=" + keys_file_});
    ASSERT_NE(gateway_, nullptr);
    oblivious_ = StartBinary(
        "ohttp_relay/ohttp_relay",
        {"--tls_cert=" + tls_.cert_file, "--tls_key=" + tls_.key_file,
         "--gateway_url=https://" + gateway_->listening().at("http") + "/gateway",
         "--gateway_ca_file=" + tls_.ca_file, absl::StrCat("--requests_per_window=", per_address)});
    ASSERT_NE(oblivious_, nullptr);
  }

  std::unique_ptr<device::HttpRelayClient> Client(const std::string& source,
                                                  const std::string& keys_file = "") {
    device::HttpRelayClientOptions options;
    options.base_url = relay_url_;
    options.ca_file = tls_.ca_file;
    options.ohttp_relay_url = "https://" + oblivious_->listening().at("http") + "/relay";
    options.ohttp_keys_file = keys_file.empty() ? keys_file_ : keys_file;
    options.ohttp_source_address = source;
    absl::StatusOr<std::unique_ptr<device::HttpRelayClient>> client =
        device::HttpRelayClient::Create(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  std::set<std::string> SeenAddresses() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_addresses_;
  }

  TestServerFiles tls_;
  // Declared before the server so that they outlive it: its threads run the
  // exchange hook until the server is destroyed (TSan saw the set destroyed
  // while a server thread had written it last).
  std::mutex mu_;
  std::set<std::string> seen_addresses_;
  FakeClock clock_;
  relay::MemoryMailboxStore store_;
  relay::FakePushNotifier push_{{"oem-a"}};
  relay::RelayMetrics metrics_;
  relay::RelayLimits limits_;
  std::unique_ptr<relay::MailboxService> service_;
  std::unique_ptr<relay::RelayHttpServer> server_;
  std::string relay_url_;
  std::string keys_file_;
  std::unique_ptr<ChildProcess> gateway_;
  std::unique_ptr<ChildProcess> oblivious_;
};

TEST_F(OhttpChainTest, EveryMailboxOperationThroughTheChain) {
  StartChain(0);
  std::unique_ptr<device::HttpRelayClient> alice = Client("127.0.0.11");
  ASSERT_NE(alice, nullptr);
  const std::string sender = NewUuidV4(), receiver = NewUuidV4();
  absl::StatusOr<rv::CreateMailboxResponse> created = alice->CreateMailbox(NewCreate(sender));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(absl::StartsWith(created->url_link(), "https://relay.example/v1/m/"));
  const std::string id = created->url_link().substr(created->url_link().rfind('/') + 1);

  rv::ReadDisplayInformationRequest preview;
  preview.set_mailbox_id(id);
  absl::StatusOr<rv::ReadDisplayInformationResponse> shown = alice->ReadDisplayInformation(preview);
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_EQ(shown->display_information().title(), "Blue car");

  rv::ReadSecureContentRequest read;
  read.set_mailbox_id(id);
  read.set_device_claim(receiver);
  absl::StatusOr<rv::ReadSecureContentResponse> content = alice->ReadSecureContent(read);
  ASSERT_TRUE(content.ok()) << content.status();
  EXPECT_EQ(content->payload().data(), std::string(40, '\x7f'));

  rv::DeleteMailboxRequest del;
  del.set_mailbox_id(id);
  del.set_device_claim(sender);
  ASSERT_TRUE(alice->DeleteMailbox(del).ok());
  // An error answer travels sealed too, with its code and reason.
  absl::StatusOr<rv::ReadSecureContentResponse> gone = alice->ReadSecureContent(read);
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kNotFound) << gone.status();

  // The mailbox relay saw one client address: the gateway's, never the
  // device's.
  EXPECT_EQ(SeenAddresses(), std::set<std::string>{"127.0.0.1"});
}

TEST_F(OhttpChainTest, BehindOhttpTheRelaysPerAddressBudgetIsSharedByAllClients) {
  StartChain(0);
  std::unique_ptr<device::HttpRelayClient> attacker = Client("127.0.0.66");
  std::unique_ptr<device::HttpRelayClient> alice = Client("127.0.0.11");
  ASSERT_TRUE(attacker && alice);
  for (int i = 0; i < limits_.creates_per_window; ++i) {
    ASSERT_TRUE(attacker->CreateMailbox(NewCreate(NewUuidV4())).ok()) << i;
  }
  // Alice never created a mailbox, yet the attacker has spent her budget.
  absl::StatusOr<rv::CreateMailboxResponse> blocked = alice->CreateMailbox(NewCreate(NewUuidV4()));
  EXPECT_EQ(blocked.status().code(), absl::StatusCode::kResourceExhausted) << blocked.status();
}

TEST_F(OhttpChainTest, TheObliviousRelaysPerAddressBudgetStopsTheAttackerOnly) {
  StartChain(2);
  std::unique_ptr<device::HttpRelayClient> attacker = Client("127.0.0.66");
  std::unique_ptr<device::HttpRelayClient> alice = Client("127.0.0.11");
  ASSERT_TRUE(attacker && alice);
  ASSERT_TRUE(attacker->CreateMailbox(NewCreate(NewUuidV4())).ok());
  ASSERT_TRUE(attacker->CreateMailbox(NewCreate(NewUuidV4())).ok());
  absl::StatusOr<rv::CreateMailboxResponse> third = attacker->CreateMailbox(NewCreate(NewUuidV4()));
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(third.status()), "rate_limited") << third.status();
  EXPECT_TRUE(alice->CreateMailbox(NewCreate(NewUuidV4())).ok());
}

TEST_F(OhttpChainTest, AKeyTheGatewayDoesNotHoldIsRefused) {
  StartChain(0);
  absl::StatusOr<crypto::ohttp::Gateway> other = crypto::ohttp::Gateway::Generate(1);
  ASSERT_TRUE(other.ok());
  const std::string wrong_keys = TmpPath("wrong-keys");
  ASSERT_TRUE(WriteFileAtomically(wrong_keys, *other->EncodedKeyConfigs(), 0644).ok());
  std::unique_ptr<device::HttpRelayClient> client = Client("127.0.0.11", wrong_keys);
  ASSERT_NE(client, nullptr);
  absl::StatusOr<rv::CreateMailboxResponse> refused = client->CreateMailbox(NewCreate("x"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << refused.status();
  EXPECT_TRUE(SeenAddresses().empty());
}

}  // namespace
}  // namespace sct
