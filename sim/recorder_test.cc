#include "sim/recorder.h"

#include <string>

#include "absl/strings/escaping.h"
#include "common/clock.h"
#include "common/errors.h"
#include "sim/knowledge.h"
#include "gtest/gtest.h"
#include "sim/testdata/knowledge_test.pb.h"

namespace sct::sim {
namespace {

using ::common::v1::KnowledgeItem;

const std::string kKey(32, 'k');

bool HasObservation(const Recorder& r, KnowledgeItem item, const std::string& value,
                    const std::string& key = kKey) {
  const std::string fp = *Recorder::Fingerprint(key, value);
  for (const auto& o : r.Observations()) {
    if (o.item() == item && o.fingerprint() == fp) return true;
  }
  return false;
}

TEST(RecorderTest, FingerprintIsRfc4231HmacSha256InLowercaseHex) {
  // RFC 4231 test case 2.
  EXPECT_EQ(*Recorder::Fingerprint("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 1: key = 20 bytes of 0x0b, data "Hi There".
  EXPECT_EQ(*Recorder::Fingerprint(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(RecorderTest, AuditKeyMustBe32Bytes) {
  FakeClock clock;
  Recorder r("relay", &clock);
  for (size_t n : {0, 16, 31, 33, 64}) {
    absl::Status s = r.SetAuditKey(std::string(n, 'x'));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << n;
    EXPECT_EQ(ReasonOf(s), "invalid_field");
    EXPECT_NE(s.message().find("key"), absl::string_view::npos) << s.message();
  }
  EXPECT_FALSE(r.has_audit_key());
  EXPECT_TRUE(r.SetAuditKey(kKey).ok());
  EXPECT_TRUE(r.has_audit_key());
}

TEST(RecorderTest, NoObservationsBeforeKeyButTrace) {
  FakeClock clock;
  Recorder r("relay", &clock);
  r.Observe(::common::v1::MAILBOX_ID, "id-1", "here");
  EXPECT_TRUE(r.Observations().empty());
  ::common::v1::TraceEvent e;
  e.set_rpc("x/Y");
  EXPECT_EQ(r.RecordEvent(e), 1u);
  EXPECT_EQ(r.RecordEvent(e), 2u);
  ASSERT_EQ(r.Trace(0).size(), 2u);
  EXPECT_EQ(r.Trace(1).size(), 1u);
  EXPECT_EQ(r.Trace(1)[0].seq(), 2u);
}

TEST(RecorderTest, ObservationsGroupCountAndFirstSeen) {
  FakeClock clock;
  Recorder r("oem-a", &clock);
  ASSERT_TRUE(r.SetAuditKey(kKey).ok());
  const absl::Time t0 = clock.Now();
  r.Observe(::common::v1::MAILBOX_ID, "id-1", "relay.v1.Relay/Create");
  clock.Advance(absl::Seconds(5));
  r.Observe(::common::v1::MAILBOX_ID, "id-1", "relay.v1.Relay/Create");
  r.Observe(::common::v1::MAILBOX_ID, "id-1", "elsewhere");
  r.Observe(::common::v1::PIN, "", "empty values are ignored");
  auto obs = r.Observations();
  ASSERT_EQ(obs.size(), 2u);
  for (const auto& o : obs) {
    EXPECT_EQ(o.observer(), "oem-a");
    EXPECT_EQ(o.fingerprint(), *Recorder::Fingerprint(kKey, "id-1"));
    if (o.where() == "relay.v1.Relay/Create") {
      EXPECT_EQ(o.count(), 2u);
      EXPECT_EQ(o.first_seen().seconds(), absl::ToUnixSeconds(t0));
    } else {
      EXPECT_EQ(o.count(), 1u);
    }
  }
  // A different key gives a different fingerprint for the same value.
  EXPECT_FALSE(HasObservation(r, ::common::v1::MAILBOX_ID, "id-1", std::string(32, 'z')));
}

TEST(RecorderTest, ResetClearsTraceAndObservationsKeepsKeyAndSeq) {
  FakeClock clock;
  Recorder r("relay", &clock);
  ASSERT_TRUE(r.SetAuditKey(kKey).ok());
  r.Observe(::common::v1::PIN, "123456", "w");
  r.RecordEvent({});
  r.ResetAudit();
  EXPECT_TRUE(r.Observations().empty());
  EXPECT_TRUE(r.Trace(0).empty());
  EXPECT_EQ(r.RecordEvent({}), 2u);
  r.Observe(::common::v1::PIN, "123456", "w");
  EXPECT_TRUE(HasObservation(r, ::common::v1::PIN, "123456"));
}

TEST(RecorderTest, CapsDropAndCount) {
  FakeClock clock;
  RecorderOptions options;
  options.max_events = 2;
  options.max_observations = 3;
  Recorder r("relay", &clock, options);
  ASSERT_TRUE(r.SetAuditKey(kKey).ok());
  for (int i = 0; i < 5; ++i) r.Observe(::common::v1::MAILBOX_ID, std::to_string(i), "w");
  r.Observe(::common::v1::MAILBOX_ID, "0", "w");  // existing group still counts
  EXPECT_EQ(r.Observations().size(), 3u);
  EXPECT_EQ(r.dropped_observations(), 2u);
  for (int i = 0; i < 5; ++i) r.RecordEvent({});
  auto trace = r.Trace(0);
  ASSERT_EQ(trace.size(), 2u);
  EXPECT_EQ(trace[0].seq(), 4u);
  EXPECT_EQ(trace[1].seq(), 5u);
  EXPECT_EQ(r.dropped_events(), 3u);
}

TEST(KnowledgeTest, TokensSplitAtSeparators) {
  EXPECT_EQ(Tokens("https://relay.example/v1/m/abc?v=a#S3cr"),
            (std::vector<std::string>{"https:", "relay.example", "v1", "m", "abc", "v", "a",
                                      "S3cr"}));
  EXPECT_TRUE(Tokens("").empty());
  EXPECT_EQ(Tokens("a a\tb"), (std::vector<std::string>{"a", "b"}));
}

TEST(KnowledgeTest, LinkInTextYieldsSecretFullLinkAndId) {
  FakeClock clock;
  Recorder r("channel", &clock);
  ASSERT_TRUE(r.SetAuditKey(kKey).ok());
  const std::string link = "https://relay.example/v1/m/abc-123?v=c#SeCrEt_x";
  ObserveValue(&r, ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED, "Your key: " + link + " enjoy", true,
               "channel.v1.Channel/Send");
  EXPECT_TRUE(HasObservation(r, ::common::v1::MAILBOX_SECRET, "SeCrEt_x"));
  EXPECT_TRUE(HasObservation(r, ::common::v1::FULL_LINK, link));
  EXPECT_TRUE(HasObservation(r, ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED, "abc-123"));
  EXPECT_FALSE(HasObservation(r, ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED, "abc"));
}

TEST(KnowledgeTest, MessageWalkClassifiesByTheFieldAnnotation) {
  FakeClock clock;
  Recorder r("relay", &clock);
  ASSERT_TRUE(r.SetAuditKey(kKey).ok());
  testdata::Outer req;
  req.set_mailbox_id("mbx-1");
  req.set_claim("claim-1");
  req.mutable_payload()->set_type("AEAD_AES_128_GCM");
  req.mutable_payload()->set_data(std::string("\x01\x02/\x03", 4));
  (*req.mutable_labels())["alice"] = "+15550001";
  req.add_pins("123456");
  req.add_pins("654321");
  ObserveMessage(&r, req, "relay.v1.Relay/UpdateMailbox");
  EXPECT_TRUE(HasObservation(r, ::common::v1::MAILBOX_ID, "mbx-1"));
  EXPECT_TRUE(HasObservation(r, ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED, "claim-1"));
  EXPECT_TRUE(HasObservation(r, ::common::v1::CIPHERTEXT, std::string("\x01\x02/\x03", 4)));
  EXPECT_TRUE(HasObservation(r, ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED, "AEAD_AES_128_GCM"));
  EXPECT_TRUE(HasObservation(r, ::common::v1::PERSON_IDENTITY, "alice"));
  EXPECT_TRUE(HasObservation(r, ::common::v1::PERSON_IDENTITY, "+15550001"));
  EXPECT_TRUE(HasObservation(r, ::common::v1::PIN, "123456"));
  EXPECT_TRUE(HasObservation(r, ::common::v1::PIN, "654321"));
  // Bytes are not tokenized.
  EXPECT_FALSE(HasObservation(r, ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED, "\x03"));
  for (const auto& o : r.Observations()) EXPECT_EQ(o.where(), "relay.v1.Relay/UpdateMailbox");
}

TEST(KnowledgeTest, AnnotationIsReadFromTheDescriptor) {
  const auto* d = testdata::Outer::descriptor();
  EXPECT_EQ(KnowledgeOf(d->FindFieldByName("mailbox_id")), ::common::v1::MAILBOX_ID);
  EXPECT_EQ(KnowledgeOf(d->FindFieldByName("claim")), ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED);
}

TEST(KnowledgeTest, LinkFollowedByPunctuationYieldsTheCleanSecret) {
  FakeClock clock;
  Recorder r("channel", &clock);
  ASSERT_TRUE(r.SetAuditKey(kKey).ok());
  ObserveValue(&r, ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED,
               "Open https://relay.example/v1/m/abc#S3cr. Thanks", true, "w");
  EXPECT_TRUE(HasObservation(r, ::common::v1::MAILBOX_SECRET, "S3cr"));
  EXPECT_TRUE(HasObservation(r, ::common::v1::FULL_LINK, "https://relay.example/v1/m/abc#S3cr"));
}

TEST(KnowledgeTest, WholeValueLinkIsAFullLink) {
  FakeClock clock;
  Recorder r("device", &clock);
  ASSERT_TRUE(r.SetAuditKey(kKey).ok());
  const std::string link = "https://relay.example/v1/m/abc?v=h#K3y";
  ObserveValue(&r, ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED, link, true, "w");
  EXPECT_TRUE(HasObservation(r, ::common::v1::FULL_LINK, link));
  EXPECT_TRUE(HasObservation(r, ::common::v1::MAILBOX_SECRET, "K3y"));
}

}  // namespace
}  // namespace sct::sim
