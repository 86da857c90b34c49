// attack.h against in-process fakes: a fake Ecosystem whose services are
// gRPC servers in this process (Audit, SimControl, Channel, DeviceAgent) and
// an httplib relay stand-in. No child processes; ports are 127.0.0.1:0.
#include <condition_variable>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_mapping.h"
#include "crypto/hmac.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "proto/channel/v1/channel.grpc.pb.h"
#include "proto/common/v1/audit.grpc.pb.h"
#include "proto/common/v1/control.grpc.pb.h"
#include "proto/device/v1/device.grpc.pb.h"
#include "scenarios/attack/attack.h"
#include "scenarios/launcher/topology.h"

namespace sct::scenarios {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPin[] = "482913";
constexpr char kMailbox[] = "56c1306a-915c-4681-a81e-f8e31f29cedb";
constexpr char kFragment[] = "c2VjcmV0LXNlY3JldC0xMjM0NTY";

std::string Link() {
  return absl::StrCat("https://127.0.0.1:1/v1/m/", kMailbox, "?v=c#", kFragment);
}

std::string Meta(const grpc::ServerContext* ctx, const std::string& key) {
  auto it = ctx->client_metadata().find(key);
  return it == ctx->client_metadata().end() ? ""
                                            : std::string(it->second.data(), it->second.size());
}

// ---- fake services -------------------------------------------------------

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

grpc::Status FakeAuditService::GetObservations(grpc::ServerContext*,
                                               const ::common::v1::GetObservationsRequest*,
                                               ::common::v1::GetObservationsResponse* resp) {
  std::lock_guard<std::mutex> lock(s_->mu);
  for (const RawObservation& o : s_->observed) {
    ::common::v1::Observation* out = resp->add_observations();
    out->set_observer(s_->name());
    out->set_item(o.item);
    out->set_where(o.where);
    out->set_count(1);
    if (!o.value.empty()) {
      absl::StatusOr<std::string> mac = crypto::HmacSha256(s_->key, o.value);
      if (!mac.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, "hmac");
      out->set_fingerprint(absl::BytesToHexString(*mac));
    }
  }
  return grpc::Status::OK;
}
grpc::Status FakeAuditService::GetTrace(grpc::ServerContext*, const ::common::v1::GetTraceRequest*,
                                        ::common::v1::GetTraceResponse* resp) {
  std::lock_guard<std::mutex> lock(s_->mu);
  for (const auto& e : s_->trace) *resp->add_events() = e;
  return grpc::Status::OK;
}
grpc::Status FakeAuditService::ResetAudit(grpc::ServerContext*,
                                          const ::common::v1::ResetAuditRequest*,
                                          ::common::v1::ResetAuditResponse*) {
  std::lock_guard<std::mutex> lock(s_->mu);
  ++s_->resets;
  return grpc::Status::OK;
}
grpc::Status FakeControlService::SetClock(grpc::ServerContext* ctx,
                                          const ::common::v1::SetClockRequest* req,
                                          ::common::v1::SetClockResponse*) {
  std::lock_guard<std::mutex> lock(s_->mu);
  s_->clocks.push_back(*req);
  s_->actors.push_back(Meta(ctx, "sct-actor"));
  return grpc::Status::OK;
}
grpc::Status FakeControlService::SetLinkFaults(grpc::ServerContext*,
                                               const ::common::v1::SetLinkFaultsRequest* req,
                                               ::common::v1::SetLinkFaultsResponse*) {
  std::lock_guard<std::mutex> lock(s_->mu);
  s_->link_faults.push_back(*req);
  return grpc::Status::OK;
}
grpc::Status FakeControlService::SetOutage(grpc::ServerContext*,
                                           const ::common::v1::SetOutageRequest* req,
                                           ::common::v1::SetOutageResponse*) {
  std::lock_guard<std::mutex> lock(s_->mu);
  s_->outages.push_back(*req);
  return grpc::Status::OK;
}
grpc::Status FakeControlService::SetAuditKey(grpc::ServerContext*,
                                             const ::common::v1::SetAuditKeyRequest* req,
                                             ::common::v1::SetAuditKeyResponse*) {
  std::lock_guard<std::mutex> lock(s_->mu);
  if (req->key().size() != 32) {
    return ToGrpcStatus(InvalidField("key", "not 32 bytes"));
  }
  s_->key = req->key();
  return grpc::Status::OK;
}

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
                    channel::v1::SendResponse*) override {
    std::lock_guard<std::mutex> lock(mu);
    for (auto& t : taps) {
      if (!t->to.empty() && t->to != req->to()) continue;
      channel::v1::TappedMessage m;
      m.mutable_message()->set_kind(req->kind());
      m.mutable_message()->set_to(req->to());
      m.mutable_message()->set_from(req->from());
      m.mutable_message()->set_body(req->body());
      t->queue.push_back(m);
    }
    cv.notify_all();
    return grpc::Status::OK;
  }
  grpc::Status Tap(grpc::ServerContext* ctx, const channel::v1::TapRequest* req,
                   grpc::ServerWriter<channel::v1::TappedMessage>* writer) override {
    auto tap = std::make_shared<struct Tap>();
    tap->to = req->to();
    {
      std::lock_guard<std::mutex> lock(mu);
      taps.push_back(tap);
      tap_actors.push_back(Meta(ctx, "sct-actor"));
    }
    while (!ctx->IsCancelled()) {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait_for(lock, std::chrono::milliseconds(20));
      if (stopping) break;
      while (!tap->queue.empty()) {
        channel::v1::TappedMessage m = tap->queue.front();
        tap->queue.pop_front();
        lock.unlock();
        writer->Write(m);
        lock.lock();
      }
    }
    return grpc::Status::OK;
  }
  grpc::Status Configure(grpc::ServerContext*, const channel::v1::ConfigureRequest* req,
                         channel::v1::ConfigureResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    configs.push_back(*req);
    *resp->mutable_config() = req->config();
    return grpc::Status::OK;
  }
};

