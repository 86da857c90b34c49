#include "scenarios/report/diagram_layout.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/proto_time.h"
#include "scenarios/report/text.h"

namespace sct::scenarios::report {
namespace {

using common::v1::TraceEvent;
using scenario::v1::Marker;
using scenario::v1::ScenarioResult;

constexpr int kMaxRows = 240;   // rows drawn before eliding the middle
constexpr int kKeepHead = 170;  // rows kept from the start when eliding
constexpr int kKeepTail = 60;   // rows kept from the end when eliding
constexpr int kRowHeight = 36;
constexpr int kStepGap = 12;
constexpr int kLabelCharWidth = 6;  // ~ average width of a label character at 12px
constexpr int kGutterBase = 190;    // right gutter for marker labels

// Short method name: "relay.v1.Relay/ReadSecureContent" -> "ReadSecureContent";
// "HTTP POST /v1/m/{id}" stays as is.
std::string ShortRpc(absl::string_view rpc) {
  if (rpc.empty()) return "(call)";
  if (absl::StartsWith(rpc, "HTTP ")) return std::string(rpc);
  if (!absl::StrContains(rpc, ' ')) {
    size_t slash = rpc.rfind('/');
    if (slash != absl::string_view::npos && slash + 1 < rpc.size()) {
      return std::string(rpc.substr(slash + 1));
    }
  }
  return std::string(rpc);
}

std::string StatusLabel(const TraceEvent& e) {
  if (e.status_code().empty() || e.status_code() == "OK") return "";
  if (e.reason().empty()) return e.status_code();
  return absl::StrCat(e.status_code(), " ", e.reason());
}

bool SameGroup(const Row& r, const TraceEvent& e, int from, int to) {
  return !r.elision && r.from == from && r.to == to && r.method == ShortRpc(e.rpc()) &&
         r.status == StatusLabel(e) && r.kind == e.kind() && r.step_id == e.step_id() &&
         r.self_declared == e.actor_self_declared();
}

// The second label line: status (when not OK) and duration.
std::string RowSubLabel(const Row& r) {
  std::vector<std::string> parts;
  if (!r.status.empty()) parts.push_back(Truncate(r.status, 40));
  std::string d = RowDuration(r);
  if (!d.empty()) parts.push_back(d);
  return absl::StrJoin(parts, " \u00b7 ");
}

// Width in characters a label needs: arrows put the method above the line and
// status/duration (smaller) below it; self calls write both on one line.
int RowLabelChars(const Row& r) {
  const int main = CodePoints(RowLabel(r));
  const int sub = CodePoints(RowSubLabel(r));
  if (r.from == r.to) return main + (sub > 0 ? 1 + sub : 0);
  return std::max(main, sub * 6 / 7);
}

std::string LaneName(const std::string& actor) { return actor.empty() ? "(unknown)" : actor; }

// The lanes in order (see BuildDiagram) and each name's lane index.
void AddLanes(const ScenarioResult& result, Diagram* d, std::map<std::string, int>* index) {
  auto add_lane = [&](const std::string& name) {
    if (index->count(name)) return;
    (*index)[name] = static_cast<int>(d->lanes.size());
    d->lanes.push_back(name);
  };
  // The engine (the scenario script) drives the devices: its lifeline, when
  // listed or traced, is always the leftmost.
  bool engine_present = false;
  for (const std::string& a : result.actors()) engine_present |= (a == "engine");
  for (const TraceEvent& e : result.trace()) {
    engine_present |= (e.from() == "engine" || e.to() == "engine");
  }
  if (engine_present) add_lane("engine");
  for (const std::string& a : result.actors()) add_lane(LaneName(a));
  for (const TraceEvent& e : result.trace()) {
    add_lane(LaneName(e.from()));
    add_lane(LaneName(e.to()));
  }
}

Row NewRow(const TraceEvent& e, int from, int to) {
  Row r;
  r.from = from;
  r.to = to;
  r.method = ShortRpc(e.rpc());
  r.status = StatusLabel(e);
  r.step_id = e.step_id();
  r.kind = e.kind();
  r.self_declared = e.actor_self_declared();
  r.total = ToAbslDuration(e.duration());
  r.has_time = e.has_time();
  r.first = r.last = ToAbslTime(e.time());
  r.tooltip =
      absl::StrCat(e.from(), " \u2192 ", e.to(), ": ", e.rpc().empty() ? "(call)" : e.rpc());
  if (!e.status_code().empty()) absl::StrAppend(&r.tooltip, " [", e.status_code(), "]");
  if (!e.reason().empty()) absl::StrAppend(&r.tooltip, " ", e.reason());
  if (!e.summary().empty()) absl::StrAppend(&r.tooltip, " \u2014 ", e.summary());
  if (!e.step_id().empty()) absl::StrAppend(&r.tooltip, " (step ", e.step_id(), ")");
  if (r.self_declared) {
    absl::StrAppend(&r.tooltip, " \u26a0 caller self-declared as ", e.from(),
                    " (not backed by its TLS certificate)");
  }
  return r;
}

// One row per run of identical consecutive events.
std::vector<Row> GroupRows(const ScenarioResult& result, const std::map<std::string, int>& index) {
  std::vector<Row> all;
  for (const TraceEvent& e : result.trace()) {
    const int from = index.at(LaneName(e.from()));
    const int to = index.at(LaneName(e.to()));
    if (!all.empty() && SameGroup(all.back(), e, from, to)) {
      Row& r = all.back();
      ++r.count;
      r.total += ToAbslDuration(e.duration());
      if (e.has_time()) {
        const absl::Time t = ToAbslTime(e.time());
        if (!r.has_time) r.first = t;
        r.last = t;
        r.has_time = true;
      }
      continue;
    }
    all.push_back(NewRow(e, from, to));
  }
  return all;
}

// Replaces the middle of more than kMaxRows rows by one elision row.
void ElideMiddle(std::vector<Row>* rows) {
  std::vector<Row>& all = *rows;
  if (static_cast<int>(all.size()) <= kMaxRows) return;
  Row gap;
  gap.elision = true;
  const size_t tail_start = all.size() - kKeepTail;
  for (size_t i = kKeepHead; i < tail_start; ++i) {
    gap.omitted += all[i].count;
    if (all[i].has_time) {
      if (!gap.has_time) gap.first = all[i].first;
      gap.last = all[i].last;
      gap.has_time = true;
    }
  }
  gap.step_id = all[tail_start].step_id;
  std::vector<Row> kept(all.begin(), all.begin() + kKeepHead);
  kept.push_back(gap);
  kept.insert(kept.end(), all.begin() + tail_start, all.end());
  all = std::move(kept);
}

// Column spacing: wide enough for every label over its span and every name.
int ColumnSpacing(const Diagram& d) {
  int need = 0;
  for (const std::string& lane : d.lanes) {
    need = std::max(need, std::min(CodePoints(lane), 28) * kCharWidth + 24);
  }
  for (const Row& r : d.rows) {
    if (r.elision) continue;
    const int w = RowLabelChars(r) * kLabelCharWidth;
    const int span = std::abs(r.to - r.from);
    need = std::max(need, span == 0 ? (w + 50) : (w / span + 28));
  }
  return std::clamp(need, 120, 300);
}

// Vertical positions: one row height per row, a gap before each new step.
void PlaceRows(std::vector<Row>* rows) {
  int y = kRowsTop;
  std::string step = "\x01";  // never a real step id
  for (size_t i = 0; i < rows->size(); ++i) {
    Row& r = (*rows)[i];
    if (r.step_id != step) {
      r.new_step = true;
      step = r.step_id;
      if (i > 0) y += kStepGap;
    }
    r.y = y + 18;
    y += kRowHeight;
  }
}

// Whether row `r` falls in marker `m`'s window [start, end) (a zero-length
// window covers its instant). Rows without a time are only in markers
// without a window.
bool InWindow(const Row& r, const Marker& m, absl::Time start, absl::Time end) {
  if (!r.has_time) return !m.has_start() && !m.has_end();
  return r.last >= start && (end > start ? r.first < end : r.first <= end);
}

Band BandOf(const Marker& m, const Diagram& d, const std::map<std::string, int>& index) {
  Band b{&m, 0, 0, 0, static_cast<int>(d.lanes.size()) - 1};
  int lo = -1, hi = -1;
  for (const std::string& a : m.actors()) {
    auto it = index.find(a);
    if (it == index.end()) continue;
    lo = lo < 0 ? it->second : std::min(lo, it->second);
    hi = std::max(hi, it->second);
  }
  if (lo >= 0) {
    b.min_lane = lo;
    b.max_lane = hi;
  }
  const absl::Time start = m.has_start() ? ToAbslTime(m.start()) : absl::InfinitePast();
  const absl::Time end = m.has_end() ? ToAbslTime(m.end()) : absl::InfiniteFuture();
  int first = -1, last = -1;
  for (size_t i = 0; i < d.rows.size(); ++i) {
    if (InWindow(d.rows[i], m, start, end)) {
      if (first < 0) first = static_cast<int>(i);
      last = static_cast<int>(i);
    }
  }
  if (first >= 0) {
    b.top = d.rows[first].y - 20;
    b.bottom = d.rows[last].y + 10;
    return b;
  }
  // Nothing traced inside the window: a thin band where it would be.
  int y = d.rows_bottom;
  for (const Row& r : d.rows) {
    if (r.has_time && r.first > start) {
      y = r.y - 20;
      break;
    }
  }
  if (d.rows.empty()) y = kRowsTop;
  b.top = y - 4;
  b.bottom = y + 4;
  return b;
}

// Gutter levels: a band takes the first level free of overlapping bands.
void AssignGutterLevels(std::vector<Band>* bands) {
  for (size_t i = 0; i < bands->size(); ++i) {
    Band& bi = (*bands)[i];
    std::set<int> used;
    for (size_t j = 0; j < i; ++j) {
      const Band& bj = (*bands)[j];
      if (bj.top <= bi.bottom + 14 && bi.top <= bj.bottom + 14) used.insert(bj.level);
    }
    while (used.count(bi.level)) ++bi.level;
  }
}

std::vector<Band> LayoutMarkers(const ScenarioResult& result, const Diagram& d) {
  std::map<std::string, int> index;
  for (size_t i = 0; i < d.lanes.size(); ++i) index[d.lanes[i]] = static_cast<int>(i);
  std::vector<Band> bands;
  for (const Marker& m : result.markers()) bands.push_back(BandOf(m, d, index));
  AssignGutterLevels(&bands);
  return bands;
}

// The canvas: lanes, then a gutter wide enough for the marker labels; rows,
// then (for long diagrams) footer boxes, then the legend.
void PlaceCanvas(Diagram* d) {
  const int n = static_cast<int>(d->lanes.size());
  int levels = 0;
  int label_chars = 0;
  for (const Band& b : d->bands) {
    levels = std::max(levels, b.level + 1);
    label_chars = std::max(label_chars, std::min(CodePoints(b.marker->label()), 32) + 11);
  }
  const int gutter =
      d->bands.empty() ? 40 : std::max(kGutterBase, label_chars * kCharWidth + 30) + 16 * levels;
  d->lanes_right = kMarginLeft + d->spacing * std::max(n, 1);
  d->width = d->lanes_right + gutter;
  d->footer = d->rows.size() > 12;
  d->lifeline_bottom = d->rows_bottom + 10;
  d->legend_y = d->lifeline_bottom + (d->footer ? 44 : 0) + 26;
  d->height = d->legend_y + 22;
}

// True when some row is self-declared and every row whose caller is not the
// engine is: then a mark on each arrow says nothing the legend cannot say once.
bool AllCallersSelfDeclared(const Diagram& d) {
  bool any = false;
  for (const Row& r : d.rows) {
    if (r.elision || d.lanes[r.from] == "engine") continue;
    if (!r.self_declared) return false;
    any = true;
  }
  return any;
}

}  // namespace

Diagram BuildDiagram(const ScenarioResult& result) {
  Diagram d;
  std::map<std::string, int> index;
  AddLanes(result, &d, &index);
  d.rows = GroupRows(result, index);
  d.all_self_declared = AllCallersSelfDeclared(d);
  if (d.all_self_declared) {
    for (Row& r : d.rows) r.self_declared = false;
  }
  ElideMiddle(&d.rows);
  const std::set<std::string> adversaries = Adversaries(result);
  for (const std::string& lane : d.lanes) d.roles.push_back(RoleOf(lane, adversaries));
  d.spacing = ColumnSpacing(d);
  PlaceRows(&d.rows);
  d.rows_bottom = d.rows.empty() ? kRowsTop + 30 : d.rows.back().y + 18;
  d.bands = LayoutMarkers(result, d);
  PlaceCanvas(&d);
  return d;
}

int LaneX(const Diagram& d, int lane) { return kMarginLeft + d.spacing * lane + d.spacing / 2; }

std::string RowLabel(const Row& r) {
  std::string label = Truncate(r.method, 42);
  if (r.self_declared) label = absl::StrCat("\u26a0 ", label);
  if (r.count > 1) absl::StrAppend(&label, " \u00d7", r.count);
  return label;
}

std::string RowDuration(const Row& r) {
  if (r.total == absl::ZeroDuration()) return "";
  if (r.count > 1) return absl::StrCat("avg ", ShortDuration(r.total / r.count));
  return ShortDuration(r.total);
}

}  // namespace sct::scenarios::report
