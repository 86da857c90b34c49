// Service tests of the HTTP adapter: the real server on 127.0.0.1:0 over the
// real MailboxService and both real stores (sqlite in TEST_TMPDIR), driven
// over HTTP the way a draft client would. Time is a FakeClock.
#include "relay/relay_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/strings/match.h"
#include "common/base64.h"
#include "common/rfc3339.h"
#include "common/uuid.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "relay/preview_page.h"
#include "relay/relay_test_util.h"

namespace sct::relay {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using testing::Answer;
using testing::Client;
using testing::CreateBody;
using testing::IdFromUrl;
using testing::StoreKind;
using testing::TestRelay;
using Json = nlohmann::json;

class RelayHttpTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  // Creates a mailbox from `sender` and returns its id.
  std::string MakeMailbox(TestRelay& relay, Client& c, const std::string& sender,
                          const Json& body = CreateBody()) {
    Answer a = c.Create(sender, body);
    EXPECT_EQ(a.status, 200) << a.body;
    return IdFromUrl(a.json.value("urlLink", ""));
  }
};

TEST_P(RelayHttpTest, FullShareCycle) {
  TestRelay relay(GetParam());
  Client c(relay.http->port());
  const std::string sender = NewUuidV4(), receiver = NewUuidV4();

  Json body = CreateBody(100);
  body["mailboxConfiguration"] = {{"accessRights", "RWD"}};
  body["notificationToken"] = {{"type", "fake-oem"}, {"tokenData", "sender-token"}};
  Answer created = c.Create(sender, body);
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.header("Content-Type"), "application/json");
  const std::string url = created.json["urlLink"].get<std::string>();
  EXPECT_THAT(url, StartsWith("https://relay.example/v1/m/"));
  const std::string id = IdFromUrl(url);
  EXPECT_TRUE(IsValidUuid(id, /*require_v4=*/true)) << id;
  EXPECT_TRUE(created.json["isPushNotificationSupported"].get<bool>());
  // The expiry of the relay's default TTL, which the request did not set.
  EXPECT_EQ(created.json["expiration"].get<std::string>(),
            FormatRfc3339(relay.clock.Now() + absl::Hours(48)));

  // The preview binds nothing.
  Answer preview = c.Preview(id);
  ASSERT_EQ(preview.status, 200);
  EXPECT_THAT(preview.body, HasSubstr(R"(og:title" content="Car key")"));

  // The receiver reads: binds, gets the payload, display info and expiry.
  Json read_body = {{"notificationToken", {{"type", "fake-oem"}, {"tokenData", "rx-token"}}}};
  Answer read = c.Call("POST", "/v1/m/" + id, receiver, "new", read_body.dump());
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.json["payload"], body["payload"]);
  EXPECT_EQ(read.json["displayInformation"], body["displayInformation"]);
  EXPECT_EQ(read.json["expiration"].get<std::string>(),
            FormatRfc3339(relay.clock.Now() + absl::Hours(48)));
  EXPECT_EQ(read.header("Cache-Control"), "no-store");

  // The receiver replies; the sender is told and reads the reply.
  Json reply = CreateBody(50);
  reply.erase("displayInformation");
  Answer updated = c.Update(id, receiver, reply);
  ASSERT_EQ(updated.status, 200) << updated.body;
  // The draft's update answer: whether the relay can push to the caller.
  EXPECT_EQ(updated.json, Json({{"isPushNotificationSupported", true}}));
  bool sender_pushed = false;
  for (const auto& sent : relay.push.sent()) {
    if (sent.token.token_data == "sender-token" && sent.mailbox_id == id) sender_pushed = true;
  }
  EXPECT_TRUE(sender_pushed);
  Answer sender_read = c.Read(id, sender);
  ASSERT_EQ(sender_read.status, 200) << sender_read.body;
  EXPECT_EQ(sender_read.json["payload"], reply["payload"]);

  // Delete; every later call answers 404.
  Answer deleted = c.Delete(id, sender);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  Answer gone = c.Read(id, receiver);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.error_code(), "mailbox_not_found");
  EXPECT_EQ(c.Preview(id).status, 404);
  EXPECT_EQ(c.Update(id, receiver, reply).status, 404);
}