class FakeDevice final : public device::v1::DeviceAgent::Service {
 public:
  std::mutex mu;
  std::map<std::string, int> accepted;  // link -> times
  std::vector<std::string> actors;
  grpc::Status AcceptLink(grpc::ServerContext* ctx, const device::v1::AcceptLinkRequest* req,
                          device::v1::AcceptLinkResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    actors.push_back(Meta(ctx, "sct-actor"));
    if (req->link().empty()) return ToGrpcStatus(InvalidField("link", "missing"));
    if (accepted[req->link()]++ > 0) {
      return ToGrpcStatus(MakeError(absl::StatusCode::kFailedPrecondition, "share_already_redeemed",
                                    "already redeemed"));
    }
    resp->set_mailbox_id(kMailbox);
    resp->set_outcome(device::v1::ACCEPT_PROVISIONED);
    return grpc::Status::OK;
  }
};

// ---- fake ecosystem ------------------------------------------------------

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
    return grpc::CreateChannel(it->second.target, grpc::InsecureChannelCredentials());
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

std::string Tmp(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
}

class AttackFakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    relay_audit_ = std::make_unique<FakeAudit>("relay");
    oem_audit_ = std::make_unique<FakeAudit>("oem-a");
    channel_audit_ = std::make_unique<FakeAudit>("channel");
    relay_server_ = Serve({&relay_audit_->audit, &relay_audit_->control}, &relay_port_);
    oem_server_ = Serve({&oem_audit_->audit, &oem_audit_->control}, &oem_port_);
    channel_server_ =
        Serve({&channel_, &channel_audit_->audit, &channel_audit_->control}, &channel_port_);
    device_server_ = Serve({&device_}, &device_port_);

    WriteFile(Tmp("relay.db"), absl::StrCat("SQLite format 3\0", kMailbox, " ciphertext"));
    WriteFile(Tmp("relay.db-wal"), "");
    std::remove(Tmp("relay.db-shm").c_str());
    WriteFile(Tmp("relay.stderr"), "relay listening\n");

    Service relay{"relay", ServiceKind::kRelay, Addr(relay_port_), "", false, true, true};
    relay.data_files = {Tmp("relay.db")};
    relay.stderr_path = Tmp("relay.stderr");
    eco_.Add(relay, Addr(relay_port_));
    eco_.Add(Service{"oem-a", ServiceKind::kOem, Addr(oem_port_), "", false, true, true},
             Addr(oem_port_));
    eco_.Add(Service{"channel", ServiceKind::kChannel, Addr(channel_port_), "", false, true, true},
             Addr(channel_port_));
    eco_.Add(Service{"ca", ServiceKind::kAuthority, "ca.example:443", "", true, false, true}, "");
    eco_.Add(Service{"eve-phone", ServiceKind::kDevice, Addr(device_port_), "", false, false, true},
             Addr(device_port_));

    scenario_.set_name("fake");
    scenario_.set_seed(7);
    for (const char* d : {"alice-phone", "bob-phone", "eve-phone"}) {
      scenario::v1::DeviceSpec* spec = scenario_.mutable_topology()->add_devices();
      spec->set_id(d);
      spec->set_oem("oem-a");
    }
    scenario_.mutable_topology()->mutable_relay();
    scenario_.mutable_topology()->add_authorities()->set_id("ca");
    scenario_.mutable_topology()->add_oems()->set_id("oem-a");
    absl::StatusOr<ResolvedTopology> resolved = ResolveTopology(scenario_.topology());
    ASSERT_TRUE(resolved.ok()) << resolved.status();
    topology_ = std::make_unique<ResolvedTopology>(*std::move(resolved));
    ctx_.scenario = &scenario_;
    ctx_.topology = topology_.get();
    ctx_.eco = &eco_;
    ctx_.started_at = absl::Now();
    ctx_.current_step = "setup";
    ctx_.known = {{::common::v1::PIN, kPin, "PIN of share-1"},
                  {::common::v1::MAILBOX_SECRET, kFragment, "secret of share-1"},
                  {::common::v1::MAILBOX_ID, kMailbox, "mailbox of share-1"},
                  {::common::v1::FULL_LINK, Link(), "link of share-1"}};
  }

  void TearDown() override {
    DisarmAdversaries(ctx_);
    {
      std::lock_guard<std::mutex> lock(channel_.mu);
      channel_.stopping = true;
    }
    for (auto* s : {&relay_server_, &oem_server_, &channel_server_, &device_server_}) {
      if (*s != nullptr) (*s)->Shutdown();
    }
  }

  static std::string Addr(int port) { return absl::StrCat("127.0.0.1:", port); }

  static std::unique_ptr<grpc::Server> Serve(std::vector<grpc::Service*> services, int* port) {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), port);
    for (grpc::Service* s : services) b.RegisterService(s);
    return b.BuildAndStart();
  }

  scenario::v1::Adversary* AddInterceptor(bool race) {
    scenario::v1::Adversary* a = scenario_.add_adversaries();
    a->set_name("eve");
    a->mutable_link_interceptor()->set_channel(::common::v1::SMS);
    a->mutable_link_interceptor()->set_target("bob-phone");
    a->mutable_link_interceptor()->set_device("eve-phone");
    a->mutable_link_interceptor()->set_race(race);
    return a;
  }

  void SendShareLink() {
    auto stub = channel::v1::Channel::NewStub(
        grpc::CreateChannel(Addr(channel_port_), grpc::InsecureChannelCredentials()));
    grpc::ClientContext call;
    channel::v1::SendRequest req;
    req.set_kind(::common::v1::SMS);
    req.set_from("+15550000001");
    req.set_to(DeviceAddressOfBob());
    req.set_body("Car key: " + Link());
    channel::v1::SendResponse resp;
    ASSERT_TRUE(stub->Send(&call, req, &resp).ok());
  }

  std::string DeviceAddressOfBob() {
    // The interceptor's tap filter is what it sent to the fake channel.
    std::lock_guard<std::mutex> lock(channel_.mu);
    return channel_.taps.empty() ? "" : channel_.taps.back()->to;
  }

  std::unique_ptr<FakeAudit> relay_audit_, oem_audit_, channel_audit_;
  FakeChannel channel_;
  FakeDevice device_;
  std::unique_ptr<grpc::Server> relay_server_, oem_server_, channel_server_, device_server_;
  int relay_port_ = 0, oem_port_ = 0, channel_port_ = 0, device_port_ = 0;
  FakeEcosystem eco_;
  scenario::v1::Scenario scenario_;
  std::unique_ptr<ResolvedTopology> topology_;
  RunContext ctx_;
};

