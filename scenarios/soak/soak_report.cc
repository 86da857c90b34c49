#include "scenarios/soak/soak_report.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "nlohmann/json.hpp"

namespace sct::soak {
namespace {

using json = nlohmann::json;

double Seconds(const SoakResult& r, absl::Time t) { return absl::ToDoubleSeconds(t - r.started); }

// "name=count, ..." in name order.
std::string SizesText(const std::map<std::string, uint64_t>& sizes) {
  std::string text;
  for (const auto& [name, count] : sizes) {
    absl::StrAppend(&text, text.empty() ? "" : ", ", name, "=", count);
  }
  return text;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p * v.size()));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

std::string Escape(const std::string& s) {
  return absl::StrReplaceAll(s, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

json FaultsJson(const SoakResult& r) {
  json faults = json::array();
  for (const FaultEvent& f : r.faults) {
    faults.push_back({{"start_s", Seconds(r, f.start)},
                      {"end_s", f.end.has_value() ? Seconds(r, *f.end) : -1.0},
                      {"kind", f.kind},
                      {"target", f.target},
                      {"detail", f.detail}});
  }
  return faults;
}

json ErrorsJson(const SoakResult& r) {
  json errors = json::array();
  for (const FlowError& e : r.errors) {
    errors.push_back({{"at_s", Seconds(r, e.at)},
                      {"flow", e.flow},
                      {"error", e.error},
                      {"explained_by", e.explained_by}});
  }
  return errors;
}

// The line color of `name` in the charts (its rank among the sampled
// services), also the swatch in the legend table.
std::string ColorOf(const SoakResult& r, const std::string& name) {
  static const char* const kColors[] = {"#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
                                        "#7f7f7f", "#bcbd22", "#17becf", "#d62728", "#ff7f0e",
                                        "#393b79", "#637939", "#8c6d31", "#843c39"};
  int i = 0;
  for (const auto& [sampled, samples] : r.samples) {
    if (sampled == name) return kColors[i % 14];
    ++i;
  }
  return "#000000";
}

// One SVG polyline chart of RSS (`rss`) or open fds for every service, with
// y ticks at 0, half and the top, x ticks every tenth of the run, and the
// faults as bands.
std::string Chart(const SoakResult& r, bool rss) {
  const double w = 900, h = 260, left = 50, bottom = 20;
  double tmax = std::max(1.0, r.wall_s), ymax = 1;
  for (const auto& [name, samples] : r.samples) {
    for (const ProcSample& p : samples) ymax = std::max(ymax, rss ? p.rss_mib : p.fds);
  }
  ymax *= 1.1;
  auto x = [&](double t) { return left + (w - left - 10) * t / tmax; };
  auto y = [&](double v) { return (h - bottom) - (h - bottom - 10) * v / ymax; };
  std::string svg = absl::StrFormat(
      "<svg xmlns='http://www.w3.org/2000/svg' width='%.0f' height='%.0f' "
      "font-family='sans-serif' font-size='11'><text x='%.0f' y='9'>%s</text>"
      "<line x1='%.0f' y1='10' x2='%.0f' y2='%.0f' stroke='#888'/>"
      "<line x1='%.0f' y1='%.0f' x2='%.0f' y2='%.0f' stroke='#888'/>",
      w, h, left, rss ? "RSS (MiB) per service" : "open file descriptors per service", left, left,
      h - bottom, left, h - bottom, w - 10, h - bottom);
  for (double v : {0.0, ymax / 2, ymax}) {
    absl::StrAppendFormat(&svg,
                          "<text x='%.0f' y='%.1f' text-anchor='end'>%.0f</text>"
                          "<line x1='%.0f' y1='%.1f' x2='%.0f' y2='%.1f' stroke='#eee'/>",
                          left - 4, y(v) + 4, v, left, y(v), w - 10, y(v));
  }
  for (int k = 0; k <= 10; ++k) {
    absl::StrAppendFormat(&svg, "<text x='%.1f' y='%.0f' text-anchor='%s'>%.0fs</text>",
                          x(tmax * k / 10), h - 4, k == 10 ? "end" : "middle", tmax * k / 10);
  }
  for (const FaultEvent& f : r.faults) {
    const double x0 = x(Seconds(r, f.start));
    const double x1 = x(f.end.has_value() ? Seconds(r, *f.end) : r.wall_s);
    absl::StrAppendFormat(&svg,
                          "<rect x='%.1f' y='10' width='%.1f' height='%.0f' fill='%s' "
                          "opacity='0.25'><title>%s %s</title></rect>",
                          x0, std::max(1.0, x1 - x0), h - bottom - 10,
                          f.kind == "kill_restart" || f.kind == "redis_restart" ? "red" : "orange",
                          Escape(f.kind), Escape(f.target));
  }
  for (const auto& [name, samples] : r.samples) {
    std::string points;
    for (const ProcSample& p : samples) {
      absl::StrAppendFormat(&points, "%.1f,%.1f ", x(p.t_s), y(rss ? p.rss_mib : p.fds));
    }
    absl::StrAppendFormat(&svg,
                          "<polyline fill='none' stroke='%s' stroke-width='1.5' points='%s'>"
                          "<title>%s</title></polyline>",
                          ColorOf(r, name), points, Escape(name));
  }
  absl::StrAppend(&svg, "</svg>");
  return svg;
}

}  // namespace

int64_t SoakResult::unexpected() const {
  int64_t n = 0;
  for (const FlowError& e : errors) n += e.explained_by.empty();
  return n;
}

std::vector<std::string> SoakResult::OverSlope() const {
  std::vector<std::string> out;
  for (const auto& [name, s] : slopes) {
    if (s.rss_mib_per_h > options.max_rss_slope_mib_per_h ||
        s.fds_per_h > options.max_fd_slope_per_h) {
      out.push_back(name);
    }
  }
  return out;
}

bool SoakResult::passed() const {
  return violations.empty() && unexpected() == 0 && OverSlope().empty();
}

void PrintSummary(const SoakResult& r, std::ostream& out) {
  out << absl::StrFormat(
      "soak: %.0f s, seed %d, store %s, faults %s; loadavg %s -> %s (nproc %d)\n", r.wall_s,
      r.options.seed, r.options.store, r.options.faults ? "on" : "off", r.loadavg_start,
      r.loadavg_end, r.nproc);
  out << "flows completed:\n";
  for (const auto& [flow, n] : r.flows_ok) out << absl::StrFormat("  %-28s %d\n", flow, n);
  std::map<std::string, int> kinds;
  for (const FaultEvent& f : r.faults) ++kinds[f.kind];
  out << "faults injected: " << r.faults.size();
  for (const auto& [k, n] : kinds) out << " " << k << "=" << n;
  out << "\ninvariants (checks / violations):\n";
  std::map<std::string, int> violated;
  for (const Violation& v : r.violations) ++violated[v.invariant];
  for (const auto& [inv, n] : r.checks) {
    out << absl::StrFormat("  %-34s %6d / %d\n", inv, n, violated[inv]);
  }
  for (const Violation& v : r.violations) {
    out << absl::StrFormat("  VIOLATION [%.1fs] %s: %s\n", Seconds(r, v.at), v.invariant, v.detail);
  }
  out << absl::StrFormat("revocation latency: n=%d median %.0f ms, max %.0f ms (bound %s)\n",
                         r.revocation_ms.size(), Percentile(r.revocation_ms, 0.5),
                         Percentile(r.revocation_ms, 1.0),
                         absl::FormatDuration(r.options.revocation_bound));
  out << "errors: " << r.errors.size() << " (" << r.unexpected() << " unexpected)\n";
  for (const FlowError& e : r.errors) {
    if (e.explained_by.empty()) {
      out << absl::StrFormat("  UNEXPECTED [%.1fs] %s: %s\n", Seconds(r, e.at), e.flow, e.error);
    }
  }
  out << absl::StrFormat("slopes (per hour; thresholds %.0f MiB/h, %.0f fds/h):\n",
                         r.options.max_rss_slope_mib_per_h, r.options.max_fd_slope_per_h);
  for (const auto& [name, s] : r.slopes) {
    out << absl::StrFormat(
        "  %-10s rss %+8.2f MiB/h (2nd half %+8.2f)  heap %+8.2f MiB/h  fds %+8.2f /h  (%d samples)\n",
        name, s.rss_mib_per_h, s.rss_late_mib_per_h, s.heap_mib_per_h, s.fds_per_h,
        s.samples_used);
  }
  if (!r.trim.empty()) {
    out << "memory at the end (MiB): rss -> after malloc_trim; heap in use; free kept -> after\n";
    for (const auto& [name, t] : r.trim) {
      out << absl::StrFormat("  %-10s rss %6.1f -> %6.1f  heap %6.1f  free %6.1f -> %6.1f  trace %.0f\n",
                             name, t.rss_before_mib, t.rss_after_mib, t.heap_mib,
                             t.heap_free_before_mib, t.heap_free_after_mib, t.trace_events);
      if (!t.sizes.empty()) out << "             sizes: " << SizesText(t.sizes) << "\n";
    }
  }
  out << (r.passed() ? "soak: PASS" : "soak: FAIL") << std::endl;
}

std::string JsonReport(const SoakResult& r) {
  json slopes = json::object();
  for (const auto& [name, s] : r.slopes) {
    slopes[name] = {{"rss_mib_per_h", s.rss_mib_per_h},
                    {"heap_mib_per_h", s.heap_mib_per_h},
                    {"rss_second_half_mib_per_h", s.rss_late_mib_per_h},
                    {"fds_per_h", s.fds_per_h},
                    {"samples", s.samples_used}};
  }
  json violations = json::array();
  for (const Violation& v : r.violations) {
    violations.push_back(
        {{"at_s", Seconds(r, v.at)}, {"invariant", v.invariant}, {"detail", v.detail}});
  }
  json samples = json::object();
  for (const auto& [name, list] : r.samples) {
    json rows = json::array();
    for (const ProcSample& p : list) {
      rows.push_back({p.t_s, p.pid, p.rss_mib, p.fds, p.heap_mib, p.heap_free_mib, p.trace_events});
    }
    samples[name] = rows;
  }
  json trim = json::object();
  for (const auto& [name, t] : r.trim) {
    trim[name] = {{"rss_before_mib", t.rss_before_mib},
                  {"rss_after_mib", t.rss_after_mib},
                  {"heap_in_use_mib", t.heap_mib},
                  {"heap_free_before_mib", t.heap_free_before_mib},
                  {"heap_free_after_mib", t.heap_free_after_mib},
                  {"trace_events", t.trace_events},
                  {"sizes", t.sizes}};
  }
  json doc = {
      {"passed", r.passed()},
      {"command", r.command},
      {"seed", r.options.seed},
      {"store", r.options.store},
      {"faults_enabled", r.options.faults},
      {"duration_s", r.wall_s},
      {"machine",
       {{"nproc", r.nproc}, {"loadavg_start", r.loadavg_start}, {"loadavg_end", r.loadavg_end}}},
      {"revocation_bound_s", absl::ToDoubleSeconds(r.options.revocation_bound)},
      {"revocation_latency_ms",
       {{"count", r.revocation_ms.size()},
        {"median", Percentile(r.revocation_ms, 0.5)},
        {"max", Percentile(r.revocation_ms, 1.0)}}},
      {"flows_ok", r.flows_ok},
      {"checks", r.checks},
      {"violations", violations},
      {"errors", ErrorsJson(r)},
      {"unexpected_errors", r.unexpected()},
      {"faults", FaultsJson(r)},
      {"slopes", slopes},
      {"slopes_over_threshold", r.OverSlope()},
      {"memory_at_end", trim},
      {"samples_columns",
       {"t_s", "pid", "rss_mib", "fds", "heap_mib", "heap_free_mib", "trace_events"}},
      {"samples", samples}};
  return doc.dump(1);
}

namespace {

// The slope table, which is also the charts' legend (a swatch per service).
void AppendSlopes(const SoakResult& r, std::string& html) {
  absl::StrAppendFormat(&html,
                        "<table><tr><th>service</th><th>RSS slope (MiB/h, max %.0f)</th>"
                        "<th>RSS slope, 2nd half</th><th>heap in use slope (MiB/h)</th>"
                        "<th>fd slope (/h, max %.0f)</th><th>samples</th></tr>",
                        r.options.max_rss_slope_mib_per_h, r.options.max_fd_slope_per_h);
  for (const auto& [name, s] : r.slopes) {
    const bool over_rss = s.rss_mib_per_h > r.options.max_rss_slope_mib_per_h;
    const bool over_fds = s.fds_per_h > r.options.max_fd_slope_per_h;
    absl::StrAppendFormat(
        &html,
        "<tr><td><span style='display:inline-block;width:24px;height:4px;background:%s;"
        "vertical-align:middle'></span> %s</td><td%s>%+.2f</td><td>%+.2f</td><td>%+.2f</td>"
        "<td%s>%+.2f</td><td>%d</td></tr>",
        ColorOf(r, name), Escape(name), over_rss ? " class='bad'" : "", s.rss_mib_per_h,
        s.rss_late_mib_per_h, s.heap_mib_per_h, over_fds ? " class='bad'" : "", s.fds_per_h, s.samples_used);
  }
  absl::StrAppend(&html, "</table>");
  if (r.trim.empty()) return;
  absl::StrAppend(&html,
                  "<h3>Memory at the end of the run (MiB)</h3><table><tr><th>service</th>"
                  "<th>RSS</th><th>RSS after malloc_trim</th><th>heap in use</th>"
                  "<th>free blocks kept</th><th>free after trim</th><th>trace events</th>"
                  "<th>container sizes</th></tr>");
  for (const auto& [name, t] : r.trim) {
    absl::StrAppendFormat(&html,
                          "<tr><td>%s</td><td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%.1f</td>"
                          "<td>%.1f</td><td>%.0f</td><td>%s</td></tr>",
                          Escape(name), t.rss_before_mib, t.rss_after_mib, t.heap_mib,
                          t.heap_free_before_mib, t.heap_free_after_mib, t.trace_events,
                          Escape(SizesText(t.sizes)));
  }
  absl::StrAppend(&html, "</table>");
}

// Flows completed, invariants with their violations, revocation latency.
void AppendCounts(const SoakResult& r, std::string& html) {
  absl::StrAppend(&html, "<h2>Flows completed</h2><table><tr><th>flow</th><th>count</th></tr>");
  for (const auto& [flow, n] : r.flows_ok) {
    absl::StrAppendFormat(&html, "<tr><td>%s</td><td>%d</td></tr>", Escape(flow), n);
  }
  std::map<std::string, int> violated;
  for (const Violation& v : r.violations) ++violated[v.invariant];
  absl::StrAppend(&html,
                  "</table><h2>Invariants</h2><table><tr><th>invariant</th><th>checks held</th>"
                  "<th>violations</th></tr>");
  for (const auto& [inv, n] : r.checks) {
    absl::StrAppendFormat(&html, "<tr><td>%s</td><td>%d</td><td%s>%d</td></tr>", Escape(inv), n,
                          violated[inv] > 0 ? " class='bad'" : "", violated[inv]);
  }
  absl::StrAppend(&html, "</table>");
  for (const Violation& v : r.violations) {
    absl::StrAppendFormat(&html, "<p class='bad'>%.1fs %s: %s</p>", Seconds(r, v.at),
                          Escape(v.invariant), Escape(v.detail));
  }
  absl::StrAppendFormat(&html,
                        "<p>Revocation latency: %d checks, median %.0f ms, max %.0f ms "
                        "(bound %s).</p>",
                        r.revocation_ms.size(), Percentile(r.revocation_ms, 0.5),
                        Percentile(r.revocation_ms, 1.0),
                        Escape(absl::FormatDuration(r.options.revocation_bound)));
}

// The fault timeline (with the count per kind) and every error.
void AppendFaultsAndErrors(const SoakResult& r, std::string& html) {
  std::map<std::string, int> kinds;
  for (const FaultEvent& f : r.faults) ++kinds[f.kind];
  absl::StrAppendFormat(&html, "<h2>Fault timeline</h2><p>%d faults:", r.faults.size());
  for (const auto& [k, n] : kinds) absl::StrAppendFormat(&html, " %s %d;", Escape(k), n);
  absl::StrAppend(&html,
                  "</p><table><tr><th>start</th><th>end</th><th>fault</th><th>target</th>"
                  "<th>detail</th></tr>");
  for (const FaultEvent& f : r.faults) {
    const std::string end =
        f.end.has_value() ? absl::StrFormat("%.1fs", Seconds(r, *f.end)) : "(open)";
    absl::StrAppendFormat(
        &html, "<tr><td>%.1fs</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>",
        Seconds(r, f.start), end, Escape(f.kind), Escape(f.target), Escape(f.detail));
  }
  absl::StrAppendFormat(&html,
                        "</table><h2>Errors</h2><p>%d errors, %d unexpected.</p><table>"
                        "<tr><th>at</th><th>flow</th><th>error</th><th>explained by</th></tr>",
                        r.errors.size(), r.unexpected());
  for (const FlowError& e : r.errors) {
    absl::StrAppendFormat(&html, "<tr%s><td>%.1fs</td><td>%s</td><td>%s</td><td>%s</td></tr>",
                          e.explained_by.empty() ? " class='bad'" : "", Seconds(r, e.at),
                          Escape(e.flow), Escape(e.error),
                          Escape(e.explained_by.empty() ? "UNEXPECTED" : e.explained_by));
  }
  absl::StrAppend(&html, "</table>");
}

}  // namespace

std::string HtmlReport(const SoakResult& r) {
  std::string html = absl::StrCat(
      "<!doctype html><html><head><meta charset='utf-8'><title>SCT Lab soak</title>"
      "<style>body{font-family:sans-serif;margin:20px;max-width:1200px}"
      "table{border-collapse:collapse;margin-bottom:8px}"
      "td,th{padding:3px 8px;text-align:left;vertical-align:top;border-bottom:1px solid #ddd}"
      "th{background:#f4f4f4}.bad{color:#b00;font-weight:bold}"
      "code{word-break:break-all}</style></head><body><h1>Soak: ",
      r.passed() ? "PASS" : "<span class='bad'>FAIL</span>", "</h1><p><code>", Escape(r.command),
      "</code></p>");
  absl::StrAppendFormat(&html,
                        "<p>%.0f s, seed %d, store %s, faults %s; load average %s &rarr; %s "
                        "(%d CPUs)</p>",
                        r.wall_s, r.options.seed, Escape(r.options.store),
                        r.options.faults ? "on" : "off", Escape(r.loadavg_start),
                        Escape(r.loadavg_end), r.nproc);
  absl::StrAppend(&html,
                  "<h2>Resources</h2><p>Bands: faults (red: kill -9 and restart, of a service "
                  "or of Redis; orange: link drop, link delay, clock skew). Colors: the table "
                  "below. A restart starts a new process (a drop in the line).</p>",
                  Chart(r, true), "<br>", Chart(r, false));
  AppendSlopes(r, html);
  AppendCounts(r, html);
  AppendFaultsAndErrors(r, html);
  absl::StrAppend(&html, "</body></html>\n");
  return html;
}

}  // namespace sct::soak
