// The derived-locations design end to end with real processes: the
// derived_relay_server binary (relay/derived/) over HTTPS with its SQLite
// store, and two endpoints (a sharing device and a receiving device, each a
// DerivedExchange over its own HttpDerivedRelayClient) that share only the
// 32-byte secret, as the link's fragment carries it. Covers the draft's
// single and multi-round flows, delete after read (a second reader finds
// nothing), the first reader winning (a preview bot or interceptor that
// fetches first destroys the share), an attacker who races the receiver's
// reply locking the receiver out, location guessing rate-limited, an
// acknowledged message surviving a kill -9 of the relay, and the relay's
// file holding neither the secret nor a plaintext.
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/derived_location.h"
#include "common/errors.h"
#include "crypto/random.h"
#include "device/derived_exchange.h"
#include "device/derived_relay_client.h"
#include "gtest/gtest.h"
#include "runtime/child_process.h"
#include "runtime/test_certs.h"

namespace sct::device {
namespace {

std::string TmpDir() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return tmp ? tmp : "/tmp";
}

std::string Runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/sct_lab/" + path;
}

class DerivedRelayProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestServerFiles> tls = WriteTestServerFiles(TmpDir() + "/derived-", "relay");
    ASSERT_TRUE(tls.ok()) << tls.status();
    tls_ = *tls;
    db_ = TmpDir() + "/derived-" +
          std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
          ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db";
    StartRelay(0);
  }

  // Starts the relay on `port` (0: a free one) over the same database file.
  void StartRelay(int port) {
    ChildProcessSpec spec;
    spec.name = "derived-relay";
    spec.binary = Runfile("relay/derived/derived_relay_server");
    spec.args = {absl::StrCat("--http_listen=127.0.0.1:", port),
                 "--store=sqlite",
                 "--sqlite_path=" + db_,
                 "--tls_cert=" + tls_.cert_file,
                 "--tls_key=" + tls_.key_file,
                 "--failed_lookups_per_window=5"};
    absl::StatusOr<std::unique_ptr<ChildProcess>> relay = ChildProcess::Start(spec);
    ASSERT_TRUE(relay.ok()) << relay.status();
    relay_ = *std::move(relay);
    address_ = relay_->listening().at("http");
  }

  // A client of one device; `source` is only a name here (loopback).
  std::unique_ptr<HttpDerivedRelayClient> Client() {
    HttpDerivedRelayClientOptions options;
    options.base_url = "https://" + address_;
    options.ca_file = tls_.ca_file;
    absl::StatusOr<std::unique_ptr<HttpDerivedRelayClient>> client =
        HttpDerivedRelayClient::Create(options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  // Seals `message` at `from`'s next location and stores it.
  absl::Status Send(DerivedExchange& from, const DerivedRelayClient& relay,
                    const std::string& message) {
    absl::StatusOr<DerivedSealed> sealed = from.Seal(message);
    if (!sealed.ok()) return sealed.status();
    absl::Status put = relay.Put(sealed->location, sealed->body);
    if (put.ok()) from.Advance(sealed->plaintext);
    return put;
  }

  // The draft's receive: GET, DELETE at once, then open.
  absl::StatusOr<std::string> Receive(DerivedExchange& at, const DerivedRelayClient& relay) {
    absl::StatusOr<std::string> location = at.NextLocation();
    if (!location.ok()) return location.status();
    absl::StatusOr<std::string> body = relay.Get(*location);
    if (!body.ok()) return body.status();
    if (absl::Status deleted = relay.Delete(*location); !deleted.ok()) return deleted;
    absl::StatusOr<DerivedOpened> opened = at.Open(*body);
    if (!opened.ok()) return opened.status();
    at.Advance(opened->plaintext);
    return opened->message;
  }

  TestServerFiles tls_;
  std::string db_;
  std::unique_ptr<ChildProcess> relay_;
  std::string address_;
  const std::string secret_ = *crypto::RandomBytes(kDerivedSecretBytes);
};

TEST_F(DerivedRelayProcessTest, SingleRoundAndASecondReadFindsNothing) {
  auto alice_relay = Client(), bob_relay = Client();
  DerivedExchange alice = *DerivedExchange::Create(secret_, DerivedRole::kSender);
  DerivedExchange bob = *DerivedExchange::Create(secret_, DerivedRole::kReceiver);
  const std::string l0 = *bob.NextLocation();
  ASSERT_TRUE(Send(alice, *alice_relay, "provisioning offer").ok());
  absl::StatusOr<std::string> got = Receive(bob, *bob_relay);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "provisioning offer");
  absl::Status again = bob_relay->Get(l0).status();
  EXPECT_EQ(again.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(again), "message_not_found");
}