TEST_F(AttackFakeTest, PrepareAuditSetsAFreshKeyOnEverySimService) {
  ASSERT_TRUE(PrepareAudit(ctx_).ok());
  ASSERT_EQ(ctx_.audit_key.size(), 32u);
  EXPECT_EQ(relay_audit_->key, ctx_.audit_key);
  EXPECT_EQ(oem_audit_->key, ctx_.audit_key);
  EXPECT_EQ(relay_audit_->resets, 1);
  const std::string first = ctx_.audit_key;
  ASSERT_TRUE(PrepareAudit(ctx_).ok());
  EXPECT_NE(ctx_.audit_key, first);
  EXPECT_EQ(relay_audit_->resets, 2);
}

TEST_F(AttackFakeTest, KnowledgeRowsFromServiceObservations) {
  ASSERT_TRUE(PrepareAudit(ctx_).ok());
  relay_audit_->observed.push_back(
      {::common::v1::CIPHERTEXT, kPin, "relay.v1.Relay/CreateMailbox"});
  oem_audit_->observed.push_back({::common::v1::DEVICE_IDENTITY, "dev-123", "oem.v1.Oem/Enrol"});
  for (const char* actor : {"relay", "oem-a", "ca"}) {
    scenario::v1::Assertion* a = scenario_.add_assertions();
    a->mutable_knowledge()->set_actor(actor);
    a->mutable_knowledge()->add_must_not_learn(::common::v1::PIN);
  }
  absl::StatusOr<std::vector<scenario::v1::KnowledgeAuditRow>> rows = EvaluateKnowledge(ctx_);
  ASSERT_TRUE(rows.ok()) << rows.status();
  std::map<std::string, scenario::v1::AuditVerdict> pin;
  for (const auto& r : *rows) {
    if (r.item() == ::common::v1::PIN) pin[r.actor()] = r.verdict();
    EXPECT_THAT(r.evidence(), Not(HasSubstr(kPin)));
  }
  EXPECT_EQ(pin["relay"], scenario::v1::AUDIT_VIOLATED);
  EXPECT_EQ(pin["oem-a"], scenario::v1::AUDIT_OK);
  EXPECT_EQ(pin["ca"], scenario::v1::AUDIT_UNKNOWN);
  bool info = false;
  for (const auto& r : *rows) {
    info |= r.actor() == "oem-a" && r.item() == ::common::v1::DEVICE_IDENTITY &&
            r.verdict() == scenario::v1::AUDIT_INFO;
  }
  EXPECT_TRUE(info);
}

