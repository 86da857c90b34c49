// Unit tests of the load generator's measurement logic (no network).
#include "relay/loadgen/runner.h"

#include <atomic>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "relay/loadgen/latency.h"
#include "relay/loadgen/report.h"

namespace sct::relay::loadgen {
namespace {

TEST(LatencySamplesTest, NearestRankPercentiles) {
  LatencySamples s;
  // 100 samples of 1..100 us, added out of order.
  for (int i = 100; i >= 1; --i) s.Add(absl::Microseconds(i));
  LatencySummary sum = s.Summarize();
  EXPECT_EQ(sum.count, 100);
  EXPECT_DOUBLE_EQ(sum.p50_us, 50);
  EXPECT_DOUBLE_EQ(sum.p90_us, 90);
  EXPECT_DOUBLE_EQ(sum.p99_us, 99);
  EXPECT_DOUBLE_EQ(sum.max_us, 100);
  EXPECT_DOUBLE_EQ(sum.mean_us, 50.5);
}

TEST(LatencySamplesTest, EmptyIsAllZeroAndMergeAddsSamples) {
  LatencySamples a, b;
  EXPECT_EQ(a.Summarize().count, 0);
  EXPECT_EQ(a.Summarize().p99_us, 0);
  a.Add(absl::Microseconds(10));
  b.Add(absl::Microseconds(30));
  b.Add(absl::Microseconds(20));
  a.Merge(b);
  LatencySummary sum = a.Summarize();
  EXPECT_EQ(sum.count, 3);
  EXPECT_DOUBLE_EQ(sum.p50_us, 20);
  EXPECT_DOUBLE_EQ(sum.max_us, 30);
}

// Succeeds, except that every `fail_every`-th cycle fails at `fail_op`.
class FakeClient : public CycleClient {
 public:
  FakeClient(int fail_every, CycleOp fail_op, std::atomic<int>* ops_done)
      : fail_every_(fail_every), fail_op_(fail_op), ops_done_(ops_done) {}
  void BeginCycle() override { ++cycle_; }
  std::string Do(CycleOp op) override {
    ops_done_->fetch_add(1);
    if (fail_every_ > 0 && cycle_ % fail_every_ == 0 && op == fail_op_) return "http_429";
    return "";
  }

