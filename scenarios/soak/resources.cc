#include "scenarios/soak/resources.h"

#include <dirent.h>

#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace sct::soak {

std::optional<ProcSample> ReadProc(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  if (!status) return std::nullopt;
  ProcSample s;
  s.pid = pid;
  bool have_rss = false;
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view v = line;
    if (!absl::ConsumePrefix(&v, "VmRSS:")) continue;
    std::vector<absl::string_view> parts =
        absl::StrSplit(v, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    double kib = 0;
    if (!parts.empty() && absl::SimpleAtod(parts[0], &kib)) {
      s.rss_mib = kib / 1024.0;
      have_rss = true;
    }
  }
  if (!have_rss) return std::nullopt;  // a zombie has no VmRSS
  DIR* dir = opendir(absl::StrCat("/proc/", pid, "/fd").c_str());
  if (dir == nullptr) return std::nullopt;
  int n = 0;
  while (struct dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  s.fds = n;
  return s;
}

double PooledSlope(const std::vector<std::vector<Point>>& segments) {
  double sxy = 0, sxx = 0;
  for (const std::vector<Point>& seg : segments) {
    if (seg.size() < 2) continue;
    double mt = 0, my = 0;
    for (const Point& p : seg) {
      mt += p.t;
      my += p.y;
    }
    mt /= seg.size();
    my /= seg.size();
    for (const Point& p : seg) {
      sxy += (p.t - mt) * (p.y - my);
      sxx += (p.t - mt) * (p.t - mt);
    }
  }
  return sxx > 0 ? sxy / sxx : 0;
}

void ResourceSeries::Add(const std::string& service, const ProcSample& sample) {
  absl::MutexLock lock(&mu_);
  samples_[service].push_back(sample);
}

std::map<std::string, std::vector<ProcSample>> ResourceSeries::All() const {
  absl::MutexLock lock(&mu_);
  return samples_;
}

std::map<std::string, Slopes> ResourceSeries::SlopesPerService() const {
  std::map<std::string, std::vector<ProcSample>> all = All();
  std::map<std::string, Slopes> out;
  for (const auto& [service, samples] : all) {
    // Segments in order of appearance, one per pid.
    std::map<pid_t, double> born;
    std::map<pid_t, std::vector<Point>> rss, fds, heap, late;
    Slopes& s = out[service];
    const double half = samples.empty() ? 0 : samples.back().t_s / 2;
    for (const ProcSample& p : samples) {
      auto [it, fresh] = born.emplace(p.pid, p.t_s);
      if (p.t_s - it->second < warmup_s_) continue;
      rss[p.pid].push_back(Point{p.t_s / 3600.0, p.rss_mib});
      fds[p.pid].push_back(Point{p.t_s / 3600.0, p.fds});
      if (p.heap_mib >= 0) heap[p.pid].push_back(Point{p.t_s / 3600.0, p.heap_mib});
      if (p.t_s >= half) late[p.pid].push_back(Point{p.t_s / 3600.0, p.rss_mib});
      ++s.samples_used;
    }
    std::vector<std::vector<Point>> rss_segments, fd_segments, heap_segments, late_segments;
    for (auto& [pid, points] : rss) rss_segments.push_back(std::move(points));
    for (auto& [pid, points] : fds) fd_segments.push_back(std::move(points));
    for (auto& [pid, points] : heap) heap_segments.push_back(std::move(points));
    for (auto& [pid, points] : late) late_segments.push_back(std::move(points));
    s.rss_mib_per_h = PooledSlope(rss_segments);
    s.fds_per_h = PooledSlope(fd_segments);
    s.heap_mib_per_h = PooledSlope(heap_segments);
    s.rss_late_mib_per_h = PooledSlope(late_segments);
  }
  return out;
}

}  // namespace sct::soak
