#include "scenarios/launcher/address_plan.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;

sv1::Topology TwoPhones() {
  sv1::Topology t;
  t.add_authorities()->set_id("ca");
  t.add_oems()->set_id("oem-a");
  t.add_oems()->set_id("oem-b");
  t.add_access_points()->set_id("car-1");
  t.add_devices()->set_id("alice-phone");
  t.add_devices()->set_id("bob-phone");
  return t;
}

TEST(AddressPlanTest, DocumentedAddressesInTopologyOrder) {
  const auto plan = AddressPlan(TwoPhones());
  EXPECT_EQ(plan.at("relay"), "127.0.0.2");
  EXPECT_EQ(plan.at("channel"), "127.0.0.3");
  EXPECT_EQ(plan.at("ca"), "127.0.0.4");
  EXPECT_EQ(plan.at("oem-a"), "127.0.0.5");
  EXPECT_EQ(plan.at("oem-b"), "127.0.0.6");
  EXPECT_EQ(plan.at("car-1"), "127.0.0.7");
  EXPECT_EQ(plan.at("alice-phone"), "127.0.0.11");
  EXPECT_EQ(plan.at("bob-phone"), "127.0.0.12");
  EXPECT_EQ(plan.size(), 8u);
}

TEST(AddressPlanTest, AttachedActorsAreNotPlannedAndOthersKeepTheirAddress) {
  sv1::Topology t = TwoPhones();
  t.mutable_relay()->mutable_attach()->set_http_url("https://relay.example");
  t.mutable_devices(0)->mutable_attach()->set_grpc_address("127.0.0.1:5000");
  const auto plan = AddressPlan(t);
  EXPECT_EQ(plan.count("relay"), 0u);
  EXPECT_EQ(plan.count("alice-phone"), 0u);
  EXPECT_EQ(plan.at("channel"), "127.0.0.3");
  EXPECT_EQ(plan.at("bob-phone"), "127.0.0.12");
}

TEST(AddressPlanTest, OhttpActorsFollowTheTopologysServers) {
  sv1::Topology t = TwoPhones();
  t.mutable_architecture()->set_ohttp(true);
  const auto plan = AddressPlan(t);
  EXPECT_EQ(plan.at("car-1"), "127.0.0.7");
  EXPECT_EQ(plan.at(kOhttpGatewayName), "127.0.0.8");
  EXPECT_EQ(plan.at(kOhttpRelayName), "127.0.0.9");
  EXPECT_EQ(plan.at("alice-phone"), "127.0.0.11");
}

TEST(AddressPlanTest, TheDerivedRelayHasItsOwnAddress) {
  sv1::Topology t = TwoPhones();
  t.mutable_architecture()->set_relay_design(sv1::DERIVED_LOCATIONS);
  const auto plan = AddressPlan(t);
  EXPECT_EQ(plan.at(kDerivedRelayName), "127.0.0.8");
  EXPECT_EQ(plan.at("relay"), "127.0.0.2");
}

TEST(AddressPlanTest, TheProximityLinkHasItsOwnAddress) {
  sv1::Topology t = TwoPhones();
  EXPECT_EQ(AddressPlan(t).count(kProximityName), 0u);
  t.mutable_architecture()->set_relay_design(sv1::DIRECT);
  const auto plan = AddressPlan(t);
  EXPECT_EQ(plan.at(kProximityName), "127.0.0.8");
  EXPECT_EQ(plan.at("alice-phone"), "127.0.0.11");
}

TEST(AddressPlanTest, LargeTopologiesStayDistinctAndNeverUseTheLabAddress) {
  sv1::Topology t;
  for (int i = 0; i < 30; ++i) t.add_access_points()->set_id(absl::StrCat("ap-", i));
  for (int i = 0; i < 600; ++i) t.add_devices()->set_id(absl::StrCat("d-", i));
  const auto plan = AddressPlan(t);
  std::set<std::string> seen;
  for (const auto& [name, address] : plan) {
    EXPECT_NE(address, kLabAddress) << name;
    EXPECT_TRUE(seen.insert(address).second) << name << " " << address;
  }
  EXPECT_EQ(plan.at("ap-6"), "127.0.0.10");
  EXPECT_EQ(plan.at("ap-7"), "127.0.2.1");
  EXPECT_EQ(plan.at("d-239"), "127.0.0.250");
  EXPECT_EQ(plan.at("d-240"), "127.0.3.1");
}

TEST(AddressPlanTest, AttackersHaveTheirOwnRangeApartFromEveryActor) {
  EXPECT_EQ(AttackerAddress(0), "127.1.0.1");
  EXPECT_EQ(AttackerAddress(2), "127.1.0.3");
  EXPECT_EQ(AttackerAddress(kMaxAttackers - 1), "127.1.0.64");
  // A topology large enough to fill several overflow ranges of servers
  // (127.0.2.x, 127.0.4.x) and devices (127.0.3.x, 127.0.5.x).
  sv1::Topology t;
  for (int i = 0; i < 600; ++i) t.add_access_points()->set_id(absl::StrCat("ap-", i));
  for (int i = 0; i < 800; ++i) t.add_devices()->set_id(absl::StrCat("d-", i));
  std::set<std::string> planned;
  for (const auto& [name, address] : AddressPlan(t)) planned.insert(address);
  ASSERT_TRUE(planned.count("127.0.4.1")) << "the topology should reach 127.0.4.x";
  std::set<std::string> attackers;
  for (int i = 0; i < kMaxAttackers; ++i) {
    const std::string a = AttackerAddress(i);
    EXPECT_NE(a, kLabAddress);
    EXPECT_EQ(planned.count(a), 0u) << a << " is an actor's address";
    EXPECT_TRUE(attackers.insert(a).second) << a;
  }
}

}  // namespace
}  // namespace sct::scenarios