TEST_F(AttackFakeTest, CollectTraceMergesAndOrdersByTime) {
  ::common::v1::TraceEvent late, early;
  late.set_seq(1);
  late.set_rpc("late");
  late.mutable_time()->set_seconds(200);
  early.set_seq(9);
  early.set_rpc("early");
  early.mutable_time()->set_seconds(100);
  relay_audit_->trace = {late};
  oem_audit_->trace = {early};
  ::common::v1::TraceEvent mine;
  mine.set_rpc("engine");
  mine.mutable_time()->set_seconds(150);
  ctx_.engine_trace.push_back(mine);
  absl::StatusOr<std::vector<::common::v1::TraceEvent>> trace = CollectTrace(ctx_);
  ASSERT_TRUE(trace.ok());
  ASSERT_EQ(trace->size(), 3u);
  EXPECT_EQ((*trace)[0].rpc(), "early");
  EXPECT_EQ((*trace)[1].rpc(), "engine");
  EXPECT_EQ((*trace)[2].rpc(), "late");
}

TEST_F(AttackFakeTest, FaultsGoThroughSimControlAndChannelConfigure) {
  scenario::v1::Fault outage;
  outage.set_name("oem-down");
  outage.mutable_outage()->set_service("oem-a");
  ASSERT_TRUE(ApplyFault(outage, ctx_).ok());
  ASSERT_EQ(oem_audit_->outages.size(), 1u);
  EXPECT_TRUE(oem_audit_->outages[0].has_until());
  ASSERT_TRUE(ClearFault(outage, ctx_).ok());
  ASSERT_EQ(oem_audit_->outages.size(), 2u);
  EXPECT_FALSE(oem_audit_->outages[1].has_until());

  scenario::v1::Fault skew;
  skew.set_name("skew");
  skew.mutable_clock_skew()->set_service("relay");
  skew.mutable_clock_skew()->set_offset("-3h");
  ASSERT_TRUE(ApplyFault(skew, ctx_).ok());
  ASSERT_TRUE(ClearFault(skew, ctx_).ok());
  ASSERT_EQ(relay_audit_->clocks.size(), 2u);
  EXPECT_EQ(relay_audit_->clocks[0].offset().seconds(), -3 * 3600);
  EXPECT_TRUE(relay_audit_->clocks[1].has_offset());
  EXPECT_EQ(relay_audit_->clocks[1].offset().seconds(), 0);
  EXPECT_EQ(relay_audit_->actors[0], "engine");

  // Two link faults on the same caller: the second keeps the first.
  scenario::v1::Fault slow, lossy;
  slow.set_name("slow");
  slow.mutable_link()->set_from("relay");
  slow.mutable_link()->set_to("oem-a");
  slow.mutable_link()->set_delay("2s");
  lossy.set_name("lossy");
  lossy.mutable_link()->set_from("relay");
  lossy.mutable_link()->set_to("*");
  lossy.mutable_link()->set_drop(1.0);
  ASSERT_TRUE(ApplyFault(slow, ctx_).ok());
  ASSERT_TRUE(ApplyFault(lossy, ctx_).ok());
  ASSERT_EQ(relay_audit_->link_faults.size(), 2u);
  std::set<std::string> peers;
  for (const auto& f : relay_audit_->link_faults[1].faults()) peers.insert(f.peer());
  EXPECT_TRUE(peers.count("oem-a") && peers.count("*"))
      << relay_audit_->link_faults[1].DebugString();
  ASSERT_TRUE(ClearFault(slow, ctx_).ok());
  ASSERT_TRUE(ClearFault(lossy, ctx_).ok());
  EXPECT_EQ(relay_audit_->link_faults.back().faults_size(), 0);

  // Channel: topology settings are the base, the fault overrides, clearing restores.
  scenario::v1::ChannelSpec* sms = scenario_.mutable_topology()->add_channels();
  sms->set_kind(::common::v1::SMS);
  sms->set_delay("1s");
  sms->set_max_body_length(160);
  scenario::v1::Fault lossy_sms;
  lossy_sms.set_name("lossy-sms");
  lossy_sms.mutable_channel()->set_kind(::common::v1::SMS);
  lossy_sms.mutable_channel()->set_loss(0.5);
  ASSERT_TRUE(ApplyFault(lossy_sms, ctx_).ok());
  ASSERT_TRUE(ClearFault(lossy_sms, ctx_).ok());
  ASSERT_EQ(channel_.configs.size(), 2u);
  EXPECT_EQ(channel_.configs[0].config().loss_probability(), 0.5);
  EXPECT_EQ(channel_.configs[0].config().delay().seconds(), 1);
  EXPECT_EQ(channel_.configs[0].config().max_body_length(), 160u);
  EXPECT_EQ(channel_.configs[1].config().loss_probability(), 0.0);
  EXPECT_EQ(channel_.configs[1].config().delay().seconds(), 1);

  // Restart: killed at apply, started (and given the audit key) at clear.
  ASSERT_TRUE(PrepareAudit(ctx_).ok());
  relay_audit_->key.clear();
  scenario::v1::Fault crash;
  crash.set_name("relay-crash");
  crash.mutable_restart()->set_service("relay");
  ASSERT_TRUE(ApplyFault(crash, ctx_).ok());
  EXPECT_EQ(eco_.killed, std::vector<std::string>{"relay"});
  ASSERT_TRUE(ClearFault(crash, ctx_).ok());
  EXPECT_EQ(eco_.started, std::vector<std::string>{"relay"});
  EXPECT_EQ(relay_audit_->key, ctx_.audit_key);
  relay_audit_->key.clear();
  ASSERT_TRUE(RestoreAuditKey(ctx_, "relay").ok());
  EXPECT_EQ(relay_audit_->key, ctx_.audit_key);

  // Markers and FAULT trace events.
  int fault_markers = 0;
  for (const auto& m : ctx_.markers) {
    if (m.kind() == ::common::v1::FAULT) {
      ++fault_markers;
      EXPECT_TRUE(m.has_end()) << m.label();
    }
  }
  EXPECT_EQ(fault_markers, 6);
  ASSERT_FALSE(ctx_.engine_trace.empty());
  EXPECT_EQ(ctx_.engine_trace[0].kind(), ::common::v1::FAULT);
  EXPECT_EQ(ctx_.engine_trace[0].seq(), 1u);
}

