#include "scenarios/report/actor_roles.h"

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "proto/common/v1/audit.pb.h"

namespace sct::scenarios::report {
namespace {

TEST(ActorRolesTest, RoleComesFromWholeWordsOfTheId) {
  const std::set<std::string> none;
  EXPECT_EQ(RoleOf("engine", none), Role::kEngine);
  EXPECT_EQ(RoleOf("alice-phone", none), Role::kDevice);
  EXPECT_EQ(RoleOf("Car1-front", none), Role::kAccessPoint);  // digits dropped, case folded
  EXPECT_EQ(RoleOf("ca", none), Role::kAuthority);
  EXPECT_EQ(RoleOf("oem_b", none), Role::kOem);
  EXPECT_EQ(RoleOf("relay-2", none), Role::kRelay);
  EXPECT_EQ(RoleOf("sms", none), Role::kChannel);
  EXPECT_EQ(RoleOf("relay-operator", none), Role::kAdversary);  // adversary words win
  EXPECT_EQ(RoleOf("cascade", none), Role::kOther);             // "ca" only as a whole word
  EXPECT_EQ(RoleOf("mx", none), Role::kOther);
  EXPECT_EQ(RoleOf("mx", {"mx"}), Role::kAdversary);
}

TEST(ActorRolesTest, AdversariesComeFromEventsStepsAndMarkers) {
  scenario::v1::ScenarioResult r;
  auto* e = r.add_trace();
  e->set_from("tapper");
  e->set_kind(common::v1::ADVERSARY);
  e = r.add_trace();
  e->set_from("alice-phone");
  e->set_kind(common::v1::FAULT);
  auto* s = r.add_steps();
  s->set_actor("guess-bot");
  s->set_action("adversary_act");
  s = r.add_steps();
  s->set_actor("bob-phone");
  s->set_action("accept");
  auto* m = r.add_markers();
  m->set_label("sniffer");
  m->set_kind(common::v1::ADVERSARY);
  m = r.add_markers();
  m->set_label("oem-b outage");
  m->set_kind(common::v1::FAULT);
  EXPECT_EQ(Adversaries(r), (std::set<std::string>{"guess-bot", "sniffer", "tapper"}));
}

TEST(ActorRolesTest, StyleNamesTheRole) {
  EXPECT_STREQ(StyleOf(Role::kOem).name, "OEM server");
  EXPECT_STREQ(StyleOf(Role::kAccessPoint).name, "access point");
  EXPECT_STREQ(StyleOf(Role::kOther).name, "service");
}

}  // namespace
}  // namespace sct::scenarios::report
