#include "scenarios/experiment/reused_ecosystem.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_mapping.h"
#include "grpcpp/grpcpp.h"
#include "proto/common/v1/control.grpc.pb.h"

namespace sct::scenarios::experiment {
namespace {

// Forwards everything to the owner's ecosystem except Shutdown; channels
// come from the owner's cache.
class View : public Ecosystem {
 public:
  explicit View(ReusedEcosystem* owner) : owner_(owner), eco_(&owner->inner()) {}
  const Service* Find(absl::string_view name) const override { return eco_->Find(name); }
  std::vector<std::string> Names() const override { return eco_->Names(); }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel(absl::string_view name) override {
    return owner_->ChannelAs(name, "");
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelAs(absl::string_view name,
                                                           absl::string_view identity) override {
    return owner_->ChannelAs(name, identity);
  }
  absl::Status Kill(absl::string_view name) override {
    owner_->Forget(name);
    return eco_->Kill(name);
  }
  absl::Status Start(absl::string_view name) override {
    owner_->Forget(name);
    return eco_->Start(name);
  }
  absl::Status Restart(absl::string_view name) override {
    owner_->Forget(name);
    return eco_->Restart(name);
  }
  std::string OwnerCredentialId(absl::string_view spec_id) const override {
    return eco_->OwnerCredentialId(spec_id);
  }
  std::string DeviceId(absl::string_view device) const override { return eco_->DeviceId(device); }
  std::string AuthorityId(absl::string_view authority) const override {
    return eco_->AuthorityId(authority);
  }
  const DevPkiFiles& pki() const override { return eco_->pki(); }
  std::map<std::string, std::string> Endpoints() const override { return eco_->Endpoints(); }
  // The worker owns the ecosystem: nothing to do.
  void Shutdown() override {}

 private:
  ReusedEcosystem* owner_;
  Ecosystem* eco_;
};

}  // namespace

std::unique_ptr<Ecosystem> ReusedEcosystem::View() {
  return std::make_unique<class View>(this);
}

void ReusedEcosystem::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    channels_.clear();
  }
  if (eco_ != nullptr) eco_->Shutdown();
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> ReusedEcosystem::ChannelAs(
    absl::string_view name, absl::string_view identity) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto key = std::make_pair(std::string(name), std::string(identity));
  auto it = channels_.find(key);
  if (it != channels_.end()) return it->second;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ch =
      identity.empty() ? eco_->Channel(name) : eco_->ChannelAs(name, identity);
  if (ch.ok()) channels_[key] = *ch;
  return ch;
}

void ReusedEcosystem::Forget(absl::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = channels_.begin(); it != channels_.end();) {
    it = it->first.first == name ? channels_.erase(it) : std::next(it);
  }
}

absl::Status ResetClocks(Ecosystem& eco) {
  absl::Status first;
  for (const std::string& name : eco.Names()) {
    const Service* svc = eco.Find(name);
    if (svc == nullptr || !svc->sim || !svc->running) continue;
    absl::StatusOr<std::shared_ptr<grpc::Channel>> ch = eco.Channel(name);
    if (!ch.ok()) {
      if (first.ok()) first = ch.status();
      continue;
    }
    auto stub = ::common::v1::SimControl::NewStub(*ch);
    grpc::ClientContext call;
    call.AddMetadata("sct-actor", "engine");
    call.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    ::common::v1::SetClockRequest req;
    req.mutable_offset();  // present and zero: replaces the offset
    ::common::v1::SetClockResponse resp;
    absl::Status s = FromGrpcStatus(stub->SetClock(&call, req, &resp));
    if (!s.ok() && first.ok()) first = absl::Status(s.code(), absl::StrCat(name, ": ", s.message()));
  }
  return first;
}

}  // namespace sct::scenarios::experiment
