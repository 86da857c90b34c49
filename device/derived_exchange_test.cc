#include "device/derived_exchange.h"

#include <string>

#include "common/derived_location.h"
#include "common/errors.h"
#include "gtest/gtest.h"

namespace sct::device {
namespace {

const std::string kSecret(32, '\x42');

// Writes `message` from `from` and takes it at `to`, as the relay would carry it.
std::string Carry(DerivedExchange& from, DerivedExchange& to, const std::string& message) {
  absl::StatusOr<DerivedSealed> sealed = from.Seal(message);
  EXPECT_TRUE(sealed.ok()) << sealed.status();
  EXPECT_EQ(*to.NextLocation(), sealed->location);
  absl::StatusOr<DerivedOpened> opened = to.Open(sealed->body);
  EXPECT_TRUE(opened.ok()) << opened.status();
  from.Advance(sealed->plaintext);
  to.Advance(opened->plaintext);
  return opened->message;
}

TEST(DerivedExchangeTest, MultiRoundBothSidesAgree) {
  DerivedExchange alice = *DerivedExchange::Create(kSecret, DerivedRole::kSender);
  DerivedExchange bob = *DerivedExchange::Create(kSecret, DerivedRole::kReceiver);
  EXPECT_TRUE(alice.my_turn());
  EXPECT_FALSE(bob.my_turn());
  EXPECT_EQ(Carry(alice, bob, "offer"), "offer");
  EXPECT_TRUE(bob.my_turn());
  EXPECT_EQ(Carry(bob, alice, "key-signing request"), "key-signing request");
  EXPECT_EQ(Carry(alice, bob, "endorsement"), "endorsement");
  EXPECT_EQ(alice.next_message_id(), 3);
  EXPECT_EQ(bob.next_message_id(), 3);
}

TEST(DerivedExchangeTest, EveryMessageHasItsOwnLocation) {
  DerivedExchange alice = *DerivedExchange::Create(kSecret, DerivedRole::kSender);
  DerivedExchange bob = *DerivedExchange::Create(kSecret, DerivedRole::kReceiver);
  const std::string l0 = *alice.NextLocation();
  EXPECT_TRUE(ParseDerivedLocation(l0).ok());
  Carry(alice, bob, "m0");
  const std::string l1 = *alice.NextLocation();
  EXPECT_NE(l0, l1);
  // The location depends on the secret.
  DerivedExchange other = *DerivedExchange::Create(std::string(32, '\x43'), DerivedRole::kSender);
  EXPECT_NE(*other.NextLocation(), l0);
}

TEST(DerivedExchangeTest, AnotherSecretCannotOpen) {
  DerivedExchange alice = *DerivedExchange::Create(kSecret, DerivedRole::kSender);
  DerivedExchange eve = *DerivedExchange::Create(std::string(32, 'e'), DerivedRole::kReceiver);
  absl::StatusOr<DerivedSealed> sealed = alice.Seal("offer");
  ASSERT_TRUE(sealed.ok());
  absl::Status s = eve.Open(sealed->body).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(s), "decrypt_failed");
}

TEST(DerivedExchangeTest, TamperedOrShortBodyFails) {
  DerivedExchange alice = *DerivedExchange::Create(kSecret, DerivedRole::kSender);
  DerivedExchange bob = *DerivedExchange::Create(kSecret, DerivedRole::kReceiver);
  std::string body = alice.Seal("offer")->body;
  body.back() ^= 1;
  EXPECT_EQ(ReasonOf(bob.Open(body).status()), "decrypt_failed");
  EXPECT_EQ(ReasonOf(bob.Open("short").status()), "decrypt_failed");
}

TEST(DerivedExchangeTest, OutOfTurnIsRefused) {
  DerivedExchange bob = *DerivedExchange::Create(kSecret, DerivedRole::kReceiver);
  EXPECT_EQ(ReasonOf(bob.Seal("x").status()), "invalid_field");
  DerivedExchange alice = *DerivedExchange::Create(kSecret, DerivedRole::kSender);
  EXPECT_EQ(ReasonOf(alice.Open(std::string(64, 'x')).status()), "invalid_field");
}

TEST(DerivedExchangeTest, SecretMustBe256Bits) {
  absl::Status s = DerivedExchange::Create(std::string(16, 'k'), DerivedRole::kSender).status();
  EXPECT_EQ(ReasonOf(s), "invalid_field");
  EXPECT_NE(s.message().find("secret"), absl::string_view::npos);
}

TEST(DerivedExchangeTest, RestoreContinuesTheExchange) {
  DerivedExchange alice = *DerivedExchange::Create(kSecret, DerivedRole::kSender);
  DerivedExchange bob = *DerivedExchange::Create(kSecret, DerivedRole::kReceiver);
  Carry(alice, bob, "offer");
  DerivedExchange restored = *DerivedExchange::Restore(bob.Serialize());
  EXPECT_EQ(restored.next_message_id(), 1);
  EXPECT_EQ(restored.role(), DerivedRole::kReceiver);
  EXPECT_EQ(Carry(restored, alice, "reply"), "reply");
  EXPECT_FALSE(DerivedExchange::Restore("xx").ok());
}

TEST(TigressPlaintextTest, RoundTripAndStrictDecoding) {
  const std::string encoded = EncodeTigressPlaintext("rrrr", 7, "hello");
  absl::StatusOr<TigressPlaintext> p = DecodeTigressPlaintext(encoded);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->random, "rrrr");
  EXPECT_EQ(p->message_id, 7);
  EXPECT_EQ(p->message, "hello");
  EXPECT_EQ(ReasonOf(DecodeTigressPlaintext(encoded + "x").status()), "bad_message");
  EXPECT_EQ(ReasonOf(DecodeTigressPlaintext(encoded.substr(0, 8)).status()), "bad_message");
  // Wire layout: random<0..255> | uint16 id | message<0..2^32-1>.
  EXPECT_EQ(encoded, std::string("\x04rrrr\x00\x07\x00\x00\x00\x05hello", 16));
}

}  // namespace
}  // namespace sct::device
