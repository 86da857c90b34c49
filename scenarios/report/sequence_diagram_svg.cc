#include "scenarios/report/sequence_diagram_svg.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "proto/common/v1/audit.pb.h"
#include "scenarios/report/actor_roles.h"
#include "scenarios/report/diagram_layout.h"
#include "scenarios/report/scenario_outcome.h"
#include "scenarios/report/text.h"

namespace sct::scenarios {
namespace report {
namespace {

using scenario::v1::ScenarioResult;
using scenario::v1::StepResult;
using scenario::v1::StepStatus;

// Each step's status by step id (the first entry wins).
using StepStatuses = std::map<std::string, StepStatus>;

// How an arrow is drawn: {stroke, dash, width, class suffix}.
struct ArrowStyle {
  const char* stroke;
  const char* dash;  // empty: solid
  const char* width;
  const char* css;  // class suffix
};

ArrowStyle StyleOfRow(const Row& r, const Diagram& d) {
  switch (r.kind) {
    case common::v1::FAULT:
      return {"#ea580c", "5 3", "1.6", "fault"};
    case common::v1::ADVERSARY:
      return {"#dc2626", "", "2.2", "adversary"};
    case common::v1::PUSH:
      return {"#2563eb", "7 4", "1.6", "push"};
    case common::v1::CHANNEL:
      return {"#15803d", "2 3", "2.2", "channel"};
    default:
      break;
  }
  if (d.roles[r.from] == Role::kEngine) return {"#9ca3af", "", "1", "engine"};
  return {"#1f2937", "", "1.4", "call"};
}

std::string DashAttr(const char* dash) {
  return dash[0] ? absl::StrCat(" stroke-dasharray=\"", dash, "\"") : "";
}

void Text(std::string* out, int x, int y, absl::string_view text, absl::string_view attrs) {
  absl::StrAppend(out, "<text x=\"", x, "\" y=\"", y, "\" ", attrs, ">", XmlEscape(text),
                  "</text>\n");
}

void Lightning(std::string* out, int x, int y, const char* fill) {
  absl::StrAppend(out, "<polygon points=\"", x + 1, ",", y - 8, " ", x - 4, ",", y + 1, " ", x, ",",
                  y + 1, " ", x - 2, ",", y + 8, " ", x + 4, ",", y - 2, " ", x, ",", y - 2,
                  "\" fill=\"", fill, "\"/>\n");
}

// The <svg> element's opening, title, background and the heading line
// (scenario name left, verdict, message count and duration right).
void OpenSvg(std::string* out, const ScenarioResult& result, const Diagram& d, bool standalone) {
  absl::StrAppend(out, "<svg");
  if (standalone) absl::StrAppend(out, " xmlns=\"http://www.w3.org/2000/svg\"");
  absl::StrAppend(out, " class=\"sequence\" width=\"", d.width, "\" height=\"", d.height,
                  "\" viewBox=\"0 0 ", d.width, " ", d.height,
                  "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\""
                  " role=\"img\" aria-label=\"",
                  XmlEscape(absl::StrCat("Sequence diagram of ", result.name())), "\">\n");
  absl::StrAppend(out, "<title>", XmlEscape(absl::StrCat("Sequence diagram: ", result.name())),
                  "</title>\n");
  if (standalone && !result.description().empty()) {  // HTML shows it above
    absl::StrAppend(out, "<desc>", XmlEscape(result.description()), "</desc>\n");
  }
  absl::StrAppend(out, "<rect x=\"0\" y=\"0\" width=\"", d.width, "\" height=\"", d.height,
                  "\" fill=\"#ffffff\"/>\n");
  Text(out, 12, 24, Truncate(result.name(), 90),
       "font-size=\"16\" font-weight=\"bold\" fill=\"#111827\"");
  std::string sub = absl::StrCat(result.not_applicable() ? "NOT APPLICABLE"
                                 : result.passed()        ? "PASSED"
                                                          : "FAILED");
  const int events = result.trace_size();
  absl::StrAppend(&sub, " \u00b7 ", events, events == 1 ? " message" : " messages");
  if (result.has_duration()) absl::StrAppend(&sub, " \u00b7 ", ShortDuration(result.duration()));
  Text(out, d.width - 12, 24, sub,
       absl::StrCat("text-anchor=\"end\" font-size=\"12\" fill=\"",
                    result.not_applicable() ? "#a16207"
                    : result.passed()       ? "#15803d"
                                            : "#b91c1c",
                    "\""));
}

// Failed steps: a faint red background behind their rows.
void DrawFailedSteps(std::string* out, const Diagram& d, const StepStatuses& statuses) {
  for (size_t i = 0; i < d.rows.size(); ++i) {
    if (!d.rows[i].new_step) continue;
    auto it = statuses.find(d.rows[i].step_id);
    if (it == statuses.end() || !IsFailed(it->second)) continue;
    size_t last = i;
    while (last + 1 < d.rows.size() && !d.rows[last + 1].new_step) ++last;
    const int top = d.rows[i].y - 22;
    const int bottom = d.rows[last].y + 18;
    absl::StrAppend(out, "<rect class=\"failed-step\" x=\"4\" y=\"", top, "\" width=\"",
                    d.lanes_right - 4, "\" height=\"", bottom - top, "\" fill=\"#fef2f2\"/>\n");
  }
}

// A marker band: shaded across its lanes, with a bracket and its label in
// the right gutter.
void DrawMarkerBand(std::string* out, const Diagram& d, const Band& b) {
  const bool fault = b.marker->kind() == common::v1::FAULT;
  const char* fill = fault ? "#f59e0b" : "#ef4444";
  const int x1 = LaneX(d, b.min_lane) - d.spacing / 2 + 6;
  const int x2 = LaneX(d, b.max_lane) + d.spacing / 2 - 6;
  const int gx = d.lanes_right + 8 + 16 * b.level;
  absl::StrAppend(out, "<g class=\"marker ", fault ? "fault" : "adversary", "\">\n");
  absl::StrAppend(out, "<rect x=\"", x1, "\" y=\"", b.top, "\" width=\"", x2 - x1, "\" height=\"",
                  b.bottom - b.top, "\" rx=\"4\" fill=\"", fill,
                  "\" fill-opacity=\"0.10\" stroke=\"", fill,
                  "\" stroke-opacity=\"0.6\" stroke-dasharray=\"4 3\"/>\n");
  // Bracket in the gutter with the label.
  absl::StrAppend(out, "<path d=\"M", gx - 4, " ", b.top, " H", gx, " V", b.bottom, " H", gx - 4,
                  "\" fill=\"none\" stroke=\"", fill, "\" stroke-width=\"2\"/>\n");
  // Labels of bands that share a top row step down one line per level.
  const int label_y = b.top + 13 + 14 * b.level;
  if (fault) {
    Lightning(out, gx + 10, label_y - 4, "#ea580c");
  } else {
    absl::StrAppend(out, "<circle cx=\"", gx + 10, "\" cy=\"", label_y - 4,
                    "\" r=\"5\" fill=\"#dc2626\"/>\n");
  }
  Text(out, gx + 18, label_y,
       absl::StrCat(fault ? "fault: " : "adversary: ", Truncate(b.marker->label(), 32)),
       absl::StrCat("font-size=\"11\" font-weight=\"bold\" fill=\"", fault ? "#9a3412" : "#991b1b",
                    "\" class=\"marker-label\""));
  absl::StrAppend(out, "</g>\n");
}

// Step separators and ids in the left margin (green passed, red ✗ failed).
void DrawStepMargin(std::string* out, const Diagram& d, const StepStatuses& statuses) {
  for (size_t i = 0; i < d.rows.size(); ++i) {
    const Row& r = d.rows[i];
    if (!r.new_step) continue;
    const int top = r.y - 22;
    if (i > 0) {
      absl::StrAppend(out, "<line x1=\"8\" y1=\"", top, "\" x2=\"", d.lanes_right, "\" y2=\"", top,
                      "\" stroke=\"#d1d5db\" stroke-width=\"1\"/>\n");
    }
    const std::string id = r.step_id.empty() ? "(setup)" : r.step_id;
    auto it = statuses.find(r.step_id);
    const bool failed = it != statuses.end() && IsFailed(it->second);
    const char* color = "#374151";
    if (failed) color = "#b91c1c";
    if (it != statuses.end() && it->second == scenario::v1::PASSED) color = "#15803d";
    Text(out, 10, r.y + 4, absl::StrCat(failed ? "\u2717 " : "", Truncate(id, 19)),
         absl::StrCat("class=\"step-id\" font-size=\"11\" font-weight=\"bold\" fill=\"", color,
                      "\""));
  }
}

// An actor's box: the header (name and role) above its lifeline, or the
// smaller footer box (name only) below long diagrams.
void DrawActorBox(std::string* out, const Diagram& d, int lane, int top, bool header) {
  const int box_w = d.spacing - 16;
  const RoleStyle st = StyleOf(d.roles[lane]);
  const int x = LaneX(d, lane);
  const bool engine = d.roles[lane] == Role::kEngine;
  const std::string name = Truncate(d.lanes[lane], std::max(4, (box_w - 10) / kCharWidth));
  absl::StrAppend(out, "<rect x=\"", x - box_w / 2, "\" y=\"", top, "\" width=\"", box_w,
                  "\" height=\"", header ? kHeaderHeight : 26, "\" rx=\"6\" fill=\"", st.fill,
                  "\" stroke=\"", st.stroke, "\" stroke-width=\"", engine ? "1" : "1.5", "\"",
                  engine ? " stroke-dasharray=\"3 2\"" : "", "/>\n");
  Text(out, x, top + (header ? 18 : 17), name,
       absl::StrCat("text-anchor=\"middle\" font-weight=\"bold\" "
                    "font-size=\"13\" fill=\"",
                    engine ? "#6b7280" : "#111827", "\""));
  if (header) {
    Text(out, x, top + 34, engine ? "scenario script" : st.name,
         absl::StrCat("text-anchor=\"middle\" font-size=\"10\" fill=\"", st.stroke, "\""));
  }
}

void DrawLifelines(std::string* out, const Diagram& d) {
  for (int i = 0; i < static_cast<int>(d.lanes.size()); ++i) {
    const RoleStyle st = StyleOf(d.roles[i]);
    const int x = LaneX(d, i);
    const bool engine = d.roles[i] == Role::kEngine;
    absl::StrAppend(out, "<g class=\"actor\" data-actor=\"", XmlEscape(d.lanes[i]),
                    "\" data-role=\"", st.name, "\">\n");
    absl::StrAppend(out, "<line class=\"lifeline\" x1=\"", x, "\" y1=\"",
                    kHeaderTop + kHeaderHeight, "\" x2=\"", x, "\" y2=\"", d.lifeline_bottom,
                    "\" stroke=\"", st.stroke, "\" stroke-opacity=\"", engine ? "0.35" : "0.55",
                    "\" stroke-width=\"", d.roles[i] == Role::kAdversary ? "2" : "1.2",
                    "\" stroke-dasharray=\"", engine ? "2 4" : "6 4", "\"/>\n");
    DrawActorBox(out, d, i, kHeaderTop, true);
    if (d.footer) DrawActorBox(out, d, i, d.lifeline_bottom, false);
    absl::StrAppend(out, "</g>\n");
  }
}

void DrawElision(std::string* out, const Diagram& d, const Row& r) {
  absl::StrAppend(out, "<g class=\"elision\">\n");
  absl::StrAppend(out, "<rect x=\"", kMarginLeft, "\" y=\"", r.y - 12, "\" width=\"",
                  d.lanes_right - kMarginLeft,
                  "\" height=\"20\" fill=\"#f9fafb\""
                  " stroke=\"#d1d5db\" stroke-dasharray=\"2 2\"/>\n");
  Text(out, (kMarginLeft + d.lanes_right) / 2, r.y + 3,
       absl::StrCat("\u22ee ", r.omitted, " more messages not drawn (see report.json)"),
       "text-anchor=\"middle\" font-style=\"italic\" fill=\"#6b7280\"");
  absl::StrAppend(out, "</g>\n");
}

// Where a message's label goes.
struct LabelPlace {
  int x;
  int y;
  const char* anchor;
};

// Self call: a small loop to the right of the lifeline at `x`.
LabelPlace DrawSelfCall(std::string* out, int x, int y, const ArrowStyle& st) {
  absl::StrAppend(out, "<path d=\"M", x, " ", y - 8, " H", x + 30, " V", y + 6, " H", x + 6,
                  "\" fill=\"none\" stroke=\"", st.stroke, "\" stroke-width=\"", st.width, "\"",
                  DashAttr(st.dash), "/>\n");
  absl::StrAppend(out, "<polygon points=\"", x, ",", y + 6, " ", x + 8, ",", y + 2, " ", x + 8, ",",
                  y + 10, "\" fill=\"", st.stroke, "\"/>\n");
  return {x + 36, y + 2, "start"};
}

// Open arrowhead at the tip and a red cross on the line: the message was
// tampered with by an injected fault.
void DrawFaultHead(std::string* out, int x1, int x2, int tip_x, int dir, int y,
                   const ArrowStyle& st) {
  absl::StrAppend(out, "<polyline points=\"", tip_x - dir * 9, ",", y - 5, " ", tip_x, ",", y, " ",
                  tip_x - dir * 9, ",", y + 5, "\" fill=\"none\" stroke=\"", st.stroke,
                  "\" stroke-width=\"1.6\"/>\n");
  const int cx = x1 + (x2 - x1) * 3 / 4;
  absl::StrAppend(out,
                  "<g class=\"fault-mark\" stroke=\"#dc2626\" stroke-width=\"2.5\">"
                  "<line x1=\"",
                  cx - 5, "\" y1=\"", y - 5, "\" x2=\"", cx + 5, "\" y2=\"", y + 5,
                  "\"/><line x1=\"", cx - 5, "\" y1=\"", y + 5, "\" x2=\"", cx + 5, "\" y2=\"",
                  y - 5, "\"/></g>\n");
  Lightning(out, cx + 14 * dir, y - 2, "#ea580c");
}

// An arrow from lifeline x1 to lifeline x2.
LabelPlace DrawArrow(std::string* out, const Row& r, int x1, int x2, int y, const ArrowStyle& st) {
  const int dir = x2 > x1 ? 1 : -1;
  const int tip_x = x2 - dir * 2;
  absl::StrAppend(out, "<line x1=\"", x1, "\" y1=\"", y, "\" x2=\"", tip_x - dir * 8, "\" y2=\"", y,
                  "\" stroke=\"", st.stroke, "\" stroke-width=\"", st.width, "\"",
                  DashAttr(st.dash), "/>\n");
  if (r.kind == common::v1::FAULT) {
    DrawFaultHead(out, x1, x2, tip_x, dir, y, st);
  } else {
    absl::StrAppend(out, "<polygon points=\"", tip_x, ",", y, " ", tip_x - dir * 10, ",", y - 5,
                    " ", tip_x - dir * 10, ",", y + 5, "\" fill=\"", st.stroke, "\"/>\n");
  }
  return {(x1 + x2) / 2, y - 5, "middle"};
}

// The method label; status (red) and duration after it on a self call, on a
// second smaller line under an arrow.
void DrawMessageLabel(std::string* out, const Row& r, const ArrowStyle& st, const LabelPlace& at) {
  const bool adversary = r.kind == common::v1::ADVERSARY;
  const bool engine = std::string(st.css) == "engine";
  absl::StrAppend(out, "<text class=\"label\" x=\"", at.x, "\" y=\"", at.y, "\" text-anchor=\"",
                  at.anchor, "\" fill=\"", adversary ? "#b91c1c" : (engine ? "#6b7280" : "#111827"),
                  "\"", adversary ? " font-weight=\"bold\"" : "", ">", XmlEscape(RowLabel(r)));
  std::string sub;
  if (!r.status.empty()) {
    absl::StrAppend(&sub, "<tspan class=\"status\" fill=\"#dc2626\" font-weight=\"bold\">",
                    XmlEscape(Truncate(r.status, 40)), "</tspan>");
  }
  const std::string dur = RowDuration(r);
  if (!dur.empty()) absl::StrAppend(&sub, sub.empty() ? "" : " \u00b7 ", XmlEscape(dur));
  if (r.from == r.to) {
    if (!sub.empty()) {
      absl::StrAppend(out, " <tspan class=\"sub\" font-size=\"10\" fill=\"#6b7280\">", sub,
                      "</tspan>");
    }
    absl::StrAppend(out, "</text>\n");
    return;
  }
  absl::StrAppend(out, "</text>\n");
  if (!sub.empty()) {
    absl::StrAppend(out, "<text class=\"sub\" x=\"", at.x, "\" y=\"", r.y + 15,
                    "\" text-anchor=\"middle\" font-size=\"10\" fill=\"#6b7280\">", sub,
                    "</text>\n");
  }
}

// One message row as a <g class="msg KIND">; returns KIND.
const char* DrawMessage(std::string* out, const Diagram& d, const Row& r) {
  const ArrowStyle st = StyleOfRow(r, d);
  absl::StrAppend(out, "<g class=\"msg ", st.css, "\"", r.count > 1 ? " data-count=\"" : "",
                  r.count > 1 ? absl::StrCat(r.count, "\"") : "", ">\n");
  std::string tip = r.tooltip;
  if (r.count > 1) absl::StrAppend(&tip, " \u00d7", r.count);
  absl::StrAppend(out, "<title>", XmlEscape(tip), "</title>\n");
  const int x1 = LaneX(d, r.from);
  const LabelPlace at = r.from == r.to ? DrawSelfCall(out, x1, r.y, st)
                                       : DrawArrow(out, r, x1, LaneX(d, r.to), r.y, st);
  DrawMessageLabel(out, r, st, at);
  absl::StrAppend(out, "</g>\n");
  return st.css;
}

// All rows; returns the arrow kinds drawn (for the legend).
std::set<std::string> DrawMessages(std::string* out, const Diagram& d) {
  std::set<std::string> kinds_used;
  for (const Row& r : d.rows) {
    if (r.elision) {
      DrawElision(out, d, r);
    } else {
      kinds_used.insert(DrawMessage(out, d, r));
    }
  }
  if (d.rows.empty()) {
    Text(out, (kMarginLeft + d.lanes_right) / 2, kRowsTop + 10, "no messages traced",
         "text-anchor=\"middle\" font-style=\"italic\" fill=\"#6b7280\"");
  }
  return kinds_used;
}

// A legend swatch for a marker band kind; returns the x after it.
int DrawBandSwatch(std::string* out, int lx, int y, const char* color, const char* text) {
  absl::StrAppend(out, "<rect x=\"", lx, "\" y=\"", y - 7, "\" width=\"22\" height=\"14\" fill=\"",
                  color, "\" fill-opacity=\"0.15\" stroke=\"", color,
                  "\" stroke-dasharray=\"4 3\"/>\n");
  Text(out, lx + 28, y + 4, text, "");
  return lx + 28 + 12 * 6 + 22;  // room for a 12-character label
}

// Legend: only the arrow kinds the diagram uses, plus its marker kinds.
void DrawLegend(std::string* out, const Diagram& d, const std::set<std::string>& kinds_used) {
  struct LegendItem {
    const char* css;
    const char* text;
    const char* stroke;
    const char* dash;
  };
  const LegendItem items[] = {
      {"call", "call", "#1f2937", ""},
      {"engine", "scenario engine (script)", "#9ca3af", ""},
      {"push", "push", "#2563eb", "7 4"},
      {"channel", "channel message", "#15803d", "2 3"},
      {"adversary", "adversary call", "#dc2626", ""},
      {"fault", "fault (dropped/delayed)", "#ea580c", "5 3"},
  };
  const int y = d.legend_y;
  int lx = 12;
  absl::StrAppend(out, "<g class=\"legend\" font-size=\"11\" fill=\"#374151\">\n");
  for (const LegendItem& it : items) {
    if (!kinds_used.count(it.css)) continue;
    absl::StrAppend(out, "<line x1=\"", lx, "\" y1=\"", y, "\" x2=\"", lx + 26, "\" y2=\"", y,
                    "\" stroke=\"", it.stroke, "\" stroke-width=\"2\"", DashAttr(it.dash), "/>\n");
    Text(out, lx + 32, y + 4, it.text, "");
    lx += 32 + CodePoints(it.text) * 6 + 22;
  }
  bool any_fault = false, any_adv = false;
  for (const Band& b : d.bands) {
    (b.marker->kind() == common::v1::FAULT ? any_fault : any_adv) = true;
  }
  if (any_fault) lx = DrawBandSwatch(out, lx, y, "#f59e0b", "fault window");
  if (any_adv) lx = DrawBandSwatch(out, lx, y, "#ef4444", "adversary active");
  bool any_marked = false;
  for (const Row& r : d.rows) any_marked = any_marked || r.self_declared;
  if (d.all_self_declared) {
    Text(out, lx, y + 4,
         "\u26a0 every caller but the engine named itself (no client certificate)", "");
  } else if (any_marked) {
    Text(out, lx, y + 4, "\u26a0 caller self-declared (not backed by its certificate)", "");
  }
  absl::StrAppend(out, "</g>\n</svg>\n");
}

// Drawing order is back to front: failed-step tints, marker bands, the step
// margin, lifelines, messages, legend.
std::string RenderSvg(const ScenarioResult& result, bool standalone) {
  const Diagram d = BuildDiagram(result);
  StepStatuses statuses;
  for (const StepResult& s : result.steps()) statuses.emplace(s.step_id(), s.status());
  std::string out;
  OpenSvg(&out, result, d, standalone);
  DrawFailedSteps(&out, d, statuses);
  for (const Band& b : d.bands) DrawMarkerBand(&out, d, b);
  DrawStepMargin(&out, d, statuses);
  DrawLifelines(&out, d);
  const std::set<std::string> kinds_used = DrawMessages(&out, d);
  DrawLegend(&out, d, kinds_used);
  return out;
}

}  // namespace

std::string InlineSequenceDiagramSvg(const ScenarioResult& result) {
  return RenderSvg(result, /*standalone=*/false);
}

}  // namespace report

std::string SequenceDiagramSvg(const scenario::v1::ScenarioResult& result) {
  return report::RenderSvg(result, /*standalone=*/true);
}

}  // namespace sct::scenarios
