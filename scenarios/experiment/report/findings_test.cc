#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "runtime/files.h"
#include "scenarios/experiment/report/findings_input.h"
#include "scenarios/experiment/report/findings_markdown.h"
#include "scenarios/experiment/report/sample_experiment.h"

namespace sct::scenarios::experiment {
namespace {

using scenario::v1::ExperimentResult;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kQuestions[] = R"pb(
  questions {
    id: "interception"
    title: "Interception"
    question: "How often does an interceptor get the key?"
    experiments {
      experiment: "interceptor-win-rate-vs-channel-delay"
      measure: "who-got-the-key"
      category: "attacker"
      about: "Eve's win rate"
    }
    scenarios { scenario: "attack-intercepted-link-pin-protects" }
    scenarios { scenario: "attack-missing-from-report" }
  }
  questions {
    id: "push-tokens"
    title: "Push tokens"
    question: "What does push save?"
    experiments { experiment: "polls-with-and-without-push" }
  }
  questions {
    id: "ttl"
    title: "Mailbox TTL"
    question: "How late can a receiver be?"
    experiments { experiment: "receiver-lateness-vs-ttl" measure: "who-got-the-key" }
  }
  questions { id: "personas" title: "Personas" question: "Can keys move between personas?" }
)pb";

std::filesystem::path TempDir(const std::string& name) {
  const char* base = std::getenv("TEST_TMPDIR");
  const auto dir = std::filesystem::path(base != nullptr ? base : "/tmp") / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

void WriteJson(const google::protobuf::Message& m, const std::filesystem::path& path) {
  std::filesystem::create_directories(path.parent_path());
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(m, &json).ok());
  ASSERT_TRUE(WriteFileAtomically(path.string(), json, 0644).ok());
}

scenario::v1::Report FakeScenarioReport() {
  scenario::v1::Report report;
  auto* s = report.add_scenarios();
  s->set_name("attack-intercepted-link-pin-protects");
  s->set_description("Eve has the link but not the PIN. She gets nothing.");
  s->set_passed(true);
  s->add_knowledge_audit()->set_verdict(scenario::v1::AUDIT_OK);
  s->add_knowledge_audit()->set_verdict(scenario::v1::AUDIT_OK);
  s->add_knowledge_audit()->set_verdict(scenario::v1::AUDIT_INFO);
  auto* t = s->add_timings();
  t->set_name("Bob reads within 1s");
  t->mutable_measured()->set_nanos(173000000);
  t->mutable_max()->set_seconds(1);
  t->set_passed(true);
  return report;
}

FindingsSources Sources(std::vector<ExperimentResult> results) {
  FindingsSources s;
  s.results = std::move(results);
  s.scenario_report = FakeScenarioReport();
  s.results_dir = "out/experiments";
  s.scenario_report_path = "out/report.json";
  s.questions_file = "questions.textproto";
  return s;
}

TEST(FindingsMarkdownTest, NumbersComeFromTheResults) {
  const auto questions = ParseFindingsQuestions(kQuestions, "q.textproto");
  ASSERT_TRUE(questions.ok()) << questions.status();
  const ExperimentResult interception = SampleInterceptionExperiment();
  const std::string md =
      FindingsMarkdown(*questions, Sources({interception, SamplePollingExperiment()}));
  EXPECT_THAT(md, HasSubstr("## Interception\n\n*How often does an interceptor get the key?*"));
  EXPECT_THAT(md, HasSubstr("- Experiment `interceptor-win-rate-vs-channel-delay`: Eve's win rate."));
  // Every point's attacker frequency, as computed by Aggregate.
  for (int i = 0; i < interception.points_size(); ++i) {
    const auto& f = interception.points(i).outcomes(0).categories(1);
    ASSERT_EQ(f.category(), "attacker");
    char cell[96];
    std::snprintf(cell, sizeof cell, "%.1f %% [%.1f–%.1f %%] (%u/%u)", 100 * f.estimate(),
                  100 * f.ci_low(), 100 * f.ci_high(), f.count(), f.trials());
    EXPECT_THAT(md, HasSubstr(cell)) << "point " << i;
  }
  // Only the category asked for.
  EXPECT_THAT(md, Not(HasSubstr("who-got-the-key = receiver")));
  EXPECT_THAT(md, HasSubstr("| 20 (2 errored) |"));
  // No measure named: every measure of the polling experiment, with means.
  const scenario::v1::ExperimentResult polling = SamplePollingExperiment();
  const auto& polls = polling.points(1).samples(0);
  char mean[64];
  std::snprintf(mean, sizeof mean, "| %.4g [%.4g–%.4g] |", polls.mean(), polls.mean_ci_low(),
                polls.mean_ci_high());
  EXPECT_THAT(md, HasSubstr(mean));
  EXPECT_THAT(md, HasSubstr("delivery: mean (95 % CI)"));
}

TEST(FindingsMarkdownTest, OverviewCountsResultsAndVerdicts) {
  const auto questions = ParseFindingsQuestions(kQuestions, "q.textproto");
  ASSERT_TRUE(questions.ok());
  const std::string md = FindingsMarkdown(*questions, Sources({SampleInterceptionExperiment()}));
  EXPECT_THAT(md, HasSubstr("| Interception | 1 of 1 | 1 of 2 (1 not run) |\n"));
  EXPECT_THAT(md, HasSubstr("| Push tokens | 0 of 1 | none named |\n"));
  EXPECT_THAT(md, HasSubstr("| Personas | none named | none named |\n"));
}

TEST(FindingsMarkdownTest, MissingResultsSaySo) {
  const auto questions = ParseFindingsQuestions(kQuestions, "q.textproto");
  ASSERT_TRUE(questions.ok());
  FindingsSources s = Sources({SampleInterceptionExperiment()});
  std::string md = FindingsMarkdown(*questions, s);
  EXPECT_THAT(md, HasSubstr("- Experiment `receiver-lateness-vs-ttl`. **No result yet**"));
  EXPECT_THAT(md, HasSubstr("- Experiment `polls-with-and-without-push`. **No result yet**"));
  EXPECT_THAT(md, HasSubstr("## Personas\n\n*Can keys move between personas?*\n\n"
                            "No experiment or scenario answers this question yet."));
  EXPECT_THAT(md, HasSubstr("- Scenario `attack-intercepted-link-pin-protects`: **passed**. "
                            "Eve has the link but not the PIN."));
  EXPECT_THAT(md, Not(HasSubstr("She gets nothing")));  // the first sentence only
  EXPECT_THAT(md, HasSubstr("Eve has the link but not the PIN. Knowledge audit: 2 of 2 "
                            "assertions held. Timing \"Bob reads within 1s\": 173ms (bound "
                            "1.00s, met)."));
  EXPECT_THAT(md, HasSubstr("- Scenario `attack-missing-from-report`: **no result yet** (not in "
                            "`out/report.json`)."));
  s.scenario_report.reset();
  md = FindingsMarkdown(*questions, s);
  EXPECT_THAT(md, HasSubstr("no scenario report at `out/report.json`."));
  EXPECT_THAT(md, HasSubstr("- Scenario `attack-intercepted-link-pin-protects`: **no result yet**"));
}

TEST(FindingsMarkdownTest, ResultTextCannotBreakThePage) {
  const auto questions = ParseFindingsQuestions(kQuestions, "q.textproto");
  ASSERT_TRUE(questions.ok());
  ExperimentResult r = SampleInterceptionExperiment();
  r.mutable_points(0)->set_labels(0, "a|b\n<script>");
  r.set_error("stopped | `oops`\nnext");
  const std::string md = FindingsMarkdown(*questions, Sources({r}));
  EXPECT_THAT(md, HasSubstr("| a\\|b &lt;script> |"));
  EXPECT_THAT(md, HasSubstr("The experiment stopped: stopped \\| 'oops' next"));
  EXPECT_THAT(md, Not(HasSubstr("<script>")));
}

TEST(FindingsMarkdownTest, AMeasureTheResultLacksIsSaid) {
  auto questions = ParseFindingsQuestions(kQuestions, "q.textproto");
  ASSERT_TRUE(questions.ok());
  questions->mutable_questions(0)->mutable_experiments(0)->set_measure("who-won");
  const std::string md = FindingsMarkdown(*questions, Sources({SampleInterceptionExperiment()}));
  EXPECT_THAT(md, HasSubstr("The result has no measure `who-won`."));
  EXPECT_THAT(md, Not(HasSubstr("who-got-the-key = attacker")));
}

TEST(FindingsMarkdownTest, SameInputsSameBytes) {
  const auto questions = ParseFindingsQuestions(kQuestions, "q.textproto");
  ASSERT_TRUE(questions.ok());
  EXPECT_EQ(FindingsMarkdown(*questions, Sources({SampleInterceptionExperiment()})),
            FindingsMarkdown(*questions, Sources({SampleInterceptionExperiment()})));
}

TEST(ParseFindingsQuestionsTest, ErrorsNameFileLineColumnAndField) {
  const auto bad = ParseFindingsQuestions(R"pb(questions { id: "a" title: "A" question: "?" }
questions {
  id: "a"
  question: "?"
  experiments { measure: "m" }
}
)pb",
                                          "q.textproto");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("q.textproto:2:1: questions[1].title: missing"));
  EXPECT_THAT(bad.status().message(),
              HasSubstr("q.textproto:3:3: questions[1].id: duplicate id \"a\""));
  EXPECT_THAT(bad.status().message(),
              HasSubstr("q.textproto:5:3: questions[1].experiments[0].experiment: missing"));
  const auto syntax = ParseFindingsQuestions("questions { idd: \"x\" }", "q.textproto");
  ASSERT_FALSE(syntax.ok());
  // protobuf places the error after the unknown name.
  EXPECT_THAT(syntax.status().message(), HasSubstr("q.textproto:1:16: "));
  EXPECT_THAT(syntax.status().message(), HasSubstr("idd"));
}