TEST_P(RelayHttpTest, RepeatedRequestIdAnswers201AndChangesNothing) {
  TestRelay relay(GetParam());
  Client c(relay.http->port());
  const std::string sender = NewUuidV4(), receiver = NewUuidV4();
  const std::string create_id = NewUuidV4();
  Json body = CreateBody();
  body["mailboxConfiguration"] = {{"accessRights", "WR"}};  // any order
  Answer first = c.Create(sender, body, create_id);
  ASSERT_EQ(first.status, 200);
  Answer again = c.Create(sender, CreateBody(), create_id);
  EXPECT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.json["urlLink"], first.json["urlLink"]);
  const std::string id = IdFromUrl(first.json["urlLink"].get<std::string>());
  EXPECT_EQ(*relay.store->Count(), 1);

  ASSERT_EQ(c.Read(id, receiver).status, 200);
  const std::string update_id = NewUuidV4();
  Json reply1 = CreateBody();
  ASSERT_EQ(c.Update(id, receiver, reply1, update_id).status, 200);
  Answer repeat = c.Update(id, receiver, CreateBody(), update_id);
  EXPECT_EQ(repeat.status, 201) << repeat.body;
  Answer r = c.Read(id, sender);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json["payload"], reply1["payload"]);  // the repeat changed nothing
}

// The draft's common headers: every answer returns the request's
// Mailbox-Request-ID, errors included; a malformed one is not echoed.
TEST_P(RelayHttpTest, AnswersEchoTheRequestId) {
  TestRelay relay(GetParam());
  Client c(relay.http->port());
  const std::string sender = NewUuidV4(), rid = NewUuidV4();
  Answer created = c.Create(sender, CreateBody(), rid);
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.header("Mailbox-Request-ID"), rid);
  const std::string id = IdFromUrl(created.json["urlLink"].get<std::string>());
  const std::string other = NewUuidV4();
  Answer refused = c.Update(id, NewUuidV4(), CreateBody(), other);
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.header("Mailbox-Request-ID"), other);
  // Refused by the transport after the head (415): still echoed.
  httplib::Headers gz = {{"Mailbox-Device-Claim", sender}, {"Mailbox-Request-ID", other},
                         {"Content-Encoding", "gzip"}};
  Answer encoded = c.Call("POST", "/v1/m", gz, CreateBody().dump());
  EXPECT_EQ(encoded.status, 415);
  EXPECT_EQ(encoded.header("Mailbox-Request-ID"), other);
  Answer bad = c.Read(id, NewUuidV4(), "<not-a-uuid>");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.header("Mailbox-Request-ID"), "");
}

// The draft omits Mailbox-Request-ID from its read operation: read and delete
// are served without it (never as a repeat); update still needs it.
TEST_P(RelayHttpTest, ReadAndDeleteWithoutRequestIdAreServed) {
  TestRelay relay(GetParam());
  Client c(relay.http->port());
  const std::string sender = NewUuidV4(), receiver = NewUuidV4();
  Json body = CreateBody();
  body["mailboxConfiguration"] = {{"accessRights", "RWD"}};
  const std::string id = MakeMailbox(relay, c, sender, body);
  Answer read = c.Read(id, receiver, /*request_id=*/"");
  EXPECT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(c.Read(id, receiver, "").status, 200);
  EXPECT_EQ(c.Read(id, NewUuidV4(), "").status, 401);  // bound to `receiver`
  Answer update = c.Update(id, receiver, CreateBody(), "");
  EXPECT_EQ(update.status, 400);
  EXPECT_THAT(update.body, HasSubstr("Mailbox-Request-ID"));
  EXPECT_EQ(c.Delete(id, sender, "").status, 200);
  EXPECT_EQ(c.Delete(id, sender, "").status, 404);
}