TEST_F(AttackFakeTest, RestartFaultPreservesWhatTheKilledServiceRecorded) {
  ASSERT_TRUE(PrepareAudit(ctx_).ok());
  relay_audit_->observed.push_back(
      {::common::v1::KNOWLEDGE_ITEM_UNSPECIFIED, kPin, "relay.v1.Relay/X"});
  ::common::v1::TraceEvent before;
  before.set_rpc("before-the-crash");
  relay_audit_->trace = {before};
  scenario::v1::Fault crash;
  crash.set_name("crash");
  crash.mutable_restart()->set_service("relay");
  crash.mutable_restart()->set_no_restart(true);
  ASSERT_TRUE(ApplyFault(crash, ctx_).ok());
  ASSERT_FALSE(eco_.Find("relay")->running);
  scenario::v1::Assertion* a = scenario_.add_assertions();
  a->mutable_knowledge()->set_actor("relay");
  a->mutable_knowledge()->add_must_not_learn(::common::v1::PIN);
  absl::StatusOr<std::vector<scenario::v1::KnowledgeAuditRow>> rows = EvaluateKnowledge(ctx_);
  ASSERT_TRUE(rows.ok());
  ASSERT_FALSE(rows->empty());
  EXPECT_EQ((*rows)[0].verdict(), scenario::v1::AUDIT_VIOLATED) << (*rows)[0].DebugString();
  absl::StatusOr<std::vector<::common::v1::TraceEvent>> trace = CollectTrace(ctx_);
  ASSERT_TRUE(trace.ok());
  bool kept = false;
  for (const auto& e : *trace) kept |= e.rpc() == "before-the-crash";
  EXPECT_TRUE(kept);
}

