// The fixture of attack_fake_test: attack.h against in-process fakes. A fake
// Ecosystem whose services are gRPC servers in the test process (Audit and
// SimControl per sim service, a Channel with taps, a DeviceAgent that accepts
// a link once) and, per test, an httplib relay stand-in. No child processes;
// every server listens on 127.0.0.1:0; files live in TEST_TMPDIR.
//
// The fake services record what they were asked (keys, clocks, outages, link
// faults, configurations, callers' sct-actor) for the tests to check; their
// state is guarded by their own mutex. Test-only.
#ifndef SCT_SCENARIOS_ATTACK_ATTACK_FAKE_FIXTURE_H_
#define SCT_SCENARIOS_ATTACK_ATTACK_FAKE_FIXTURE_H_

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/channel/v1/channel.grpc.pb.h"
#include "proto/common/v1/audit.grpc.pb.h"
#include "proto/common/v1/control.grpc.pb.h"
#include "proto/device/v1/device.grpc.pb.h"
#include "scenarios/attack/attack.h"
#include "scenarios/engine/run_context.h"
#include "scenarios/launcher/ecosystem.h"
#include "scenarios/launcher/topology.h"

namespace sct::scenarios {
namespace attack_fakes {

inline constexpr char kPin[] = "482913";
inline constexpr char kMailbox[] = "56c1306a-915c-4681-a81e-f8e31f29cedb";
inline constexpr char kFragment[] = "c2VjcmV0LXNlY3JldC0xMjM0NTY";

// The share link of kMailbox with secret kFragment.
std::string Link();

// The value of metadata `key` of a call ("" when absent).
std::string Meta(const grpc::ServerContext* ctx, const std::string& key);

// TEST_TMPDIR/<name>.
std::string Tmp(const std::string& name);
void WriteFile(const std::string& path, const std::string& contents);

struct RawObservation {
  ::common::v1::KnowledgeItem item;
  std::string value;
  std::string where;
};

// State of one fake sim service; `audit` and `control` serve it.
class FakeAudit;
class FakeAuditService final : public ::common::v1::Audit::Service {
 public:
  explicit FakeAuditService(FakeAudit* s) : s_(s) {}
  grpc::Status GetObservations(grpc::ServerContext*, const ::common::v1::GetObservationsRequest*,
                               ::common::v1::GetObservationsResponse* resp) override;
  grpc::Status GetTrace(grpc::ServerContext*, const ::common::v1::GetTraceRequest*,
                        ::common::v1::GetTraceResponse* resp) override;
  grpc::Status ResetAudit(grpc::ServerContext*, const ::common::v1::ResetAuditRequest*,
                          ::common::v1::ResetAuditResponse*) override;

 private:
  FakeAudit* s_;
};
class FakeControlService final : public ::common::v1::SimControl::Service {
 public:
  explicit FakeControlService(FakeAudit* s) : s_(s) {}
  grpc::Status SetClock(grpc::ServerContext* ctx, const ::common::v1::SetClockRequest* req,
                        ::common::v1::SetClockResponse*) override;
  grpc::Status SetLinkFaults(grpc::ServerContext*, const ::common::v1::SetLinkFaultsRequest* req,
                             ::common::v1::SetLinkFaultsResponse*) override;
  grpc::Status SetOutage(grpc::ServerContext*, const ::common::v1::SetOutageRequest* req,
                         ::common::v1::SetOutageResponse*) override;
  grpc::Status SetAuditKey(grpc::ServerContext*, const ::common::v1::SetAuditKeyRequest* req,
                           ::common::v1::SetAuditKeyResponse*) override;

 private:
  FakeAudit* s_;
};

class FakeAudit {
 public:
  explicit FakeAudit(std::string name) : audit(this), control(this), name_(std::move(name)) {}
  FakeAuditService audit;
  FakeControlService control;
  std::mutex mu;
  std::string key;
  int resets = 0;
  std::vector<RawObservation> observed;
  std::vector<::common::v1::TraceEvent> trace;
  std::vector<::common::v1::SetLinkFaultsRequest> link_faults;
  std::vector<::common::v1::SetClockRequest> clocks;
  std::vector<::common::v1::SetOutageRequest> outages;
  std::vector<std::string> actors;

  std::string name() const { return name_; }

 private:
  std::string name_;
};

class FakeChannel final : public channel::v1::Channel::Service {
 public:
  std::mutex mu;
  std::condition_variable cv;
  struct Tap {
    std::string to;
    std::deque<channel::v1::TappedMessage> queue;
  };
  std::vector<std::shared_ptr<Tap>> taps;
  std::vector<channel::v1::ConfigureRequest> configs;
  std::vector<std::string> tap_actors;
  bool stopping = false;