TEST_P(RelayHttpTest, WrongClaimIs401) {
  TestRelay relay(GetParam());
  Client c(relay.http->port());
  const std::string sender = NewUuidV4(), receiver = NewUuidV4(), other = NewUuidV4();
  const std::string id = MakeMailbox(relay, c, sender);
  ASSERT_EQ(c.Read(id, receiver).status, 200);
  Answer a = c.Read(id, other);
  EXPECT_EQ(a.status, 401) << a.body;
  EXPECT_EQ(a.error_code(), "claim_mismatch");
  EXPECT_EQ(c.Update(id, other, CreateBody()).status, 401);
  EXPECT_EQ(c.Delete(id, other).status, 401);
  Answer missing = c.Read(id, "");
  EXPECT_EQ(missing.status, 401);
  EXPECT_THAT(missing.error_message(), HasSubstr("Mailbox-Device-Claim"));
  // The receiver still reads.
  EXPECT_EQ(c.Read(id, receiver).status, 200);
}

TEST_P(RelayHttpTest, RelinquishLetsAnotherReceiverBind) {
  TestRelay relay(GetParam());
  Client c(relay.http->port());
  const std::string sender = NewUuidV4(), first = NewUuidV4(), second = NewUuidV4();
  const std::string id = MakeMailbox(relay, c, sender);
  ASSERT_EQ(c.Read(id, first).status, 200);
  EXPECT_EQ(c.Read(id, second).status, 401);
  EXPECT_EQ(c.Relinquish(id, sender).status, 401);  // only the receiver may
  ASSERT_EQ(c.Relinquish(id, first).status, 200);
  EXPECT_EQ(c.Read(id, second).status, 200);
  EXPECT_EQ(c.Read(id, first).status, 401);
}

TEST_P(RelayHttpTest, AccessRightsAreEnforced) {
  TestRelay relay(GetParam());
  Client c(relay.http->port());
  const std::string sender = NewUuidV4(), receiver = NewUuidV4();
  Json body = CreateBody();
  body["mailboxConfiguration"] = {{"accessRights", "R"}};
  const std::string id = MakeMailbox(relay, c, sender, body);
  ASSERT_EQ(c.Read(id, receiver).status, 200);
  EXPECT_EQ(c.Update(id, receiver, CreateBody()).status, 401);
  EXPECT_EQ(c.Delete(id, sender).status, 401);
  EXPECT_EQ(c.Read(id, receiver).status, 200);
}

TEST_P(RelayHttpTest, ExpiredMailboxIs404AtOnce) {
  TestRelay relay(GetParam());
  Client c(relay.http->port());
  const std::string sender = NewUuidV4(), receiver = NewUuidV4();
  Json body = CreateBody();
  const absl::Time expiry = relay.clock.Now() + absl::Hours(1);
  body["mailboxConfiguration"] = {{"expiration", FormatRfc3339(expiry)}};
  const std::string id = MakeMailbox(relay, c, sender, body);
  Answer read = c.Read(id, receiver);
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(read.json["expiration"].get<std::string>(), FormatRfc3339(expiry));
  relay.clock.Advance(absl::Hours(1));
  EXPECT_EQ(c.Read(id, receiver).status, 404);
  EXPECT_EQ(c.Preview(id).status, 404);

  // Default TTL (48 h).
  const std::string id2 = MakeMailbox(relay, c, NewUuidV4());
  relay.clock.Advance(absl::Hours(48) - absl::Seconds(1));
  EXPECT_EQ(c.Preview(id2).status, 200);
  relay.clock.Advance(absl::Seconds(1));
  EXPECT_EQ(c.Preview(id2).status, 404);
}

