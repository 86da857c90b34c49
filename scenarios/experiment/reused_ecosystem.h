// A launched ecosystem kept by an experiment worker across runs, and the
// non-owning view of it the engine gets for one run (its Shutdown does
// nothing: the worker shuts the ecosystem down when the topology changes or
// the experiment ends).
//
// Thread safety: as Ecosystem; one worker thread uses it.
#ifndef SCT_SCENARIOS_EXPERIMENT_REUSED_ECOSYSTEM_H_
#define SCT_SCENARIOS_EXPERIMENT_REUSED_ECOSYSTEM_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "scenarios/launcher/ecosystem.h"

namespace sct::scenarios::experiment {

// Forwards everything to `inner` (borrowed, outlives the view) except
// Shutdown.
class BorrowedEcosystem : public Ecosystem {
 public:
  explicit BorrowedEcosystem(Ecosystem* inner) : inner_(inner) {}
  const Service* Find(absl::string_view name) const override { return inner_->Find(name); }
  std::vector<std::string> Names() const override { return inner_->Names(); }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel(absl::string_view name) override {
    return inner_->Channel(name);
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelAs(absl::string_view name,
                                                           absl::string_view identity) override {
    return inner_->ChannelAs(name, identity);
  }
  absl::Status Kill(absl::string_view name) override { return inner_->Kill(name); }
  absl::Status Start(absl::string_view name) override { return inner_->Start(name); }
  absl::Status Restart(absl::string_view name) override { return inner_->Restart(name); }
  std::string OwnerCredentialId(absl::string_view spec_id) const override {
    return inner_->OwnerCredentialId(spec_id);
  }
  std::string DeviceId(absl::string_view device) const override {
    return inner_->DeviceId(device);
  }
  std::string AuthorityId(absl::string_view authority) const override {
    return inner_->AuthorityId(authority);
  }
  const DevPkiFiles& pki() const override { return inner_->pki(); }
  std::map<std::string, std::string> Endpoints() const override { return inner_->Endpoints(); }
  // The worker owns the ecosystem: nothing to do.
  void Shutdown() override {}

 private:
  Ecosystem* inner_;
};

// Sets every running sim service's clock offset back to zero (after a run
// that advanced clocks). The first error, naming the service.
absl::Status ResetClocks(Ecosystem& eco);

}  // namespace sct::scenarios::experiment

#endif  // SCT_SCENARIOS_EXPERIMENT_REUSED_ECOSYSTEM_H_
