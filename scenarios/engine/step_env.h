// What a step handler (scenarios/engine/steps/) works with during one
// scenario run: the scenario and its resolved topology, the RunContext shared
// with the attack code, the running Ecosystem and the clients that call it,
// the run's clock, and what earlier steps left for later ones (credentials,
// the persona each device used in an exchange, forwarded links, device event
// streams, the newest revocation list version). Plus the lookups several
// steps share.
//
// Owned by the Runner (scenarios/engine/engine.cc) once the ecosystem is up;
// borrows the scenario, the topology and the RunContext, which outlive it.
// Single-threaded (the engine's thread).
#ifndef SCT_SCENARIOS_ENGINE_STEP_ENV_H_
#define SCT_SCENARIOS_ENGINE_STEP_ENV_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/time/time.h"
#include "proto/common/v1/types.pb.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/engine/actor_clients.h"
#include "scenarios/engine/credential_book.h"
#include "scenarios/engine/event_collector.h"
#include "scenarios/engine/expect.h"
#include "scenarios/engine/run_clock.h"
#include "scenarios/engine/run_context.h"
#include "scenarios/launcher/topology.h"

namespace sct::scenarios {

struct StepEnv {
  // `ctx.eco` must be set (the launched ecosystem).
  StepEnv(const scenario::v1::Scenario& scenario, const ResolvedTopology& topology, RunContext& ctx,
          absl::Duration rpc_timeout, absl::Time scenario_deadline);

  StepEnv(const StepEnv&) = delete;
  StepEnv& operator=(const StepEnv&) = delete;

  const scenario::v1::Scenario& scenario;  // seed fixed
  const ResolvedTopology& topology;
  RunContext& ctx;
  Ecosystem& eco;
  RunClock clock;
  ActorClients clients;
  // Deadline of each engine RPC (bounded by the scenario deadline).
  absl::Duration rpc_timeout;

  CredentialBook creds;
  // Share save_as name -> the credential it shared.
  std::map<std::string, CredInfo> share_cred;
  // (share, device) -> the persona the device used in that exchange.
  std::map<std::pair<std::string, std::string>, std::string> exchange_persona;
  // (share, device) -> the channel a forward step sent the link to it over.
  std::map<std::pair<std::string, std::string>, ::common::v1::ChannelKind> forwarded;
  // Device -> its event stream (launched devices only).
  std::map<std::string, std::unique_ptr<EventCollector>> collectors;
  // The newest revocation list version a revoke or cancel step reported.
  uint64_t last_revocation_version = 0;
};

// The device's first persona ("personal" for a device not in the topology).
std::string FirstPersona(const StepEnv& env, const std::string& device);

// The device's address on `kind` (the resolved topology's; "<device>@<word>"
// for a device not in it).
std::string AddressOf(const StepEnv& env, const std::string& device,
                      ::common::v1::ChannelKind kind);

// The authority an access point trusts (the first authority for an unknown
// access point; "" when there is none).
std::string AuthorityOf(const StepEnv& env, const std::string& access_point);

// The kind of an access point (UNSPECIFIED when unknown).
::common::v1::AccessPointKind AccessPointKindOf(const StepEnv& env,
                                                const std::string& access_point);

// The persona `device` acts as in the exchange of `share`: `given`, else the
// one it used there before, else its first.
std::string PersonaIn(const StepEnv& env, const std::string& share, const std::string& device,
                      const std::string& given);

// The share saved as `name`, or nullptr (its share step failed or was
// skipped).
SavedShare* ShareOf(StepEnv& env, const std::string& name);

// The observed outcome of naming a share that was never made (NOT_FOUND
// share_not_found).
Outcome NoShare(const std::string& name);

// The credential named `name`, or nullptr. A pending name is looked up in
// its holder's wallet (GetState) by the share it comes from, and saved once
// found.
CredInfo* Credential(StepEnv& env, const std::string& name);

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_ENGINE_STEP_ENV_H_
