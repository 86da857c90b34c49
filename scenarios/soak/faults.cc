#include "scenarios/soak/faults.h"

#include <sys/types.h>

#include <iostream>
#include <map>
#include <memory>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_mapping.h"
#include "grpcpp/grpcpp.h"
#include "proto/common/v1/audit.grpc.pb.h"
#include "proto/common/v1/control.grpc.pb.h"

namespace sct::soak {
namespace {

namespace cv1 = ::common::v1;

void Log(const SoakContext& ctx, const std::string& line) {
  std::cerr << absl::StrFormat("soak: [%7.1fs] ", absl::ToDoubleSeconds(absl::Now() - ctx.started))
            << line << std::endl;
}

// One SimControl call on `target`; the error text, or "".
template <typename Fn>
std::string Control(SoakContext& ctx, const std::string& target, Fn fn) {
  std::unique_ptr<cv1::SimControl::Stub> stub;
  {
    absl::MutexLock lock(ctx.eco_mu);
    auto channel = ctx.eco->Channel(target);
    if (!channel.ok()) return channel.status().ToString();
    stub = cv1::SimControl::NewStub(*channel);
  }
  grpc::ClientContext call;
  call.set_deadline(absl::ToChronoTime(absl::Now() + ctx.options->rpc_timeout));
  grpc::Status s = fn(*stub, &call);
  return s.ok() ? "" : FromGrpcStatus(s).ToString();
}

// kill -9 `target`, start it again after `down`; `kind` names the fault in
// the timeline ("kill_restart", or "redis_restart" for the relay's Redis,
// which restarts on its append-only file).
void KillRestart(SoakContext& ctx, const std::string& target, absl::Duration down,
                 const std::string& kind) {
  const int index = ctx.timeline->Begin(absl::Now(), kind, target,
                                        absl::StrCat("down ", absl::FormatDuration(down)));
  Log(ctx, absl::StrCat("fault: kill -9 ", target, ", restart after ", absl::FormatDuration(down)));
  absl::Status killed, started;
  {
    absl::MutexLock lock(ctx.eco_mu);
    killed = ctx.eco->Kill(target);
  }
  absl::SleepFor(down);
  {
    absl::MutexLock lock(ctx.eco_mu);
    started = ctx.eco->Start(target);
  }
  std::string more;
  if (!killed.ok()) more = absl::StrCat("kill: ", killed.ToString());
  if (!started.ok())
    more = absl::StrCat(more, more.empty() ? "" : "; ", "start: ", started.ToString());
  ctx.timeline->End(index, absl::Now(), more);
  Log(ctx, absl::StrCat("fault: ", target, started.ok() ? " back" : " NOT back: " + more));
}

// Link drop or delay (`drop` false) on every outbound call of `target`.
void LinkFault(SoakContext& ctx, const std::string& target, bool drop, uint64_t seed,
               absl::Duration lasts) {
  cv1::SetLinkFaultsRequest req;
  cv1::LinkFault* f = req.add_faults();
  f->set_peer("*");
  f->set_seed(seed);
  std::string detail;
  if (drop) {
    f->set_drop_probability(0.3);
    detail = "drop 30% to *";
  } else {
    f->mutable_delay()->set_nanos(300 * 1000 * 1000);
    detail = "delay 300ms to *";
  }
  absl::StrAppend(&detail, " for ", absl::FormatDuration(lasts));
  const int index =
      ctx.timeline->Begin(absl::Now(), drop ? "link_drop" : "link_delay", target, detail);
  Log(ctx, absl::StrCat("fault: ", target, " ", detail));
  cv1::SetLinkFaultsResponse resp;
  std::string err = Control(ctx, target, [&](cv1::SimControl::Stub& s, grpc::ClientContext* c) {
    return s.SetLinkFaults(c, req, &resp);
  });
  ctx.Pause(lasts);
  cv1::SetLinkFaultsRequest clear;
  std::string err2 = Control(ctx, target, [&](cv1::SimControl::Stub& s, grpc::ClientContext* c) {
    return s.SetLinkFaults(c, clear, &resp);
  });
  ctx.timeline->End(index, absl::Now(), err.empty() && err2.empty() ? "" : err + " " + err2);
}

void ClockSkew(SoakContext& ctx, const std::string& target, int64_t skew_s, absl::Duration lasts) {
  const std::string detail = absl::StrCat("skew ", skew_s, "s for ", absl::FormatDuration(lasts));
  const int index = ctx.timeline->Begin(absl::Now(), "clock_skew", target, detail);
  Log(ctx, absl::StrCat("fault: ", target, " ", detail));
  cv1::SetClockRequest req;
  req.mutable_offset()->set_seconds(skew_s);
  cv1::SetClockResponse resp;
  std::string err = Control(ctx, target, [&](cv1::SimControl::Stub& s, grpc::ClientContext* c) {
    return s.SetClock(c, req, &resp);
  });
  ctx.Pause(lasts);
  cv1::SetClockRequest reset;
  reset.mutable_offset()->set_seconds(0);
  std::string err2 = Control(ctx, target, [&](cv1::SimControl::Stub& s, grpc::ClientContext* c) {
    return s.SetClock(c, reset, &resp);
  });
  ctx.timeline->End(index, absl::Now(), err.empty() && err2.empty() ? "" : err + " " + err2);
}

bool IsRedis(SoakContext& ctx, const std::string& target) {
  absl::MutexLock lock(ctx.eco_mu);
  const scenarios::Service* s = ctx.eco->Find(target);
  return s != nullptr && s->kind == scenarios::ServiceKind::kRedis;
}

}  // namespace

void FaultLoop(SoakContext& ctx, const std::vector<std::string>& targets) {
  if (targets.empty()) return;
  std::mt19937_64 rng(ctx.options->seed);
  const double gap_min = absl::ToDoubleSeconds(ctx.options->fault_gap_min);
  const double gap_max = absl::ToDoubleSeconds(ctx.options->fault_gap_max);
  while (!ctx.stopping()) {
    // Every choice is drawn up front, so the sequence depends on the seed only.
    const double gap = std::uniform_real_distribution<double>(gap_min, gap_max)(rng);
    const std::string target =
        targets[std::uniform_int_distribution<size_t>(0, targets.size() - 1)(rng)];
    const int kind = std::uniform_int_distribution<int>(0, 99)(rng);
    const absl::Duration lasts = absl::Seconds(std::uniform_int_distribution<int>(5, 15)(rng));
    const absl::Duration down =
        absl::Milliseconds(std::uniform_int_distribution<int>(200, 3000)(rng));
    const int64_t skew = std::uniform_int_distribution<int64_t>(-60, 60)(rng);
    const uint64_t seed = rng();
    if (!ctx.Pause(absl::Seconds(gap))) break;
    if (IsRedis(ctx, target)) {
      // A redis-server has no SimControl: its only fault is kill -9 and a
      // restart on its append-only file.
      KillRestart(ctx, target, down, "redis_restart");
    } else if (kind < 40) {
      KillRestart(ctx, target, down, "kill_restart");
    } else if (kind < 65) {
      LinkFault(ctx, target, /*drop=*/true, seed, lasts);
    } else if (kind < 80) {
      LinkFault(ctx, target, /*drop=*/false, seed, lasts);
    } else {
      ClockSkew(ctx, target, skew, lasts);
    }
  }
}

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

// The service's SimControl.GetMemory; *ok false when it did not answer.
cv1::GetMemoryResponse GetMemory(SoakContext& ctx, const std::string& name, bool trim,
                                 bool* ok) {
  cv1::GetMemoryResponse resp;
  cv1::GetMemoryRequest req;
  req.set_trim(trim);
  const std::string err =
      Control(ctx, name, [&](cv1::SimControl::Stub& s, grpc::ClientContext* c) {
        return s.GetMemory(c, req, &resp);
      });
  *ok = err.empty();
  return resp;
}

// Empties the service's trace ring (Audit.ResetAudit). The soak reads no
// trace, and the ring (20,000 events of about 0.9 KiB each, docs/sim.md) would
// otherwise fill for most of a run and read as a leak in every service.
void ResetTrace(SoakContext& ctx, const std::string& name) {
  std::unique_ptr<cv1::Audit::Stub> stub;
  {
    absl::MutexLock lock(ctx.eco_mu);
    auto channel = ctx.eco->Channel(name);
    if (!channel.ok()) return;
    stub = cv1::Audit::NewStub(*channel);
  }
  grpc::ClientContext call;
  call.set_deadline(absl::ToChronoTime(absl::Now() + ctx.options->rpc_timeout));
  cv1::ResetAuditResponse unused;
  (void)stub->ResetAudit(&call, cv1::ResetAuditRequest(), &unused);
}

// The running services' pids; `with_sim`: only those serving SimControl
// (not a redis-server).
std::map<std::string, pid_t> RunningPids(SoakContext& ctx, bool with_sim) {
  std::map<std::string, pid_t> pids;
  absl::MutexLock lock(ctx.eco_mu);
  for (const std::string& name : ctx.eco->Names()) {
    const scenarios::Service* s = ctx.eco->Find(name);
    if (s == nullptr || !s->running || s->pid <= 0) continue;
    if (with_sim && s->kind == scenarios::ServiceKind::kRedis) continue;
    pids[name] = s->pid;
  }
  return pids;
}

}  // namespace

