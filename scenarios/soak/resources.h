// Resource use of the launched services over a run: samples of resident
// memory (VmRSS) and open file descriptors read from /proc/<pid>, grouped per
// service and per process (a restart starts a new segment), and the
// least-squares slope of each within the segments.
//
// The slope is the pooled within-segment one: each process gets its own
// intercept, so a restart (which drops RSS back) is not read as a decrease,
// and samples younger than `warmup` in each segment (start-up growth:
// caches, connection pools) are left out.
//
// Thread-safety: ResourceSeries is thread-safe. ReadProc is a free function.
#ifndef SCT_SCENARIOS_SOAK_RESOURCES_H_
#define SCT_SCENARIOS_SOAK_RESOURCES_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sct::soak {

struct ProcSample {
  double t_s = 0;  // seconds since the run started
  pid_t pid = -1;
  double rss_mib = 0;
  double fds = 0;
  // From the service's SimControl.GetMemory (glibc mallinfo2); -1 when it
  // did not answer (a redis-server, a call that failed).
  double heap_mib = -1;       // bytes in allocated blocks: live data
  double heap_free_mib = -1;  // free blocks the allocator keeps
  double trace_events = -1;   // the simulator's trace ring (capped)
};

// VmRSS and the number of entries in /proc/<pid>/fd; nullopt when the
// process is gone (or /proc cannot be read). `t_s` is left 0.
std::optional<ProcSample> ReadProc(pid_t pid);

// What a malloc trim at the end of a run frees (SimControl.GetMemory with
// trim): RSS that drops was free memory the allocator held, not live data.
struct TrimProbe {
  double rss_before_mib = 0;
  double rss_after_mib = 0;
  double heap_mib = 0;             // in use (live data), before the trim
  double heap_free_before_mib = 0;  // free blocks kept, before and after
  double heap_free_after_mib = 0;
  double trace_events = 0;
  // The service's container sizes (GetMemoryResponse.sizes), before the trim.
  std::map<std::string, uint64_t> sizes;
};

// One (t, y) point.
struct Point {
  double t = 0;
  double y = 0;
};

// Least-squares slope of y over t with a separate intercept per segment;
// 0 when there is no spread in t (fewer than two points in every segment).
double PooledSlope(const std::vector<std::vector<Point>>& segments);

struct Slopes {
  double rss_mib_per_h = 0;
  double fds_per_h = 0;
  // Heap in use (live data) per hour, over the samples that have it.
  double heap_mib_per_h = 0;
  // RSS per hour over the second half of the run only (samples at least
  // half the last sample's time into the run; same pooling and warm-up):
  // the steady part, after start-up climbs that plateau. Reported, not judged.
  double rss_late_mib_per_h = 0;
  int samples_used = 0;
};

class ResourceSeries {
 public:
  explicit ResourceSeries(absl::Duration warmup) : warmup_s_(absl::ToDoubleSeconds(warmup)) {}

  void Add(const std::string& service, const ProcSample& sample);
  std::map<std::string, std::vector<ProcSample>> All() const;
  // Per service: the pooled slopes, from samples at least `warmup` into
  // their process's life (a process's life starts at its first sample).
  std::map<std::string, Slopes> SlopesPerService() const;

 private:
  const double warmup_s_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::vector<ProcSample>> samples_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sct::soak

#endif  // SCT_SCENARIOS_SOAK_RESOURCES_H_
