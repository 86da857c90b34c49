#include "scenarios/soak/soak_report.h"

#include <sstream>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace sct::soak {
namespace {

SoakResult Clean() {
  SoakResult r;
  r.started = absl::FromUnixSeconds(1700000000);
  r.wall_s = 100;
  r.flows_ok["share_accept_use"] = 3;
  r.checks[kSingleBinding] = 5;
  r.samples["relay"] = {{0, 7, 10, 20}, {50, 7, 11, 20}};
  r.slopes["relay"] = Slopes{1, 0, 2};
  r.faults.push_back({r.started + absl::Seconds(10), r.started + absl::Seconds(12), "kill_restart",
                      "relay", "down 2s"});
  r.errors.push_back({r.started + absl::Seconds(11), "share", "UNAVAILABLE", "kill_restart relay"});
  return r;
}

TEST(SoakReportTest, ACleanRunPasses) {
  SoakResult r = Clean();
  EXPECT_TRUE(r.passed());
  std::ostringstream out;
  PrintSummary(r, out);
  EXPECT_NE(out.str().find("soak: PASS"), std::string::npos);
  nlohmann::json j = nlohmann::json::parse(JsonReport(r));
  EXPECT_TRUE(j["passed"].get<bool>());
  EXPECT_EQ(j["unexpected_errors"].get<int>(), 0);
  EXPECT_EQ(j["faults"].size(), 1u);
  EXPECT_NE(HtmlReport(r).find("<polyline"), std::string::npos);
}

TEST(SoakReportTest, AViolationFails) {
  SoakResult r = Clean();
  r.violations.push_back({r.started, kMailboxDurable, "lost m1"});
  EXPECT_FALSE(r.passed());
  std::ostringstream out;
  PrintSummary(r, out);
  EXPECT_NE(out.str().find("VIOLATION"), std::string::npos);
  EXPECT_FALSE(nlohmann::json::parse(JsonReport(r))["passed"].get<bool>());
}

TEST(SoakReportTest, AnUnexplainedErrorFails) {
  SoakResult r = Clean();
  r.errors.push_back({r.started + absl::Seconds(90), "share", "INTERNAL", ""});
  EXPECT_FALSE(r.passed());
  EXPECT_EQ(r.unexpected(), 1);
}

TEST(SoakReportTest, ASlopeOverTheThresholdFails) {
  SoakResult r = Clean();
  r.options.max_fd_slope_per_h = 10;
  r.slopes["ca"] = Slopes{0, 11, 20};
  EXPECT_FALSE(r.passed());
  EXPECT_EQ(r.OverSlope(), std::vector<std::string>{"ca"});
}

TEST(SoakReportTest, HtmlNamesEachLineAndEachColumn) {
  SoakResult r = Clean();
  r.samples["ca"] = {{0, 8, 5, 9}};
  r.slopes["ca"] = Slopes{0, 0, 1};
  const std::string html = HtmlReport(r);
  // The slope table is the legend: the swatch of each service has its line's color.
  for (const char* color : {"#1f77b4", "#2ca02c"}) {
    EXPECT_NE(html.find(std::string("stroke='") + color), std::string::npos) << color;
    EXPECT_NE(html.find(std::string("background:") + color), std::string::npos) << color;
  }
  for (const char* header : {"<th>explained by</th>", "<th>target</th>", "<th>violations</th>",
                             "<h2>Flows completed</h2>"}) {
    EXPECT_NE(html.find(header), std::string::npos) << header;
  }
}

// The container sizes a service reports at the end (GetMemoryResponse.sizes)
// are in all three reports: which structure holds live heap growth.
TEST(SoakReportTest, ContainerSizesAtTheEndAreReported) {
  SoakResult r = Clean();
  TrimProbe t;
  t.heap_mib = 12;
  t.sizes = {{"inbox_messages", 412}, {"inbox_messages_dropped", 9001}};
  r.trim["channel"] = t;
  std::ostringstream out;
  PrintSummary(r, out);
  EXPECT_NE(out.str().find("sizes: inbox_messages=412, inbox_messages_dropped=9001"),
            std::string::npos)
      << out.str();
  nlohmann::json j = nlohmann::json::parse(JsonReport(r));
  EXPECT_EQ(j["memory_at_end"]["channel"]["sizes"]["inbox_messages_dropped"].get<uint64_t>(),
            9001u);
  const std::string html = HtmlReport(r);
  EXPECT_NE(html.find("<th>container sizes</th>"), std::string::npos);
  EXPECT_NE(html.find("inbox_messages=412"), std::string::npos);
}

TEST(SoakReportTest, HtmlEscapesText) {
  SoakResult r = Clean();
  r.errors.push_back({r.started, "share", "<script>", "x"});
  EXPECT_EQ(HtmlReport(r).find("<script>"), std::string::npos);
}

}  // namespace
}  // namespace sct::soak
