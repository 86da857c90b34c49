#include "scenarios/report/report.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "proto/common/v1/audit.pb.h"
#include "scenarios/report/sample_report.h"

namespace sct::scenarios {
namespace {

using scenario::v1::StepResult;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kEvil[] = "<script>alert(1)</script>";
constexpr char kEvilEscaped[] = "&lt;script&gt;alert(1)&lt;/script&gt;";

int Count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string TmpDir() {
  const char* t = std::getenv("TEST_TMPDIR");
  return t != nullptr ? t : "/tmp";
}

common::v1::TraceEvent* AddEvent(scenario::v1::ScenarioResult* r,
                                 const std::string& from, const std::string& to,
                                 const std::string& rpc,
                                 const std::string& code = "OK",
                                 const std::string& step = "s1") {
  common::v1::TraceEvent* e = r->add_trace();
  e->set_from(from);
  e->set_to(to);
  e->set_rpc(rpc);
  e->set_status_code(code);
  e->set_step_id(step);
  e->mutable_time()->set_seconds(1000 + r->trace_size());
  e->mutable_duration()->set_nanos(2000000);
  return e;
}

scenario::v1::ScenarioResult Small() {
  scenario::v1::ScenarioResult r;
  r.set_name("small");
  for (const char* a : {"alice-phone", "relay", "oem-a"}) r.add_actors(a);
  AddEvent(&r, "alice-phone", "relay", "relay.v1.Relay/ReadSecureContent");
  AddEvent(&r, "alice-phone", "relay", "relay.v1.Relay/ReadSecureContent");
  AddEvent(&r, "alice-phone", "relay", "relay.v1.Relay/ReadSecureContent");
  AddEvent(&r, "alice-phone", "relay", "relay.v1.Relay/ReadSecureContent",
           "NOT_FOUND")
      ->set_reason("mailbox_not_found");
  AddEvent(&r, "oem-a", "oem-a", "oem.v1.Oem/Housekeeping", "OK", "s2");
  return r;
}

// ---------------------------------------------------------------------------
// Terminal summary.
// ---------------------------------------------------------------------------

TEST(TerminalSummaryTest, NamesFirstFailingStepWhyAndCounts) {
  const std::string out = TerminalSummary(SampleReport(), /*color=*/false);
  EXPECT_THAT(out, HasSubstr("PASS"));
  EXPECT_THAT(out, HasSubstr("FAIL"));
  EXPECT_THAT(out, HasSubstr("car-share-cross-platform-intercepted"));
  EXPECT_THAT(out, HasSubstr("first failing step: unlock-after-revoke"));
  EXPECT_THAT(out, HasSubstr("expected: access DENIED_REVOKED"));
  EXPECT_THAT(out, HasSubstr("observed: access GRANTED"));
  EXPECT_THAT(out, HasSubstr("4.87s"));
  EXPECT_TRUE(absl::EndsWith(out, "\n1 passed, 1 failed\n")) << out;
  EXPECT_THAT(out, Not(HasSubstr("\033[")));
}

TEST(TerminalSummaryTest, CountsComeFromScenarioVerdicts) {
  scenario::v1::Report report;
  for (bool passed : {false, true, false}) {
    auto* r = report.add_scenarios();
    r->set_name(passed ? "good" : "bad");
    r->set_passed(passed);
  }
  const std::string out = TerminalSummary(report, false);
  EXPECT_TRUE(absl::EndsWith(out, "\n1 passed, 2 failed\n")) << out;
}

TEST(TerminalSummaryTest, AssertionFailureWithoutFailingStepSaysWhich) {
  scenario::v1::Report report;
  scenario::v1::ScenarioResult* r = report.add_scenarios();
  r->set_name("audit-only");
  auto* a = r->add_knowledge_audit();
  a->set_actor("relay");
  a->set_item(common::v1::PIN);
  a->set_must_not_learn(true);
  a->set_learned(true);
  a->set_verdict(scenario::v1::AUDIT_VIOLATED);
  const std::string out = TerminalSummary(report, false);
  EXPECT_THAT(out, HasSubstr("knowledge: relay learned PIN"));
  EXPECT_TRUE(absl::EndsWith(out, "\n0 passed, 1 failed\n")) << out;
}

TEST(TerminalSummaryTest, ControlCharactersFromDataAreNeutralised) {
  scenario::v1::Report report;
  scenario::v1::ScenarioResult* r = report.add_scenarios();
  r->set_name("evil\x1b[2Jname");
  StepResult* s = r->add_steps();
  s->set_step_id("step\nFAKE PASS");
  s->set_status(scenario::v1::FAILED);
  s->set_observed("\x1b[32mfine");
  const std::string out = TerminalSummary(report, /*color=*/false);
  EXPECT_THAT(out, Not(HasSubstr("\x1b")));
  EXPECT_THAT(out, HasSubstr("evil?[2Jname"));
  EXPECT_THAT(out, HasSubstr("first failing step: step?FAKE PASS"));
}

TEST(TerminalSummaryTest, ColorAddsAnsiCodes) {
  const std::string out = TerminalSummary(SampleReport(), /*color=*/true);
  EXPECT_THAT(out, HasSubstr("\033[1;31mFAIL"));
  EXPECT_THAT(out, HasSubstr("\033[1;32mPASS"));
}

TEST(TerminalSummaryTest, ColumnsAreAligned) {
  const std::string out = TerminalSummary(SampleReport(), false);
  // The duration column ends at the same offset on both scenario lines.
  size_t a = out.find("6.42s");
  size_t b = out.find("4.87s");
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  EXPECT_EQ(a - out.rfind('\n', a), b - out.rfind('\n', b));
}

// ---------------------------------------------------------------------------
// Sequence diagram.
// ---------------------------------------------------------------------------

TEST(SequenceDiagramTest, OneLifelinePerActorAndCollapsedArrows) {
  const std::string svg = SequenceDiagramSvg(Small());
  EXPECT_TRUE(
      absl::StartsWith(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_EQ(Count(svg, "class=\"lifeline\""), 3);
  for (const char* a : {"alice-phone", "relay", "oem-a"}) {
    EXPECT_THAT(svg, HasSubstr(absl::StrCat("data-actor=\"", a, "\"")));
  }
  // 3 identical reads -> one arrow "×3"; the NOT_FOUND read is its own arrow;
  // the self call is a loop.
  EXPECT_EQ(Count(svg, "<g class=\"msg "), 3) << svg;
  EXPECT_THAT(svg, HasSubstr("data-count=\"3\""));
  EXPECT_THAT(svg, HasSubstr("ReadSecureContent \u00d73"));
  EXPECT_THAT(svg, HasSubstr("NOT_FOUND mailbox_not_found"));
  EXPECT_THAT(svg, HasSubstr("Housekeeping"));
  EXPECT_THAT(
      svg, Not(HasSubstr("relay.v1.Relay/ReadSecureContent<")));  // short names
  // Step ids in the margin, one per step.
  EXPECT_EQ(Count(svg, "class=\"step-id\""), 2);
}

TEST(SequenceDiagramTest, EngineGetsItsOwnLeftmostLifelineWhenTraced) {
  scenario::v1::ScenarioResult r = Small();
  AddEvent(&r, "engine", "alice-phone",
           "device.v1.DeviceAgent/ShareCredential");
  const std::string svg = SequenceDiagramSvg(r);
  EXPECT_EQ(Count(svg, "class=\"lifeline\""), 4);
  EXPECT_LT(svg.find("data-actor=\"engine\""),
            svg.find("data-actor=\"alice-phone\""));
  EXPECT_THAT(svg, HasSubstr("msg engine"));
}

TEST(SequenceDiagramTest, SampleHasMarkersKindsAndFaults) {
  const std::string svg = SequenceDiagramSvg(SampleCarShare());
  EXPECT_EQ(Count(svg, "class=\"lifeline\""), SampleCarShare().actors_size());
  EXPECT_THAT(svg, HasSubstr("fault: oem-b outage"));
  EXPECT_THAT(svg, HasSubstr("adversary: eve taps SMS"));
  EXPECT_THAT(svg, HasSubstr("class=\"fault-mark\""));
  EXPECT_THAT(svg, HasSubstr("msg push"));
  EXPECT_THAT(svg, HasSubstr("msg channel"));
  EXPECT_THAT(svg, HasSubstr("msg adversary"));
  EXPECT_THAT(svg, HasSubstr("data-role=\"adversary\""));
  EXPECT_THAT(svg, HasSubstr("data-role=\"OEM server\""));
  EXPECT_THAT(svg, HasSubstr("data-role=\"authority\""));
  EXPECT_THAT(svg, HasSubstr("data-role=\"access point\""));
  EXPECT_THAT(svg, HasSubstr("data-role=\"channel\""));
  // 40 events; 9 polls collapse to 1 and 2 failed provisions to 1.
  EXPECT_EQ(SampleCarShare().trace_size(), 40);
  EXPECT_EQ(Count(svg, "<g class=\"msg "), 31);
}

TEST(SequenceDiagramTest, RolesComeFromWholeWordsOfActorIds) {
  scenario::v1::ScenarioResult r;
  r.set_name("roles");
  for (const char* a :
       {"oscar-phone", "steve-tablet", "car2", "ca-eu", "relay-2", "oem_b",
        "eve", "relay-operator", "channel", "hotel-101", "mystery"}) {
    r.add_actors(a);
  }
  const std::string svg = SequenceDiagramSvg(r);
  EXPECT_THAT(svg,
              HasSubstr("data-actor=\"oscar-phone\" data-role=\"device\""));
  EXPECT_THAT(svg,
              HasSubstr("data-actor=\"steve-tablet\" data-role=\"device\""));
  EXPECT_THAT(svg, HasSubstr("data-actor=\"car2\" data-role=\"access point\""));
  EXPECT_THAT(svg, HasSubstr("data-actor=\"ca-eu\" data-role=\"authority\""));
  EXPECT_THAT(svg, HasSubstr("data-actor=\"relay-2\" data-role=\"relay\""));
  EXPECT_THAT(svg, HasSubstr("data-actor=\"oem_b\" data-role=\"OEM server\""));
  EXPECT_THAT(svg, HasSubstr("data-actor=\"eve\" data-role=\"adversary\""));
  EXPECT_THAT(
      svg, HasSubstr("data-actor=\"relay-operator\" data-role=\"adversary\""));
  EXPECT_THAT(svg, HasSubstr("data-actor=\"channel\" data-role=\"channel\""));
  EXPECT_THAT(svg,
              HasSubstr("data-actor=\"hotel-101\" data-role=\"access point\""));
  EXPECT_THAT(svg, HasSubstr("data-actor=\"mystery\" data-role=\"service\""));
}

TEST(SequenceDiagramTest, AdversaryRoleAlsoFromTheTrace) {
  scenario::v1::ScenarioResult r = Small();
  r.add_actors("mx");
  AddEvent(&r, "mx", "relay", "HTTP GET /v1/m/{id}")
      ->set_kind(common::v1::ADVERSARY);
  EXPECT_THAT(SequenceDiagramSvg(r),
              HasSubstr("data-actor=\"mx\" data-role=\"adversary\""));
}

TEST(SequenceDiagramTest, HostileNamesAreEscaped) {
  scenario::v1::ScenarioResult r = Small();
  r.set_name(kEvil);
  r.add_actors(kEvil);
  AddEvent(&r, kEvil, "relay", std::string("HTTP GET /x?a=1&b=\"2\"'") + kEvil,
           "NOT_FOUND", kEvil)
      ->set_reason(std::string("bad\x01\x1f"));
  auto* m = r.add_markers();
  m->set_label(kEvil);
  m->set_kind(common::v1::ADVERSARY);
  m->add_actors(kEvil);
  const std::string svg = SequenceDiagramSvg(r);
  EXPECT_THAT(svg, Not(HasSubstr("<script")));
  EXPECT_THAT(svg, Not(HasSubstr("\x01")));
  EXPECT_THAT(svg, Not(HasSubstr("\x1f")));
  EXPECT_THAT(svg, HasSubstr(kEvilEscaped));
  EXPECT_THAT(svg, HasSubstr("a=1&amp;b=&quot;2&quot;&#39;"));
  EXPECT_EQ(Count(svg, "class=\"lifeline\""), 4);
}

TEST(SequenceDiagramTest, LongTracesAreElidedInTheMiddle) {
  scenario::v1::ScenarioResult r;
  r.set_name("long");
  r.add_actors("a");
  r.add_actors("b");
  for (int i = 0; i < 1000; ++i) {
    AddEvent(&r, i % 2 ? "a" : "b", i % 2 ? "b" : "a",
             absl::StrCat("Call", i % 7));
  }
  const std::string svg = SequenceDiagramSvg(r);
  EXPECT_EQ(Count(svg, "<g class=\"msg "), 230);
  EXPECT_THAT(svg, HasSubstr("770 more messages not drawn"));
  // Height stays bounded (about 36px a row).
  const size_t h = svg.find("height=\"");
  ASSERT_NE(h, std::string::npos);
  EXPECT_LT(std::stoi(svg.substr(h + 8)), 9500);
}

TEST(SequenceDiagramTest, ListedEngineMovesLeftmost) {
  scenario::v1::ScenarioResult r = Small();
  r.add_actors("engine");  // the engine lists it after the services
  const std::string svg = SequenceDiagramSvg(r);
  EXPECT_EQ(Count(svg, "class=\"lifeline\""), 4);
  EXPECT_LT(svg.find("data-actor=\"engine\""),
            svg.find("data-actor=\"alice-phone\""));
}

TEST(SequenceDiagramTest, MarkerBandCoversTheRowsInsideItsWindow) {
  scenario::v1::ScenarioResult r = Small();  // events at t = 1001..1005 s
  auto* m = r.add_markers();
  m->set_label("relay slow");
  m->set_kind(common::v1::FAULT);
  m->add_actors("relay");
  m->mutable_start()->set_seconds(1004);  // the NOT_FOUND read only
  m->mutable_end()->set_seconds(1005);    // end-exclusive: not the self call
  std::string svg = SequenceDiagramSvg(r);
  // Rows: "×3" read at y=126, NOT_FOUND read at y=162, self call in a new step.
  const size_t band = svg.find("<g class=\"marker fault\">");
  ASSERT_NE(band, std::string::npos);
  EXPECT_THAT(svg.substr(band, 200), HasSubstr("y=\"142\""));
  EXPECT_THAT(svg.substr(band, 200), HasSubstr("height=\"30\""));
  // A zero-length window (fake clocks that did not move) still covers its rows.
  m->mutable_end()->set_seconds(1004);
  svg = SequenceDiagramSvg(r);
  EXPECT_THAT(svg.substr(svg.find("<g class=\"marker fault\">"), 200),
              HasSubstr("height=\"30\""));
  EXPECT_THAT(svg, HasSubstr("fault: relay slow"));
}

TEST(SequenceDiagramTest, OverlappingMarkerLabelsDoNotOverlap) {
  scenario::v1::ScenarioResult r = Small();
  for (const char* label : {"first fault", "second fault"}) {
    auto* m = r.add_markers();
    m->set_label(label);
    m->set_kind(common::v1::FAULT);
    m->mutable_start()->set_seconds(1002);
  }
  const std::string svg = SequenceDiagramSvg(r);
  auto label_y = [&](const std::string& label) {
    const size_t at = svg.find(">fault: " + label + "<");
    const size_t y = svg.rfind(" y=\"", at);
    return std::stoi(svg.substr(y + 4));
  };
  EXPECT_GE(label_y("second fault") - label_y("first fault"), 12);
}

TEST(SequenceDiagramTest, EmptyTraceStillDrawsLifelines) {
  scenario::v1::ScenarioResult r;
  r.set_name("quiet");
  r.add_actors("relay");
  const std::string svg = SequenceDiagramSvg(r);
  EXPECT_EQ(Count(svg, "class=\"lifeline\""), 1);
  EXPECT_THAT(svg, HasSubstr("no messages traced"));
}

TEST(SequenceDiagramTest, FailedStepsAreShadedAndMarked) {
  const std::string svg = SequenceDiagramSvg(SampleFailingRevocation());
  EXPECT_EQ(Count(svg, "class=\"failed-step\""), 1);
  EXPECT_THAT(svg, HasSubstr("\u2717 unlock-after-revoke"));
  EXPECT_EQ(
      Count(SequenceDiagramSvg(SampleCarShare()), "class=\"failed-step\""), 0);
}

TEST(SequenceDiagramTest, Deterministic) {
  EXPECT_EQ(SequenceDiagramSvg(SampleCarShare()),
            SequenceDiagramSvg(SampleCarShare()));
  EXPECT_NE(SequenceDiagramSvg(SampleCarShare()),
            SequenceDiagramSvg(SampleFailingRevocation()));
}

// ---------------------------------------------------------------------------
// HTML.
// ---------------------------------------------------------------------------

TEST(ReportHtmlTest, SelfContainedWithNoExternalReferences) {
  const std::string html = ReportHtml(SampleReport());
  EXPECT_TRUE(absl::StartsWith(html, "<!DOCTYPE html>"));
  EXPECT_THAT(html, Not(HasSubstr("http://")));
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  EXPECT_THAT(html, Not(HasSubstr("url(")));
  EXPECT_THAT(html, HasSubstr("<style>"));
  EXPECT_EQ(Count(html, "<svg"), 2);
}

TEST(ReportHtmlTest, HasSummarySectionsStepsTimingsAuditEndpoints) {
  const std::string html = ReportHtml(SampleReport());
  EXPECT_THAT(html,
              HasSubstr("href=\"#s1-car-share-cross-platform-intercepted\""));
  EXPECT_THAT(html,
              HasSubstr("id=\"s1-car-share-cross-platform-intercepted\""));
  EXPECT_THAT(html, HasSubstr("id=\"s2-revocation-after-relay-restart\""));
  EXPECT_THAT(html, HasSubstr("1 passed"));
  EXPECT_THAT(html, HasSubstr("1 failed"));
  EXPECT_THAT(html, HasSubstr("launched:sqlite"));  // environment
  EXPECT_THAT(html, HasSubstr("First failure:"));
  EXPECT_THAT(html, HasSubstr("<code>unlock-after-revoke</code>"));
  EXPECT_THAT(html, HasSubstr("revocation lands fast"));  // timing
  EXPECT_THAT(html, HasSubstr("exceeded"));
  EXPECT_THAT(html, HasSubstr("VIOLATED"));  // audit
  EXPECT_THAT(html, HasSubstr("<code>MAILBOX_SECRET</code>"));
  EXPECT_THAT(html, HasSubstr("must not learn"));
  EXPECT_THAT(html, HasSubstr("127.0.0.1:41001"));  // endpoints
  EXPECT_THAT(html, HasSubstr("link_length=118"));  // step details
  EXPECT_THAT(html,
              HasSubstr("<td class=\"num\">3</td>"));  // attempts of accept
  EXPECT_THAT(html, HasSubstr("skipped"));
  // Summary row of the failing scenario: 15 messages, 1 violated, 1 OK, 1
  // unknown.
  EXPECT_THAT(
      html,
      HasSubstr("<td class=\"num\">15</td><td><span class=\"fail-t\">1 violated"
                "</span>, <span class=\"pass-t\">1 OK</span>, <span "
                "class=\"warn-t\">1 unknown</span></td>"));
}

TEST(ReportHtmlTest, FailureBoxSaysExpectedAndObservedOnce) {
  scenario::v1::Report report;
  scenario::v1::ScenarioResult* r = report.add_scenarios();
  *r = SampleFailingRevocation();
  std::string html = ReportHtml(report);
  EXPECT_EQ(Count(html, "expected access DENIED_REVOKED, got access GRANTED"),
            2)  // table + box
      << html;
  EXPECT_THAT(html, Not(HasSubstr("observed <b>")));
  r->clear_first_failure();
  html = ReportHtml(report);
  EXPECT_THAT(
      html,
      HasSubstr("step <code>unlock-after-revoke</code>: expected <b>access "
                "DENIED_REVOKED</b>, observed <b>access GRANTED</b>"));
}

TEST(ReportHtmlTest, HostileDataIsEscapedAndNeverAReference) {
  scenario::v1::Report report = SampleReport();
  scenario::v1::ScenarioResult* r = report.add_scenarios();
  *r = Small();
  r->set_name(kEvil);
  r->set_description("see https://evil.example/<img src=x>");
  r->add_actors(kEvil);
  (*r->mutable_endpoints())[kEvil] = "http://evil.example/\"><script>";
  (*report.mutable_environment())[kEvil] = kEvil;
  const std::string html = ReportHtml(report);
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, HasSubstr(kEvilEscaped));
  EXPECT_THAT(html, HasSubstr("see https://evil.example/&lt;img src=x&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("href=\"http")));
  // URLs appear only as escaped text, exactly where the data put them.
  EXPECT_EQ(Count(html, "https://"), 1);
  EXPECT_EQ(Count(html, "http://"), 1);
  EXPECT_THAT(html, HasSubstr("http://evil.example/&quot;&gt;&lt;script&gt;"));
}

TEST(ReportHtmlTest, DeterministicRegardlessOfMapInsertionOrder) {
  scenario::v1::Report a = SampleReport();
  scenario::v1::Report b = SampleReport();
  b.mutable_environment()->clear();
  for (const char* k : {"transport", "host", "clock", "relay"}) {
    (*b.mutable_environment())[k] = a.environment().at(k);
  }
  EXPECT_EQ(ReportHtml(a), ReportHtml(b));
}

// ---------------------------------------------------------------------------
// WriteReport.
// ---------------------------------------------------------------------------

TEST(WriteReportTest, WritesJsonThatRoundTripsHtmlAndDiagrams) {
  const std::filesystem::path dir =
      std::filesystem::path(TmpDir()) / "write-ok" / "out";
  std::filesystem::remove_all(dir.parent_path());
  const scenario::v1::Report report = SampleReport();
  ASSERT_TRUE(WriteReport(report, dir.string()).ok());

  scenario::v1::Report back;
  const std::string json = ReadAll(dir / "report.json");
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &back).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(report, back))
      << back.DebugString();
  EXPECT_THAT(json, HasSubstr("\n"));  // pretty
  EXPECT_THAT(json, HasSubstr("\"stepId\": \"unlock-after-revoke\""));