 private:
  int fail_every_;
  CycleOp fail_op_;
  std::atomic<int>* ops_done_;
  int cycle_ = 0;
};

TEST(RunPhaseTest, CyclesModeRunsExactlyThatManyCyclesOverAllClients) {
  std::atomic<int> ops{0};
  PhaseOptions o;
  o.clients = 4;
  o.cycles = 50;
  o.warmup_cycles = 2;
  o.duration = absl::Minutes(5);  // a cap only; the cycle count ends the phase
  PhaseResult r = RunPhase(
      "fake", o, [&](int) { return std::make_unique<FakeClient>(0, CycleOp::kCreate, &ops); });
  EXPECT_EQ(r.name, "fake");
  EXPECT_EQ(r.cycles_ok, 50);
  EXPECT_EQ(r.rpcs_ok, 50 * kOpsPerCycle);
  EXPECT_EQ(r.total_errors(), 0);
  // Warm-up cycles run but are not measured.
  EXPECT_EQ(ops.load(), (50 + 4 * 2) * kOpsPerCycle);
  for (int i = 0; i < kOpsPerCycle; ++i) {
    EXPECT_EQ(r.ops[i].latency.count, 50) << kOpNames[i];
    EXPECT_TRUE(r.ops[i].errors.empty()) << kOpNames[i];
  }
  EXPECT_GT(r.rpcs_per_sec(), 0);
}

TEST(RunPhaseTest, AFailedRpcIsCountedByOpAndCodeAndAbandonsTheCycle) {
  std::atomic<int> ops{0};
  PhaseOptions o;
  o.clients = 1;
  o.cycles = 30;
  o.warmup_cycles = 0;
  o.duration = absl::Minutes(5);
  // Cycles 3, 6, ..., 30 fail at update: 10 failures.
  PhaseResult r = RunPhase(
      "fake", o, [&](int) { return std::make_unique<FakeClient>(3, CycleOp::kUpdate, &ops); });
  EXPECT_EQ(r.cycles_ok, 20);
  EXPECT_EQ(r.cycles_failed, 10);
  EXPECT_EQ(r.rpcs_failed, 10);
  const auto& update = r.ops[static_cast<int>(CycleOp::kUpdate)];
  ASSERT_EQ(update.errors.size(), 1u);
  EXPECT_EQ(update.errors.at("http_429"), 10);
  EXPECT_EQ(update.latency.count, 20);
  // After a failed update the cycle stops: read_reply and delete ran 20 times.
  EXPECT_EQ(r.ops[static_cast<int>(CycleOp::kCreate)].latency.count, 30);
  EXPECT_EQ(r.ops[static_cast<int>(CycleOp::kReadReply)].latency.count, 20);
  EXPECT_EQ(r.ops[static_cast<int>(CycleOp::kDelete)].latency.count, 20);
  EXPECT_EQ(ops.load(), 20 * 5 + 10 * 3);
}

PhaseResult Fake(const std::string& name, int64_t rpcs, double seconds) {
  PhaseResult r;
  r.name = name;
  r.rpcs_ok = rpcs;
  r.cycles_ok = rpcs / kOpsPerCycle;
  r.elapsed = absl::Seconds(seconds);
  return r;
}

TEST(ReportTest, RatiosAreMediansOfPerRoundRatiosAndCheckTheTarget) {
  // Phases in rotated order in round 2: matched by name.
  Rounds rounds = {
      {Fake("echo-grpc", 1000, 1), Fake("relay-memory-grpc", 800, 1)},
      {Fake("relay-memory-grpc", 600, 1), Fake("echo-grpc", 1000, 1)},
      {Fake("echo-grpc", 2000, 1), Fake("relay-memory-grpc", 1800, 1)},
  };
  std::vector<RatioSummary> r = SummarizeRatios(
      rounds, {{"relay-memory-grpc", "echo-grpc", 0.7}, {"relay-memory-grpc", "echo-grpc", 0.85}});
  ASSERT_EQ(r.size(), 2u);
  ASSERT_EQ(r[0].per_round.size(), 3u);
  EXPECT_DOUBLE_EQ(r[0].per_round[1], 0.6);
  EXPECT_DOUBLE_EQ(r[0].median, 0.8);  // of 0.8, 0.6, 0.9
  EXPECT_TRUE(r[0].met);
  EXPECT_FALSE(r[1].met);

  std::vector<PhaseSummary> p = SummarizePhases(rounds);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].name, "echo-grpc");
  EXPECT_EQ(p[0].rounds, 3);
  EXPECT_DOUBLE_EQ(p[0].rpcs_per_sec, 1000);
  EXPECT_DOUBLE_EQ(p[1].rpcs_per_sec_min, 600);
  EXPECT_DOUBLE_EQ(p[1].rpcs_per_sec_max, 1800);
  const std::string table = FormatReport(p, r);
  EXPECT_NE(table.find("MET"), std::string::npos);
  EXPECT_NE(table.find("MISSED"), std::string::npos);
}

TEST(ReportTest, MissingPhaseGivesNoRatioAndIsNotMet) {
  Rounds rounds = {{Fake("echo-grpc", 1000, 1)}};
  std::vector<RatioSummary> r = SummarizeRatios(rounds, {{"relay-sqlite-grpc", "echo-grpc", 0.5}});
  EXPECT_TRUE(r[0].per_round.empty());
  EXPECT_FALSE(r[0].met);
}

TEST(ReportTest, MedianOfEvenCountAveragesTheMiddle) {
  EXPECT_DOUBLE_EQ(Median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(Median({}), 0);
}

}  // namespace
}  // namespace sct::relay::loadgen
