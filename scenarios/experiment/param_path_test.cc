#include "scenarios/experiment/param_path.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios::experiment {
namespace {

using ::testing::HasSubstr;

constexpr char kScenario[] = R"pb(
  name: "s"
  topology {
    channels { kind: EMAIL delay: "50ms" }
    channels { kind: SMS delay: "200ms" }
  }
  faults { name: "slow" channel { kind: SMS delay: "1s" } }
  adversaries { name: "eve" link_interceptor { channel: SMS race: true } }
  adversaries { name: "mallory" id_guesser { rate: 5 } }
  steps { id: "share" share { pin: "123456" entitlements: "unlock" } }
)pb";

scenario::v1::Scenario Base() {
  scenario::v1::Scenario s;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(kScenario, &s));
  return s;
}

TEST(ApplyPath, SetsAStringFieldSelectedByEnumName) {
  scenario::v1::Scenario s = Base();
  ASSERT_TRUE(ApplyPath(s, "topology.channels[kind=SMS].delay", "75ms").ok());
  EXPECT_EQ(s.topology().channels(1).delay(), "75ms");
  EXPECT_EQ(s.topology().channels(0).delay(), "50ms");
}

TEST(ApplyPath, SetsThroughAOneofSelectedByName) {
  scenario::v1::Scenario s = Base();
  ASSERT_TRUE(ApplyPath(s, "adversaries[name=eve].link_interceptor.race", "false").ok());
  EXPECT_FALSE(s.adversaries(0).link_interceptor().race());
  ASSERT_TRUE(ApplyPath(s, "adversaries[name=mallory].id_guesser.rate", "0.25").ok());
  EXPECT_DOUBLE_EQ(s.adversaries(1).id_guesser().rate(), 0.25);
}

TEST(ApplyPath, SetsByIndexAndEnumByName) {
  scenario::v1::Scenario s = Base();
  ASSERT_TRUE(ApplyPath(s, "faults[0].channel.kind", "EMAIL").ok());
  EXPECT_EQ(s.faults(0).channel().kind(), common::v1::EMAIL);
  ASSERT_TRUE(ApplyPath(s, "steps[id=share].share.entitlements[0]", "lock").ok());
  EXPECT_EQ(s.steps(0).share().entitlements(0), "lock");
}

TEST(ApplyPath, EmptyValueClearsAndUnsetMessagesAreCreated) {
  scenario::v1::Scenario s = Base();
  ASSERT_TRUE(ApplyPath(s, "steps[id=share].share.pin", "").ok());
  EXPECT_EQ(s.steps(0).share().pin(), "");
  ASSERT_TRUE(ApplyPath(s, "topology.relay.default_ttl", "2h").ok());
  EXPECT_EQ(s.topology().relay().default_ttl(), "2h");
}

TEST(ApplyPath, AMessageFieldIsReplacedByATextFormatValue) {
  scenario::v1::Scenario s = Base();
  ASSERT_TRUE(ApplyPath(s, "topology.architecture",
                        "relay_design: MAILBOX  relay_verifies_attestation: true")
                  .ok());
  EXPECT_EQ(s.topology().architecture().relay_design(), scenario::v1::MAILBOX);
  EXPECT_TRUE(s.topology().architecture().relay_verifies_attestation());
  // Replaced, not merged: a field the new value does not set is gone.
  ASSERT_TRUE(ApplyPath(s, "topology.architecture", "pin_binding: BOUND_INTO_KEY").ok());
  EXPECT_FALSE(s.topology().architecture().relay_verifies_attestation());
  EXPECT_EQ(s.topology().architecture().pin_binding(), scenario::v1::BOUND_INTO_KEY);
  ASSERT_TRUE(ApplyPath(s, "topology.architecture", "").ok());
  EXPECT_FALSE(s.topology().has_architecture());
  // Through a selector, into a oneof member.
  ASSERT_TRUE(ApplyPath(s, "faults[name=slow].channel", "kind: EMAIL  delay: \"5s\"").ok());
  EXPECT_EQ(s.faults(0).channel().kind(), common::v1::EMAIL);
  EXPECT_EQ(s.faults(0).channel().delay(), "5s");
}

TEST(ApplyPath, AMessageValueThatDoesNotParseSaysWhere) {
  scenario::v1::Scenario s = Base();
  s.mutable_topology()->mutable_architecture()->set_ohttp(true);
  absl::Status st = ApplyPath(s, "topology.architecture", "relay_design: SIDEWAYS");
  EXPECT_THAT(st.message(), HasSubstr("topology.architecture"));
  EXPECT_THAT(st.message(), HasSubstr("is not a text-format ArchitectureSpec"));
  EXPECT_THAT(st.message(), HasSubstr("value:1:"));
  EXPECT_THAT(st.message(), HasSubstr("SIDEWAYS"));
  // Nothing changed.
  EXPECT_TRUE(s.topology().architecture().ohttp());
  EXPECT_THAT(ApplyPath(s, "topology.architecture", "no_such_field: 1").message(),
              HasSubstr("no_such_field"));
}