TEST_P(RelayHttpTest, OversizePayloadIs413) {
  RelayLimits limits;
  limits.max_payload_bytes = 1000;
  TestRelay relay(GetParam(), limits);
  Client c(relay.http->port());
  EXPECT_EQ(c.Create(NewUuidV4(), CreateBody(1000)).status, 200);
  Answer a = c.Create(NewUuidV4(), CreateBody(1001));
  EXPECT_EQ(a.status, 413) << a.body;
  EXPECT_EQ(a.error_code(), "payload_too_large");
  // A body past the transport limit never reaches the decoder.
  const std::string huge(RelayHttpServer::MaxBodyBytes(limits) + 1, 'x');
  Answer b = c.Call("POST", "/v1/m", NewUuidV4(), "new", huge);
  EXPECT_EQ(b.status, 413) << b.body;
  EXPECT_EQ(b.error_code(), "payload_too_large");
  EXPECT_EQ(*relay.store->Count(), 1);
}

TEST_P(RelayHttpTest, CreateRateLimitIs429WithRetryAfter) {
  RelayLimits limits;
  limits.creates_per_window = 3;
  limits.rate_window = absl::Minutes(1);
  TestRelay relay(GetParam(), limits);
  Client c(relay.http->port());
  for (int i = 0; i < 3; ++i) ASSERT_EQ(c.Create(NewUuidV4(), CreateBody()).status, 200);
  Answer a = c.Create(NewUuidV4(), CreateBody());
  EXPECT_EQ(a.status, 429) << a.body;
  EXPECT_EQ(a.error_code(), "rate_limited");
  const std::string retry = a.header("Retry-After");
  ASSERT_FALSE(retry.empty());
  const int seconds = std::stoi(retry);
  EXPECT_GE(seconds, 1);
  EXPECT_LE(seconds, 60);
  relay.clock.Advance(absl::Seconds(seconds));
  EXPECT_EQ(c.Create(NewUuidV4(), CreateBody()).status, 200);
}

TEST_P(RelayHttpTest, GuessingIdsIsRateLimited) {
  RelayLimits limits;
  limits.failed_lookups_per_window = 5;
  TestRelay relay(GetParam(), limits);
  Client c(relay.http->port());
  int limited = 0;
  for (int i = 0; i < 10; ++i) {
    Answer a = c.Read(NewUuidV4(), NewUuidV4());
    if (a.status == 429) {
      ++limited;
      EXPECT_FALSE(a.header("Retry-After").empty());
    } else {
      EXPECT_EQ(a.status, 404);
    }
  }
  EXPECT_GE(limited, 4);
}

TEST_P(RelayHttpTest, PreviewIsEscapedStrictAndSameWhetherReadOrNot) {
  TestRelay relay(GetParam());
  Client c(relay.http->port());
  Json body = CreateBody();
  body["displayInformation"] = {{"title", "<script>alert('t')</script>"},
                                {"description", "\"quoted\" & <b>bold</b>"},
                                {"imageURL", "https://i.example/a.png?\"><script>alert(1)</script>"}};
  const std::string id = MakeMailbox(relay, c, NewUuidV4(), body);
  Answer before = c.Preview(id);
  ASSERT_EQ(before.status, 200);
  EXPECT_THAT(before.header("Content-Type"), StartsWith("text/html"));
  EXPECT_EQ(before.header("Content-Security-Policy"), kPreviewContentSecurityPolicy);
  EXPECT_EQ(before.header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(before.header("Cache-Control"), "no-store");
  EXPECT_THAT(before.body, Not(HasSubstr("<script")));
  EXPECT_THAT(before.body, Not(HasSubstr("<b>")));
  EXPECT_THAT(before.body, HasSubstr("&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;"));
  EXPECT_THAT(before.body, HasSubstr("&quot;quoted&quot; &amp; &lt;b&gt;"));
  EXPECT_THAT(before.body, HasSubstr("og:url\" content=\"https://relay.example/v1/m/" + id));
  // A preview bot fetching binds nothing: a receiver can still bind.
  const std::string receiver = NewUuidV4();
  ASSERT_EQ(c.Read(id, receiver).status, 200);
  Answer after = c.Preview(id);
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, before.body);
  EXPECT_EQ(after.headers.size(), before.headers.size());
}

