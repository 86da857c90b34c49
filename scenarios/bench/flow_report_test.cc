#include "scenarios/bench/flow_report.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace sct::bench {
namespace {

Flow Ok(int index, double share, double link, double accept, double use) {
  Flow f;
  f.index = index;
  f.ok = true;
  f.share_ms = share;
  f.link_ms = link;
  f.accept_ms = accept;
  f.use_ms = use;
  f.total_ms = share + link + accept + use;
  f.link_polls = 2;
  return f;
}

Flow Failed(int index, const std::string& phase) {
  Flow f;
  f.index = index;
  f.failed_phase = phase;
  f.error = "AcceptLink: UNAVAILABLE: down";
  return f;
}

FlowConfig Config() {
  FlowConfig c;
  c.store = "memory";
  c.flows = 3;
  c.warmup_flows = 1;
  c.baseline_rpcs = 1;
  c.max_failures = 5;
  return c;
}

Machine TestMachine() {
  Machine m;
  m.nproc = 2;
  m.cpu_model = "test cpu";
  m.loadavg_start = "0.10 0.20 0.30 1/100 42";
  m.loadavg_end = "0.40 0.50 0.60 1/100 43";
  return m;
}

// Two successful measured flows, one failed one, and a failed warm-up.
FlowRun SampleRun() {
  FlowRun run;
  run.started_at = absl::FromUnixSeconds(1700000000);
  run.launch_ms = 2500;
  run.wall_s = 4;
  run.AddWarmup(Ok(-1, 1, 1, 1, 1));  // a successful warm-up counts nothing
  run.AddWarmup(Failed(-2, "share"));
  std::vector<double> probes;
  run.AddBaseline(2, 1, &probes);
  run.AddMeasured(Ok(0, 10, 5, 30, 5), probes);
  probes.clear();
  run.AddBaseline(-1, -1, &probes);  // errors are skipped
  run.AddMeasured(Failed(1, "accept"), probes);
  probes.clear();
  run.AddBaseline(4, 1, &probes);
  run.AddMeasured(Ok(2, 20, 5, 50, 25), probes);
  return run;
}

TEST(FlowRunTest, KeepsSamplesOfSuccessfulFlowsAndEveryFailure) {
  const FlowRun run = SampleRun();
  EXPECT_EQ(run.measured, 3);
  EXPECT_EQ(run.ok(), 2);
  EXPECT_EQ(run.failed(), 2);
  EXPECT_EQ(run.warmup_failures, 1);
  EXPECT_EQ(run.total, (std::vector<double>{50, 100}));
  EXPECT_EQ(run.echo_all, (std::vector<double>{2, 4}));
  EXPECT_EQ(run.echo_per_flow, (std::vector<double>{2, 4}));
  EXPECT_DOUBLE_EQ(run.flow_time_ms, 150);
}

TEST(FlowReportTest, TablePrintsEveryRowRatiosAndFailures) {
  std::ostringstream out;
  PrintTable(Config(), TestMachine(), SampleRun(), out);
  const std::string table = out.str();
  EXPECT_TRUE(absl::StrContains(table,
                                "\nflows: 2 ok, 1 failed of 3 measured (3 requested); "
                                "warm-up failures 1\n"))
      << table;
  for (const char* row : {"share", "link delivery", "accept (provision)", "use (unlock)", "total",
                          "baseline echo (relay)", "baseline health (bob)", "flows/s",
                          "total / echo baseline", "total / health baseline", "median", "p99"}) {
    EXPECT_TRUE(absl::StrContains(table, row)) << row;
  }
  EXPECT_TRUE(absl::StrContains(table, "flows/s (sequential, one at a time): 13.33")) << table;
  EXPECT_TRUE(absl::StrContains(table, "  FAILED flow -2 in share: ")) << table;
  EXPECT_TRUE(absl::StrContains(table, "  FAILED flow 1 in accept: ")) << table;
  EXPECT_TRUE(absl::StrContains(table, "loadavg start 0.10 0.20 0.30 1/100 42, end 0.40"));
}

TEST(FlowReportTest, JsonLineHoldsEveryField) {
  const std::string line = JsonLine(Config(), TestMachine(), SampleRun());
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j["benchmark"], "flow_bench");
  EXPECT_EQ(j["started_at"], "2023-11-14T22:13:20+00:00");
  EXPECT_EQ(j["config"]["store"], "memory");
  EXPECT_EQ(j["config"]["flows"], 3);
  EXPECT_EQ(j["machine"]["nproc"], 2);
  EXPECT_EQ(j["flows_measured"], 3);
  EXPECT_EQ(j["flows_ok"], 2);
  EXPECT_EQ(j["flows_failed"], 1);
  EXPECT_EQ(j["warmup_failures"], 1);
  EXPECT_EQ(j["aborted"], false);
  EXPECT_EQ(j["phases"]["total"]["count"], 2);
  EXPECT_EQ(j["phases"]["total"]["median_ms"], 50);
  EXPECT_EQ(j["phases"]["total"]["max_ms"], 100);
  EXPECT_EQ(j["baseline"]["echo_relay"]["count"], 2);
  EXPECT_EQ(j["baseline"]["health_bob"]["count"], 2);
  EXPECT_DOUBLE_EQ(j["ratio_total_to_echo_medians"].get<double>(), 25);
  EXPECT_DOUBLE_EQ(j["ratio_total_to_health_medians"].get<double>(), 50);
  EXPECT_DOUBLE_EQ(j["launch_seconds"].get<double>(), 2.5);
  ASSERT_EQ(j["failures"].size(), 2u);
  EXPECT_EQ(j["failures"][1]["phase"], "accept");
  ASSERT_EQ(j["raw"].size(), 3u);
  EXPECT_EQ(j["raw"][1]["ok"], false);
  EXPECT_EQ(j["raw"][1]["total_ms"], -1);
}

}  // namespace
}  // namespace sct::bench
