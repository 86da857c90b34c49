// The scenario engine: runs one scenario file against a launched (or
// attached) ecosystem and returns its scenario.v1.ScenarioResult.
//
// RunScenario: resolve the topology once (scenarios/launcher/topology.h; a
// topology that does not resolve fails the run and launches nothing), Launch
// it (scenarios/launcher), PrepareAudit and ArmAdversaries
// (scenarios/attack), then run the steps in order (scenarios/engine/steps/),
// applying faults over their windows; judge each step's observed outcome
// against its Expectation (with RetryPolicy and continue_on_failure); then
// the timing assertions, the knowledge audit, the merged trace, markers,
// lifeline order and endpoints. The ecosystem is shut down on every path.
// Every RPC the engine makes carries `sct-actor` and `sct-step` metadata and
// a deadline and is appended to the run's engine trace.
//
// Verdicts, not errors: RunScenario never fails; a broken file, a launch
// failure or an engine error becomes a failed result whose first_failure says
// why. Thread-compatible: one RunScenario per thread; several may run at once
// (each launches its own ecosystem on its own ports and work directory).
#ifndef SCT_SCENARIOS_ENGINE_ENGINE_H_
#define SCT_SCENARIOS_ENGINE_ENGINE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/engine/run_context.h"
#include "scenarios/launcher/ecosystem.h"
#include "scenarios/launcher/topology.h"

namespace sct::scenarios {

using LaunchFn = std::function<absl::StatusOr<std::unique_ptr<Ecosystem>>(
    const ResolvedTopology&, const LaunchOptions&)>;

struct EngineOptions {
  // Where the service binaries are (see LaunchOptions::binaries_dir).
  std::string binaries_dir;
  // Parent of the per-scenario work directories (created).
  std::string work_dir;
  // Start launched services with --sim_control (Audit, SimControl, fake
  // clocks). Without it faults, clock steps and the audit cannot work.
  bool sim_control = true;
  // Deadline of each engine RPC (bounded by the scenario timeout).
  absl::Duration rpc_timeout = absl::Seconds(30);
  // What the engine's own deadlines are multiplied by (time_scale.h): step
  // max_duration expectations, timing assertion bounds, waits, RPC
  // deadlines, the scenario timeout and the launcher's start-up wait; not
  // simulated time, and not what the run measures. At least 1. The programs
  // that run scenarios set it from SCT_TIME_SCALE (TimeScaleFromEnv).
  double time_scale = 1;
  // The relay store of every scenario whose relay names none (no `store`,
  // launched): how the suite runs on memory, SQLite and Redis. A scenario
  // that pins its store keeps it. STORE_KIND_UNSPECIFIED: the topology's
  // default (SQLITE).
  scenario::v1::StoreKind relay_store = scenario::v1::STORE_KIND_UNSPECIFIED;
  // The relay API of every launched device that names none (HTTP or GRPC):
  // how the suite runs both ways. RELAY_API_UNSPECIFIED: the topology's
  // default (HTTP; GRPC against an attached relay without http_url).
  scenario::v1::RelayApi relay_api = scenario::v1::RELAY_API_UNSPECIFIED;
  // Non-empty: every scenario's relay is replaced by this one, attached by
  // its URL only ("https://HOST:PORT"), trusting `attach_relay_ca` (PEM
  // file). Scenarios that need the relay's internals (relay_internals.h)
  // are reported not applicable instead of run.
  std::string attach_relay_url;
  std::string attach_relay_ca;
  // The `sct compare` variant this run is judged as (variant_overlay.h:
  // SelectForVariant picks its step expectations and assertions; the
  // caller overlays its architecture). Empty: a run outside sct compare.
  std::string variant;
  // How to start the resolved topology; empty: scenarios::Launch.
  LaunchFn launch;
  // Called once the ecosystem is up and again (with nullptr) before it is
  // shut down, so a signal handler can tear it down on Ctrl-C.
  std::function<void(Ecosystem*)> on_ecosystem;
  // Merge the services' traces into the result (CollectTrace) and order the
  // diagram's actors. false (experiments that count no trace events): the
  // result's trace is only what the engine recorded itself.
  bool collect_trace = true;
  // Run the knowledge and linkability audits (and resolve unread links for
  // them). false (experiments that measure no knowledge and judge no
  // assertions): no audit rows, and assertions go unchecked.
  bool audits = true;
  // Shared by runs on one reused ecosystem (experiments): each run's inbox
  // reads skip what the runs before it read (links of earlier runs, their
  // PINs). Null: every read starts at the inbox's beginning.
  std::shared_ptr<InboxCursors> inbox_cursors;
};

// Sets the relay's store of `scenario` to `store` when the relay is launched
// and names no store (see EngineOptions::relay_store); returns whether it did.
bool ApplyRelayStore(scenario::v1::StoreKind store, scenario::v1::Scenario& scenario);

// Sets relay_api to `api` on every launched device of `scenario` that names
// none (see EngineOptions::relay_api); returns whether it changed any. GRPC is
// not applied to a topology with architecture.ohttp (its devices use HTTP).
bool ApplyRelayApi(scenario::v1::RelayApi api, scenario::v1::Scenario& scenario);

// Replaces the relay of `scenario` with one attached by `url` only (no gRPC
// address, no sim services), trusting `ca_file` (see
// EngineOptions::attach_relay_url).
void AttachRelayByUrl(const std::string& url, const std::string& ca_file,
                      scenario::v1::Scenario& scenario);

// Runs a parsed (and validated) scenario, resolving its topology (after
// SelectForVariant(options.variant), ApplyRelayApi, AttachRelayByUrl and
// ApplyRelayStore as `options` say); a
// scenario that needs what the relay does not offer gives a result with
// not_applicable and its reasons, every step SKIPPED, nothing launched.
// `file` is recorded in the result.
scenario::v1::ScenarioResult RunScenario(const scenario::v1::Scenario& scenario,
                                         const std::string& file,
                                         const EngineOptions& options);

// Loads `file` (LoadCheckedScenario: parse, validate, resolve the topology)
// and runs it as RunScenario does; a file with errors gives a failed result whose first_failure
// holds the "FILE:LINE:COL: ..." lines.
scenario::v1::ScenarioResult RunScenarioFile(const std::string& file,
                                             const EngineOptions& options);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_ENGINE_ENGINE_H_
