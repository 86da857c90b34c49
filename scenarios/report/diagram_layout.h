// The model of a sequence diagram, built from a ScenarioResult: one lane
// (lifeline) per actor, one row per run of identical consecutive trace
// events, vertical positions grouped by step, the middle of very long traces
// elided, marker bands (fault and adversary windows) placed over the rows
// they cover, and the canvas size. The SVG renderer
// (sequence_diagram_svg.h) draws exactly this; nothing here writes markup.
//
// Pure functions; thread-safe. A Diagram points into the ScenarioResult it
// was built from (Band::marker) and is valid only while that result lives.
#ifndef SCT_SCENARIOS_REPORT_DIAGRAM_LAYOUT_H_
#define SCT_SCENARIOS_REPORT_DIAGRAM_LAYOUT_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "proto/common/v1/audit.pb.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/report/actor_roles.h"

namespace sct::scenarios::report {

// Geometry shared by layout and drawing, in SVG user units (pixels).
constexpr int kMarginLeft = 150;  // step-id margin
constexpr int kHeaderTop = 40;    // top of the actor boxes
constexpr int kHeaderHeight = 42;
constexpr int kRowsTop = kHeaderTop + kHeaderHeight + 26;
constexpr int kCharWidth = 7;  // ~ width of one bold character at 12-13px

// One arrow of the diagram: a run of `count` identical consecutive trace
// events (same lanes, method, status, kind and step), or the elision row
// standing for the messages not drawn.
struct Row {
  int from = 0;  // lane index
  int to = 0;
  std::string method;  // short method
  std::string status;  // empty when OK
  std::string step_id;
  common::v1::TraceKind kind = common::v1::TRACE_KIND_UNSPECIFIED;
  bool self_declared = false;  // the caller named itself (TraceEvent.actor_self_declared)
  int count = 1;
  absl::Duration total = absl::ZeroDuration();
  absl::Time first = absl::InfinitePast();
  absl::Time last = absl::InfinitePast();
  bool has_time = false;
  std::string tooltip;
  bool elision = false;  // "… N messages not shown"
  int omitted = 0;
  int y = 0;              // baseline of the arrow
  bool new_step = false;  // first row of a step
};

// A marker's shaded band: from the top of the first row inside its time
// window to the bottom of the last, across the lanes of its actors (all
// lanes when none is drawn). `level` is its column in the right gutter,
// so that overlapping bands' labels do not collide.
struct Band {
  const scenario::v1::Marker* marker;
  int top;
  int bottom;
  int min_lane;
  int max_lane;
  int level = 0;
};

struct Diagram {
  std::vector<std::string> lanes;  // actor names, left to right
  std::vector<Role> roles;         // per lane
  std::vector<Row> rows;           // top to bottom
  std::vector<Band> bands;         // in the result's marker order
  int spacing = 140;               // distance between lifelines

  // Canvas.
  int lanes_right = 0;      // right edge of the last lane; the gutter follows
  int rows_bottom = 0;      // below the last row
  int lifeline_bottom = 0;  // where lifelines end (and footer boxes start)
  bool footer = false;      // long diagrams repeat the actor boxes below
  // Every caller other than the engine named itself (no client certificate,
  // e.g. TLS off): the rows carry no per-arrow mark and the legend says it
  // once. Otherwise a self-declared caller's row is marked "⚠".
  bool all_self_declared = false;
  int legend_y = 0;
  int width = 0;
  int height = 0;
};

// Lanes: "engine" first when listed or traced, then the listed actors, then
// actors that only appear in the trace; an empty name is "(unknown)". More
// than 240 rows keep the first 170 and last 60 around one elision row.
Diagram BuildDiagram(const scenario::v1::ScenarioResult& result);

// The x of lane `lane`'s lifeline.
int LaneX(const Diagram& d, int lane);

// The label above an arrow: "⚠ " when the caller's actor is self-declared
// (and not every caller is: Diagram::all_self_declared),
// the short method (at most 42 code points), and " ×N" for a run of N.
std::string RowLabel(const Row& r);

// The row's duration ("avg …" for a run); empty when none was recorded.
std::string RowDuration(const Row& r);

}  // namespace sct::scenarios::report

#endif  // SCT_SCENARIOS_REPORT_DIAGRAM_LAYOUT_H_