TEST_F(AttackFakeTest, BadFaultsNameTheField) {
  scenario::v1::Fault f;
  f.set_name("bad");
  f.mutable_clock_skew()->set_service("relay");
  f.mutable_clock_skew()->set_offset("soon");
  absl::Status s = ApplyFault(f, ctx_);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("faults[bad].clock_skew.offset"));
  f.mutable_outage()->set_service("nope");
  s = ApplyFault(f, ctx_);
  EXPECT_THAT(std::string(s.message()), HasSubstr("faults[bad].outage.service"));
  scenario::v1::Fault none;
  none.set_name("empty");
  EXPECT_EQ(ApplyFault(none, ctx_).code(), absl::StatusCode::kInvalidArgument);
  scenario::v1::Fault link;
  link.set_name("l");
  link.mutable_link()->set_from("eve-phone");  // no sim services
  link.mutable_link()->set_to("relay");
  EXPECT_THAT(std::string(ApplyFault(link, ctx_).message()), HasSubstr("no sim services"));
}

TEST_F(AttackFakeTest, InterceptorRacesAndTheReplayerIsRefused) {
  AddInterceptor(/*race=*/true);
  scenario::v1::Adversary* r = scenario_.add_adversaries();
  r->set_name("replayer");
  r->mutable_token_replayer()->set_interceptor("eve");
  r->mutable_token_replayer()->set_share("share-1");
  r->mutable_token_replayer()->set_times(2);
  ASSERT_TRUE(PrepareAudit(ctx_).ok());
  ASSERT_TRUE(ArmAdversaries(ctx_).ok());
  EXPECT_FALSE(DeviceAddressOfBob().empty());  // filtered on bob's SMS address

  ctx_.current_step = "share";
  SendShareLink();
  ctx_.shares["share-1"].mailbox_id = kMailbox;
  // What the engine does while waiting for an intercepted link.
  for (int i = 0; i < 500 && ctx_.intercepted["eve"]["share-1"].empty(); ++i) {
    SyncAdversaries(ctx_);
    if (ctx_.intercepted["eve"]["share-1"].empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the tap thread
    }
  }
  EXPECT_EQ(ctx_.intercepted["eve"]["share-1"], Link());

  ctx_.current_step = "eve-claims";
  absl::StatusOr<AdversaryOutcome> claim = ActAdversary("eve", ctx_);
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_TRUE(claim->succeeded) << claim->summary;
  EXPECT_EQ(claim->code, "OK");
  EXPECT_THAT(claim->summary, Not(HasSubstr(kFragment)));
  EXPECT_EQ(ctx_.intercepted["eve"]["share-1"], Link());

  ctx_.current_step = "replay";
  absl::StatusOr<AdversaryOutcome> replay = ActAdversary("replayer", ctx_);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_TRUE(replay->succeeded) << replay->summary;
  EXPECT_EQ(replay->reason, "share_already_redeemed");
  EXPECT_EQ(replay->code, "FAILED_PRECONDITION");
  {
    std::lock_guard<std::mutex> lock(device_.mu);
    EXPECT_EQ(device_.accepted[Link()], 3);  // race claim + 2 replays
    EXPECT_THAT(device_.actors, ::testing::ElementsAre("eve", "replayer", "replayer"));
  }
  {
    std::lock_guard<std::mutex> lock(channel_.mu);
    EXPECT_EQ(channel_.tap_actors, std::vector<std::string>{"eve"});
  }
  DisarmAdversaries(ctx_);

  // Trace and markers.
  int adversary_events = 0;
  for (const auto& e : ctx_.engine_trace) {
    EXPECT_THAT(e.summary(), Not(HasSubstr(kFragment)));
    if (e.kind() == ::common::v1::ADVERSARY) ++adversary_events;
  }
  EXPECT_GE(adversary_events, 5);  // tap, capture, race claim, 2 replays
  bool eve_marker_closed = false;
  for (const auto& m : ctx_.markers) {
    if (m.label() == "eve" && m.has_end()) eve_marker_closed = true;
  }
  EXPECT_TRUE(eve_marker_closed);

  // The audit: eve learned the full link and the secret; the replayer did too.
  scenario::v1::Assertion* a = scenario_.add_assertions();
  a->mutable_knowledge()->set_actor("eve");
  a->mutable_knowledge()->add_must_learn(::common::v1::FULL_LINK);
  a->mutable_knowledge()->add_must_not_learn(::common::v1::PIN);
  absl::StatusOr<std::vector<scenario::v1::KnowledgeAuditRow>> rows = EvaluateKnowledge(ctx_);
  ASSERT_TRUE(rows.ok()) << rows.status();
  for (const auto& row : *rows) {
    if (row.actor() != "eve") continue;
    if (row.item() == ::common::v1::FULL_LINK) {
      EXPECT_EQ(row.verdict(), scenario::v1::AUDIT_OK);
      EXPECT_THAT(row.evidence(), HasSubstr("link of share-1"));
    }
    if (row.item() == ::common::v1::PIN) {
      EXPECT_EQ(row.verdict(), scenario::v1::AUDIT_OK);
    }
    EXPECT_THAT(row.evidence(), Not(HasSubstr(kFragment)));
  }
}

