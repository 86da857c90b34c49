#include "scenarios/experiment/load.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sct::scenarios::experiment {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Line 1 is the name; the scenario takes lines 2-18; the tail starts on line 20.
constexpr char kHead[] = R"pb(name: "t"
scenario {
  name: "s"
  topology {
    relay {}
    authorities { id: "ca" }
    oems { id: "oem-a" }
    access_points { id: "car-1"  kind: CAR }
    devices { id: "alice-phone"  oem: "oem-a" }
    devices { id: "bob-phone"  oem: "oem-a" }
    channels { kind: SMS  delay: "100ms" }
    owner_credentials { id: "alice-car"  device: "alice-phone"  access_point: "car-1" }
  }
  steps { id: "share"  actor: "alice-phone"
    share { credential: "alice-car"  channel: SMS  to: "bob-phone"  vertical: VERTICAL_CAR  save_as: "s1" } }
  steps { id: "bob"  actor: "bob-phone"  accept { share: "s1" } }
  adversaries { name: "eve"  link_interceptor { channel: SMS  device: "bob-phone" } }
}
)pb";

absl::StatusOr<LoadedExperiment> Load(const std::string& tail) {
  return ParseExperiment(absl::StrCat(kHead, tail), "exp.textproto");
}

TEST(ParseExperiment, CrossProductInFileOrderLastFastest) {
  absl::StatusOr<LoadedExperiment> e = Load(R"pb(
parameters { name: "delay"  path: "topology.channels[kind=SMS].delay"  values: ["0ms", "1s"] }
parameters { name: "pin"  path: "steps[id=share].share.pin"  values: ["", "123456", "654321"] }
measures { name: "ok"  outcome { categories { name: "got"  when { step: "bob"  ok: true } } } }
charts { measure: "ok"  category: "got"  x: "delay"  series: "pin" }
)pb");
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->points.size(), 6u);
  EXPECT_EQ(e->points[1], (std::vector<int>{0, 1}));
  EXPECT_EQ(e->points[3], (std::vector<int>{1, 0}));
  EXPECT_TRUE(e->parameters[0].forces_relaunch());
  EXPECT_FALSE(e->parameters[1].forces_relaunch());
  absl::StatusOr<scenario::v1::Scenario> s = PointScenario(*e, e->points[5], 42);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->topology().channels(0).delay(), "1s");
  EXPECT_EQ(s->steps(0).share().pin(), "654321");
  EXPECT_EQ(s->seed(), 42u);
}

TEST(ParseExperiment, UnknownFieldInAPathIsLocatedAtTheValue) {
  absl::StatusOr<LoadedExperiment> e = Load(R"pb(
parameters { name: "d"  path: "topology.channels[kind=SMS].dlay"
             values: ["1s"] }
)pb");
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.status().message(),
              HasSubstr("exp.textproto:21:14: parameters[0].values[0]: "
                        "topology.channels[kind=SMS].dlay: unknown field"));
}

TEST(ParseExperiment, SelectorMatchingNothingAndBadIndex) {
  absl::StatusOr<LoadedExperiment> e = Load(R"pb(
parameters { name: "a"  path: "adversaries[name=bob].link_interceptor.race"  values: ["true"] }
parameters { name: "b"  path: "steps[7].share.pin"  values: ["123456"] }
)pb");
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.status().message(), HasSubstr("exp.textproto:20:"));
  EXPECT_THAT(e.status().message(), HasSubstr("no element has name = \"bob\""));
  EXPECT_THAT(e.status().message(), HasSubstr("exp.textproto:21:"));
  EXPECT_THAT(e.status().message(), HasSubstr("steps[7]: index 7 out of range"));
}

