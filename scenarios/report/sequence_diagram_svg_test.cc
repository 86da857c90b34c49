#include "scenarios/report/sequence_diagram_svg.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/common/v1/audit.pb.h"
#include "scenarios/report/report_test_util.h"
#include "scenarios/report/sample_report.h"

namespace sct::scenarios {
namespace {

using report_test::AddEvent;
using report_test::Count;
using report_test::kEvil;
using report_test::kEvilEscaped;
using report_test::Small;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(SequenceDiagramTest, OneLifelinePerActorAndCollapsedArrows) {
  const std::string svg = SequenceDiagramSvg(Small());
  EXPECT_TRUE(absl::StartsWith(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
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
  EXPECT_THAT(svg, Not(HasSubstr("relay.v1.Relay/ReadSecureContent<")));  // short names
  // Step ids in the margin, one per step.
  EXPECT_EQ(Count(svg, "class=\"step-id\""), 2);
}

TEST(SequenceDiagramTest, EngineGetsItsOwnLeftmostLifelineWhenTraced) {
  scenario::v1::ScenarioResult r = Small();
  AddEvent(&r, "engine", "alice-phone", "device.v1.DeviceAgent/ShareCredential");
  const std::string svg = SequenceDiagramSvg(r);
  EXPECT_EQ(Count(svg, "class=\"lifeline\""), 4);
  EXPECT_LT(svg.find("data-actor=\"engine\""), svg.find("data-actor=\"alice-phone\""));
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
  for (const char* a : {"oscar-phone", "steve-tablet", "car2", "ca-eu", "relay-2", "oem_b", "eve",
                        "relay-operator", "channel", "hotel-101", "mystery"}) {
    r.add_actors(a);
  }
  const std::string svg = SequenceDiagramSvg(r);
  EXPECT_THAT(svg, HasSubstr("data-actor=\"oscar-phone\" data-role=\"device\""));
  EXPECT_THAT(svg, HasSubstr("data-actor=\"steve-tablet\" data-role=\"device\""));
  EXPECT_THAT(svg, HasSubstr("data-actor=\"car2\" data-role=\"access point\""));
  EXPECT_THAT(svg, HasSubstr("data-actor=\"ca-eu\" data-role=\"authority\""));
  EXPECT_THAT(svg, HasSubstr("data-actor=\"relay-2\" data-role=\"relay\""));
  EXPECT_THAT(svg, HasSubstr("data-actor=\"oem_b\" data-role=\"OEM server\""));
  EXPECT_THAT(svg, HasSubstr("data-actor=\"eve\" data-role=\"adversary\""));
  EXPECT_THAT(svg, HasSubstr("data-actor=\"relay-operator\" data-role=\"adversary\""));
  EXPECT_THAT(svg, HasSubstr("data-actor=\"channel\" data-role=\"channel\""));
  EXPECT_THAT(svg, HasSubstr("data-actor=\"hotel-101\" data-role=\"access point\""));
  EXPECT_THAT(svg, HasSubstr("data-actor=\"mystery\" data-role=\"service\""));
}

TEST(SequenceDiagramTest, AdversaryRoleAlsoFromTheTrace) {
  scenario::v1::ScenarioResult r = Small();
  r.add_actors("mx");
  AddEvent(&r, "mx", "relay", "HTTP GET /v1/m/{id}")->set_kind(common::v1::ADVERSARY);
  EXPECT_THAT(SequenceDiagramSvg(r), HasSubstr("data-actor=\"mx\" data-role=\"adversary\""));
}

TEST(SequenceDiagramTest, HostileNamesAreEscaped) {
  scenario::v1::ScenarioResult r = Small();
  r.set_name(kEvil);
  r.add_actors(kEvil);
  AddEvent(&r, kEvil, "relay", std::string("HTTP GET /x?a=1&b=\"2\"'") + kEvil, "NOT_FOUND", kEvil)
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
    AddEvent(&r, i % 2 ? "a" : "b", i % 2 ? "b" : "a", absl::StrCat("Call", i % 7));
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
  EXPECT_LT(svg.find("data-actor=\"engine\""), svg.find("data-actor=\"alice-phone\""));
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
  EXPECT_THAT(svg.substr(svg.find("<g class=\"marker fault\">"), 200), HasSubstr("height=\"30\""));
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
  EXPECT_EQ(Count(SequenceDiagramSvg(SampleCarShare()), "class=\"failed-step\""), 0);
}

TEST(SequenceDiagramTest, Deterministic) {
  EXPECT_EQ(SequenceDiagramSvg(SampleCarShare()), SequenceDiagramSvg(SampleCarShare()));
  EXPECT_NE(SequenceDiagramSvg(SampleCarShare()), SequenceDiagramSvg(SampleFailingRevocation()));
}

}  // namespace
}  // namespace sct::scenarios
