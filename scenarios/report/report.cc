// Rendering of scenario reports: terminal summary, sequence-diagram SVG,
// self-contained HTML, and the out/ directory writer. See report.h and
// docs/report.md.
#include "scenarios/report/report.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "google/protobuf/util/json_util.h"
#include "proto/access_point/v1/access_point.pb.h"
#include "proto/common/v1/audit.pb.h"

namespace sct::scenarios {
namespace {

using common::v1::TraceEvent;
using common::v1::TraceKind;
using scenario::v1::Marker;
using scenario::v1::Report;
using scenario::v1::ScenarioResult;
using scenario::v1::StepResult;
using scenario::v1::StepStatus;

// ---------------------------------------------------------------------------
// Text helpers.
// ---------------------------------------------------------------------------

// Length of a UTF-8 sequence starting with `c` (1 for stray bytes).
int Utf8Len(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c >> 5) == 0x6) return 2;
  if ((c >> 4) == 0xE) return 3;
  if ((c >> 3) == 0x1E) return 4;
  return 1;
}

// Number of code points (display width estimate).
int CodePoints(absl::string_view s) {
  int n = 0;
  for (size_t i = 0; i < s.size(); i += Utf8Len(s[i])) ++n;
  return n;
}

// At most `max` code points of `s`, ending in "…" when cut.
std::string Truncate(absl::string_view s, int max) {
  if (max < 1) max = 1;
  if (CodePoints(s) <= max) return std::string(s);
  size_t i = 0;
  for (int n = 0; n < max - 1 && i < s.size(); ++n) i += Utf8Len(s[i]);
  if (i > s.size()) i = s.size();
  return absl::StrCat(s.substr(0, i), "\u2026");
}

// XML/HTML text and attribute escaping. Control characters that XML 1.0
// forbids are replaced by U+FFFD so names from files cannot break the document.
std::string Esc(absl::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if (c < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') {
          out += "\xEF\xBF\xBD";
        } else if (c == 0x7F) {
          out += "\xEF\xBF\xBD";
        } else {
          out += ch;
        }
    }
  }
  return out;
}

// Terminal-safe text: control characters (ANSI escapes, newlines) from the
// data become '?', so a scenario file cannot drive the user's terminal.
std::string T(absl::string_view s) {
  std::string out(s);
  for (char& c : out) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) c = '?';
  }
  return out;
}