TEST(ParseExperiment, WrongTypeAndInvalidScenarioNameTheValue) {
  absl::StatusOr<LoadedExperiment> e = Load(R"pb(
parameters { name: "race"  path: "adversaries[name=eve].link_interceptor.race"
             values: ["true", "maybe"] }
parameters { name: "delay"  path: "topology.channels[kind=SMS].delay"
             values: ["1s", "soon"] }
)pb");
  ASSERT_FALSE(e.ok());
  const std::string msg(e.status().message());
  EXPECT_THAT(msg, HasSubstr("exp.textproto:21:14: parameters[0].values[1]: "));
  EXPECT_THAT(msg, HasSubstr("value \"maybe\" is not true or false"));
  EXPECT_THAT(msg, HasSubstr("exp.textproto:23:14: parameters[1].values[1]: value \"soon\" "
                             "makes the scenario invalid: "));
  EXPECT_THAT(msg, HasSubstr("bad duration"));
  EXPECT_THAT(msg, Not(HasSubstr("values[0]")));
}

TEST(ParseExperiment, MeasuresAndChartsNameWhatExists) {
  absl::StatusOr<LoadedExperiment> e = Load(R"pb(
parameters { name: "pin"  path: "steps[id=share].share.pin"  values: ["", "123456"] }
measures { name: "ok"  outcome { categories { name: "got"  when { step: "carol"  code: "NOPE" } } } }
measures { name: "lat"  latency { from_step: "share"  to_step: "later" } }
measures { name: "knew"  learned { actor: "mallory"  item: FULL_LINK } }
charts { measure: "ok"  category: "lost"  x: "pin" }
charts { measure: "lat"  statistic: "p42"  x: "delay" }
charts { measure: "nothing"  x: "pin" }
)pb");
  ASSERT_FALSE(e.ok());
  const std::string msg(e.status().message());
  EXPECT_THAT(msg, HasSubstr("measures[0].outcome.categories[0].when[0].step: no step \"carol\""));
  EXPECT_THAT(msg, HasSubstr("when[0].code: \"NOPE\" is not a status code name"));
  EXPECT_THAT(msg, HasSubstr("exp.textproto:21:"));
  EXPECT_THAT(msg, HasSubstr("measures[1].latency.to_step: no step \"later\""));
  EXPECT_THAT(msg, HasSubstr("measures[2].learned: "));
  EXPECT_THAT(msg, HasSubstr("mallory"));
  EXPECT_THAT(msg, HasSubstr("charts[0].category: \"lost\" is not a category of ok"));
  EXPECT_THAT(msg, HasSubstr("charts[1].statistic: \"p42\""));
  EXPECT_THAT(msg, HasSubstr("charts[1].x: no parameter \"delay\""));
  EXPECT_THAT(msg, HasSubstr("charts[2].measure: no measure \"nothing\""));
}

TEST(ParseExperiment, SyntaxErrorsAndMissingScenario) {
  absl::StatusOr<LoadedExperiment> e = ParseExperiment("name: \"x\"\nrepetitions: -3\n", "e.tp");
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.status().message(), HasSubstr("e.tp:2:"));
  e = ParseExperiment("name: \"x\"\n", "e.tp");
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.status().message(), HasSubstr("scenario_file: required"));
  e = ParseExperiment("scenario_file: \"nowhere.textproto\"\n", "dir/e.tp");
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.status().message(), HasSubstr("e.tp:1:1: scenario_file: \"nowhere.textproto\": "
                                              "dir/nowhere.textproto: cannot read"));
}

TEST(LoadExperiment, TheShippedExperimentsLoad) {
  for (const char* f : {"scenarios/experiments/interceptor-win-rate-vs-sms-delay.textproto",
                        "scenarios/experiments/receiver-lateness-vs-mailbox-ttl.textproto"}) {
    absl::StatusOr<LoadedExperiment> e = LoadExperiment(f);
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_GT(e->points.size(), 1u) << f;
    for (const auto& p : e->parameters) EXPECT_FALSE(p.forces_relaunch()) << f;
  }
}

}  // namespace
}  // namespace sct::scenarios::experiment
