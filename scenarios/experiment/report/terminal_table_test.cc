#include "scenarios/experiment/report/terminal_table.h"

#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scenarios/experiment/report/sample_experiment.h"

namespace sct::scenarios::experiment {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(ExperimentTerminalTableTest, HeadingAndOneAlignedRowPerPoint) {
  const auto r = SampleInterceptionExperiment();
  const std::vector<std::string> lines = Lines(ExperimentTerminalTable(r));
  ASSERT_EQ(lines.size(), 1u + 1 + 8);
  EXPECT_EQ(lines[0],
            "interceptor-win-rate-vs-channel-delay: 160 runs (4 errored) at 8 points, 41.50s, "
            "4 launches");
  // The chart's category (attacker), not the first one (receiver).
  EXPECT_THAT(lines[1], HasSubstr("who-got-the-key=attacker"));
  EXPECT_THAT(lines[1], HasSubstr("eve-learned-key=yes"));
  EXPECT_THAT(lines[1], HasSubstr("share-latency mean"));
  EXPECT_THAT(lines[2], HasSubstr("10.0% [2.8-30.1%] 2/20"));
  EXPECT_THAT(lines[8], HasSubstr("94.4% [74.2-99.0%] 17/18"));
  EXPECT_THAT(lines[8], HasSubstr("no values"));  // no latency at 1s without a PIN
  // Columns line up: the measure column starts at the same place in each row.
  const size_t at = lines[1].find("who-got-the-key");
  EXPECT_EQ(lines[2].find("10.0%"), at);
  EXPECT_EQ(lines[4].find("15.0%"), at);
}

TEST(ExperimentTerminalTableTest, ControlCharactersCannotReachTheTerminal) {
  auto r = SamplePollingExperiment();
  r.set_name("evil\x1b[2J");
  r.set_error("boom\x1b[31m");
  r.mutable_points(0)->set_labels(0, "p\x1b]0;x\x07");
  const std::string text = ExperimentTerminalTable(r);
  EXPECT_THAT(text, Not(HasSubstr("\x1b")));
  EXPECT_THAT(text, Not(HasSubstr("\x07")));
  EXPECT_THAT(text, HasSubstr("stopped: boom?[31m"));
}

}  // namespace
}  // namespace sct::scenarios::experiment