TEST_F(DerivedRelayProcessTest, MultiRoundKeySigningExchange) {
  auto alice_relay = Client(), bob_relay = Client();
  DerivedExchange alice = *DerivedExchange::Create(secret_, DerivedRole::kSender);
  DerivedExchange bob = *DerivedExchange::Create(secret_, DerivedRole::kReceiver);
  ASSERT_TRUE(Send(alice, *alice_relay, "offer").ok());
  ASSERT_EQ(*Receive(bob, *bob_relay), "offer");
  // Before Bob replies, Alice finds nothing at the next location.
  EXPECT_EQ(ReasonOf(alice_relay->Get(*alice.NextLocation()).status()), "message_not_found");
  ASSERT_TRUE(Send(bob, *bob_relay, "please endorse key K").ok());
  ASSERT_EQ(*Receive(alice, *alice_relay), "please endorse key K");
  ASSERT_TRUE(Send(alice, *alice_relay, "endorsement of K").ok());
  EXPECT_EQ(*Receive(bob, *bob_relay), "endorsement of K");
}

TEST_F(DerivedRelayProcessTest, WhoeverFetchesFirstWinsAndTheReceiverGetsNothing) {
  auto alice_relay = Client(), bot_relay = Client(), bob_relay = Client();
  DerivedExchange alice = *DerivedExchange::Create(secret_, DerivedRole::kSender);
  // A link-preview bot (or an interceptor) that knows the whole link runs the
  // receiver's protocol first.
  DerivedExchange bot = *DerivedExchange::Create(secret_, DerivedRole::kReceiver);
  DerivedExchange bob = *DerivedExchange::Create(secret_, DerivedRole::kReceiver);
  ASSERT_TRUE(Send(alice, *alice_relay, "offer").ok());
  ASSERT_TRUE(Receive(bot, *bot_relay).ok());
  absl::Status late = Receive(bob, *bob_relay).status();
  EXPECT_EQ(late.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(late), "message_not_found");
}

TEST_F(DerivedRelayProcessTest, AnAttackerWhoRacesTheReplyLocksTheReceiverOut) {
  auto alice_relay = Client(), eve_relay = Client(), bob_relay = Client();
  DerivedExchange alice = *DerivedExchange::Create(secret_, DerivedRole::kSender);
  DerivedExchange bob = *DerivedExchange::Create(secret_, DerivedRole::kReceiver);
  DerivedExchange eve = *DerivedExchange::Create(secret_, DerivedRole::kReceiver);
  ASSERT_TRUE(Send(alice, *alice_relay, "offer").ok());
  // Eve learnt the secret and reads MSG0 after Bob's GET, before his DELETE.
  absl::StatusOr<std::string> body = bob_relay->Get(*bob.NextLocation());
  ASSERT_TRUE(body.ok());
  absl::StatusOr<std::string> copy = eve_relay->Get(*eve.NextLocation());
  ASSERT_TRUE(copy.ok());
  ASSERT_TRUE(bob_relay->Delete(*bob.NextLocation()).ok());
  bob.Advance(bob.Open(*body)->plaintext);
  eve.Advance(eve.Open(*copy)->plaintext);
  // Eve's reply lands first; the relay keeps the first write.
  ASSERT_TRUE(Send(eve, *eve_relay, "eve's key").ok());
  absl::Status locked_out = Send(bob, *bob_relay, "bob's key");
  EXPECT_EQ(ReasonOf(locked_out), "location_occupied");
  EXPECT_EQ(*Receive(alice, *alice_relay), "eve's key");
}

TEST_F(DerivedRelayProcessTest, GuessingLocationsIsRateLimited) {
  auto guesser = Client();
  for (int i = 0; i < 5; ++i) {
    const std::string guess = *DerivedLocationText(*crypto::RandomBytes(32));
    EXPECT_EQ(ReasonOf(guesser->Get(guess).status()), "message_not_found");
  }
  const std::string next = *DerivedLocationText(*crypto::RandomBytes(32));
  absl::Status limited = guesser->Get(next).status();
  EXPECT_EQ(limited.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(limited), "rate_limited");
}

TEST_F(DerivedRelayProcessTest, AcknowledgedMessageSurvivesKillAndHoldsNoSecret) {
  DerivedExchange alice = *DerivedExchange::Create(secret_, DerivedRole::kSender);
  DerivedExchange bob = *DerivedExchange::Create(secret_, DerivedRole::kReceiver);
  const std::string plaintext = "offer-with-a-recognisable-plaintext";
  {
    auto alice_relay = Client();
    ASSERT_TRUE(Send(alice, *alice_relay, plaintext).ok());
  }
  relay_->Kill();
  std::stringstream file;
  file << std::ifstream(db_, std::ios::binary).rdbuf();
  std::ifstream wal(db_ + "-wal", std::ios::binary);
  if (wal) file << wal.rdbuf();
  EXPECT_EQ(file.str().find(plaintext), std::string::npos);
  EXPECT_EQ(file.str().find(secret_), std::string::npos);
  StartRelay(0);
  auto bob_relay = Client();
  absl::StatusOr<std::string> got = Receive(bob, *bob_relay);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, plaintext);
}

}  // namespace
}  // namespace sct::device
