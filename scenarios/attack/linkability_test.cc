#include "scenarios/attack/linkability.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sim/recorder.h"

namespace sct::scenarios::attack {
namespace {

namespace sv1 = ::scenario::v1;
namespace cv1 = ::common::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kKey[] = "0123456789abcdef0123456789abcdef";
constexpr char kAliceAddress[] = "127.0.0.11";
constexpr char kBobAddress[] = "127.0.0.12";
constexpr char kRelayAddress[] = "127.0.0.2";
constexpr char kMailbox[] = "56c1306a-915c-4681-a81e-f8e31f29cedb";
constexpr char kAliceDevice[] = "dev-alice-7f3a";
constexpr char kBobDevice[] = "dev-bob-91c2";
constexpr char kBobPushToken[] = "push-token-of-bob-0c1d";

std::string Fp(const std::string& value) {
  absl::StatusOr<std::string> fp = sim::Recorder::Fingerprint(kKey, value);
  EXPECT_TRUE(fp.ok()) << fp.status();
  return fp.ok() ? *fp : "";
}

// A cross-platform share: alice (oem-a) sends share-1 to bob (oem-b). The
// push token is a value the engine does not know.
struct Fixture {
  AuditInput base;
  LinkInput in;

  Fixture() {
    base.audit_key = kKey;
    base.known = {
        {cv1::CLIENT_ADDRESS, kAliceAddress, "address of alice-phone", "device:alice-phone"},
        {cv1::CLIENT_ADDRESS, kBobAddress, "address of bob-phone", "device:bob-phone"},
        {cv1::CLIENT_ADDRESS, kRelayAddress, "address of relay", "actor:relay"},
        {cv1::DEVICE_IDENTITY, kAliceDevice, "device id of alice-phone", "device:alice-phone"},
        {cv1::DEVICE_IDENTITY, kBobDevice, "device id of bob-phone", "device:bob-phone"},
        {cv1::MAILBOX_ID, kMailbox, "mailbox id of share-1", "share:share-1"},
    };
    for (const char* a : {"relay", "oem-a", "oem-b"}) base.audited[a] = true;
    in.base = &base;
    in.shares["share-1"] = {"alice-phone", "bob-phone"};
  }

  void Call(const std::string& actor, const std::string& where,
            const std::vector<std::string>& values) {
    CoSighting c;
    c.actor = actor;
    c.where = where;
    for (const std::string& v : values) c.fingerprints.push_back(Fp(v));
    in.co_sightings.push_back(c);
  }
  void Saw(const std::string& actor, cv1::KnowledgeItem item, const std::string& value,
           const std::string& where) {
    Sighting s;
    s.actor = actor;
    s.item = item;
    s.fingerprint = Fp(value);
    s.where = where;
    base.sightings.push_back(s);
  }
  void Expect(std::vector<std::string> actors, sv1::Link link, const std::string& subject,
              const std::string& object, bool must_not) {
    sv1::LinkabilityAssertion a;
    for (const std::string& actor : actors) a.add_actors(actor);
    a.set_link(link);
    a.set_subject(subject);
    a.set_object(object);
    a.set_must_not_link(must_not);
    in.assertions.push_back(a);
  }
  std::vector<sv1::LinkabilityAuditRow> Rows() {
    auto rows = BuildLinkRows(in);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows.ok() ? *rows : std::vector<sv1::LinkabilityAuditRow>();
  }
};

TEST(LinkabilityTest, RelayLinksSenderAndReceiverThroughTheMailboxTheyBothUsed) {
  Fixture f;
  f.Call("relay", "HTTP POST /v1/m", {kAliceAddress, kMailbox, "AEAD_AES_128_GCM"});
  f.Call("relay", "HTTP POST /v1/m/{id}", {kBobAddress, kMailbox});
  f.Expect({"relay"}, sv1::SENDER_RECEIVER, "share-1", "", true);
  auto rows = f.Rows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].linked());
  EXPECT_EQ(rows[0].verdict(), sv1::AUDIT_VIOLATED);
  EXPECT_THAT(rows[0].evidence(), HasSubstr("relay saw address of alice-phone with mailbox id of "
                                            "share-1 at HTTP POST /v1/m"));
  EXPECT_THAT(rows[0].evidence(), HasSubstr("address of bob-phone"));
  for (const char* v : {kAliceAddress, kBobAddress, kMailbox}) {
    EXPECT_THAT(rows[0].evidence(), Not(HasSubstr(v)));
  }
}

TEST(LinkabilityTest, WithoutAddressesTheRelayCannotLinkThem) {
  Fixture f;  // what the relay sees behind an oblivious proxy: the proxy's address
  f.Call("relay", "HTTP POST /v1/m", {kRelayAddress, kMailbox});
  f.Call("relay", "HTTP POST /v1/m/{id}", {kRelayAddress, kMailbox});
  f.Expect({"relay"}, sv1::SENDER_RECEIVER, "share-1", "", true);
  auto rows = f.Rows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_FALSE(rows[0].linked());
  EXPECT_EQ(rows[0].verdict(), sv1::AUDIT_OK);
}