TEST(LoadExperimentResultsTest, FindsResultFilesAndKeepsTheNewest) {
  const auto dir = TempDir("results");
  ExperimentResult old = SamplePollingExperiment();
  old.mutable_started_at()->set_seconds(100);
  old.set_launches(1);
  ExperimentResult newer = old;
  newer.mutable_started_at()->set_seconds(200);
  newer.set_launches(2);
  WriteJson(newer, dir / "a" / "result.json");
  WriteJson(old, dir / "b" / "nested" / "result.json");
  WriteJson(SampleInterceptionExperiment(), dir / "c" / "result.json");
  std::ofstream(dir / "c" / "runs.csv") << "not json";
  const auto results = LoadExperimentResults(dir.string());
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 2u);
  EXPECT_EQ((*results)[0].name(), "polls-with-and-without-push");
  EXPECT_EQ((*results)[0].launches(), 2u);
  EXPECT_EQ((*results)[1].name(), "interceptor-win-rate-vs-channel-delay");

  // Loaded results are aggregated even when the writer did not.
  ExperimentResult bare = SampleInterceptionExperiment();
  for (auto& point : *bare.mutable_points()) point.clear_outcomes();
  WriteJson(bare, dir / "c" / "result.json");
  const auto reaggregated = LoadExperimentResults(dir.string());
  ASSERT_TRUE(reaggregated.ok());
  EXPECT_EQ((*reaggregated)[1].points(0).outcomes_size(), 2);

  const auto none = LoadExperimentResults((dir / "missing").string());
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  std::ofstream(dir / "c" / "result.json") << "{\"points\": 3}";
  const auto broken = LoadExperimentResults(dir.string());
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(broken.status().message(), HasSubstr((dir / "c" / "result.json").string()));
}

