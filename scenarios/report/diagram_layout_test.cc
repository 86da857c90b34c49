#include "scenarios/report/diagram_layout.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "proto/common/v1/audit.pb.h"
#include "scenarios/report/report_test_util.h"

namespace sct::scenarios::report {
namespace {

using report_test::AddEvent;
using report_test::Small;

TEST(DiagramLayoutTest, LanesEngineFirstThenListedThenTraced) {
  scenario::v1::ScenarioResult r;
  r.add_actors("b");
  r.add_actors("a");
  AddEvent(&r, "a", "c", "Call");
  AddEvent(&r, "engine", "b", "Call");
  AddEvent(&r, "", "a", "Call");
  const Diagram d = BuildDiagram(r);
  EXPECT_EQ(d.lanes, (std::vector<std::string>{"engine", "b", "a", "c", "(unknown)"}));
  ASSERT_EQ(d.roles.size(), d.lanes.size());
  EXPECT_EQ(d.roles[0], Role::kEngine);
}

TEST(DiagramLayoutTest, RunsOfIdenticalEventsAreOneRowPlacedByStep) {
  const Diagram d = BuildDiagram(Small());
  ASSERT_EQ(d.rows.size(), 3u);
  EXPECT_EQ(d.rows[0].count, 3);
  EXPECT_EQ(RowLabel(d.rows[0]), "ReadSecureContent \u00d73");
  EXPECT_EQ(RowDuration(d.rows[0]), "avg 2.0ms");
  EXPECT_EQ(d.rows[1].status, "NOT_FOUND mailbox_not_found");
  EXPECT_EQ(RowDuration(d.rows[1]), "2.0ms");
  EXPECT_EQ(d.rows[2].from, d.rows[2].to);  // oem-a's self call
  // A new step starts a row group after a gap.
  EXPECT_TRUE(d.rows[0].new_step);
  EXPECT_FALSE(d.rows[1].new_step);
  EXPECT_TRUE(d.rows[2].new_step);
  EXPECT_EQ(d.rows[0].y, 126);
  EXPECT_EQ(d.rows[1].y, 162);
  EXPECT_EQ(d.rows[2].y, 210);
  EXPECT_EQ(LaneX(d, 1), kMarginLeft + d.spacing + d.spacing / 2);
}

TEST(DiagramLayoutTest, SelfDeclaredCallersAreMarkedAndNotMergedWithCertifiedOnes) {
  scenario::v1::ScenarioResult r;
  AddEvent(&r, "relay", "oem-a", "oem.v1.Oem/Notify");
  AddEvent(&r, "relay", "oem-a", "oem.v1.Oem/Notify")->set_actor_self_declared(true);
  const Diagram d = BuildDiagram(r);
  ASSERT_EQ(d.rows.size(), 2u);
  EXPECT_EQ(RowLabel(d.rows[0]), "Notify");
  EXPECT_EQ(RowLabel(d.rows[1]), "\u26a0 Notify");
  EXPECT_NE(d.rows[1].tooltip.find("self-declared"), std::string::npos);
  EXPECT_EQ(d.rows[0].tooltip.find("self-declared"), std::string::npos);
}

// When every caller but the engine is self-declared (TLS off), a mark on every
// arrow says nothing: no row is marked and the diagram says it once.
TEST(DiagramLayoutTest, ARunWhereEveryCallerIsSelfDeclaredIsMarkedOnce) {
  scenario::v1::ScenarioResult r;
  AddEvent(&r, "engine", "alice-phone", "device.v1.Device/ShareCredential");
  AddEvent(&r, "alice-phone", "relay", "relay.v1.Relay/CreateMailbox")
      ->set_actor_self_declared(true);
  AddEvent(&r, "relay", "oem-a", "oem.v1.Oem/Notify")->set_actor_self_declared(true);
  const Diagram d = BuildDiagram(r);
  EXPECT_TRUE(d.all_self_declared);
  for (const Row& row : d.rows) {
    EXPECT_EQ(RowLabel(row).find("\u26a0"), std::string::npos) << RowLabel(row);
  }
  EXPECT_NE(d.rows[1].tooltip.find("self-declared"), std::string::npos);

  // One certified caller among them: per-arrow marks again.
  AddEvent(&r, "bob-phone", "relay", "relay.v1.Relay/ReadSecureContent");
  const Diagram mixed = BuildDiagram(r);
  EXPECT_FALSE(mixed.all_self_declared);
  EXPECT_EQ(RowLabel(mixed.rows[1]), "\u26a0 CreateMailbox");
}

TEST(DiagramLayoutTest, LongTracesKeepHeadAndTailAroundOneElisionRow) {
  scenario::v1::ScenarioResult r;
  for (int i = 0; i < 1000; ++i) {
    AddEvent(&r, i % 2 ? "a" : "b", i % 2 ? "b" : "a", absl::StrCat("Call", i % 7));
  }
  const Diagram d = BuildDiagram(r);
  ASSERT_EQ(d.rows.size(), 231u);
  EXPECT_TRUE(d.rows[170].elision);
  EXPECT_EQ(d.rows[170].omitted, 770);
  for (size_t i = 0; i < d.rows.size(); ++i) {
    if (i != 170) {
      EXPECT_FALSE(d.rows[i].elision) << i;
    }
  }
  EXPECT_TRUE(d.footer);  // long diagrams repeat the actor boxes below
}

TEST(DiagramLayoutTest, MarkerBandSpansItsActorsAndRowsInItsWindow) {
  scenario::v1::ScenarioResult r = Small();  // events at t = 1001..1005 s
  auto* m = r.add_markers();
  m->set_label("relay slow");
  m->set_kind(common::v1::FAULT);
  m->add_actors("relay");
  m->mutable_start()->set_seconds(1004);  // the NOT_FOUND read only
  m->mutable_end()->set_seconds(1005);
  m = r.add_markers();
  m->set_label("everywhere");
  m->set_kind(common::v1::ADVERSARY);
  m->add_actors("nobody-drawn");
  m = r.add_markers();
  m->set_label("after the trace");
  m->set_kind(common::v1::FAULT);
  m->mutable_start()->set_seconds(2000);
  const Diagram d = BuildDiagram(r);
  ASSERT_EQ(d.bands.size(), 3u);
  EXPECT_EQ(d.bands[0].top, 142);
  EXPECT_EQ(d.bands[0].bottom, 172);
  EXPECT_EQ(d.bands[0].min_lane, 1);
  EXPECT_EQ(d.bands[0].max_lane, 1);
  // No window and no drawn actor: every row, every lane.
  EXPECT_EQ(d.bands[1].top, d.rows.front().y - 20);
  EXPECT_EQ(d.bands[1].bottom, d.rows.back().y + 10);
  EXPECT_EQ(d.bands[1].min_lane, 0);
  EXPECT_EQ(d.bands[1].max_lane, 2);
  // Nothing traced in the window: a thin band where it would be.
  EXPECT_EQ(d.bands[2].top, d.rows_bottom - 4);
  EXPECT_EQ(d.bands[2].bottom, d.rows_bottom + 4);
  // Overlapping bands take different gutter levels; the third overlaps only
  // the second and takes the first free level.
  EXPECT_EQ(d.bands[0].level, 0);
  EXPECT_EQ(d.bands[1].level, 1);
  EXPECT_EQ(d.bands[2].level, 0);
}

TEST(DiagramLayoutTest, CanvasWithoutMarkersHasANarrowGutter) {
  const Diagram d = BuildDiagram(Small());
  EXPECT_GE(d.spacing, 120);
  EXPECT_LE(d.spacing, 300);
  EXPECT_EQ(d.lanes_right, kMarginLeft + 3 * d.spacing);
  EXPECT_EQ(d.width, d.lanes_right + 40);
  EXPECT_FALSE(d.footer);
  EXPECT_EQ(d.rows_bottom, 210 + 18);
  EXPECT_EQ(d.height, d.rows_bottom + 10 + 26 + 22);
}

}  // namespace
}  // namespace sct::scenarios::report
