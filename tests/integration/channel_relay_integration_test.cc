// End-to-end tier: the real relay_server and channel_server as processes.
//
// A mailbox is created over the relay's HTTP API; its share link (with the
// secret in the fragment) is sent over the messenger channel; the channel's
// preview bot fetches the relay's preview page without the fragment and
// records the og:title; the fetch bound nothing, so the receiver's read with
// a fresh claim succeeds (and a later different claim is refused, proving the
// receiver, not the bot, was the first reader). Then SIGTERM ends the
// channel server's open stream cleanly and the process exits 0.
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base64.h"
#include "common/uuid.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "openssl/rand.h"
#include "proto/channel/v1/channel.grpc.pb.h"
#include "runtime/child_process.h"

namespace sct::channel {
namespace {

namespace pb = ::channel::v1;
using ::testing::HasSubstr;
using ::testing::Not;

std::string RandomBytes(size_t n) {
  std::string bytes(n, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n));
  return bytes;
}

// $TEST_SRCDIR/sct_lab/<path>: a data dependency's runfiles path.
std::string RunfilesPath(absl::string_view path) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  return absl::StrCat(srcdir ? srcdir : ".", "/sct_lab/", path);
}

// Starts argv[0] with argv[1..] and waits for its start-up line; its stderr
// goes to the test log.
absl::StatusOr<std::unique_ptr<ChildProcess>> Start(const std::vector<std::string>& argv) {
  ChildProcessSpec spec;
  spec.name = argv[0].substr(argv[0].rfind('/') + 1);
  spec.binary = argv[0];
  spec.args.assign(argv.begin() + 1, argv.end());
  spec.start_timeout = absl::Seconds(60);
  return ChildProcess::Start(spec);
}

// The `key` endpoint ("http", "grpc") of a started server, "" if absent.
std::string Field(const ChildProcess& server, const std::string& key) {
  auto it = server.listening().find(key);
  return it == server.listening().end() ? "" : it->second;
}

httplib::Result Post(httplib::Client& client, const std::string& path, const std::string& claim,
                     const std::string& body) {
  httplib::Headers headers = {{"Mailbox-Device-Claim", claim}, {"Mailbox-Request-ID", NewUuidV4()}};
  return client.Post(path.c_str(), headers, body, "application/json");
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return context;
}

