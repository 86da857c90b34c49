// End-to-end tier: the real relay_server and channel_server as processes.
//
// A mailbox is created over the relay's HTTP API; its share link (with the
// secret in the fragment) is sent over the messenger channel; the channel's
// preview bot fetches the relay's preview page without the fragment and
// records the og:title; the fetch bound nothing, so the receiver's read with
// a fresh claim succeeds (and a later different claim is refused, proving the
// receiver, not the bot, was the first reader). Then SIGTERM ends the
// channel server's open stream cleanly and the process exits 0.
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "channel/subprocess.h"
#include "common/base64.h"
#include "common/uuid.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "openssl/rand.h"
#include "proto/channel/v1/channel.grpc.pb.h"

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

// "listening http=H:P grpc=H:P" -> the value after `key=`.
std::string Field(const std::string& line, const std::string& key) {
  for (absl::string_view part : absl::StrSplit(line, ' ')) {
    if (absl::StartsWith(part, key + "=")) return std::string(part.substr(key.size() + 1));
  }
  return "";
}

httplib::Result Post(httplib::Client& client, const std::string& path, const std::string& claim,
                     const std::string& body) {
  httplib::Headers headers = {{"Mailbox-Device-Claim", claim},
                              {"Mailbox-Request-ID", NewUuidV4()}};
  return client.Post(path.c_str(), headers, body, "application/json");
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return context;
}

TEST(ChannelRelayIntegrationTest, PreviewBotFetchDoesNotBindTheMailbox) {
  auto relay = Subprocess::Start({RunfilesPath("relay/relay_server"),
                                  "--http_listen=127.0.0.1:0", "--grpc_listen=127.0.0.1:0",
                                  "--store=memory"});
  ASSERT_TRUE(relay.ok()) << relay.status();
  auto relay_line = (*relay)->WaitForLine("listening ", absl::Seconds(60));
  ASSERT_TRUE(relay_line.ok()) << relay_line.status();
  const std::string relay_http = Field(*relay_line, "http");
  ASSERT_FALSE(relay_http.empty()) << *relay_line;

  auto channel = Subprocess::Start({RunfilesPath("channel/channel_server"),
                                    "--listen=127.0.0.1:0", "--seed=7"});
  ASSERT_TRUE(channel.ok()) << channel.status();
  auto channel_line = (*channel)->WaitForLine("listening grpc=", absl::Seconds(60));
  ASSERT_TRUE(channel_line.ok()) << channel_line.status();
  const std::string channel_grpc = channel_line->substr(std::string("listening grpc=").size());

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
  auto stub = pb::Channel::NewStub(
      grpc::CreateChannel(channel_grpc, grpc::InsecureChannelCredentials()));
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

}  // namespace
}  // namespace sct::channel