TEST_P(RelayHttpTest, HealthzAndMetrics) {
  TestRelay relay(GetParam());
  Client c(relay.http->port());
  Answer h = c.Call("GET", "/healthz", httplib::Headers(), "");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, "ok\n");
  const std::string id = MakeMailbox(relay, c, NewUuidV4());
  c.Read(NewUuidV4(), NewUuidV4());  // 404
  Answer m = c.Call("GET", "/metrics", httplib::Headers(), "");
  ASSERT_EQ(m.status, 200);
  EXPECT_THAT(m.header("Content-Type"), StartsWith("text/plain"));
  EXPECT_THAT(m.body, HasSubstr(R"(relay_requests_total{transport="http",)"
                                R"(operation="create_mailbox",status="200"} 1)"));
  EXPECT_THAT(m.body, HasSubstr(R"(relay_requests_total{transport="http",)"
                                R"(operation="read_secure_content",status="404"} 1)"));
  EXPECT_THAT(m.body, HasSubstr("relay_mailboxes_live 1"));
  EXPECT_THAT(m.body, HasSubstr("relay_request_duration_seconds_bucket{transport=\"http\","
                                "operation=\"create_mailbox\",le=\"+Inf\"} 1"));
  EXPECT_THAT(m.body, HasSubstr("relay_mailboxes_swept_total"));
  EXPECT_THAT(m.body, HasSubstr("relay_push_sent_total"));
  EXPECT_THAT(m.body, HasSubstr("relay_rate_limited_total"));
}

TEST_P(RelayHttpTest, UnknownMethodIs405AndUnknownPathIs404Json) {
  TestRelay relay(GetParam());
  Client c(relay.http->port());
  const std::string id = MakeMailbox(relay, c, NewUuidV4());
  Answer a = c.Call("OPTIONS", "/v1/m/" + id, httplib::Headers(), "");
  EXPECT_EQ(a.status, 405);
  EXPECT_EQ(a.error_code(), "method_not_allowed");
  EXPECT_FALSE(a.header("Allow").empty());
  Answer b = c.Call("GET", "/v1/m", httplib::Headers(), "");
  EXPECT_EQ(b.status, 405);
  Answer d = c.Call("GET", "/v2/nothing", httplib::Headers(), "");
  EXPECT_EQ(d.status, 404);
  EXPECT_EQ(d.error_code(), "not_found");
}

// Sends `request` as raw bytes and returns everything the server answers
// until it closes (the request says Connection: close).
std::string RawExchange(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  timeval tv{10, 0};  // a guard against a hung server, not a timing assumption
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof(buf), 0)) > 0;) out.append(buf, n);
  }
  ::close(fd);
  return out;
}

// `curl -X POST` without -d sends no Content-Length: per RFC 9112 the body
// is empty, and a read must answer at once.
TEST_P(RelayHttpTest, PostWithoutContentLengthHasAnEmptyBody) {
  TestRelay relay(GetParam());
  Client c(relay.http->port());
  const std::string id = MakeMailbox(relay, c, NewUuidV4());
  const std::string answer = RawExchange(
      relay.http->port(),
      "POST /v1/m/" + id + " HTTP/1.1\r\nHost: relay\r\nMailbox-Device-Claim: " + NewUuidV4() +
          "\r\nMailbox-Request-ID: " + NewUuidV4() + "\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200")) << answer;
  EXPECT_THAT(answer, HasSubstr("\"payload\""));
}

INSTANTIATE_TEST_SUITE_P(Stores, RelayHttpTest,
                         ::testing::Values(StoreKind::kMemory, StoreKind::kSqlite),
                         [](const auto& info) { return testing::StoreKindName(info.param); });

}  // namespace
}  // namespace sct::relay