TEST(ChannelRelayIntegrationTest, PreviewBotFetchDoesNotBindTheMailbox) {
  auto relay = Start({RunfilesPath("relay/relay_server"), "--http_listen=127.0.0.1:0",
                      "--grpc_listen=127.0.0.1:0", "--store=memory"});
  ASSERT_TRUE(relay.ok()) << relay.status();
  const std::string relay_http = Field(**relay, "http");
  ASSERT_FALSE(relay_http.empty()) << (*relay)->listening_line();

  auto channel =
      Start({RunfilesPath("channel/channel_server"), "--listen=127.0.0.1:0", "--seed=7"});
  ASSERT_TRUE(channel.ok()) << channel.status();
  const std::string channel_grpc = Field(**channel, "grpc");
  ASSERT_FALSE(channel_grpc.empty()) << (*channel)->listening_line();

  // ---- sender: create the mailbox over HTTP ----
  const size_t colon = relay_http.rfind(':');
  httplib::Client http(relay_http.substr(0, colon), std::stoi(relay_http.substr(colon + 1)));
  http.set_read_timeout(30, 0);
  const std::string ciphertext = RandomBytes(12 + 40 + 16);  // IV || ct || tag stand-in
  nlohmann::json create = {
      {"payload", {{"type", "AEAD_AES_128_GCM"}, {"data", Base64Encode(ciphertext)}}},
      {"displayInformation", {{"title", "Car key from Alice"}, {"description", "Blue car"}}},
  };
  auto created = Post(http, "/v1/m", NewUuidV4(), create.dump());
  ASSERT_TRUE(created) << httplib::to_string(created.error());
  ASSERT_EQ(created->status, 200) << created->body;
  const std::string url_link = nlohmann::json::parse(created->body)["urlLink"];
  const std::string secret = Base64UrlEncode(RandomBytes(16));
  const std::string share_link = url_link + "?v=c#" + secret;
  const std::string path = url_link.substr(url_link.find("/v1/m/"));

  // ---- the link travels over the messenger ----
  auto stub =
      pb::Channel::NewStub(grpc::CreateChannel(channel_grpc, grpc::InsecureChannelCredentials()));
  pb::SendRequest send;
  send.set_kind(common::v1::MESSENGER);
  send.set_from("alice");
  send.set_to("bob");
  send.set_body("Here is your car key: " + share_link);
  pb::SendResponse sent;
  ASSERT_TRUE(stub->Send(Context().get(), send, &sent).ok());
  EXPECT_TRUE(sent.preview_fetch_scheduled());
  ASSERT_EQ(sent.link_lengths_size(), 1);
  EXPECT_EQ(sent.link_lengths(0), share_link.size());

  // The bot runs on the server's own scheduler thread: wait for its record.
  pb::GetDeliveryLogRequest log_request;
  log_request.set_kind(common::v1::MESSENGER);
  pb::GetDeliveryLogResponse log;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    log.Clear();
    ASSERT_TRUE(stub->GetDeliveryLog(Context().get(), log_request, &log).ok());
    if (log.preview_fetches_size() > 0) break;
    absl::SleepFor(absl::Milliseconds(20));  // waiting for another process
  }
  ASSERT_EQ(log.preview_fetches_size(), 1);
  const pb::PreviewFetch& fetch = log.preview_fetches(0);
  EXPECT_EQ(fetch.url(), url_link + "?v=c");  // fragment stripped
  EXPECT_THAT(fetch.url(), Not(HasSubstr(secret)));
  EXPECT_EQ(fetch.http_status(), 200) << fetch.error();
  EXPECT_EQ(fetch.og_title(), "Car key from Alice");
  ASSERT_EQ(log.deliveries_size(), 1);
  EXPECT_TRUE(log.deliveries(0).contained_link_fragment());
  EXPECT_THAT(log.DebugString(), Not(HasSubstr(secret)));

  // ---- receiver: gets the link, reads with a fresh claim ----
  pb::ReceiveRequest receive;
  receive.set_kind(common::v1::MESSENGER);
  receive.set_address("bob");
  pb::ReceiveResponse inbox;
  ASSERT_TRUE(stub->Receive(Context().get(), receive, &inbox).ok());
  ASSERT_EQ(inbox.messages_size(), 1);
  EXPECT_THAT(inbox.messages(0).body(), HasSubstr(share_link));

  auto read = Post(http, path, NewUuidV4(), "");
  ASSERT_TRUE(read);
  ASSERT_EQ(read->status, 200) << read->body;
  EXPECT_EQ(nlohmann::json::parse(read->body)["payload"]["data"], Base64Encode(ciphertext));
  auto second_reader = Post(http, path, NewUuidV4(), "");
  ASSERT_TRUE(second_reader);
  EXPECT_EQ(second_reader->status, 401);  // the receiver, not the bot, bound it

  // ---- clean shutdown: an open stream ends, the process exits 0 ----
  pb::WatchInboxRequest watch_request;
  watch_request.set_kind(common::v1::MESSENGER);
  watch_request.set_address("bob");
  auto watch_context = Context();
  auto watch = stub->WatchInbox(watch_context.get(), watch_request);
  pb::ChannelMessage replayed;
  ASSERT_TRUE(watch->Read(&replayed));  // stored message replayed: stream is live
  EXPECT_EQ(replayed.message_id(), sent.message_id());
  EXPECT_EQ((*channel)->Terminate(absl::Seconds(20)), 0);
  while (watch->Read(&replayed)) {
  }
  const grpc::Status finished = watch->Finish();
  EXPECT_TRUE(finished.ok()) << finished.error_message();
  EXPECT_EQ((*relay)->Terminate(absl::Seconds(20)), 0);
}

// Waits for the first preview fetch in the messenger log of `stub`'s server.
pb::GetDeliveryLogResponse WaitForPreviewFetch(pb::Channel::Stub* stub) {
  pb::GetDeliveryLogRequest request;
  request.set_kind(common::v1::MESSENGER);
  pb::GetDeliveryLogResponse log;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    log.Clear();
    EXPECT_TRUE(stub->GetDeliveryLog(Context().get(), request, &log).ok());
    if (log.preview_fetches_size() > 0) break;
    absl::SleepFor(absl::Milliseconds(20));  // waiting for another process
  }
  return log;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// The same flow with the development PKI from tools/pki.sh: the relay serves
