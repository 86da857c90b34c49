#include "scenarios/experiment/report/csv.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scenarios/experiment/report/sample_experiment.h"

namespace sct::scenarios::experiment {
namespace {

using scenario::v1::ExperimentResult;
using ::testing::_;
using ::testing::ElementsAre;

// A strict RFC 4180 reader: records end in CRLF; quoted fields may hold
// commas, CRLF and doubled quotes.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        rows.back().back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        rows.back().back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().emplace_back();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.emplace_back(1);
      ++i;
    } else {
      rows.back().back() += c;
    }
  }
  EXPECT_FALSE(quoted) << "unterminated quote";
  EXPECT_EQ(rows.back(), std::vector<std::string>(1)) << "no CRLF after the last record";
  rows.pop_back();
  return rows;
}

TEST(CsvFieldTest, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(CsvField("plain text"), "plain text");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\r\nlines"), "\"two\r\nlines\"");
  EXPECT_EQ(CsvField("lf\nonly"), "\"lf\nonly\"");
  EXPECT_EQ(CsvRecord({"a", "b,c", ""}), "a,\"b,c\",\r\n");
}

TEST(RunsCsvTest, OneRowPerRunWithEveryMeasure) {
  ExperimentResult r = SampleInterceptionExperiment();
  r.mutable_runs(1)->set_error("boom, \"quoted\"\r\nsecond line");
  const auto rows = ParseCsv(RunsCsv(r));
  ASSERT_EQ(rows.size(), static_cast<size_t>(r.runs_size()) + 1);
  EXPECT_THAT(rows[0], ElementsAre("point", "SMS delay", "PIN", "repetition", "seed", "errored",
                                   "error", "duration_ms", "who-got-the-key", "eve-learned-key",
                                   "share-latency", "reads"));
  for (const auto& row : rows) ASSERT_EQ(row.size(), rows[0].size());
  const auto& run = r.runs(0);
  EXPECT_EQ(rows[1][0], "0");
  EXPECT_EQ(rows[1][1], "0ms");
  EXPECT_EQ(rows[1][2], "no PIN");  // the label, not the empty value
  EXPECT_EQ(rows[1][4], std::to_string(run.seed()));
  EXPECT_EQ(rows[1][5], "false");
  EXPECT_EQ(rows[1][8], run.categories().at("who-got-the-key"));
  EXPECT_EQ(std::stod(rows[1][11]), run.values().at("reads"));
  EXPECT_EQ(rows[2][6], "boom, \"quoted\"\r\nsecond line");
  // A run without a latency has an empty field, not 0.
  for (size_t i = 1; i < rows.size(); ++i) {
    if (r.runs(static_cast<int>(i - 1)).values().count("share-latency") == 0) {
      EXPECT_EQ(rows[i][10], "") << "row " << i;
    }
  }
}

TEST(PointsCsvTest, OneRowPerPointAndStatistic) {
  const ExperimentResult r = SampleInterceptionExperiment();
  const auto rows = ParseCsv(PointsCsv(r));
  // Per point: 3 outcome categories + 2 learned + 8 statistics x 2 samples.
  ASSERT_EQ(rows.size(), 1 + 8 * (3 + 2 + 8 * 2));
  EXPECT_THAT(rows[0], ElementsAre("point", "SMS delay", "PIN", "runs", "errored", "measure",
                                   "statistic", "value", "ci_low", "ci_high", "count", "trials",
                                   "unit"));
  // The attacker row of the first point.
  const auto& f = r.points(0).outcomes(0).categories(1);
  EXPECT_THAT(rows[2], ElementsAre("0", "0ms", "no PIN", "20", "0", "who-got-the-key", "attacker",
                                   "0.1", _, _,
                                   std::to_string(f.count()), "20", "fraction"));
  EXPECT_NEAR(std::stod(rows[2][8]), f.ci_low(), 1e-14);
  EXPECT_NEAR(std::stod(rows[2][9]), f.ci_high(), 1e-14);
  // The mean of share-latency at the first point, with its interval.
  const auto& s = r.points(0).samples(0);
  const auto& mean = rows[1 + 5];
  EXPECT_EQ(mean[5], "share-latency");
  EXPECT_EQ(mean[6], "mean");
  EXPECT_NEAR(std::stod(mean[7]), s.mean(), 1e-12);
  EXPECT_NEAR(std::stod(mean[9]), s.mean_ci_high(), 1e-12);
  EXPECT_EQ(mean[11], std::to_string(s.n()));
  EXPECT_EQ(mean[12], "ms");
}

TEST(PointsCsvTest, NoValuesLeavesTheValueEmpty) {
  const ExperimentResult r = SampleInterceptionExperiment();
  const auto rows = ParseCsv(PointsCsv(r));
  // Point 6 (1s, no PIN) has no share latency.
  bool seen = false;
  for (const auto& row : rows) {
    if (row[0] == "6" && row[5] == "share-latency") {
      EXPECT_EQ(row[7], "") << row[6];
      EXPECT_EQ(row[11], "0");
      seen = true;
    }
  }
  EXPECT_TRUE(seen);
}

}  // namespace
}  // namespace sct::scenarios::experiment