TEST(LoadScenarioReportTest, MissingIsNoReport) {
  const auto dir = TempDir("scenario-report");
  const auto missing = LoadScenarioReport((dir / "report.json").string());
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  WriteJson(FakeScenarioReport(), dir / "report.json");
  const auto present = LoadScenarioReport((dir / "report.json").string());
  ASSERT_TRUE(present.ok());
  ASSERT_TRUE(present->has_value());
  EXPECT_EQ((*present)->scenarios(0).name(), "attack-intercepted-link-pin-protects");
}

// The checked-in questions file parses and covers the working group's
// thirteen questions.
TEST(QuestionsFileTest, CoversEveryOpenQuestion) {
  const auto text = ReadWholeFile("scenarios/experiments/findings/questions.textproto");
  ASSERT_TRUE(text.ok()) << text.status();
  const auto questions = ParseFindingsQuestions(*text, "questions.textproto");
  ASSERT_TRUE(questions.ok()) << questions.status();
  std::vector<std::string> ids;
  for (const auto& q : questions->questions()) ids.push_back(q.id());
  EXPECT_THAT(ids, ::testing::ElementsAre("interception", "recipient-binding", "preview-bots",
                                          "lock-in", "vendor-dependence", "personas",
                                          "revocation-path", "capability-urls", "second-factor",
                                          "relay-compromise", "metadata", "push-tokens", "ttl"));
}

}  // namespace
}  // namespace sct::scenarios::experiment