  grpc::Status Send(grpc::ServerContext*, const channel::v1::SendRequest* req,
                    channel::v1::SendResponse*) override;
  grpc::Status Tap(grpc::ServerContext* ctx, const channel::v1::TapRequest* req,
                   grpc::ServerWriter<channel::v1::TappedMessage>* writer) override;
  grpc::Status Configure(grpc::ServerContext*, const channel::v1::ConfigureRequest* req,
                         channel::v1::ConfigureResponse* resp) override;
};

class FakeDevice final : public device::v1::DeviceAgent::Service {
 public:
  std::mutex mu;
  std::map<std::string, int> accepted;  // link -> times
  std::vector<std::string> actors;
  // Accepts each link once; FAILED_PRECONDITION "share_already_redeemed" after.
  grpc::Status AcceptLink(grpc::ServerContext* ctx, const device::v1::AcceptLinkRequest* req,
                          device::v1::AcceptLinkResponse* resp) override;
};

class FakeEcosystem : public Ecosystem {
 public:
  struct Entry {
    Service svc;
    std::string target;  // in-process server address
  };
  std::map<std::string, Entry> entries;
  std::vector<std::string> order;
  std::vector<std::string> killed, started;
  DevPkiFiles pki_files;
  // Every channel handed out, by service name (to check who still holds one).
  std::map<std::string, std::vector<std::weak_ptr<grpc::Channel>>> handed_out;

  int ChannelsHeld(const std::string& name) const {
    auto it = handed_out.find(name);
    if (it == handed_out.end()) return 0;
    int held = 0;
    for (const auto& weak : it->second) held += weak.expired() ? 0 : 1;
    return held;
  }

  void Add(Service svc, std::string target) {
    const std::string name = svc.name;
    order.push_back(name);
    entries[name] = Entry{std::move(svc), std::move(target)};
  }
  const Service* Find(absl::string_view name) const override {
    auto it = entries.find(std::string(name));
    return it == entries.end() ? nullptr : &it->second.svc;
  }
  std::vector<std::string> Names() const override { return order; }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel(absl::string_view name) override {
    auto it = entries.find(std::string(name));
    if (it == entries.end() || it->second.target.empty()) {
      return absl::NotFoundError(absl::StrCat("no channel to ", name));
    }
    auto channel = grpc::CreateChannel(it->second.target, grpc::InsecureChannelCredentials());
    handed_out[std::string(name)].push_back(channel);
    return channel;
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelAs(absl::string_view name,
                                                           absl::string_view) override {
    return Channel(name);
  }
  absl::Status Kill(absl::string_view name) override {
    killed.emplace_back(name);
    entries[std::string(name)].svc.running = false;
    return absl::OkStatus();
  }
  absl::Status Start(absl::string_view name) override {
    started.emplace_back(name);
    entries[std::string(name)].svc.running = true;
    return absl::OkStatus();
  }
  absl::Status Restart(absl::string_view name) override {
    absl::Status killed_status = Kill(name);
    if (!killed_status.ok()) return killed_status;
    return Start(name);
  }
  std::string OwnerCredentialId(absl::string_view) const override { return ""; }
  std::string DeviceId(absl::string_view) const override { return ""; }
  std::string AuthorityId(absl::string_view) const override { return ""; }
  const DevPkiFiles& pki() const override { return pki_files; }
  std::map<std::string, std::string> Endpoints() const override { return {}; }
  void Shutdown() override {}
};

}  // namespace attack_fakes

// Three sim services (relay, oem-a, channel), an attached authority without
// sim services ("ca") and the adversary's device (eve-phone), in a scenario
// with devices alice-phone, bob-phone and eve-phone; ctx_ is ready for the
// attack code, with the known values of share-1.
class AttackFakeTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  static std::string Addr(int port) { return absl::StrCat("127.0.0.1:", port); }
  static std::unique_ptr<grpc::Server> Serve(std::vector<grpc::Service*> services, int* port);

  // Adds the link_interceptor "eve" (SMS, target bob-phone, device eve-phone).
  scenario::v1::Adversary* AddInterceptor(bool race);
  // Adds the interceptor "eve" with also_channels [EMAIL] and arms it: the
  // address its e-mail tap filters on ("" when the two taps are not there).
  std::string ArmInterceptorOnSmsAndEmail();
  // Sends Link() over SMS to bob's address, as the sender would.
  void SendShareLink();
  // Sends "PIN: <kPin>" by e-mail to `address`, as a sender's PIN channel.
  void SendPinByEmail(const std::string& address);
  // Sends `body` through the fake channel.
  void SendMessage(::common::v1::ChannelKind kind, const std::string& from, const std::string& to,
                   const std::string& body);
  // Whether an interceptor's claim used a captured PIN (detail pin_used).
  static bool PinUsed(const AdversaryOutcome& claim);
  // The address the interceptor's tap filters on (what it sent the channel).
  std::string DeviceAddressOfBob();

  std::unique_ptr<attack_fakes::FakeAudit> relay_audit_, oem_audit_, channel_audit_;
  attack_fakes::FakeChannel channel_;
  attack_fakes::FakeDevice device_;
  std::unique_ptr<grpc::Server> relay_server_, oem_server_, channel_server_, device_server_;
  int relay_port_ = 0, oem_port_ = 0, channel_port_ = 0, device_port_ = 0;
  attack_fakes::FakeEcosystem eco_;
  scenario::v1::Scenario scenario_;
  std::unique_ptr<ResolvedTopology> topology_;
  RunContext ctx_;
};

}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_ATTACK_ATTACK_FAKE_FIXTURE_H_
