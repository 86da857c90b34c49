#include "scenarios/attack/knowledge.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "common/base64.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/recorder.h"

namespace sct::scenarios::attack {
namespace {

using ::common::v1::KnowledgeItem;
using scenario::v1::KnowledgeAuditRow;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKey[] = "0123456789abcdef0123456789abcdef";
constexpr char kPin[] = "482913";
constexpr char kSecret[] = "Qk9CX1NFQ1JFVF9GUkFHTUVOVA";

std::vector<KnownValue> Known() {
  return {
      {::common::v1::PIN, kPin, "PIN of share-1"},
      {::common::v1::MAILBOX_SECRET, kSecret, "secret of share-1"},
      {::common::v1::MAILBOX_ID, "56c1306a-915c-4681-a81e-f8e31f29cedb", "mailbox of share-1"},
  };
}

std::string Fp(const std::string& value) {
  absl::StatusOr<std::string> fp = sim::Recorder::Fingerprint(kKey, value);
  EXPECT_TRUE(fp.ok()) << fp.status();
  return fp.ok() ? *fp : "";
}

scenario::v1::KnowledgeAssertion Assert(const std::string& actor,
                                        std::vector<KnowledgeItem> must_not,
                                        std::vector<KnowledgeItem> must = {}) {
  scenario::v1::KnowledgeAssertion a;
  a.set_actor(actor);
  for (KnowledgeItem i : must_not) a.add_must_not_learn(i);
  for (KnowledgeItem i : must) a.add_must_learn(i);
  return a;
}

const KnowledgeAuditRow* Row(const std::vector<KnowledgeAuditRow>& rows, const std::string& actor,
                             KnowledgeItem item) {
  for (const KnowledgeAuditRow& r : rows) {
    if (r.actor() == actor && r.item() == item) return &r;
  }
  return nullptr;
}

void ExpectNoValues(const std::vector<KnowledgeAuditRow>& rows) {
  for (const KnowledgeAuditRow& r : rows) {
    for (const KnownValue& k : Known()) {
      EXPECT_THAT(r.evidence(), Not(HasSubstr(k.value))) << r.actor();
    }
  }
}

// The audit matches known values with the fingerprint the services' recorders
// compute (HMAC-SHA256 hex), and refuses to fingerprint without a key.
TEST(FingerprintTest, IsHexHmacSha256Rfc4231Case2) {
  absl::StatusOr<std::string> fp =
      sim::Recorder::Fingerprint("Jefe", "what do ya want for nothing?");
  ASSERT_TRUE(fp.ok());
  EXPECT_EQ(*fp, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  AuditInput in;
  in.known = Known();
  EXPECT_EQ(BuildAuditRows(in).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(BuildAuditRowsTest, PinFingerprintAtTheRelayIsAViolation) {
  AuditInput in;
  in.audit_key = kKey;
  in.known = Known();
  in.audited["relay"] = true;
  in.sightings.push_back(
      {"relay", ::common::v1::CIPHERTEXT, Fp(kPin), "relay.v1.Relay/CreateMailbox", 2});
  in.assertions.push_back(Assert("relay", {::common::v1::PIN, ::common::v1::MAILBOX_SECRET}));
  absl::StatusOr<std::vector<KnowledgeAuditRow>> rows = BuildAuditRows(in);
  ASSERT_TRUE(rows.ok()) << rows.status();
  const KnowledgeAuditRow* pin = Row(*rows, "relay", ::common::v1::PIN);
  ASSERT_NE(pin, nullptr);
  EXPECT_EQ(pin->verdict(), scenario::v1::AUDIT_VIOLATED);
  EXPECT_TRUE(pin->learned());
  EXPECT_TRUE(pin->must_not_learn());
  EXPECT_THAT(pin->evidence(), HasSubstr("PIN of share-1"));
  EXPECT_THAT(pin->evidence(), HasSubstr("relay.v1.Relay/CreateMailbox"));
  const KnowledgeAuditRow* secret = Row(*rows, "relay", ::common::v1::MAILBOX_SECRET);
  ASSERT_NE(secret, nullptr);
  EXPECT_EQ(secret->verdict(), scenario::v1::AUDIT_OK);
  EXPECT_FALSE(secret->learned());
  // The CIPHERTEXT classification is reported as information.
  const KnowledgeAuditRow* info = Row(*rows, "relay", ::common::v1::CIPHERTEXT);
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->verdict(), scenario::v1::AUDIT_INFO);
  ExpectNoValues(*rows);
}

TEST(BuildAuditRowsTest, WithoutTheFingerprintTheRowIsOk) {
  AuditInput in;
  in.audit_key = kKey;
  in.known = Known();
  in.audited["relay"] = true;
  in.sightings.push_back({"relay", ::common::v1::MAILBOX_ID,
                          Fp("56c1306a-915c-4681-a81e-f8e31f29cedb"), "relay.v1.Relay/Read", 1});
  // A fingerprint under another key does not match.
  absl::StatusOr<std::string> other = sim::Recorder::Fingerprint("another key", kPin);
  ASSERT_TRUE(other.ok());
  in.sightings.push_back({"relay", ::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED, *other, "x", 1});
  in.assertions.push_back(Assert("relay", {::common::v1::PIN}, {::common::v1::MAILBOX_ID}));
  absl::StatusOr<std::vector<KnowledgeAuditRow>> rows = BuildAuditRows(in);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(Row(*rows, "relay", ::common::v1::PIN)->verdict(), scenario::v1::AUDIT_OK);
  const KnowledgeAuditRow* id = Row(*rows, "relay", ::common::v1::MAILBOX_ID);
  EXPECT_EQ(id->verdict(), scenario::v1::AUDIT_OK);
  EXPECT_TRUE(id->learned());
  EXPECT_FALSE(id->must_not_learn());
}

TEST(BuildAuditRowsTest, MustLearnWithoutEvidenceIsViolated) {
  AuditInput in;
  in.audit_key = kKey;
  in.known = Known();
  in.audited["eve"] = true;
  in.assertions.push_back(Assert("eve", {}, {::common::v1::FULL_LINK}));
  absl::StatusOr<std::vector<KnowledgeAuditRow>> rows = BuildAuditRows(in);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].verdict(), scenario::v1::AUDIT_VIOLATED);
  EXPECT_FALSE((*rows)[0].learned());
}

TEST(BuildAuditRowsTest, ServiceClassificationAloneCounts) {
  AuditInput in;
  in.audit_key = kKey;
  in.known = Known();
  in.audited["oem-a"] = true;
  in.sightings.push_back({"oem-a", ::common::v1::PLAINTEXT, "", "oem.v1.Oem/Redeem", 1});
  in.assertions.push_back(Assert("oem-a", {::common::v1::PLAINTEXT}));
  absl::StatusOr<std::vector<KnowledgeAuditRow>> rows = BuildAuditRows(in);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(Row(*rows, "oem-a", ::common::v1::PLAINTEXT)->verdict(), scenario::v1::AUDIT_VIOLATED);
  EXPECT_THAT(Row(*rows, "oem-a", ::common::v1::PLAINTEXT)->evidence(),
              HasSubstr("observed as PLAINTEXT at oem.v1.Oem/Redeem"));
}

TEST(BuildAuditRowsTest, HeuristicClassOfAnItemWithKnownValuesNeedsAFingerprintMatch) {
  AuditInput in;
  in.audit_key = kKey;
  in.known = Known();  // holds a MAILBOX_SECRET value
  in.audited["relay"] = true;
  in.audited["eve"] = true;
  // The relay filed "12" (from "Room #12") as a secret: it matches no known secret.
  in.sightings.push_back({"relay", ::common::v1::MAILBOX_SECRET, Fp("12"), "HTTP POST /v1/m", 1});
  // The interceptor's own evidence is exact.
  Sighting eve{"eve", ::common::v1::MAILBOX_SECRET, Fp("other"), "tap of SMS", 1};
  eve.exact_class = true;
  in.sightings.push_back(eve);
  in.assertions.push_back(Assert("relay", {::common::v1::MAILBOX_SECRET}));
  in.assertions.push_back(Assert("eve", {}, {::common::v1::MAILBOX_SECRET}));
  absl::StatusOr<std::vector<KnowledgeAuditRow>> rows = BuildAuditRows(in);
  ASSERT_TRUE(rows.ok());
  const KnowledgeAuditRow* relay = Row(*rows, "relay", ::common::v1::MAILBOX_SECRET);
  EXPECT_EQ(relay->verdict(), scenario::v1::AUDIT_OK);
  EXPECT_FALSE(relay->learned());
  EXPECT_THAT(relay->evidence(), HasSubstr("matching no known value"));
  EXPECT_EQ(Row(*rows, "eve", ::common::v1::MAILBOX_SECRET)->verdict(), scenario::v1::AUDIT_OK);
  EXPECT_TRUE(Row(*rows, "eve", ::common::v1::MAILBOX_SECRET)->learned());
  // With the real secret's fingerprint the relay row is violated.
  in.sightings.push_back(
      {"relay", ::common::v1::MAILBOX_SECRET, Fp(kSecret), "HTTP POST /v1/m", 1});
  rows = BuildAuditRows(in);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(Row(*rows, "relay", ::common::v1::MAILBOX_SECRET)->verdict(),
            scenario::v1::AUDIT_VIOLATED);
}

TEST(BuildAuditRowsTest, UnauditedActorIsUnknownUnlessLearningIsShown) {
  AuditInput in;
  in.audit_key = kKey;
  in.known = Known();
  in.unaudited_reason["relay"] = "attached without sim services: not audited";
  in.assertions.push_back(Assert("relay", {::common::v1::PIN, ::common::v1::MAILBOX_SECRET}));
  in.assertions.push_back(Assert("nobody", {::common::v1::PIN}));
  // A relay dump found the secret (hex) even though the relay has no audit.
  DumpHit hit{"relay.db-wal", "secret of share-1", ::common::v1::MAILBOX_SECRET, "hex"};
  for (Sighting& s : SightingsFromDump("relay", {hit})) in.sightings.push_back(s);
  absl::StatusOr<std::vector<KnowledgeAuditRow>> rows = BuildAuditRows(in);
  ASSERT_TRUE(rows.ok());
  const KnowledgeAuditRow* pin = Row(*rows, "relay", ::common::v1::PIN);
  EXPECT_EQ(pin->verdict(), scenario::v1::AUDIT_UNKNOWN);
  EXPECT_THAT(pin->evidence(), HasSubstr("attached"));
  const KnowledgeAuditRow* secret = Row(*rows, "relay", ::common::v1::MAILBOX_SECRET);
  EXPECT_EQ(secret->verdict(), scenario::v1::AUDIT_VIOLATED);
  EXPECT_THAT(secret->evidence(), HasSubstr("found secret of share-1 in relay.db-wal (hex)"));
  EXPECT_EQ(Row(*rows, "nobody", ::common::v1::PIN)->verdict(), scenario::v1::AUDIT_UNKNOWN);
  ExpectNoValues(*rows);
}

TEST(BuildAuditRowsTest, RejectsBadAssertions) {
  AuditInput in;
  in.audit_key = kKey;
  in.assertions.push_back(Assert("", {::common::v1::PIN}));
  EXPECT_EQ(BuildAuditRows(in).status().code(), absl::StatusCode::kInvalidArgument);
  in.assertions[0] = Assert("relay", {::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED});
  absl::Status s = BuildAuditRows(in).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("must_not_learn"));
}

TEST(SearchDumpTest, FindsRawBase64UrlAndHexButNeverReturnsTheValue) {
  const std::vector<KnownValue> known = Known();
  const std::string raw_secret = "\x01\xfe\x7fsecret-bytes\x00!";
  std::vector<KnownValue> with_raw = known;
  with_raw.push_back({::common::v1::MAILBOX_SECRET, raw_secret, "raw secret of share-1"});

  std::vector<DumpHit> raw = SearchDump("relay.db", std::string("xx") + kPin + "yy", with_raw);
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_EQ(raw[0].label, "PIN of share-1");
  EXPECT_EQ(raw[0].form, "raw");
  EXPECT_EQ(raw[0].where, "relay.db");

  std::vector<DumpHit> url =
      SearchDump("relay.db-wal", "...." + Base64UrlEncode(raw_secret) + "....", with_raw);
  ASSERT_EQ(url.size(), 1u);
  EXPECT_EQ(url[0].label, "raw secret of share-1");
  EXPECT_EQ(url[0].form, "base64url");

  std::vector<DumpHit> hex =
      SearchDump("relay.db-shm", "\x00\x01" + absl::BytesToHexString(kPin) + "\x02", with_raw);
  ASSERT_EQ(hex.size(), 1u);
  EXPECT_EQ(hex[0].form, "hex");

  EXPECT_TRUE(SearchDump("relay.db", "nothing to see here", with_raw).empty());
}

TEST(SearchDumpTest, SkipsValuesTooShortToSearch) {
  std::vector<KnownValue> known = {{::common::v1::PERSON_IDENTITY, "ab", "persona"}};
  EXPECT_TRUE(SearchDump("f", "xxabxx", known).empty());
}

TEST(SearchFormsTest, CoversTheEncodings) {
  std::vector<std::string> names;
  for (const SearchForm& f : SearchForms("\xff\xfe\xfd\xfc")) names.push_back(f.name);
  EXPECT_THAT(names, ::testing::IsSupersetOf({"raw", "base64", "base64url", "hex", "HEX"}));
}

}  // namespace
}  // namespace sct::scenarios::attack