// HTTPS with relay.crt, the channel server serves gRPC over TLS with
// channel.crt, and its preview bot trusts the dev root (--preview_bot_ca).
// A client trusting the wrong root cannot talk to the channel server, and a
// bot trusting the wrong root records a failed fetch instead of a title.
TEST(ChannelRelayIntegrationTest, PreviewOverHttpsWithTheDevelopmentPki) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string pki = std::string(tmp ? tmp : "/tmp") + "/pki";
  ASSERT_EQ(std::system((RunfilesPath("tools/pki.sh") + " " + pki + " >/dev/null").c_str()), 0);

  auto relay = Start(
      {RunfilesPath("relay/relay_server"), "--http_listen=127.0.0.1:0", "--grpc_listen=127.0.0.1:0",
       "--store=memory", "--tls_cert=" + pki + "/relay.crt", "--tls_key=" + pki + "/relay.key"});
  ASSERT_TRUE(relay.ok()) << relay.status();
  const std::string relay_http = Field(**relay, "http");

  auto start_channel = [&](const std::string& bot_ca) {
    return Start({RunfilesPath("channel/channel_server"), "--listen=127.0.0.1:0",
                  "--tls_cert=" + pki + "/channel.crt", "--tls_key=" + pki + "/channel.key",
                  "--preview_bot_ca=" + pki + "/" + bot_ca});
  };
  auto channel = start_channel("ca.crt");
  ASSERT_TRUE(channel.ok()) << channel.status();
  const std::string channel_grpc = Field(**channel, "grpc");

  // Create the mailbox over HTTPS, verifying the relay against the dev root.
  const size_t colon = relay_http.rfind(':');
  httplib::SSLClient https(relay_http.substr(0, colon), std::stoi(relay_http.substr(colon + 1)));
  https.set_ca_cert_path(pki + "/ca.crt");
  https.enable_server_certificate_verification(true);
  https.set_read_timeout(30, 0);
  nlohmann::json create = {
      {"payload", {{"type", "AEAD_AES_256_GCM"}, {"data", Base64Encode(RandomBytes(80))}}},
      {"displayInformation", {{"title", "Hotel room <12> & spa"}}},
  };
  httplib::Headers headers = {{"Mailbox-Device-Claim", NewUuidV4()},
                              {"Mailbox-Request-ID", NewUuidV4()}};
  auto created = https.Post("/v1/m", headers, create.dump(), "application/json");
  ASSERT_TRUE(created) << httplib::to_string(created.error());
  ASSERT_EQ(created->status, 200) << created->body;
  const std::string url_link = nlohmann::json::parse(created->body)["urlLink"];
  ASSERT_TRUE(absl::StartsWith(url_link, "https://")) << url_link;
  const std::string share_link = url_link + "?v=h#" + Base64UrlEncode(RandomBytes(32));

  grpc::SslCredentialsOptions trust_root;
  trust_root.pem_root_certs = ReadFile(pki + "/ca.crt");
  auto stub =
      pb::Channel::NewStub(grpc::CreateChannel(channel_grpc, grpc::SslCredentials(trust_root)));
  pb::SendRequest send;
  send.set_kind(common::v1::MESSENGER);
  send.set_from("hotel");
  send.set_to("guest");
  send.set_body("Your room key: " + share_link);
  pb::SendResponse sent;
  const grpc::Status send_status = stub->Send(Context().get(), send, &sent);
  ASSERT_TRUE(send_status.ok()) << send_status.error_message();
  pb::GetDeliveryLogResponse log = WaitForPreviewFetch(stub.get());
  ASSERT_EQ(log.preview_fetches_size(), 1);
  EXPECT_EQ(log.preview_fetches(0).http_status(), 200) << log.preview_fetches(0).error();
  EXPECT_EQ(log.preview_fetches(0).og_title(), "Hotel room <12> & spa");
  EXPECT_EQ(log.preview_fetches(0).url(), url_link + "?v=h");

  // A client that trusts only the wrong root is refused by the handshake.
  grpc::SslCredentialsOptions wrong_root;
  wrong_root.pem_root_certs = ReadFile(pki + "/wrong-ca.crt");
  auto wrong_stub =
      pb::Channel::NewStub(grpc::CreateChannel(channel_grpc, grpc::SslCredentials(wrong_root)));
  auto short_context = std::make_unique<grpc::ClientContext>();
  short_context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  EXPECT_FALSE(wrong_stub->Send(short_context.get(), send, &sent).ok());

  // A preview bot that trusts the wrong root gets no page and no title.
  auto wrong_bot = start_channel("wrong-ca.crt");
  ASSERT_TRUE(wrong_bot.ok()) << wrong_bot.status();
  auto wrong_bot_stub = pb::Channel::NewStub(
      grpc::CreateChannel(Field(**wrong_bot, "grpc"), grpc::SslCredentials(trust_root)));
  ASSERT_TRUE(wrong_bot_stub->Send(Context().get(), send, &sent).ok());
  log = WaitForPreviewFetch(wrong_bot_stub.get());
  ASSERT_EQ(log.preview_fetches_size(), 1);
  EXPECT_EQ(log.preview_fetches(0).http_status(), 0);
  EXPECT_EQ(log.preview_fetches(0).og_title(), "");
  EXPECT_FALSE(log.preview_fetches(0).error().empty());

  EXPECT_EQ((*wrong_bot)->Terminate(absl::Seconds(20)), 0);
  EXPECT_EQ((*channel)->Terminate(absl::Seconds(20)), 0);
  EXPECT_EQ((*relay)->Terminate(absl::Seconds(20)), 0);
}

}  // namespace
}  // namespace sct::channel