void SampleLoop(SoakContext& ctx, ResourceSeries& series) {
  do {
    const std::map<std::string, pid_t> pids = RunningPids(ctx, /*with_sim=*/false);
    const std::map<std::string, pid_t> sims = RunningPids(ctx, /*with_sim=*/true);
    const double t = absl::ToDoubleSeconds(absl::Now() - ctx.started);
    for (const auto& [name, pid] : pids) {
      std::optional<ProcSample> sample = ReadProc(pid);
      if (!sample.has_value()) continue;
      sample->t_s = t;
      bool ok = false;
      cv1::GetMemoryResponse m;
      if (sims.count(name) > 0) {
        ResetTrace(ctx, name);
        m = GetMemory(ctx, name, /*trim=*/false, &ok);
      }
      if (ok) {
        sample->heap_mib = m.heap_in_use_bytes() / kMiB;
        sample->heap_free_mib = m.heap_free_bytes() / kMiB;
        sample->trace_events = static_cast<double>(m.trace_events());
      }
      series.Add(name, *sample);
    }
  } while (ctx.Pause(ctx.options->sample_every));
}

std::map<std::string, TrimProbe> ProbeTrim(SoakContext& ctx) {
  std::map<std::string, TrimProbe> out;
  for (const auto& [name, pid] : RunningPids(ctx, /*with_sim=*/true)) {
    std::optional<ProcSample> before = ReadProc(pid);
    bool ok1 = false, ok2 = false;
    const cv1::GetMemoryResponse m1 = GetMemory(ctx, name, /*trim=*/false, &ok1);
    const cv1::GetMemoryResponse m2 = GetMemory(ctx, name, /*trim=*/true, &ok2);
    std::optional<ProcSample> after = ReadProc(pid);
    if (!before.has_value() || !after.has_value() || !ok1 || !ok2) continue;
    TrimProbe p;
    p.rss_before_mib = before->rss_mib;
    p.rss_after_mib = after->rss_mib;
    p.heap_mib = m1.heap_in_use_bytes() / kMiB;
    p.heap_free_before_mib = m1.heap_free_bytes() / kMiB;
    p.heap_free_after_mib = m2.heap_free_bytes() / kMiB;
    p.trace_events = static_cast<double>(m1.trace_events());
    p.sizes.insert(m1.sizes().begin(), m1.sizes().end());
    out[name] = p;
  }
  return out;
}

}  // namespace sct::soak
