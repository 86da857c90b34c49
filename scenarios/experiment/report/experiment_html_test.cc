#include "scenarios/experiment/report/experiment_html.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scenarios/experiment/report/sample_experiment.h"

namespace sct::scenarios::experiment {
namespace {

using scenario::v1::ExperimentResult;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

int Count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

std::vector<ExperimentResult> Samples() {
  return {SampleInterceptionExperiment(), SamplePollingExperiment()};
}

TEST(ExperimentReportHtmlTest, OneSectionPerExperimentWithItsParts) {
  const std::string html = ExperimentReportHtml(Samples());
  EXPECT_EQ(Count(html, "<section class=\"experiment\""), 2);
  EXPECT_THAT(html, HasSubstr("id=\"e-interceptor-win-rate-vs-channel-delay\""));
  EXPECT_THAT(html, HasSubstr("href=\"#e-polls-with-and-without-push\""));
  EXPECT_THAT(html,
              HasSubstr("<p class=\"question\">How often does an SMS interceptor get the key"));
  EXPECT_THAT(html, HasSubstr("races Bob to the mailbox"));
  // Both SMS delay and push force a relaunch; the PIN does not.
  EXPECT_EQ(Count(html, "relaunches the ecosystem per value"), 2);
  EXPECT_EQ(Count(html, "reuses the launched ecosystem"), 1);
  EXPECT_THAT(html, HasSubstr("<code>(unset)</code>"));
  // Charts: two drawn and a note for the typo in the first experiment, two
  // bar charts in the second.
  EXPECT_EQ(Count(html, "<svg "), 4);
  EXPECT_EQ(Count(html, "class=\"na-box chart-error\""), 1);
  EXPECT_THAT(html, HasSubstr("no measure named &quot;who-got-the-kye&quot;"));
  // A table per measure: 4 + 2.
  EXPECT_EQ(Count(html, "<table class=\"measure\">"), 6);
  // Intervals and counts in the cells; durations and launches in the meta line.
  EXPECT_THAT(html, HasSubstr("10.0% <span class=\"ci\">[2.8%\u201330.1%] 2/20</span>"));
  EXPECT_THAT(html, HasSubstr("8 points \u00d7 20 repetitions = 160 runs, 4 errored"));
  EXPECT_THAT(html, HasSubstr("took 41.50s"));
  EXPECT_THAT(html, HasSubstr("4 launches"));
  // The four errored runs are listed with their error.
  EXPECT_EQ(Count(html, "launch: relay did not start within 10s"), 4);
}

TEST(ExperimentReportHtmlTest, SelfContainedAndInTheScenarioReportsLook) {
  const std::string html = ExperimentReportHtml(Samples());
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("--muted:#6b7280"));  // the shared style sheet
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  // The only URL is the SVG namespace.
  EXPECT_EQ(Count(html, "http"), Count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
}

TEST(ExperimentReportHtmlTest, HostileNamesAreEscaped) {
  ExperimentResult r = SamplePollingExperiment();
  const std::string evil = "<script>alert(1)</script>";
  r.set_name(evil);
  r.set_question(evil);
  r.set_description(evil);
  r.set_error(evil);
  r.mutable_parameters(0)->mutable_parameter()->set_labels(0, evil);
  r.mutable_points(0)->set_labels(0, evil);
  r.mutable_charts(0)->set_title(evil);
  r.mutable_charts(1)->set_measure(evil);  // not a measure: the note quotes it
  r.mutable_runs(0)->set_errored(true);
  r.mutable_runs(0)->set_error(evil);
  const std::string html = ExperimentReportHtml({r});
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_GE(Count(html, "&lt;script&gt;"), 9);
  EXPECT_THAT(html, HasSubstr("The experiment stopped: &lt;script&gt;"));
}

TEST(ExperimentReportHtmlTest, EmptyResultDoesNotCrash) {
  const std::string html = ExperimentReportHtml({ExperimentResult()});
  EXPECT_THAT(html, HasSubstr("0 points"));
  EXPECT_THAT(html, HasSubstr("id=\"e-experiment-1\""));
}

TEST(ExperimentDirsTest, SafeAndUnique) {
  std::vector<ExperimentResult> rs(5);
  rs[0].set_name("Interceptor Win Rate");
  rs[1].set_name("../etc/passwd");
  rs[2].set_name("");
  rs[3].set_name("interceptor-win-rate");
  rs[4].set_name("interceptor win rate");
  EXPECT_THAT(ExperimentDirs(rs),
              ElementsAre("interceptor-win-rate", "etc-passwd", "experiment-3",
                          "interceptor-win-rate-2", "interceptor-win-rate-3"));
}

}  // namespace
}  // namespace sct::scenarios::experiment
