#include "relay/mailbox_codec.h"

#include "gtest/gtest.h"

namespace sct::relay {
namespace {

Mailbox Sample() {
  Mailbox m;
  m.id = "00000000-0000-4000-8000-000000000001";
  m.payload = {kAeadAes256Gcm, std::string("\0\x01:5:\xff", 6) + std::string(100, 'x')};
  m.display = {"Car key", "", "https://example.com/car.png"};
  m.access_rights = "RWD";
  m.created_at = absl::FromUnixMicros(1735689600123456);
  m.expires_at = m.created_at + absl::Hours(48);
  m.sender_claim = "11111111-1111-4111-8111-111111111111";
  m.sender_token = NotificationToken{"oem-a", std::string("tok\0en", 6)};
  m.receiver_claim = "22222222-2222-4222-8222-222222222222";
  m.attestation = "attest";
  m.applied_requests = {"k1", "k:2", ""};
  m.version = 7;
  return m;
}

TEST(MailboxCodecTest, RoundTripsEveryFieldAndTakesTheIdFromTheCaller) {
  const Mailbox m = Sample();
  const std::string data = EncodeMailbox(m);
  auto back = DecodeMailbox(data, m.id);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->id, m.id);
  EXPECT_EQ(back->payload, m.payload);
  EXPECT_EQ(back->display, m.display);
  EXPECT_EQ(back->access_rights, m.access_rights);
  EXPECT_EQ(back->created_at, m.created_at);
  EXPECT_EQ(back->expires_at, m.expires_at);
  EXPECT_EQ(back->sender_claim, m.sender_claim);
  EXPECT_EQ(back->sender_token, m.sender_token);
  EXPECT_EQ(back->receiver_claim, m.receiver_claim);
  EXPECT_EQ(back->receiver_token, m.receiver_token);
  EXPECT_EQ(back->attestation, m.attestation);
  EXPECT_EQ(back->applied_requests, m.applied_requests);
  EXPECT_EQ(back->version, m.version);
  // The id lives in the store's key, not in the value.
  EXPECT_EQ(data.find(m.id), std::string::npos);
}

TEST(MailboxCodecTest, RoundTripsAnyPayloadType) {
  for (const std::string& type :
       {std::string(kAeadAes128Gcm), std::string(kAeadAes256Gcm), std::string(), std::string("a"),
        std::string("=b"), std::string("OTHER")}) {
    Mailbox m = Sample();
    m.payload.type = type;
    auto back = DecodeMailbox(EncodeMailbox(m));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->payload.type, type);
  }
}

TEST(MailboxCodecTest, HeaderIsReadableWithoutDecodingAndOrdersLikeTime) {
  Mailbox m = Sample();
  const std::string a = EncodeMailbox(m);
  EXPECT_EQ(RecordVersionDigits(a), "00000000000000000007");
  EXPECT_EQ(RecordExpiryDigits(a), PaddedNanos(m.expires_at));
  int64_t version = 0;
  absl::Time expires;
  ASSERT_TRUE(ReadRecordHeader(a, &version, &expires));
  EXPECT_EQ(version, 7);
  EXPECT_EQ(expires, m.expires_at);
  // Byte order of the padded expiry is time order (what the Lua scripts use).
  m.expires_at += absl::Nanoseconds(1);
  const std::string b = EncodeMailbox(m);
  EXPECT_LT(RecordExpiryDigits(a), RecordExpiryDigits(b));
  EXPECT_LT(PaddedNanos(absl::FromUnixSeconds(9)), PaddedNanos(absl::FromUnixSeconds(10)));
  EXPECT_EQ(PaddedNanos(absl::FromUnixSeconds(-5)), "00000000000000000000");
  EXPECT_EQ(PaddedNanos(absl::FromUnixNanos(1234567890123456789)), "01234567890123456789");
  EXPECT_EQ(PaddedNanos(absl::InfiniteFuture()), "09223372036854775807");
  EXPECT_EQ(PaddedVersion(0), "00000000000000000000");
  EXPECT_EQ(PaddedVersion(10), "00000000000000000010");
  EXPECT_EQ(PaddedVersion(-3), "00000000000000000000");
}

TEST(MailboxCodecTest, RejectsGarbageWithDataLoss) {
  const std::string data = EncodeMailbox(Sample());
  for (const std::string& bad :
       {std::string(), data.substr(0, 41), data.substr(0, data.size() - 1), data + "x",
        "m1" + data.substr(2), data.substr(0, 5) + "x" + data.substr(6)}) {
    EXPECT_EQ(DecodeMailbox(bad).status().code(), absl::StatusCode::kDataLoss) << bad.size();
  }
  EXPECT_TRUE(RecordExpiryDigits("short").empty());
  int64_t v = 0;
  absl::Time t;
  EXPECT_FALSE(ReadRecordHeader(data.substr(0, 30), &v, &t));
}

}  // namespace
}  // namespace sct::relay