TEST_F(AttackFakeTest, InterceptorWithoutRaceClaimsOnAct) {
  AddInterceptor(/*race=*/false);
  ASSERT_TRUE(ArmAdversaries(ctx_).ok());
  absl::StatusOr<AdversaryOutcome> nothing = ActAdversary("eve", ctx_);
  ASSERT_TRUE(nothing.ok());
  EXPECT_FALSE(nothing->succeeded);
  EXPECT_EQ(nothing->reason, "no_link_captured");
  SendShareLink();
  absl::StatusOr<AdversaryOutcome> claim = ActAdversary("eve", ctx_);
  ASSERT_TRUE(claim.ok());
  EXPECT_TRUE(claim->succeeded);
  // Not yet bound to a share: stored under the mailbox id.
  EXPECT_EQ(ctx_.intercepted["eve"][kMailbox], Link());
  EXPECT_EQ(ActAdversary("nobody", ctx_).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(AttackFakeTest, RelayDumpFindsAPlantedPinAndNamesOnlyTheFile) {
  scenario::v1::Adversary* d = scenario_.add_adversaries();
  d->set_name("operator");
  d->mutable_relay_dump()->set_include_logs(true);
  ASSERT_TRUE(PrepareAudit(ctx_).ok());

  absl::StatusOr<AdversaryOutcome> clean = ActAdversary("operator", ctx_);
  ASSERT_TRUE(clean.ok()) << clean.status();
  EXPECT_TRUE(clean->succeeded) << clean->summary;  // only the mailbox id (allowed)

  WriteFile(Tmp("relay.db-wal"), absl::StrCat("WAL\x01", absl::BytesToHexString(kPin), "\x02"));
  absl::StatusOr<AdversaryOutcome> dirty = ActAdversary("operator", ctx_);
  ASSERT_TRUE(dirty.ok());
  EXPECT_FALSE(dirty->succeeded);
  EXPECT_THAT(dirty->summary, HasSubstr("PIN of share-1 in relay.db-wal (hex)"));
  EXPECT_THAT(dirty->summary, Not(HasSubstr(kPin)));
  for (const auto& [k, v] : dirty->details) {
    EXPECT_THAT(v, Not(HasSubstr(kPin))) << k;
  }

  scenario::v1::Assertion* a = scenario_.add_assertions();
  a->mutable_knowledge()->set_actor("relay");
  a->mutable_knowledge()->add_must_not_learn(::common::v1::PIN);
  a = scenario_.add_assertions();
  a->mutable_knowledge()->set_actor("operator");
  a->mutable_knowledge()->add_must_not_learn(::common::v1::PIN);
  a->mutable_knowledge()->add_must_not_learn(::common::v1::MAILBOX_SECRET);
  absl::StatusOr<std::vector<scenario::v1::KnowledgeAuditRow>> rows = EvaluateKnowledge(ctx_);
  ASSERT_TRUE(rows.ok());
  int checked = 0;
  for (const auto& r : *rows) {
    if (r.item() == ::common::v1::PIN) {
      EXPECT_EQ(r.verdict(), scenario::v1::AUDIT_VIOLATED) << r.actor();
      EXPECT_THAT(r.evidence(), HasSubstr("found PIN of share-1 in relay.db-wal"));
      ++checked;
    }
    if (r.item() == ::common::v1::MAILBOX_SECRET) {
      EXPECT_EQ(r.verdict(), scenario::v1::AUDIT_OK);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 3);
}

TEST_F(AttackFakeTest, GuesserCountsAndSeesTheRateLimit) {
  httplib::Server http;
  std::mutex mu;
  int calls = 0;
  std::set<std::string> actors;
  http.Post(R"(/v1/m/([0-9a-f-]+))", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    actors.insert(req.get_header_value("sct-actor"));
    res.status = ++calls <= 4 ? 404 : 429;
  });
  const int port = http.bind_to_any_port("127.0.0.1");
  std::thread t([&] { http.listen_after_bind(); });
  eco_.entries["relay"].svc.http_url = absl::StrCat("http://127.0.0.1:", port);

  scenario::v1::Adversary* g = scenario_.add_adversaries();
  g->set_name("guesser");
  g->mutable_id_guesser()->set_tries(10);
  g->mutable_id_guesser()->set_expect_rate_limited(true);
  absl::StatusOr<AdversaryOutcome> out = ActAdversary("guesser", ctx_);
  http.stop();
  t.join();
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_TRUE(out->succeeded) << out->summary;
  EXPECT_EQ(out->code, "RESOURCE_EXHAUSTED");
  std::map<std::string, std::string> details(out->details.begin(), out->details.end());
  EXPECT_EQ(details["tries"], "10");
  EXPECT_EQ(details["hits"], "0");
  EXPECT_EQ(details["not_found"], "4");
  EXPECT_EQ(details["rate_limited_after"], "4");
  EXPECT_EQ(actors, std::set<std::string>{"guesser"});

  // Without the rate limit the act fails when one was expected.
  g->mutable_id_guesser()->set_tries(3);
  httplib::Server open;
  open.Post(R"(/v1/m/([0-9a-f-]+))",
            [](const httplib::Request&, httplib::Response& res) { res.status = 404; });
  const int port2 = open.bind_to_any_port("127.0.0.1");
  std::thread t2([&] { open.listen_after_bind(); });
  eco_.entries["relay"].svc.http_url = absl::StrCat("http://127.0.0.1:", port2);
  absl::StatusOr<AdversaryOutcome> open_out = ActAdversary("guesser", ctx_);
  open.stop();
  t2.join();
  ASSERT_TRUE(open_out.ok());
  EXPECT_FALSE(open_out->succeeded);
  EXPECT_EQ(open_out->reason, "mailbox_not_found");
}

}  // namespace
}  // namespace sct::scenarios
