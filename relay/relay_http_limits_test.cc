// The relay's HTTP face under the attacks the transport must bound, over raw
// sockets (each call with its own deadline): a chunked body over the limit,
// a gzip-encoded body, too many or too large headers, an over-long request
// line, and 1,000 slow connections while a legitimate client still creates a
// mailbox and reads /healthz.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/uuid.h"
#include "gtest/gtest.h"
#include "relay/raw_http_client.h"
#include "relay/relay_test_util.h"

namespace sct::relay {
namespace {

using testing::RawHttpClient;
using testing::StoreKind;
using testing::TestRelay;

// gzip of {"payload":{"type":"AEAD_AES_128_GCM","data":base64(40 x 'a')}}: a
// valid create body once inflated.
const std::string kGzipCreateBody(
    "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xab\x56\x2a\x48\xac\xcc\xc9\x4f\x4c\x51\xb2\xaa\x56"
    "\x2a\xa9\x2c\x48\x55\xb2\x52\x72\x74\x75\x74\x89\x77\x74\x0d\x8e\x37\x34\xb2\x88\x77\x77\xf6"
    "\x55\xd2\x51\x4a\x49\x2c\x49\x04\xca\x44\x86\xbb\x65\x90\x8c\x03\x6d\x6d\x95\x6a\x6b\x01\x86"
    "\x56\xda\x66\x69\x00\x00\x00",
    76);

std::string CreateHead(size_t content_length, const std::string& extra = "") {
  return absl::StrCat("POST /v1/m HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\n",
                      "Mailbox-Device-Claim: ", NewUuidV4(),
                      "\r\nMailbox-Request-ID: ", NewUuidV4(), "\r\n", extra,
                      "Content-Length: ", content_length, "\r\n\r\n");
}

TEST(RelayHttpLimitsTest, ChunkedBodyOverTheLimitIs413WhileTheClientIsStillSending) {
  TestRelay relay(StoreKind::kMemory);
  RawHttpClient c(relay.http->port());
  ASSERT_TRUE(c.Send(absl::StrCat(
      "POST /v1/m HTTP/1.1\r\nHost: relay\r\nTransfer-Encoding: chunked\r\n",
      "Mailbox-Device-Claim: ", NewUuidV4(), "\r\nMailbox-Request-ID: ", NewUuidV4(), "\r\n\r\n")));
  const std::string chunk = absl::StrCat("10000\r\n", std::string(0x10000, ' '), "\r\n");
  size_t sent = 0;
  while (sent < (64u << 20) && !c.Readable() && c.Send(chunk)) sent += chunk.size();
  const std::string r = c.ReadResponse();
  EXPECT_TRUE(absl::StartsWith(r, "HTTP/1.1 413 ")) << r.substr(0, 300);
  EXPECT_TRUE(absl::StrContains(r, "payload_too_large")) << r;
  // The answer came once the limit was passed, not after the whole upload.
  EXPECT_LT(sent, 16u << 20);
  EXPECT_EQ(*relay.store->Count(), 0);
}

TEST(RelayHttpLimitsTest, GzipBodiesAreRefusedNotInflated) {
  TestRelay relay(StoreKind::kMemory);
  RawHttpClient c(relay.http->port());
  ASSERT_TRUE(
      c.Send(CreateHead(kGzipCreateBody.size(), "Content-Encoding: gzip\r\n") + kGzipCreateBody));
  const std::string r = c.ReadResponse();
  EXPECT_TRUE(absl::StartsWith(r, "HTTP/1.1 415 ")) << r;
  EXPECT_TRUE(absl::StrContains(r, "unsupported_encoding")) << r;
  EXPECT_TRUE(absl::StrContains(r, "Content-Encoding")) << r;
  EXPECT_EQ(*relay.store->Count(), 0);
}

TEST(RelayHttpLimitsTest, OversizeHeadsAre431Or414) {
  TestRelay relay(StoreKind::kMemory);
  std::string many = "GET /healthz HTTP/1.1\r\nHost: relay\r\n";
  for (int i = 0; i < 200; ++i) absl::StrAppend(&many, "X-Filler-", i, ": 1\r\n");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {many + "\r\n", "431"},
      {absl::StrCat("GET /healthz HTTP/1.1\r\nX-Big: ", std::string(1 << 20, 'a'), "\r\n\r\n"),
       "431"},
      {absl::StrCat("GET /healthz?", std::string(64 * 1024, 'a'), " HTTP/1.1\r\n\r\n"), "414"},
  };
  for (const auto& [request, status] : cases) {
    RawHttpClient c(relay.http->port());
    (void)c.Send(request);  // the server may close before all of it is sent
    const std::string r = c.ReadResponse();
    EXPECT_TRUE(absl::StartsWith(r, absl::StrCat("HTTP/1.1 ", status, " "))) << r.substr(0, 300);
    EXPECT_TRUE(absl::StrContains(r, "application/json")) << r.substr(0, 300);
  }
  RawHttpClient ok(relay.http->port());
  ASSERT_TRUE(ok.Send("GET /healthz HTTP/1.1\r\nHost: relay\r\n\r\n"));
  EXPECT_TRUE(absl::StartsWith(ok.ReadResponse(), "HTTP/1.1 200 "));
}

// Slowloris: 1,000 connections (from ten loopback addresses, within the
// per-address cap) each trickle a header byte per round; between rounds a
// legitimate client reads /healthz and creates a mailbox within its deadline.
TEST(RelayHttpLimitsTest, ServesWhileAThousandSlowConnectionsAreOpen) {
  TestRelay relay(StoreKind::kMemory);
  std::vector<std::unique_ptr<RawHttpClient>> slow;
  for (int i = 0; i < 1000; ++i) {
    const std::string source = absl::StrCat("127.0.0.", 10 + i % 10);
    slow.push_back(std::make_unique<RawHttpClient>(relay.http->port(), source.c_str()));
    ASSERT_TRUE(slow.back()->connected()) << i;
  }
  const std::string trickle = "GET /healthz HTTP/1.1\r\nX-Slow: ";
  const std::string body = testing::CreateBody().dump();
  for (size_t round = 0; round < 4; ++round) {
    for (auto& s : slow) ASSERT_TRUE(s->Send(trickle.substr(round, 1)));
    RawHttpClient legit(relay.http->port());
    ASSERT_TRUE(legit.Send("GET /healthz HTTP/1.1\r\nHost: relay\r\n\r\n"));
    const std::string health = legit.ReadResponse();
    ASSERT_TRUE(absl::StartsWith(health, "HTTP/1.1 200 ")) << "round " << round << health;
    ASSERT_TRUE(legit.Send(CreateHead(body.size()) + body));
    const std::string created = legit.ReadResponse();
    ASSERT_TRUE(absl::StartsWith(created, "HTTP/1.1 200 ")) << "round " << round << created;
  }
  EXPECT_EQ(*relay.store->Count(), 4);
}

}  // namespace
}  // namespace sct::relay
