// Metadata end to end: the engine runs the suite's
// metadata-relay-links-sender-and-receiver scenario against the real service
// binaries. Each launched actor listens on and connects from its own
// loopback address, so the relay records the two devices' distinct addresses
// and the linkability audit derives the sender-receiver link from them.
#include <cstdlib>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scenarios/engine/engine.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/sct_lab/" + path;
}

const sv1::LinkabilityAuditRow* Row(const sv1::ScenarioResult& r, sv1::Link link,
                                    const std::string& actor, const std::string& subject) {
  for (const auto& row : r.linkability_audit()) {
    if (row.link() == link && row.actors_size() == 1 && row.actors(0) == actor &&
        row.subject() == subject) {
      return &row;
    }
  }
  return nullptr;
}

TEST(MetadataE2e, RelayRecordsTheTwoDevicesDistinctAddresses) {
  EngineOptions options;
  options.binaries_dir = Runfile("");
  options.work_dir = std::string(std::getenv("TEST_TMPDIR")) + "/work";
  const sv1::ScenarioResult r = RunScenarioFile(
      Runfile("scenarios/suite/metadata-relay-links-sender-and-receiver.textproto"), options);
  EXPECT_TRUE(r.passed()) << r.first_failure();

  // The address plan, as the report prints it.
  ASSERT_EQ(r.actor_addresses().count("alice-phone"), 1u);
  ASSERT_EQ(r.actor_addresses().count("bob-phone"), 1u);
  EXPECT_EQ(r.actor_addresses().at("relay"), "127.0.0.2");
  EXPECT_EQ(r.actor_addresses().at("alice-phone"), "127.0.0.11");
  EXPECT_EQ(r.actor_addresses().at("bob-phone"), "127.0.0.12");

  // The relay saw each device's own address, not the lab's.
  for (const char* device : {"alice-phone", "bob-phone"}) {
    const sv1::LinkabilityAuditRow* row = Row(r, sv1::CLIENT_ADDRESS, "relay", device);
    ASSERT_NE(row, nullptr) << device;
    EXPECT_TRUE(row->linked()) << device << ": " << row->evidence();
    EXPECT_THAT(row->evidence(), HasSubstr(std::string("relay saw address of ") + device));
    EXPECT_THAT(row->evidence(), Not(HasSubstr("127.0.0.")));
  }
  const sv1::LinkabilityAuditRow* link = Row(r, sv1::SENDER_RECEIVER, "relay", "share-1");
  ASSERT_NE(link, nullptr);
  EXPECT_TRUE(link->linked());
  EXPECT_EQ(link->verdict(), sv1::AUDIT_OK);
  EXPECT_THAT(link->evidence(), HasSubstr("mailbox id of share-1"));
}

}  // namespace
}  // namespace sct::scenarios
