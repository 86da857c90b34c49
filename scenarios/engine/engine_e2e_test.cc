// End to end: the engine runs real scenario files against the real service
// binaries (launched as processes by scenarios/launcher), two at once
// (--jobs=2): one whose expectations are true must pass; one with a wrong
// expectation must fail at that step, saying what was expected and observed,
// and skip the rest.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scenarios/engine/engine.h"
#include "scenarios/engine/suite.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
using ::testing::HasSubstr;

std::string Runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/sct_lab/" + path;
}

// Whether the service binaries know --sim_control (the flag name is in every
// binary that defines it). Lets this test run before and after the sim
// services land: without them the knowledge rows are AUDIT_UNKNOWN.
bool BinariesHaveSimControl() {
  std::ifstream in(Runfile("credential_authority/ca_server"), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str().find("sim_control") != std::string::npos;
}

const sv1::StepResult* StepOf(const sv1::ScenarioResult& r,
                              const std::string& id) {
  for (const auto& s : r.steps()) {
    if (s.step_id() == id) return &s;
  }
  return nullptr;
}

TEST(EngineE2e, TrueScenarioPassesWrongExpectationFails) {
  SuiteOptions options;
  options.engine.binaries_dir = Runfile("");
  options.engine.work_dir = std::string(std::getenv("TEST_TMPDIR")) + "/work";
  const bool sim = BinariesHaveSimControl();
  options.engine.sim_control = sim;
  options.jobs = 2;
  sv1::Report report = RunSuite(
      {Runfile("scenarios/engine/testdata/e2e_car_share.textproto"),
       Runfile("scenarios/engine/testdata/e2e_wrong_expectation.textproto")},
      options);
  ASSERT_EQ(report.scenarios_size(), 2);
  EXPECT_EQ(report.passed(), 1u);
  EXPECT_EQ(report.failed(), 1u);
  EXPECT_FALSE(report.environment().at("date").empty());

  const sv1::ScenarioResult& good = report.scenarios(0);
  EXPECT_EQ(good.name(), "engine-e2e-car-share");
  EXPECT_TRUE(good.passed()) << good.first_failure();
  ASSERT_EQ(good.steps_size(), 12);
  for (const auto& s : good.steps()) {
    EXPECT_EQ(s.status(), sv1::PASSED)
        << s.step_id() << ": expected " << s.expected() << ", observed "
        << s.observed();
  }
  const sv1::StepResult* wrong_pin = StepOf(good, "wrong-pin");
  ASSERT_NE(wrong_pin, nullptr);
  EXPECT_EQ(wrong_pin->code(), "PERMISSION_DENIED");
  EXPECT_EQ(wrong_pin->reason(), "wrong_pin");
  const sv1::StepResult* revoked = StepOf(good, "unlock-after-revoke");
  ASSERT_NE(revoked, nullptr);
  EXPECT_EQ(revoked->access(), ::access_point::v1::DENIED_REVOKED);
  EXPECT_TRUE(StepOf(good, "propagate")->details().count("propagation"));
  EXPECT_EQ(StepOf(good, "share")->details().at("sms_segments"), "1");
  ASSERT_EQ(good.timings_size(), 1);
  EXPECT_TRUE(good.timings(0).passed());
  // The knowledge audit: one row per must_not_learn item of the relay.
  int relay_rows = 0;
  for (const auto& row : good.knowledge_audit()) {
    if (row.actor() != "relay" || !row.must_not_learn()) continue;
    ++relay_rows;
    EXPECT_EQ(row.verdict(), sim ? sv1::AUDIT_OK : sv1::AUDIT_UNKNOWN)
        << ::common::v1::KnowledgeItem_Name(row.item()) << ": "
        << row.evidence();
  }
  EXPECT_EQ(relay_rows, 3);
  // Lifelines: the sender first; every launched service has an endpoint.
  ASSERT_GT(good.actors_size(), 0);
  EXPECT_EQ(good.actors(0), "alice-phone");
  EXPECT_TRUE(good.endpoints().count("relay"));
  // Every engine call is traced with its step.
  bool traced_share = false;
  for (const auto& e : good.trace()) {
    if (e.rpc() == "device.v1.DeviceAgent/ShareCredential") {
      traced_share = true;
      EXPECT_EQ(e.step_id(), "share");
      EXPECT_EQ(e.from(), "alice-phone");
      EXPECT_EQ(e.status_code(), "OK");
    }
  }
  EXPECT_TRUE(traced_share);

  const sv1::ScenarioResult& bad = report.scenarios(1);
  EXPECT_EQ(bad.name(), "engine-e2e-wrong-expectation");
  EXPECT_FALSE(bad.passed());
  EXPECT_THAT(bad.first_failure(), HasSubstr("step unlock"));
  EXPECT_THAT(bad.first_failure(), HasSubstr("access DENIED_ENTITLEMENT"));
  EXPECT_THAT(bad.first_failure(), HasSubstr("GRANTED"));
  const sv1::StepResult* unlock = StepOf(bad, "unlock");
  ASSERT_NE(unlock, nullptr);
  EXPECT_EQ(unlock->status(), sv1::FAILED);
  EXPECT_EQ(unlock->expected(), "access DENIED_ENTITLEMENT");
  EXPECT_EQ(unlock->observed(), "OK: access GRANTED");
  EXPECT_EQ(unlock->access(), ::access_point::v1::GRANTED);
  EXPECT_EQ(StepOf(bad, "share")->status(), sv1::PASSED);
  EXPECT_EQ(StepOf(bad, "never-runs")->status(), sv1::SKIPPED);
}

TEST(EngineE2e, LaunchFailureFailsEveryStepWithoutRunning) {
  EngineOptions options;
  options.binaries_dir = std::string(std::getenv("TEST_TMPDIR")) + "/nothing";
  options.work_dir = std::string(std::getenv("TEST_TMPDIR")) + "/work2";
  sv1::ScenarioResult r = RunScenarioFile(
      Runfile("scenarios/engine/testdata/e2e_wrong_expectation.textproto"),
      options);
  EXPECT_FALSE(r.passed());
  EXPECT_THAT(r.first_failure(), HasSubstr("launch failed"));
  ASSERT_EQ(r.steps_size(), 4);
  for (const auto& s : r.steps()) EXPECT_EQ(s.status(), sv1::SKIPPED);
}

TEST(EngineE2e, InvalidFileIsAFailedResultWithLocations) {
  EngineOptions options;
  sv1::ScenarioResult r = RunScenarioFile(
      Runfile("scenarios/engine/testdata/semantic_errors.textproto"), options);
  EXPECT_FALSE(r.passed());
  EXPECT_THAT(r.first_failure(),
              HasSubstr("semantic_errors.textproto:31:11: "
                        "steps[3].pause.duration: bad duration \"5x\""));
  EXPECT_EQ(r.steps_size(), 0);
}

}  // namespace
}  // namespace sct::scenarios