TEST(ApplyPath, UnknownFieldNamesThePart) {
  scenario::v1::Scenario s = Base();
  absl::Status st = ApplyPath(s, "topology.channels[kind=SMS].dlay", "1s");
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("topology.channels[kind=SMS].dlay"));
  EXPECT_THAT(st.message(), HasSubstr("unknown field"));
}

TEST(ApplyPath, IndexOutOfRange) {
  scenario::v1::Scenario s = Base();
  absl::Status st = ApplyPath(s, "faults[3].channel.delay", "1s");
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("faults[3]"));
  EXPECT_THAT(st.message(), HasSubstr("out of range (faults has 1 element)"));
}

TEST(ApplyPath, SelectorMatchingNothing) {
  scenario::v1::Scenario s = Base();
  absl::Status st = ApplyPath(s, "adversaries[name=bob].link_interceptor.race", "true");
  EXPECT_THAT(st.message(), HasSubstr("adversaries[name=bob]"));
  EXPECT_THAT(st.message(), HasSubstr("no element has name = \"bob\""));
  st = ApplyPath(s, "adversaries[colour=red].link_interceptor.race", "true");
  EXPECT_THAT(st.message(), HasSubstr("no scalar field \"colour\""));
}

TEST(ApplyPath, ValueOfTheWrongType) {
  scenario::v1::Scenario s = Base();
  absl::Status st = ApplyPath(s, "adversaries[name=mallory].id_guesser.rate", "fast");
  EXPECT_THAT(st.message(), HasSubstr("value \"fast\" is not a number"));
  st = ApplyPath(s, "adversaries[name=eve].link_interceptor.race", "yes please");
  EXPECT_THAT(st.message(), HasSubstr("is not true or false"));
  st = ApplyPath(s, "faults[0].channel.kind", "PIGEON");
  EXPECT_THAT(st.message(), HasSubstr("is not a value of enum ChannelKind"));
  st = ApplyPath(s, "adversaries[name=mallory].id_guesser.tries", "-1");
  EXPECT_THAT(st.message(), HasSubstr("is not a non-negative integer"));
}

TEST(ApplyPath, OneofSiblingIsNotSwitched) {
  scenario::v1::Scenario s = Base();
  absl::Status st = ApplyPath(s, "adversaries[name=mallory].link_interceptor.race", "true");
  EXPECT_THAT(st.message(), HasSubstr("is id_guesser, not link_interceptor"));
  EXPECT_TRUE(s.adversaries(1).has_id_guesser());
}

TEST(ApplyPath, StructuralMistakes) {
  scenario::v1::Scenario s = Base();
  EXPECT_THAT(ApplyPath(s, "faults.channel.delay", "1s").message(), HasSubstr("needs a selector"));
  EXPECT_THAT(ApplyPath(s, "topology.channels[0]", "kind: SMS").message(),
              HasSubstr("is a message"));
  EXPECT_THAT(ApplyPath(s, "name.x", "x").message(), HasSubstr("is a scalar"));
  EXPECT_THAT(ApplyPath(s, "topology[0].relay.store", "x").message(),
              HasSubstr("is not a repeated field"));
}

TEST(ParsePath, RejectsMalformedPaths) {
  EXPECT_FALSE(ParsePath("").ok());
  EXPECT_THAT(ParsePath("faults[0.delay").status().message(), HasSubstr("not closed"));
  EXPECT_THAT(ParsePath("faults[x].delay").status().message(), HasSubstr("bad index \"x\""));
  EXPECT_THAT(ParsePath("a..b").status().message(), HasSubstr("empty field name"));
  EXPECT_THAT(ParsePath("a.b.").status().message(), HasSubstr("ends with"));
  absl::StatusOr<std::vector<PathPart>> ok = ParsePath("steps[id=share].share.pin");
  ASSERT_TRUE(ok.ok());
  ASSERT_EQ(ok->size(), 3u);
  EXPECT_EQ((*ok)[0].key, "id");
  EXPECT_EQ((*ok)[0].value, "share");
}

TEST(IsTopologyPath, OnlyUnderTopology) {
  EXPECT_TRUE(IsTopologyPath("topology.channels[kind=SMS].delay"));
  EXPECT_FALSE(IsTopologyPath("faults[0].channel.delay"));
  EXPECT_FALSE(IsTopologyPath("topology_x.y"));
}

}  // namespace
}  // namespace sct::scenarios::experiment
