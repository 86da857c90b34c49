// A launched ecosystem kept by an experiment worker across runs, and the
// non-owning view of it the engine gets for one run (its Shutdown does
// nothing: the worker shuts the ecosystem down when the topology changes or
// the experiment ends).
#ifndef SCT_SCENARIOS_EXPERIMENT_REUSED_ECOSYSTEM_H_
#define SCT_SCENARIOS_EXPERIMENT_REUSED_ECOSYSTEM_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "scenarios/launcher/ecosystem.h"

namespace sct::scenarios::experiment {

// An ecosystem one worker launched, with the gRPC channels handed out
// cached across runs (a new channel per run and service cost a TLS handshake
// each: most of a reused run's set-up). Kill, Start and Restart through a
// view drop that service's cached channels (a reconnecting channel would
// wait out its backoff). Thread-safe.
class ReusedEcosystem {
 public:
  explicit ReusedEcosystem(std::unique_ptr<Ecosystem> eco) : eco_(std::move(eco)) {}
  ~ReusedEcosystem() { Shutdown(); }
  ReusedEcosystem(const ReusedEcosystem&) = delete;
  ReusedEcosystem& operator=(const ReusedEcosystem&) = delete;

  // A view for one run: forwards to this ecosystem; its Shutdown does nothing.
  std::unique_ptr<Ecosystem> View();
  // Drops the cached channels (so no service waits for them to close), then
  // shuts the ecosystem down. Idempotent.
  void Shutdown();

  Ecosystem& inner() { return *eco_; }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelAs(absl::string_view name,
                                                           absl::string_view identity);
  void Forget(absl::string_view name);

 private:
  std::unique_ptr<Ecosystem> eco_;
  std::mutex mu_;
  // (service, identity; "" for the engine's) -> channel.
  std::map<std::pair<std::string, std::string>, std::shared_ptr<grpc::Channel>> channels_;
};

// Sets every running sim service's clock offset back to zero (after a run
// that advanced clocks). The first error, naming the service.
absl::Status ResetClocks(Ecosystem& eco);

}  // namespace sct::scenarios::experiment

#endif  // SCT_SCENARIOS_EXPERIMENT_REUSED_ECOSYSTEM_H_
