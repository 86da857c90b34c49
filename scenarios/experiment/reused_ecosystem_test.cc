#include "scenarios/experiment/reused_ecosystem.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"

namespace sct::scenarios::experiment {
namespace {

// Counts what the view asks of it; every channel is a new (unconnected) one.
class CountingEcosystem : public Ecosystem {
 public:
  int channels_made = 0;
  int shutdowns = 0;
  std::vector<std::string> restarted;

  const Service* Find(absl::string_view) const override { return nullptr; }
  std::vector<std::string> Names() const override { return {"relay"}; }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel(absl::string_view) override {
    ++channels_made;
    return grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelAs(absl::string_view name,
                                                           absl::string_view) override {
    return Channel(name);
  }
  absl::Status Kill(absl::string_view) override { return absl::OkStatus(); }
  absl::Status Start(absl::string_view) override { return absl::OkStatus(); }
  absl::Status Restart(absl::string_view name) override {
    restarted.emplace_back(name);
    return absl::OkStatus();
  }
  std::string OwnerCredentialId(absl::string_view) const override { return "cred-1"; }
  std::string DeviceId(absl::string_view) const override { return ""; }
  std::string AuthorityId(absl::string_view) const override { return ""; }
  const DevPkiFiles& pki() const override { return pki_; }
  std::map<std::string, std::string> Endpoints() const override { return {}; }
  void Shutdown() override { ++shutdowns; }

 private:
  DevPkiFiles pki_;
};

TEST(ReusedEcosystem, ViewsShareChannelsAndNeverShutItDown) {
  auto owned = std::make_unique<CountingEcosystem>();
  CountingEcosystem* eco = owned.get();
  ReusedEcosystem reused(std::move(owned));
  std::shared_ptr<grpc::Channel> first;
  for (int run = 0; run < 3; ++run) {
    std::unique_ptr<Ecosystem> view = reused.View();
    absl::StatusOr<std::shared_ptr<grpc::Channel>> ch = view->Channel("relay");
    ASSERT_TRUE(ch.ok());
    if (run == 0) first = *ch;
    EXPECT_EQ(*ch, first) << "run " << run;
    EXPECT_EQ(view->OwnerCredentialId("alice-car"), "cred-1");
    view->Shutdown();
  }
  EXPECT_EQ(eco->channels_made, 1);
  EXPECT_EQ(eco->shutdowns, 0);
  // Another identity is another channel.
  ASSERT_TRUE(reused.View()->ChannelAs("relay", "eve").ok());
  EXPECT_EQ(eco->channels_made, 2);
  reused.Shutdown();
  EXPECT_EQ(eco->shutdowns, 1);
}

TEST(ReusedEcosystem, RestartThroughAViewDropsThatServicesChannels) {
  auto owned = std::make_unique<CountingEcosystem>();
  CountingEcosystem* eco = owned.get();
  ReusedEcosystem reused(std::move(owned));
  std::unique_ptr<Ecosystem> view = reused.View();
  ASSERT_TRUE(view->Channel("relay").ok());
  ASSERT_TRUE(view->Channel("channel").ok());
  ASSERT_TRUE(view->Restart("relay").ok());
  EXPECT_EQ(eco->restarted, std::vector<std::string>{"relay"});
  ASSERT_TRUE(view->Channel("relay").ok());
  ASSERT_TRUE(view->Channel("channel").ok());
  EXPECT_EQ(eco->channels_made, 3);  // relay twice, channel once
}

}  // namespace
}  // namespace sct::scenarios::experiment