absl::Duration ToAbsl(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

absl::Time ToAbsl(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// "850µs", "12ms", "2.5ms", "4.21s", "1m05s", "2h03m".
std::string ShortDuration(absl::Duration d) {
  if (d < absl::ZeroDuration()) return absl::StrCat("-", ShortDuration(-d));
  const int64_t us = absl::ToInt64Microseconds(d);
  if (us < 1000) return absl::StrCat(us, "\u00b5s");
  if (us < 10000) return absl::StrFormat("%.1fms", us / 1000.0);
  if (us < 1000000) return absl::StrCat(us / 1000, "ms");
  if (us < 60000000) return absl::StrFormat("%.2fs", us / 1e6);
  const int64_t s = us / 1000000;
  if (s < 3600) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  return absl::StrFormat("%dh%02dm", s / 3600, (s % 3600) / 60);
}

std::string ShortDuration(const google::protobuf::Duration& d) {
  return ShortDuration(ToAbsl(d));
}

std::string FormatTime(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", ToAbsl(t),
                          absl::UTCTimeZone());
}

bool Failed(StepStatus s) {
  return s == scenario::v1::FAILED || s == scenario::v1::ERRORED;
}

const StepResult* FirstFailingStep(const ScenarioResult& r) {
  for (const StepResult& s : r.steps()) {
    if (Failed(s.status())) return &s;
  }
  return nullptr;
}

std::string StatusName(StepStatus s) {
  switch (s) {
    case scenario::v1::PASSED:
      return "passed";
    case scenario::v1::FAILED:
      return "FAILED";
    case scenario::v1::SKIPPED:
      return "skipped";
    case scenario::v1::ERRORED:
      return "ERRORED";
    default:
      return "not run";
  }
}

std::string Observed(const StepResult& s) {
  if (!s.observed().empty()) return s.observed();
  if (s.access() != access_point::v1::AUTH_REASON_UNSPECIFIED) {
    return absl::StrCat("access ",
                        access_point::v1::AuthReason_Name(s.access()));
  }
  if (!s.code().empty()) {
    return s.reason().empty() ? s.code()
                              : absl::StrCat(s.code(), " ", s.reason());
  }
  return "";
}

// Whether the scenario's first_failure text already says what `step` says
// (its id and observed outcome), so printing both would repeat it.
bool RepeatsStep(const ScenarioResult& r, const StepResult& step) {
  return absl::StrContains(r.first_failure(), step.step_id()) &&
         absl::StrContains(r.first_failure(), Observed(step));
}

template <typename Map>
std::vector<std::pair<std::string, std::string>> Sorted(const Map& m) {
  std::vector<std::pair<std::string, std::string>> v(m.begin(), m.end());
  std::sort(v.begin(), v.end());
  return v;
}

// ---------------------------------------------------------------------------
// Actor roles.
// ---------------------------------------------------------------------------

enum class Role {
  kEngine,
  kDevice,
  kChannel,
  kRelay,
  kOem,
  kAuthority,
  kAccessPoint,
  kAdversary,
  kOther
};

struct RoleStyle {
  const char* name;
  const char* fill;
  const char* stroke;
};

RoleStyle StyleOf(Role r) {
  switch (r) {
    case Role::kEngine:
      return {"engine", "#f3f4f6", "#9ca3af"};
    case Role::kDevice:
      return {"device", "#dbeafe", "#1d4ed8"};
    case Role::kChannel:
      return {"channel", "#dcfce7", "#15803d"};
    case Role::kRelay:
      return {"relay", "#ede9fe", "#6d28d9"};
    case Role::kOem:
      return {"OEM server", "#ffedd5", "#c2410c"};
    case Role::kAuthority:
      return {"authority", "#fef9c3", "#a16207"};
    case Role::kAccessPoint:
      return {"access point", "#ccfbf1", "#0f766e"};
    case Role::kAdversary:
      return {"adversary", "#fee2e2", "#b91c1c"};
    default:
      return {"service", "#f3f4f6", "#4b5563"};
  }
}

// Lower-case words of an actor id, split at anything not a letter, with
// trailing digits dropped: "Car1-front" -> {"car", "front"}.
std::set<std::string> Words(absl::string_view name) {
  std::set<std::string> out;
  std::string word;
  auto flush = [&] {
    while (!word.empty() && absl::ascii_isdigit(word.back())) word.pop_back();
    if (!word.empty()) out.insert(word);
    word.clear();
  };
  for (char c : name) {
    if (absl::ascii_isalnum(c)) {
      word += absl::ascii_tolower(c);
    } else {
      flush();
    }
  }
  flush();
  return out;
}

bool HasAny(const std::set<std::string>& words,
            std::initializer_list<const char*> any) {
  for (const char* w : any) {
    if (words.count(w)) return true;
  }
  return false;
}

// Adversaries: senders of ADVERSARY events, adversary_act step actors, and
// ADVERSARY marker labels.
std::set<std::string> Adversaries(const ScenarioResult& r) {
  std::set<std::string> out;
  for (const TraceEvent& e : r.trace()) {
    if (e.kind() == common::v1::ADVERSARY && !e.from().empty())
      out.insert(e.from());
  }
  for (const StepResult& s : r.steps()) {
    if (s.action() == "adversary_act" && !s.actor().empty())
      out.insert(s.actor());
  }
  for (const Marker& m : r.markers()) {
    if (m.kind() == common::v1::ADVERSARY) out.insert(m.label());
  }
  return out;
}

// Role from the actor id's words (ids come from scenario files, e.g.
// "alice-phone", "oem-a", "ca", "car-1", "eve"); adversaries also from the
// trace.
Role RoleOf(const std::string& name, const std::set<std::string>& adversaries) {
  if (name == "engine") return Role::kEngine;
  const std::set<std::string> w = Words(name);
  if (adversaries.count(name) ||
      HasAny(w, {"adversary", "attacker", "eve", "mallory", "trudy",
                 "interceptor", "guesser", "replayer", "operator", "evil"})) {
    return Role::kAdversary;
  }
  if (HasAny(w, {"relay", "mailbox"})) return Role::kRelay;
  if (HasAny(w, {"oem", "vendor"})) return Role::kOem;
  if (HasAny(w, {"ca", "authority", "issuer"})) return Role::kAuthority;
  if (HasAny(w, {"channel", "sms", "email", "mail", "messenger", "preview",
                 "bot"})) {
    return Role::kChannel;
  }
  if (HasAny(w, {"phone", "device", "tablet", "watch", "laptop", "wallet",
                 "iphone", "android", "pixel", "handset"})) {
    return Role::kDevice;
  }
  if (HasAny(w, {"car", "door", "hotel", "lock", "gate", "ap", "vehicle",
                 "room", "home", "reader", "access"})) {
    return Role::kAccessPoint;
  }
  return Role::kOther;
}

// ---------------------------------------------------------------------------
// Sequence diagram model.
// ---------------------------------------------------------------------------

constexpr int kMaxRows = 240;     // rows drawn before eliding the middle
constexpr int kKeepHead = 170;    // rows kept from the start when eliding
constexpr int kKeepTail = 60;     // rows kept from the end when eliding
constexpr int kMarginLeft = 150;  // step-id margin
constexpr int kHeaderTop = 40;
constexpr int kHeaderHeight = 42;
constexpr int kRowsTop = kHeaderTop + kHeaderHeight + 26;
constexpr int kRowHeight = 36;
constexpr int kStepGap = 12;
constexpr int kCharWidth = 7;  // ~ width of one bold character at 12-13px
constexpr int kLabelCharWidth =
    6;  // ~ average width of a label character at 12px
constexpr int kGutterBase = 190;  // right gutter for marker labels

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

struct Row {
  int from = 0;
  int to = 0;
  std::string method;  // short method
  std::string status;  // empty when OK
  std::string step_id;
  TraceKind kind = common::v1::TRACE_KIND_UNSPECIFIED;
  int count = 1;
  absl::Duration total = absl::ZeroDuration();
  absl::Time first = absl::InfinitePast();
  absl::Time last = absl::InfinitePast();
  bool has_time = false;
  std::string tooltip;
  bool elision = false;  // "… N messages not shown"
  int omitted = 0;
  int y = 0;              // assigned at layout
  bool new_step = false;  // first row of a step
};

std::string StatusLabel(const TraceEvent& e) {
  if (e.status_code().empty() || e.status_code() == "OK") return "";
  if (e.reason().empty()) return e.status_code();
  return absl::StrCat(e.status_code(), " ", e.reason());
}

bool SameGroup(const Row& r, const TraceEvent& e, int from, int to) {
  return !r.elision && r.from == from && r.to == to &&
         r.method == ShortRpc(e.rpc()) && r.status == StatusLabel(e) &&
         r.kind == e.kind() && r.step_id == e.step_id();
}

std::string RowLabel(const Row& r) {
  std::string label = Truncate(r.method, 42);
  if (r.count > 1) absl::StrAppend(&label, " \u00d7", r.count);
  return label;
}

std::string RowDuration(const Row& r) {
  if (r.total == absl::ZeroDuration()) return "";
  if (r.count > 1)
    return absl::StrCat("avg ", ShortDuration(r.total / r.count));
  return ShortDuration(r.total);
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

struct Diagram {
  std::vector<std::string> lanes;
  std::vector<Role> roles;
  std::vector<Row> rows;
  int spacing = 140;
};

Diagram BuildDiagram(const ScenarioResult& result) {
  Diagram d;
  std::map<std::string, int> index;
  auto add_lane = [&](const std::string& name) {
    if (index.count(name)) return;
    index[name] = static_cast<int>(d.lanes.size());
    d.lanes.push_back(name);
  };
  // The engine (the scenario script) drives the devices: its lifeline, when
  // listed or traced, is always the leftmost.
  bool engine_present = false;
  for (const std::string& a : result.actors())
    engine_present |= (a == "engine");
  for (const TraceEvent& e : result.trace()) {
    engine_present |= (e.from() == "engine" || e.to() == "engine");
  }
  if (engine_present) add_lane("engine");
  for (const std::string& a : result.actors())
    add_lane(a.empty() ? "(unknown)" : a);
  auto lane_of = [&](const std::string& name) {
    const std::string key = name.empty() ? "(unknown)" : name;
    add_lane(key);
    return index[key];
  };

  std::vector<Row> all;
  for (const TraceEvent& e : result.trace()) {
    const int from = lane_of(e.from());
    const int to = lane_of(e.to());
    const absl::Time t = ToAbsl(e.time());
    const bool has_time = e.has_time();
    if (!all.empty() && SameGroup(all.back(), e, from, to)) {
      Row& r = all.back();
      ++r.count;
      r.total += ToAbsl(e.duration());
      if (has_time) {
        if (!r.has_time) r.first = t;
        r.last = t;
        r.has_time = true;
      }
      continue;
    }
    Row r;
    r.from = from;
    r.to = to;
    r.method = ShortRpc(e.rpc());
    r.status = StatusLabel(e);
    r.step_id = e.step_id();
    r.kind = e.kind();
    r.total = ToAbsl(e.duration());
    r.has_time = has_time;
    r.first = r.last = t;
    r.tooltip = absl::StrCat(e.from(), " \u2192 ", e.to(), ": ",
                             e.rpc().empty() ? "(call)" : e.rpc());
    if (!e.status_code().empty())
      absl::StrAppend(&r.tooltip, " [", e.status_code(), "]");
    if (!e.reason().empty()) absl::StrAppend(&r.tooltip, " ", e.reason());
    if (!e.summary().empty())
      absl::StrAppend(&r.tooltip, " \u2014 ", e.summary());
    if (!e.step_id().empty())
      absl::StrAppend(&r.tooltip, " (step ", e.step_id(), ")");
    all.push_back(std::move(r));
  }

  if (static_cast<int>(all.size()) > kMaxRows) {
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
  d.rows = std::move(all);

  const std::set<std::string> adversaries = Adversaries(result);
  for (const std::string& lane : d.lanes)
    d.roles.push_back(RoleOf(lane, adversaries));

  // Column spacing: wide enough for every label over its span and every name.
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
  d.spacing = std::clamp(need, 120, 300);

  // Vertical positions.
  int y = kRowsTop;
  std::string step = "\x01";  // never a real step id
  for (size_t i = 0; i < d.rows.size(); ++i) {
    Row& r = d.rows[i];
    if (r.step_id != step) {
      r.new_step = true;
      step = r.step_id;
      if (i > 0) y += kStepGap;
    }
    r.y = y + 18;
    y += kRowHeight;
  }
  return d;
}

int LaneX(const Diagram& d, int lane) {
  return kMarginLeft + d.spacing * lane + d.spacing / 2;
}

// Colours of an arrow: {stroke, dash, width}.
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

void Text(std::string* out, int x, int y, absl::string_view text,
          absl::string_view attrs) {
  absl::StrAppend(out, "<text x=\"", x, "\" y=\"", y, "\" ", attrs, ">",
                  Esc(text), "</text>\n");
}

// Marker vertical extent: rows whose time range meets [start, end).
struct Band {
  const Marker* marker;
  int top;
  int bottom;
  int min_lane;
  int max_lane;
  int level = 0;
};

std::vector<Band> LayoutMarkers(const ScenarioResult& result, const Diagram& d,
                                int rows_bottom) {
  std::vector<Band> bands;
  std::map<std::string, int> index;
  for (size_t i = 0; i < d.lanes.size(); ++i)
    index[d.lanes[i]] = static_cast<int>(i);
  for (const Marker& m : result.markers()) {
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
    const absl::Time start =
        m.has_start() ? ToAbsl(m.start()) : absl::InfinitePast();
    const absl::Time end =
        m.has_end() ? ToAbsl(m.end()) : absl::InfiniteFuture();
    int first = -1, last = -1;
    for (size_t i = 0; i < d.rows.size(); ++i) {
      const Row& r = d.rows[i];
      const bool in = !r.has_time
                          ? (!m.has_start() && !m.has_end())
                          : (r.last >= start &&
                             (end > start ? r.first < end : r.first <= end));
      if (in) {
        if (first < 0) first = static_cast<int>(i);
        last = static_cast<int>(i);
      }
    }
    if (first >= 0) {
      b.top = d.rows[first].y - 20;
      b.bottom = d.rows[last].y + 10;
    } else {
      // Nothing traced inside the window: a thin band where it would be.
      int y = rows_bottom;
      for (const Row& r : d.rows) {
        if (r.has_time && r.first > start) {
          y = r.y - 20;
          break;
        }
      }
      if (d.rows.empty()) y = kRowsTop;
      b.top = y - 4;
      b.bottom = y + 4;
    }
    bands.push_back(b);
  }
  // Gutter levels: a band takes the first level free of overlapping bands.
  for (size_t i = 0; i < bands.size(); ++i) {
    std::set<int> used;
    for (size_t j = 0; j < i; ++j) {
      if (bands[j].top <= bands[i].bottom + 14 &&
          bands[i].top <= bands[j].bottom + 14) {
        used.insert(bands[j].level);
      }
    }
    while (used.count(bands[i].level)) ++bands[i].level;
  }
  return bands;
}

void Lightning(std::string* out, int x, int y, const char* fill) {
  absl::StrAppend(out, "<polygon points=\"", x + 1, ",", y - 8, " ", x - 4, ",",
                  y + 1, " ", x, ",", y + 1, " ", x - 2, ",", y + 8, " ", x + 4,
                  ",", y - 2, " ", x, ",", y - 2, "\" fill=\"", fill, "\"/>\n");
}

std::string SvgImpl(const ScenarioResult& result, bool standalone) {
  const Diagram d = BuildDiagram(result);
  const int n = static_cast<int>(d.lanes.size());
  const int rows_bottom = d.rows.empty() ? kRowsTop + 30 : d.rows.back().y + 18;
  std::vector<Band> bands = LayoutMarkers(result, d, rows_bottom);
  int levels = 0;
  for (const Band& b : bands) levels = std::max(levels, b.level + 1);
  int label_chars = 0;
  for (const Band& b : bands) {
    label_chars =
        std::max(label_chars, std::min(CodePoints(b.marker->label()), 32) + 11);
  }
  const int gutter =
      bands.empty()
          ? 40
          : std::max(kGutterBase, label_chars * kCharWidth + 30) + 16 * levels;
  const int lanes_right = kMarginLeft + d.spacing * std::max(n, 1);
  const int width = lanes_right + gutter;
  const bool footer = d.rows.size() > 12;
  const int lifeline_bottom = rows_bottom + 10;
  const int footer_top = lifeline_bottom;
  const int legend_y = lifeline_bottom + (footer ? 44 : 0) + 26;
  const int height = legend_y + 22;

  std::map<std::string, StepStatus> step_status;
  for (const StepResult& s : result.steps())
    step_status.emplace(s.step_id(), s.status());

  std::string out;
  absl::StrAppend(&out, "<svg");
  if (standalone)
    absl::StrAppend(&out, " xmlns=\"http://www.w3.org/2000/svg\"");
  absl::StrAppend(
      &out, " class=\"sequence\" width=\"", width, "\" height=\"", height,
      "\" viewBox=\"0 0 ", width, " ", height,
      "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\""
      " role=\"img\" aria-label=\"",
      Esc(absl::StrCat("Sequence diagram of ", result.name())), "\">\n");
  absl::StrAppend(&out, "<title>",
                  Esc(absl::StrCat("Sequence diagram: ", result.name())),
                  "</title>\n");
  if (standalone && !result.description().empty()) {  // HTML shows it above
    absl::StrAppend(&out, "<desc>", Esc(result.description()), "</desc>\n");
  }
  absl::StrAppend(&out, "<rect x=\"0\" y=\"0\" width=\"", width, "\" height=\"",
                  height, "\" fill=\"#ffffff\"/>\n");
  Text(&out, 12, 24, Truncate(result.name(), 90),
       "font-size=\"16\" font-weight=\"bold\" fill=\"#111827\"");
  {
    std::string sub = absl::StrCat(result.passed() ? "PASSED" : "FAILED");
    int events = result.trace_size();
    absl::StrAppend(&sub, " \u00b7 ", events,
                    events == 1 ? " message" : " messages");
    if (result.has_duration())
      absl::StrAppend(&sub, " \u00b7 ", ShortDuration(result.duration()));
    Text(&out, width - 12, 24, sub,
         absl::StrCat("text-anchor=\"end\" font-size=\"12\" fill=\"",
                      result.passed() ? "#15803d" : "#b91c1c", "\""));
  }

  // Failed steps: a faint red background behind their rows.
  for (size_t i = 0; i < d.rows.size(); ++i) {
    if (!d.rows[i].new_step) continue;
    auto it = step_status.find(d.rows[i].step_id);
    if (it == step_status.end() || !Failed(it->second)) continue;
    size_t last = i;
    while (last + 1 < d.rows.size() && !d.rows[last + 1].new_step) ++last;
    const int top = d.rows[i].y - 22;
    const int bottom = d.rows[last].y + 18;
    absl::StrAppend(&out, "<rect class=\"failed-step\" x=\"4\" y=\"", top,
                    "\" width=\"", lanes_right - 4, "\" height=\"",
                    bottom - top, "\" fill=\"#fef2f2\"/>\n");
  }

  // Marker bands (behind everything but failed-step backgrounds).
  for (const Band& b : bands) {
    const bool fault = b.marker->kind() == common::v1::FAULT;
    const char* fill = fault ? "#f59e0b" : "#ef4444";
    const int x1 = LaneX(d, b.min_lane) - d.spacing / 2 + 6;
    const int x2 = LaneX(d, b.max_lane) + d.spacing / 2 - 6;
    const int gx = lanes_right + 8 + 16 * b.level;
    absl::StrAppend(&out, "<g class=\"marker ", fault ? "fault" : "adversary",
                    "\">\n");
    absl::StrAppend(&out, "<rect x=\"", x1, "\" y=\"", b.top, "\" width=\"",
                    x2 - x1, "\" height=\"", b.bottom - b.top,
                    "\" rx=\"4\" fill=\"", fill,
                    "\" fill-opacity=\"0.10\" stroke=\"", fill,
                    "\" stroke-opacity=\"0.6\" stroke-dasharray=\"4 3\"/>\n");
    // Bracket in the gutter with the label.
    absl::StrAppend(&out, "<path d=\"M", gx - 4, " ", b.top, " H", gx, " V",
                    b.bottom, " H", gx - 4, "\" fill=\"none\" stroke=\"", fill,
                    "\" stroke-width=\"2\"/>\n");
    // Labels of bands that share a top row step down one line per level.
    const int label_y = b.top + 13 + 14 * b.level;
    if (fault) {
      Lightning(&out, gx + 10, label_y - 4, "#ea580c");
    } else {
      absl::StrAppend(&out, "<circle cx=\"", gx + 10, "\" cy=\"", label_y - 4,
                      "\" r=\"5\" fill=\"#dc2626\"/>\n");
    }
    Text(&out, gx + 18, label_y,
         absl::StrCat(fault ? "fault: " : "adversary: ",
                      Truncate(b.marker->label(), 32)),
         absl::StrCat("font-size=\"11\" font-weight=\"bold\" fill=\"",
                      fault ? "#9a3412" : "#991b1b",
                      "\" class=\"marker-label\""));
    absl::StrAppend(&out, "</g>\n");
  }

  // Step separators and ids in the left margin.
  for (size_t i = 0; i < d.rows.size(); ++i) {
    const Row& r = d.rows[i];
    if (!r.new_step) continue;
    const int top = r.y - 22;
    if (i > 0) {
      absl::StrAppend(&out, "<line x1=\"8\" y1=\"", top, "\" x2=\"",
                      lanes_right, "\" y2=\"", top,
                      "\" stroke=\"#d1d5db\" stroke-width=\"1\"/>\n");
    }
    const std::string id = r.step_id.empty() ? "(setup)" : r.step_id;
    auto it = step_status.find(r.step_id);
    const char* color = "#374151";
    if (it != step_status.end() && Failed(it->second)) color = "#b91c1c";
    if (it != step_status.end() && it->second == scenario::v1::PASSED)
      color = "#15803d";
    const bool failed = it != step_status.end() && Failed(it->second);
    Text(&out, 10, r.y + 4,
         absl::StrCat(failed ? "\u2717 " : "", Truncate(id, 19)),
         absl::StrCat(
             "class=\"step-id\" font-size=\"11\" font-weight=\"bold\" fill=\"",
             color, "\""));
  }

  // Lifelines and header boxes.
  const int box_w = d.spacing - 16;
  auto draw_box = [&](int lane, int top, bool header) {
    const RoleStyle st = StyleOf(d.roles[lane]);
    const int x = LaneX(d, lane);
    const bool engine = d.roles[lane] == Role::kEngine;
    const std::string name =
        Truncate(d.lanes[lane], std::max(4, (box_w - 10) / kCharWidth));
    absl::StrAppend(&out, "<rect x=\"", x - box_w / 2, "\" y=\"", top,
                    "\" width=\"", box_w, "\" height=\"",
                    header ? kHeaderHeight : 26, "\" rx=\"6\" fill=\"", st.fill,
                    "\" stroke=\"", st.stroke, "\" stroke-width=\"",
                    engine ? "1" : "1.5", "\"",
                    engine ? " stroke-dasharray=\"3 2\"" : "", "/>\n");
    Text(&out, x, top + (header ? 18 : 17), name,
         absl::StrCat("text-anchor=\"middle\" font-weight=\"bold\" "
                      "font-size=\"13\" fill=\"",
                      engine ? "#6b7280" : "#111827", "\""));
    if (header) {
      Text(&out, x, top + 34, engine ? "scenario script" : st.name,
           absl::StrCat("text-anchor=\"middle\" font-size=\"10\" fill=\"",
                        st.stroke, "\""));
    }
  };
  for (int i = 0; i < n; ++i) {
    const RoleStyle st = StyleOf(d.roles[i]);
    const int x = LaneX(d, i);
    const bool engine = d.roles[i] == Role::kEngine;
    absl::StrAppend(&out, "<g class=\"actor\" data-actor=\"", Esc(d.lanes[i]),
                    "\" data-role=\"", st.name, "\">\n");
    absl::StrAppend(&out, "<line class=\"lifeline\" x1=\"", x, "\" y1=\"",
                    kHeaderTop + kHeaderHeight, "\" x2=\"", x, "\" y2=\"",
                    lifeline_bottom, "\" stroke=\"", st.stroke,
                    "\" stroke-opacity=\"", engine ? "0.35" : "0.55",
                    "\" stroke-width=\"",
                    d.roles[i] == Role::kAdversary ? "2" : "1.2",
                    "\" stroke-dasharray=\"", engine ? "2 4" : "6 4", "\"/>\n");
    draw_box(i, kHeaderTop, true);
    if (footer) draw_box(i, footer_top, false);
    absl::StrAppend(&out, "</g>\n");
  }

  // Messages.
  std::set<std::string> kinds_used;
  for (const Row& r : d.rows) {
    if (r.elision) {
      absl::StrAppend(&out, "<g class=\"elision\">\n");
      absl::StrAppend(&out, "<rect x=\"", kMarginLeft, "\" y=\"", r.y - 12,
                      "\" width=\"", lanes_right - kMarginLeft,
                      "\" height=\"20\" fill=\"#f9fafb\""
                      " stroke=\"#d1d5db\" stroke-dasharray=\"2 2\"/>\n");
      Text(&out, (kMarginLeft + lanes_right) / 2, r.y + 3,
           absl::StrCat("\u22ee ", r.omitted,
                        " more messages not drawn (see report.json)"),
           "text-anchor=\"middle\" font-style=\"italic\" fill=\"#6b7280\"");
      absl::StrAppend(&out, "</g>\n");
      continue;
    }
    const ArrowStyle st = StyleOfRow(r, d);
    kinds_used.insert(st.css);
    const int x1 = LaneX(d, r.from);
    const int x2 = LaneX(d, r.to);
    const int y = r.y;
    absl::StrAppend(&out, "<g class=\"msg ", st.css, "\"",
                    r.count > 1 ? " data-count=\"" : "",
                    r.count > 1 ? absl::StrCat(r.count, "\"") : "", ">\n");
    std::string tip = r.tooltip;
    if (r.count > 1) absl::StrAppend(&tip, " \u00d7", r.count);
    absl::StrAppend(&out, "<title>", Esc(tip), "</title>\n");
    const std::string dash =
        st.dash[0] ? absl::StrCat(" stroke-dasharray=\"", st.dash, "\"") : "";
    int label_x, label_y;
    const char* anchor;
    if (r.from == r.to) {
      // Self call: a small loop to the right.
      absl::StrAppend(&out, "<path d=\"M", x1, " ", y - 8, " H", x1 + 30, " V",
                      y + 6, " H", x1 + 6, "\" fill=\"none\" stroke=\"",
                      st.stroke, "\" stroke-width=\"", st.width, "\"", dash,
                      "/>\n");
      absl::StrAppend(&out, "<polygon points=\"", x1, ",", y + 6, " ", x1 + 8,
                      ",", y + 2, " ", x1 + 8, ",", y + 10, "\" fill=\"",
                      st.stroke, "\"/>\n");
      label_x = x1 + 36;
      label_y = y + 2;
      anchor = "start";
    } else {
      const int dir = x2 > x1 ? 1 : -1;
      const int tip_x = x2 - dir * 2;
      absl::StrAppend(&out, "<line x1=\"", x1, "\" y1=\"", y, "\" x2=\"",
                      tip_x - dir * 8, "\" y2=\"", y, "\" stroke=\"", st.stroke,
                      "\" stroke-width=\"", st.width, "\"", dash, "/>\n");
      if (r.kind == common::v1::FAULT) {
        // Open arrowhead and a red cross: the message was tampered with.
        absl::StrAppend(&out, "<polyline points=\"", tip_x - dir * 9, ",",
                        y - 5, " ", tip_x, ",", y, " ", tip_x - dir * 9, ",",
                        y + 5, "\" fill=\"none\" stroke=\"", st.stroke,
                        "\" stroke-width=\"1.6\"/>\n");
        const int cx = x1 + (x2 - x1) * 3 / 4;
        absl::StrAppend(
            &out,
            "<g class=\"fault-mark\" stroke=\"#dc2626\" stroke-width=\"2.5\">"
            "<line x1=\"",
            cx - 5, "\" y1=\"", y - 5, "\" x2=\"", cx + 5, "\" y2=\"", y + 5,
            "\"/><line x1=\"", cx - 5, "\" y1=\"", y + 5, "\" x2=\"", cx + 5,
            "\" y2=\"", y - 5, "\"/></g>\n");
        Lightning(&out, cx + 14 * dir, y - 2, "#ea580c");
      } else {
        absl::StrAppend(&out, "<polygon points=\"", tip_x, ",", y, " ",
                        tip_x - dir * 10, ",", y - 5, " ", tip_x - dir * 10,
                        ",", y + 5, "\" fill=\"", st.stroke, "\"/>\n");
      }
      label_x = (x1 + x2) / 2;
      label_y = y - 5;
      anchor = "middle";
    }
    const bool adversary = r.kind == common::v1::ADVERSARY;
    const bool engine = std::string(st.css) == "engine";
    absl::StrAppend(&out, "<text class=\"label\" x=\"", label_x, "\" y=\"",
                    label_y, "\" text-anchor=\"", anchor, "\" fill=\"",
                    adversary ? "#b91c1c" : (engine ? "#6b7280" : "#111827"),
                    "\"", adversary ? " font-weight=\"bold\"" : "", ">",
                    Esc(RowLabel(r)));
    const bool self = r.from == r.to;
    std::string sub;
    if (!r.status.empty()) {
      absl::StrAppend(
          &sub,
          "<tspan class=\"status\" fill=\"#dc2626\" font-weight=\"bold\">",
          Esc(Truncate(r.status, 40)), "</tspan>");
    }
    const std::string dur = RowDuration(r);
    if (!dur.empty()) {
      absl::StrAppend(&sub, sub.empty() ? "" : " \u00b7 ", Esc(dur));
    }
    if (self) {
      // Self call: one line, status and duration after the method.
      if (!sub.empty()) {
        absl::StrAppend(
            &out, " <tspan class=\"sub\" font-size=\"10\" fill=\"#6b7280\">",
            sub, "</tspan>");
      }
      absl::StrAppend(&out, "</text>\n");
    } else {
      absl::StrAppend(&out, "</text>\n");
      if (!sub.empty()) {
        absl::StrAppend(
            &out, "<text class=\"sub\" x=\"", label_x, "\" y=\"", y + 15,
            "\" text-anchor=\"middle\" font-size=\"10\" fill=\"#6b7280\">", sub,
            "</text>\n");
      }
    }
    absl::StrAppend(&out, "</g>\n");
  }
  if (d.rows.empty()) {
    Text(&out, (kMarginLeft + lanes_right) / 2, kRowsTop + 10,
         "no messages traced",
         "text-anchor=\"middle\" font-style=\"italic\" fill=\"#6b7280\"");
  }

  // Legend: only what the diagram uses (plus markers).
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
  int lx = 12;
  absl::StrAppend(&out,
                  "<g class=\"legend\" font-size=\"11\" fill=\"#374151\">\n");
  for (const LegendItem& it : items) {
    if (!kinds_used.count(it.css)) continue;
    absl::StrAppend(
        &out, "<line x1=\"", lx, "\" y1=\"", legend_y, "\" x2=\"", lx + 26,
        "\" y2=\"", legend_y, "\" stroke=\"", it.stroke,
        "\" stroke-width=\"2\"",
        it.dash[0] ? absl::StrCat(" stroke-dasharray=\"", it.dash, "\"") : "",
        "/>\n");
    Text(&out, lx + 32, legend_y + 4, it.text, "");
    lx += 32 + CodePoints(it.text) * 6 + 22;
  }
  bool any_fault = false, any_adv = false;
  for (const Band& b : bands) {
    (b.marker->kind() == common::v1::FAULT ? any_fault : any_adv) = true;
  }
  if (any_fault) {
    absl::StrAppend(&out, "<rect x=\"", lx, "\" y=\"", legend_y - 7,
                    "\" width=\"22\" "
                    "height=\"14\" fill=\"#f59e0b\" fill-opacity=\"0.15\" "
                    "stroke=\"#f59e0b\""
                    " stroke-dasharray=\"4 3\"/>\n");
    Text(&out, lx + 28, legend_y + 4, "fault window", "");
    lx += 28 + 12 * 6 + 22;
  }
  if (any_adv) {
    absl::StrAppend(&out, "<rect x=\"", lx, "\" y=\"", legend_y - 7,
                    "\" width=\"22\" "
                    "height=\"14\" fill=\"#ef4444\" fill-opacity=\"0.15\" "
                    "stroke=\"#ef4444\""
                    " stroke-dasharray=\"4 3\"/>\n");
    Text(&out, lx + 28, legend_y + 4, "adversary active", "");
  }
  absl::StrAppend(&out, "</g>\n</svg>\n");
  return out;
}

// ---------------------------------------------------------------------------
// HTML.
// ---------------------------------------------------------------------------

constexpr char kCss[] = R"css(
:root { --ok:#15803d; --bad:#b91c1c; --warn:#a16207; --muted:#6b7280; --line:#e5e7eb; }
* { box-sizing: border-box; }
body { font-family: Helvetica, Arial, sans-serif; color:#111827; margin:0 auto;
       max-width: 1400px; padding: 24px 32px; line-height:1.4; font-size:14px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 0; }
h3 { font-size: 15px; margin: 20px 0 6px; color:#374151; }
.meta { color: var(--muted); margin: 0 0 12px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left;
         vertical-align: top; }
th { background: #f9fafb; font-size: 12px; text-transform: uppercase; letter-spacing: .03em;
     color: #374151; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code, .mono { font-family: Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12px; }
.badge { display:inline-block; padding: 1px 8px; border-radius: 10px; font-weight: bold;
         font-size: 12px; color: #fff; }
.badge.pass { background: var(--ok); } .badge.fail { background: var(--bad); }
.pass-t { color: var(--ok); font-weight: bold; } .fail-t { color: var(--bad); font-weight: bold; }
.skip-t { color: var(--muted); } .warn-t { color: var(--warn); font-weight: bold; }
tr.failed td { background: #fef2f2; }
.failure { border-left: 4px solid var(--bad); background:#fef2f2; padding: 8px 12px;
           margin: 8px 0; }
.desc { white-space: pre-wrap; margin: 6px 0; }
section.scenario { border-top: 2px solid #111827; margin-top: 32px; padding-top: 16px; }
.head { display:flex; gap: 12px; align-items: baseline; flex-wrap: wrap; }
.diagram { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; padding: 4px;
           background: #fff; }
.diagram svg { display: block; }
.details { color: var(--muted); font-size: 12px; }
.note { color: var(--muted); font-size: 12px; }
.env td:first-child { color: var(--muted); white-space: nowrap; }
.totals { font-size: 16px; margin: 8px 0 16px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  section.scenario { break-before: page; }
  .diagram { overflow: visible; border: none; }
  .diagram svg { max-width: 100%; height: auto; }
  a { color: inherit; text-decoration: none; }
}
)css";

std::string Anchor(int index, const std::string& name) {
  std::string slug;
  for (char c : name) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_') {
      slug += c;
    } else if (c >= 'A' && c <= 'Z') {
      slug += static_cast<char>(c - 'A' + 'a');
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
    if (slug.size() >= 48) break;
  }
  return absl::StrCat("s", index + 1, slug.empty() ? "" : "-", slug);
}

// "8 OK" / "1 violated, 2 OK" / "—", coloured, for the summary table.
std::string AuditSummary(const ScenarioResult& r) {
  int ok = 0, violated = 0, unknown = 0;
  for (const auto& a : r.knowledge_audit()) {
    if (a.verdict() == scenario::v1::AUDIT_OK) ++ok;
    if (a.verdict() == scenario::v1::AUDIT_VIOLATED) ++violated;
    if (a.verdict() == scenario::v1::AUDIT_UNKNOWN) ++unknown;
  }
  std::vector<std::string> parts;
  if (violated > 0)
    parts.push_back(
        absl::StrCat("<span class=\"fail-t\">", violated, " violated</span>"));
  if (ok > 0)
    parts.push_back(absl::StrCat("<span class=\"pass-t\">", ok, " OK</span>"));
  if (unknown > 0)
    parts.push_back(
        absl::StrCat("<span class=\"warn-t\">", unknown, " unknown</span>"));
  if (parts.empty()) return "\u2014";
  return absl::StrJoin(parts, ", ");
}

std::string StepClass(StepStatus s) {
  if (s == scenario::v1::PASSED) return "pass-t";
  if (Failed(s)) return "fail-t";
  return "skip-t";
}

void ScenarioSection(std::string* out, const ScenarioResult& r, int index) {
  absl::StrAppend(out, "<section class=\"scenario\" id=\"",
                  Anchor(index, r.name()), "\">\n");
  absl::StrAppend(out, "<div class=\"head\"><h2>", index + 1, ". ",
                  Esc(r.name()), "</h2> <span class=\"badge ",
                  r.passed() ? "pass\">PASS" : "fail\">FAIL", "</span>");
  std::vector<std::string> meta;
  if (!r.file().empty())
    meta.push_back(absl::StrCat("<code>", Esc(r.file()), "</code>"));
  if (r.has_started_at()) meta.push_back(Esc(FormatTime(r.started_at())));
  if (r.has_duration()) meta.push_back(Esc(ShortDuration(r.duration())));
  absl::StrAppend(out, " <span class=\"meta\">",
                  absl::StrJoin(meta, " \u00b7 "), "</span></div>\n");
  if (!r.description().empty()) {
    absl::StrAppend(out, "<p class=\"desc\">", Esc(r.description()), "</p>\n");
  }
  const StepResult* first = FirstFailingStep(r);
  if (!r.first_failure().empty() || first != nullptr) {
    absl::StrAppend(out, "<div class=\"failure\"><b>First failure:</b> ");
    if (!r.first_failure().empty())
      absl::StrAppend(out, Esc(r.first_failure()));
    if (first != nullptr &&
        (r.first_failure().empty() || !RepeatsStep(r, *first))) {
      if (!r.first_failure().empty()) absl::StrAppend(out, "<br>");
      absl::StrAppend(
          out, "step <code>", Esc(first->step_id()), "</code>: expected <b>",
          Esc(first->expected().empty() ? "success" : first->expected()),
          "</b>, observed <b>", Esc(Observed(*first)), "</b>");
    }
    absl::StrAppend(out, "</div>\n");
  }

  absl::StrAppend(
      out,
      "<h3>Sequence diagram (traced messages)</h3>\n<div class=\"diagram\">",
      SvgImpl(r, /*standalone=*/false), "</div>\n");

  absl::StrAppend(
      out,
      "<h3>Steps</h3>\n<table class=\"steps\"><thead><tr><th>Step</th>"
      "<th>Actor</th><th>Action</th><th>Expected</th><th>Observed</th>"
      "<th>Status</th><th class=\"num\">Duration</th><th class=\"num\">Attempts"
      "</th><th class=\"num\">Msgs</th></tr></thead><tbody>\n");
  for (const StepResult& s : r.steps()) {
    absl::StrAppend(out, "<tr", Failed(s.status()) ? " class=\"failed\"" : "",
                    "><td><code>", Esc(s.step_id()), "</code>");
    if (!s.note().empty())
      absl::StrAppend(out, "<div class=\"note\">", Esc(s.note()), "</div>");
    absl::StrAppend(out, "</td><td>",
                    Esc(s.actor().empty() ? "engine" : s.actor()), "</td><td>",
                    Esc(s.action()), "</td><td>",
                    Esc(s.expected().empty() ? "success" : s.expected()),
                    "</td><td>", Esc(Observed(s)));
    if (s.details_size() > 0) {
      std::vector<std::string> kv;
      for (const auto& [k, v] : Sorted(s.details()))
        kv.push_back(Esc(absl::StrCat(k, "=", v)));
      absl::StrAppend(out, "<div class=\"details\">",
                      absl::StrJoin(kv, " \u00b7 "), "</div>");
    }
    absl::StrAppend(out, "</td><td class=\"", StepClass(s.status()), "\">",
                    StatusName(s.status()), "</td><td class=\"num\">",
                    s.has_duration() ? Esc(ShortDuration(s.duration())) : "",
                    "</td>"
                    "<td class=\"num\">",
                    s.attempts(), "</td><td class=\"num\">",
                    s.messages_traced(), "</td></tr>\n");
  }
  if (r.steps().empty())
    absl::StrAppend(out, "<tr><td colspan=\"9\">no steps</td></tr>\n");
  absl::StrAppend(out, "</tbody></table>\n");

  if (r.timings_size() > 0) {
    absl::StrAppend(
        out,
        "<h3>Timing assertions</h3>\n<table class=\"timings\"><thead><tr>"
        "<th>Assertion</th><th>From (start)</th><th>To (end)</th>"
        "<th class=\"num\">Measured</th><th class=\"num\">Bound</th>"
        "<th>Verdict</th></tr></thead><tbody>\n");
    for (const auto& t : r.timings()) {
      absl::StrAppend(
          out, "<tr", t.passed() ? "" : " class=\"failed\"", "><td>",
          Esc(t.name()), "</td><td><code>", Esc(t.from_step()),
          "</code></td><td><code>", Esc(t.to_step()),
          "</code></td><td class=\"num\">", Esc(ShortDuration(t.measured())),
          "</td><td class=\"num\">\u2264 ", Esc(ShortDuration(t.max())),
          "</td><td class=\"",
          t.passed() ? "pass-t\">held" : "fail-t\">exceeded", "</td></tr>\n");
    }
    absl::StrAppend(out, "</tbody></table>\n");
  }

  absl::StrAppend(out, "<h3>Knowledge audit</h3>\n");
  if (r.knowledge_audit_size() == 0) {
    absl::StrAppend(
        out,
        "<p class=\"note\">No knowledge assertions in this scenario.</p>\n");
  } else {
    absl::StrAppend(
        out,
        "<table class=\"audit\"><thead><tr><th>Actor</th><th>Item</th>"
        "<th>Rule</th><th>Learned</th><th>Verdict</th><th>Evidence</th></tr>"
        "</thead><tbody>\n");
    for (const auto& a : r.knowledge_audit()) {
      std::string rule = a.must_not_learn() ? "must not learn"
                         : a.verdict() == scenario::v1::AUDIT_INFO
                             ? "info"
                             : "must learn";
      std::string verdict, cls;
      switch (a.verdict()) {
        case scenario::v1::AUDIT_OK:
          verdict = "OK";
          cls = "pass-t";
          break;
        case scenario::v1::AUDIT_VIOLATED:
          verdict = "VIOLATED";
          cls = "fail-t";
          break;
        case scenario::v1::AUDIT_UNKNOWN:
          verdict = "unknown";
          cls = "warn-t";
          break;
        case scenario::v1::AUDIT_INFO:
          verdict = "info";
          cls = "skip-t";
          break;
        default:
          verdict = "not evaluated";
          cls = "skip-t";
          break;
      }
      absl::StrAppend(
          out, "<tr",
          a.verdict() == scenario::v1::AUDIT_VIOLATED ? " class=\"failed\""
                                                      : "",
          "><td>", Esc(a.actor()), "</td><td><code>",
          Esc(common::v1::KnowledgeItem_Name(a.item())), "</code></td><td>",
          rule, "</td><td>", a.learned() ? "yes" : "no", "</td><td class=\"",
          cls, "\">", verdict, "</td><td>", Esc(a.evidence()), "</td></tr>\n");
    }
    absl::StrAppend(out, "</tbody></table>\n");
  }

  if (r.endpoints_size() > 0) {
    absl::StrAppend(out,
                    "<h3>Endpoints</h3>\n<table class=\"endpoints\"><thead><tr>"
                    "<th>Actor</th><th>Address</th></tr></thead><tbody>\n");
    for (const auto& [k, v] : Sorted(r.endpoints())) {
      absl::StrAppend(out, "<tr><td>", Esc(k), "</td><td><code>", Esc(v),
                      "</code></td></tr>\n");
    }
    absl::StrAppend(out, "</tbody></table>\n");
  }
  absl::StrAppend(out, "</section>\n");
}

absl::Status WriteFile(const std::filesystem::path& path,
                       const std::string& data) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) {
      return MakeError(absl::StatusCode::kInternal, "io_error",
                       absl::StrCat("cannot write ", path.string(), ": ",
                                    std::strerror(errno)));
    }
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
    f.close();
    if (!f) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      return MakeError(
          absl::StatusCode::kInternal, "io_error",
          absl::StrCat("cannot write ", path.string(), ": write failed"));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    return MakeError(
        absl::StatusCode::kInternal, "io_error",
        absl::StrCat("cannot write ", path.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

}  // namespace

// ---------------------------------------------------------------------------
// Public API.
// ---------------------------------------------------------------------------

std::string TerminalSummary(const Report& report, bool color) {
  const char* green = color ? "\033[1;32m" : "";
  const char* red = color ? "\033[1;31m" : "";
  const char* dim = color ? "\033[2m" : "";
  const char* bold = color ? "\033[1m" : "";
  const char* reset = color ? "\033[0m" : "";

  int passed = 0, failed = 0;
  int name_w = 8;
  for (const ScenarioResult& r : report.scenarios()) {
    (r.passed() ? passed : failed)++;
    name_w = std::max(name_w, std::min(CodePoints(r.name()), 48));
  }
  std::string out;
  absl::StrAppend(&out, bold, "Scenario suite ",
                  report.suite().empty() ? "(unnamed)" : T(report.suite()),
                  reset, dim, " \u2014 ", report.scenarios_size(),
                  report.scenarios_size() == 1 ? " scenario" : " scenarios");
  if (report.has_duration())
    absl::StrAppend(&out, " in ", ShortDuration(report.duration()));
  absl::StrAppend(&out, reset, "\n\n");
  auto pad = [](const std::string& s, int w) {
    return absl::StrCat(s, std::string(std::max(0, w - CodePoints(s)), ' '));
  };
  absl::StrAppend(&out, "  ", bold, "RESULT  ", pad("SCENARIO", name_w), "  ",
                  absl::StrFormat("%9s  %7s", "DURATION", "STEPS"), reset,
                  "\n");
  for (const ScenarioResult& r : report.scenarios()) {
    int steps_ok = 0;
    for (const StepResult& s : r.steps())
      steps_ok += s.status() == scenario::v1::PASSED;
    const std::string dur =
        r.has_duration() ? ShortDuration(r.duration()) : "-";
    absl::StrAppend(
        &out, "  ", r.passed() ? green : red, r.passed() ? "PASS  " : "FAIL  ",
        reset, "  ", pad(Truncate(T(r.name()), 48), name_w), "  ",
        absl::StrFormat("%9s  %7s", dur,
                        absl::StrCat(steps_ok, "/", r.steps_size())),
        "\n");
    if (r.passed()) continue;
    const std::string indent(10, ' ');
    const StepResult* first = FirstFailingStep(r);
    if (first != nullptr) {
      absl::StrAppend(&out, indent, "first failing step: ", bold,
                      T(first->step_id()), reset);
      std::vector<std::string> what;
      if (!first->action().empty()) what.push_back(T(first->action()));
      if (!first->actor().empty()) what.push_back(T(first->actor()));
      if (!what.empty())
        absl::StrAppend(&out, dim, " (", absl::StrJoin(what, ", "), ")", reset);
      if (first->status() == scenario::v1::ERRORED)
        absl::StrAppend(&out, red, " ERRORED", reset);
      absl::StrAppend(
          &out, "\n", indent, "  expected: ",
          first->expected().empty() ? "success" : T(first->expected()), "\n",
          indent, "  observed: ", red,
          Observed(*first).empty() ? "(nothing)" : T(Observed(*first)), reset,
          "\n");
    }
    const bool why_repeats_step = first != nullptr && RepeatsStep(r, *first);
    if (!r.first_failure().empty() && !why_repeats_step) {
      absl::StrAppend(&out, indent, "why: ", T(r.first_failure()), "\n");
    } else if (first == nullptr) {
      // Failed without a failing step: an assertion. Say which.
      for (const auto& t : r.timings()) {
        if (!t.passed()) {
          absl::StrAppend(&out, indent, "timing ", T(t.name()), ": ",
                          ShortDuration(t.measured()), " > ",
                          ShortDuration(t.max()), "\n");
        }
      }
      for (const auto& a : r.knowledge_audit()) {
        if (a.verdict() == scenario::v1::AUDIT_VIOLATED) {
          absl::StrAppend(&out, indent, "knowledge: ", T(a.actor()),
                          a.must_not_learn() ? " learned " : " did not learn ",
                          common::v1::KnowledgeItem_Name(a.item()), "\n");
        }
      }
    }
  }
  absl::StrAppend(&out, "\n", passed > 0 ? green : "", passed, " passed", reset,
                  ", ", failed > 0 ? red : "", failed, " failed", reset, "\n");
  return out;
}

std::string SequenceDiagramSvg(const ScenarioResult& result) {
  return SvgImpl(result, /*standalone=*/true);
}

std::string ReportHtml(const Report& report) {
  int passed = 0, failed = 0;
  for (const ScenarioResult& r : report.scenarios())
    (r.passed() ? passed : failed)++;
  const std::string title =
      absl::StrCat("SCT Lab scenario report \u2014 ",
                   report.suite().empty() ? "suite" : report.suite());
  std::string out;
  absl::StrAppend(
      &out,
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\">\n"
      "<title>",
      Esc(title), "</title>\n<style>", kCss, "</style>\n</head>\n<body>\n");
  absl::StrAppend(&out, "<h1>", Esc(title), "</h1>\n<p class=\"meta\">");
  std::vector<std::string> meta;
  if (report.has_started_at())
    meta.push_back(Esc(FormatTime(report.started_at())));
  if (report.has_duration())
    meta.push_back(
        absl::StrCat("took ", Esc(ShortDuration(report.duration()))));
  meta.push_back(absl::StrCat(report.scenarios_size(), " scenarios"));
  absl::StrAppend(&out, absl::StrJoin(meta, " \u00b7 "), "</p>\n");
  absl::StrAppend(&out, "<p class=\"totals\"><span class=\"badge pass\">",
                  passed, " passed</span> <span class=\"badge ",
                  failed > 0 ? "fail" : "pass", "\">", failed,
                  " failed</span></p>\n");
  if (report.environment_size() > 0) {
    absl::StrAppend(&out,
                    "<h3>Environment</h3>\n<table class=\"env\"><tbody>\n");
    for (const auto& [k, v] : Sorted(report.environment())) {
      absl::StrAppend(&out, "<tr><td>", Esc(k), "</td><td><code>", Esc(v),
                      "</code></td></tr>\n");
    }
    absl::StrAppend(&out, "</tbody></table>\n");
  }
  absl::StrAppend(
      &out,
      "<h3>Summary</h3>\n<table class=\"summary\"><thead><tr><th>#</th>"
      "<th>Scenario</th><th>Result</th><th class=\"num\">Duration</th>"
      "<th class=\"num\">Steps passed</th><th class=\"num\">Messages</th>"
      "<th>Knowledge audit</th><th>First failure</th></tr></thead><tbody>\n");
  for (int i = 0; i < report.scenarios_size(); ++i) {
    const ScenarioResult& r = report.scenarios(i);
    int ok = 0;
    for (const StepResult& s : r.steps())
      ok += s.status() == scenario::v1::PASSED;
    std::string why = r.first_failure();
    if (why.empty() && !r.passed()) {
      if (const StepResult* f = FirstFailingStep(r)) {
        why = absl::StrCat("step ", f->step_id(), ": expected ",
                           f->expected().empty() ? "success" : f->expected(),
                           ", got ", Observed(*f));
      }
    }
    absl::StrAppend(&out, "<tr", r.passed() ? "" : " class=\"failed\"", "><td>",
                    i + 1, "</td><td><a href=\"#", Anchor(i, r.name()), "\">",
                    Esc(r.name()), "</a></td><td><span class=\"badge ",
                    r.passed() ? "pass\">PASS" : "fail\">FAIL",
                    "</span></td><td class=\"num\">",
                    r.has_duration() ? Esc(ShortDuration(r.duration())) : "",
                    "</td><td class=\"num\">", ok, "/", r.steps_size(),
                    "</td><td class=\"num\">", r.trace_size(), "</td><td>",
                    AuditSummary(r), "</td><td>", Esc(why), "</td></tr>\n");
  }
  absl::StrAppend(&out, "</tbody></table>\n");
  for (int i = 0; i < report.scenarios_size(); ++i) {
    ScenarioSection(&out, report.scenarios(i), i);
  }
  absl::StrAppend(
      &out,
      "<p class=\"note\">Generated by SCT Lab. Diagrams show messages "
      "recorded by the services (callee side), not the script. Data: "
      "report.json (scenario.v1.Report).</p>\n</body>\n</html>\n");
  return out;
}

absl::Status WriteReport(const Report& report, const std::string& out_dir) {
  if (out_dir.empty()) return InvalidField("out_dir", "must not be empty");
  std::error_code ec;
  const std::filesystem::path dir(out_dir);
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir, ec)) {
    return MakeError(absl::StatusCode::kInternal, "io_error",
                     absl::StrCat("cannot create directory ", out_dir, ": ",
                                  ec ? ec.message() : "not a directory"));
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  const auto st =
      google::protobuf::util::MessageToJsonString(report, &json, options);
  if (!st.ok()) {
    return MakeError(
        absl::StatusCode::kInternal, "io_error",
        absl::StrCat("cannot encode ", (dir / "report.json").string(), ": ",
                     st.ToString()));
  }
  absl::Status s = WriteFile(dir / "report.json", json);
  if (!s.ok()) return s;
  s = WriteFile(dir / "report.html", ReportHtml(report));
  if (!s.ok()) return s;
  // Standalone diagrams for slides: diagrams/<n>-<name>.svg.
  if (report.scenarios_size() == 0) return absl::OkStatus();
  const std::filesystem::path diagrams = dir / "diagrams";
  std::filesystem::create_directories(diagrams, ec);
  if (ec) {
    return MakeError(absl::StatusCode::kInternal, "io_error",
                     absl::StrCat("cannot create directory ", diagrams.string(),
                                  ": ", ec.message()));
  }
  for (int i = 0; i < report.scenarios_size(); ++i) {
    const ScenarioResult& r = report.scenarios(i);
    s = WriteFile(diagrams / absl::StrCat(Anchor(i, r.name()), ".svg"),
                  SequenceDiagramSvg(r));
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace sct::scenarios