TEST(LinkabilityTest, UnknownPushTokenBridgesRelayAndOemWhenTheyCollude) {
  Fixture f;
  // The relay sees bob's push token on the mailbox, never bob's address or id.
  f.Saw("relay", cv1::PUSH_TOKEN, kBobPushToken, "HTTP POST /v1/m/{id}");
  f.Call("relay", "HTTP POST /v1/m/{id}", {kRelayAddress, kMailbox, kBobPushToken});
  // oem-b knows which device holds the token.
  f.Saw("oem-b", cv1::PUSH_TOKEN, kBobPushToken, "oem.v1.Oem/SubscribeNotifications");
  f.Call("oem-b", "oem.v1.Oem/SubscribeNotifications", {kBobDevice, kBobPushToken});
  f.Expect({"relay", "oem-b"}, sv1::DEVICE_MAILBOX, "bob-phone", "share-1", true);
  f.Expect({"relay"}, sv1::DEVICE_MAILBOX, "bob-phone", "share-1", true);
  auto rows = f.Rows();
  ASSERT_GE(rows.size(), 2u);
  EXPECT_TRUE(rows[0].linked());
  EXPECT_TRUE(rows[0].collusion_only());
  EXPECT_THAT(rows[0].linked_alone(), IsEmpty());
  EXPECT_THAT(rows[0].evidence(), HasSubstr("a PUSH_TOKEN value"));
  EXPECT_FALSE(rows[1].linked());
  // The computed collusion row names the pair without an assertion.
  bool found = false;
  for (size_t i = 2; i < rows.size(); ++i) {
    if (rows[i].verdict() == sv1::AUDIT_INFO && rows[i].link() == sv1::DEVICE_MAILBOX &&
        rows[i].subject() == "bob-phone") {
      found = true;
      EXPECT_THAT(rows[i].actors(), ElementsAre("oem-b", "relay"));
      EXPECT_TRUE(rows[i].collusion_only());
    }
  }
  EXPECT_FALSE(found) << "no collusion candidates were named";
  f.in.collusion_candidates = {"oem-b", "relay"};
  rows = f.Rows();
  for (const auto& r : rows) found = found || r.verdict() == sv1::AUDIT_INFO;
  EXPECT_TRUE(found);
}

TEST(LinkabilityTest, ServerAddressesNeverJoinChains) {
  Fixture f;
  // oem-b receives every push from the relay's address: two mailboxes of two
  // devices must not become linked through it.
  f.Call("oem-b", "oem.v1.Oem/Notify", {kRelayAddress, kMailbox});
  f.Call("oem-b", "oem.v1.Oem/Notify", {kRelayAddress, kAliceDevice});
  f.Expect({"oem-b"}, sv1::DEVICE_MAILBOX, "alice-phone", "share-1", true);
  auto rows = f.Rows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_FALSE(rows[0].linked());
}

TEST(LinkabilityTest, ClientAddressRowsCountSightingsOfTheAddress) {
  Fixture f;
  f.Saw("relay", cv1::CLIENT_ADDRESS, kAliceAddress, "HTTP POST /v1/m");
  f.Expect({"relay"}, sv1::CLIENT_ADDRESS, "alice-phone", "", false);
  f.Expect({"relay"}, sv1::CLIENT_ADDRESS, "bob-phone", "", true);
  auto rows = f.Rows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].verdict(), sv1::AUDIT_OK);
  EXPECT_THAT(rows[0].evidence(), HasSubstr("relay saw address of alice-phone at HTTP POST /v1/m"));
  EXPECT_EQ(rows[1].verdict(), sv1::AUDIT_OK);
  EXPECT_FALSE(rows[1].linked());
}

TEST(LinkabilityTest, UnauditedActorGivesUnknown) {
  Fixture f;
  f.base.audited.erase("oem-b");
  f.base.unaudited_reason["oem-b"] = "attached without sim services: not audited";
  f.Expect({"oem-b"}, sv1::SENDER_RECEIVER, "share-1", "", true);
  auto rows = f.Rows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].verdict(), sv1::AUDIT_UNKNOWN);
  EXPECT_THAT(rows[0].evidence(), HasSubstr("attached without sim services"));
}

TEST(LinkabilityTest, BadAssertionsNameTheField) {
  Fixture f;
  f.Expect({}, sv1::SENDER_RECEIVER, "share-1", "", true);
  EXPECT_THAT(BuildLinkRows(f.in).status().message(), HasSubstr("assertions[0].actors"));
  f.in.assertions.clear();
  f.Expect({"relay"}, sv1::LINK_UNSPECIFIED, "share-1", "", true);
  EXPECT_THAT(BuildLinkRows(f.in).status().message(), HasSubstr("assertions[0].link"));
  f.in.assertions.clear();
  f.Expect({"relay"}, sv1::SENDER_RECEIVER, "share-9", "", true);
  EXPECT_THAT(BuildLinkRows(f.in).status().message(), HasSubstr("assertions[0].subject"));
  f.in.assertions.clear();
  f.Expect({"relay"}, sv1::DEVICE_MAILBOX, "alice-phone", "", true);
  EXPECT_THAT(BuildLinkRows(f.in).status().message(), HasSubstr("assertions[0].object"));
}

}  // namespace
}  // namespace sct::scenarios::attack