  EXPECT_EQ(ReadAll(dir / "report.html"), ReportHtml(report));
  EXPECT_EQ(
      ReadAll(dir / "diagrams" / "s1-car-share-cross-platform-intercepted.svg"),
      SequenceDiagramSvg(report.scenarios(0)));
  EXPECT_TRUE(std::filesystem::exists(dir / "diagrams" /
                                      "s2-revocation-after-relay-restart.svg"));
  EXPECT_FALSE(std::filesystem::exists(dir / "report.json.tmp"));

  // Writing again replaces the files.
  scenario::v1::Report smaller;
  smaller.set_suite("again");
  ASSERT_TRUE(WriteReport(smaller, dir.string()).ok());
  EXPECT_THAT(ReadAll(dir / "report.json"), HasSubstr("\"again\""));
}

TEST(WriteReportTest, UnwritablePathIsIoErrorNamingThePath) {
  const std::filesystem::path blocker =
      std::filesystem::path(TmpDir()) / "blocker-file";
  { std::ofstream(blocker) << "x"; }
  const std::string target = (blocker / "out").string();
  const absl::Status s = WriteReport(SampleReport(), target);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ReasonOf(s), "io_error");
  EXPECT_THAT(std::string(s.message()), HasSubstr(target));
}

TEST(WriteReportTest, ExistingReadOnlyTargetFileIsIoError) {
  // report.json is a directory: the rename over it fails.
  const std::filesystem::path dir =
      std::filesystem::path(TmpDir()) / "json-is-dir";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "report.json" / "child");
  const absl::Status s = WriteReport(SampleReport(), dir.string());
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(ReasonOf(s), "io_error");
  EXPECT_THAT(std::string(s.message()),
              HasSubstr((dir / "report.json").string()));
}

TEST(WriteReportTest, EmptyDirectoryIsInvalid) {
  EXPECT_EQ(WriteReport(SampleReport(), "").code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sct::scenarios
