#include "relay/loadgen/runner.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace sct::relay::loadgen {
namespace {

struct ThreadResult {
  std::array<LatencySamples, kOpsPerCycle> latency;
  std::array<std::map<std::string, int64_t>, kOpsPerCycle> errors;
  int64_t cycles_ok = 0;
  int64_t cycles_failed = 0;
  int64_t rpcs_ok = 0;
  int64_t rpcs_failed = 0;
  int64_t warmup_errors = 0;
  absl::Time end;
};

// Runs one cycle; returns false if an RPC failed (the rest is abandoned).
bool RunCycle(CycleClient& client, ThreadResult* r, bool record) {
  client.BeginCycle();
  for (int i = 0; i < kOpsPerCycle; ++i) {
    const CycleOp op = static_cast<CycleOp>(i);
    const absl::Time t0 = absl::Now();
    std::string error = client.Do(op);
    const absl::Duration took = absl::Now() - t0;
    if (!record) {
      if (!error.empty()) {
        ++r->warmup_errors;
        return false;
      }
      continue;
    }
    if (error.empty()) {
      r->latency[i].Add(took);
      ++r->rpcs_ok;
    } else {
      ++r->errors[i][error];
      ++r->rpcs_failed;
      ++r->cycles_failed;
      return false;
    }
  }
  if (record) ++r->cycles_ok;
  return true;
}

}  // namespace

double PhaseResult::cycles_per_sec() const {
  const double s = absl::ToDoubleSeconds(elapsed);
  return s > 0 ? static_cast<double>(cycles_ok) / s : 0;
}

double PhaseResult::rpcs_per_sec() const {
  const double s = absl::ToDoubleSeconds(elapsed);
  return s > 0 ? static_cast<double>(rpcs_ok) / s : 0;
}

PhaseResult RunPhase(const std::string& name, const PhaseOptions& options,
                     const CycleClientFactory& factory) {
  const int n = options.clients > 0 ? options.clients : 1;
  std::vector<std::unique_ptr<CycleClient>> clients;
  for (int i = 0; i < n; ++i) clients.push_back(factory(i));
  std::vector<ThreadResult> results(n);
  for (auto& r : results) {
    for (auto& l : r.latency) l.Reserve(1 << 14);
  }

  absl::Mutex mu;
  int ready = 0;  // guarded by mu
  int done = 0;   // guarded by mu
  absl::Notification go;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> cycles_started{0};

  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      ThreadResult* r = &results[i];
      for (int w = 0; w < options.warmup_cycles; ++w) RunCycle(*clients[i], r, false);
      {
        absl::MutexLock lock(&mu);
        ++ready;
      }
      go.WaitForNotification();
      while (!stop.load(std::memory_order_relaxed)) {
        if (options.cycles > 0 && cycles_started.fetch_add(1) >= options.cycles) break;
        RunCycle(*clients[i], r, true);
      }
      r->end = absl::Now();
      absl::MutexLock lock(&mu);
      ++done;
    });
  }

  absl::Time start;
  {
    absl::MutexLock lock(&mu);
    auto all_ready = [&]() { return ready == n; };
    mu.Await(absl::Condition(&all_ready));
    start = absl::Now();
  }
  go.Notify();
  {
    absl::MutexLock lock(&mu);
    auto all_done = [&]() { return done == n; };
    // The deadline bounds the phase even in --cycles mode.
    mu.AwaitWithDeadline(absl::Condition(&all_done), start + options.duration);
  }
  stop.store(true);
  for (auto& t : threads) t.join();

  PhaseResult out;
  out.name = name;
  absl::Time end = start;
  std::array<LatencySamples, kOpsPerCycle> merged;
  for (ThreadResult& r : results) {
    if (r.end > end) end = r.end;
    out.cycles_ok += r.cycles_ok;
    out.cycles_failed += r.cycles_failed;
    out.rpcs_ok += r.rpcs_ok;
    out.rpcs_failed += r.rpcs_failed;
    out.warmup_errors += r.warmup_errors;
    for (int i = 0; i < kOpsPerCycle; ++i) {
      merged[i].Merge(r.latency[i]);
      for (const auto& [label, count] : r.errors[i]) out.ops[i].errors[label] += count;
    }
  }
  out.elapsed = end - start;
  for (int i = 0; i < kOpsPerCycle; ++i) out.ops[i].latency = merged[i].Summarize();
  return out;
}

}  // namespace sct::relay::loadgen
