// The soak's fault injector and resource sampler, one thread each.
//
// FaultLoop waits a random gap (options.fault_gap_min..max), then injects one
// fault chosen by a PRNG seeded with options.seed, logs it to stderr and the
// timeline, and lifts it before the next: kill -9 of a service and restart on
// the same port (Ecosystem::Kill/Start), dropped (30%) or delayed (300 ms)
// outbound calls of a service (SimControl.SetLinkFaults, for 5-15 s), or a
// clock skew of -60..+60 s (SimControl.SetClock, for 5-15 s). The same seed
// gives the same sequence of choices; their timing follows the run.
//
// SampleLoop reads VmRSS and the open fds of every running service every
// options.sample_every into the series, with the service's heap figures
// (SimControl.GetMemory: heap in use, free blocks kept, trace events). It
// empties each service's trace ring first (Audit.ResetAudit): the soak reads
// no trace, and a filling ring is not what the slope is about.
//
// ProbeTrim, at the end of a run: per running service, RSS before and after
// SimControl.GetMemory{trim} (glibc malloc_trim), with the heap figures.
//
// Thread-safety: each loop on its own thread; the ecosystem only under
// ctx.eco_mu.
#ifndef SCT_SCENARIOS_SOAK_FAULTS_H_
#define SCT_SCENARIOS_SOAK_FAULTS_H_

#include <map>
#include <string>
#include <vector>

#include "scenarios/soak/resources.h"
#include "scenarios/soak/soak_context.h"

namespace sct::soak {

// `targets`: the services faults may hit.
void FaultLoop(SoakContext& ctx, const std::vector<std::string>& targets);
void SampleLoop(SoakContext& ctx, ResourceSeries& series);
std::map<std::string, TrimProbe> ProbeTrim(SoakContext& ctx);

}  // namespace sct::soak

#endif  // SCT_SCENARIOS_SOAK_FAULTS_H_
