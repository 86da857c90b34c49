#include "scenarios/attack/attack_fake_fixture.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_mapping.h"
#include "scenarios/attack/attack.h"
#include "sim/recorder.h"

namespace sct::scenarios {
namespace attack_fakes {

std::string Link() {
  return absl::StrCat("https://127.0.0.1:1/v1/m/", kMailbox, "?v=c#", kFragment);
}

std::string Meta(const grpc::ServerContext* ctx, const std::string& key) {
  auto it = ctx->client_metadata().find(key);
  return it == ctx->client_metadata().end() ? ""
                                            : std::string(it->second.data(), it->second.size());
}

std::string Tmp(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
}

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
      absl::StatusOr<std::string> fp = sim::Recorder::Fingerprint(s_->key, o.value);
      if (!fp.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, "hmac");
      out->set_fingerprint(*fp);
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

grpc::Status FakeChannel::Send(grpc::ServerContext*, const channel::v1::SendRequest* req,
                               channel::v1::SendResponse*) {
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

grpc::Status FakeChannel::Tap(grpc::ServerContext* ctx, const channel::v1::TapRequest* req,
                              grpc::ServerWriter<channel::v1::TappedMessage>* writer) {
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

grpc::Status FakeChannel::Configure(grpc::ServerContext*, const channel::v1::ConfigureRequest* req,
                                    channel::v1::ConfigureResponse* resp) {
  std::lock_guard<std::mutex> lock(mu);
  configs.push_back(*req);
  *resp->mutable_config() = req->config();
  return grpc::Status::OK;
}

grpc::Status FakeDevice::AcceptLink(grpc::ServerContext* ctx,
                                    const device::v1::AcceptLinkRequest* req,
                                    device::v1::AcceptLinkResponse* resp) {
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

}  // namespace attack_fakes

using attack_fakes::kFragment;
using attack_fakes::kMailbox;
using attack_fakes::kPin;
using attack_fakes::Link;
using attack_fakes::Tmp;
using attack_fakes::WriteFile;

void AttackFakeTest::SetUp() {
  relay_audit_ = std::make_unique<attack_fakes::FakeAudit>("relay");
  oem_audit_ = std::make_unique<attack_fakes::FakeAudit>("oem-a");
  channel_audit_ = std::make_unique<attack_fakes::FakeAudit>("channel");
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

void AttackFakeTest::TearDown() {
  DisarmAdversaries(ctx_);
  {
    std::lock_guard<std::mutex> lock(channel_.mu);
    channel_.stopping = true;
  }
  for (auto* s : {&relay_server_, &oem_server_, &channel_server_, &device_server_}) {
    if (*s != nullptr) (*s)->Shutdown();
  }
}

std::unique_ptr<grpc::Server> AttackFakeTest::Serve(std::vector<grpc::Service*> services,
                                                    int* port) {
  grpc::ServerBuilder b;
  b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), port);
  for (grpc::Service* s : services) b.RegisterService(s);
  return b.BuildAndStart();
}

scenario::v1::Adversary* AttackFakeTest::AddInterceptor(bool race) {
  scenario::v1::Adversary* a = scenario_.add_adversaries();
  a->set_name("eve");
  a->mutable_link_interceptor()->set_channel(::common::v1::SMS);
  a->mutable_link_interceptor()->set_target("bob-phone");
  a->mutable_link_interceptor()->set_device("eve-phone");
  a->mutable_link_interceptor()->set_race(race);
  return a;
}

std::string AttackFakeTest::ArmInterceptorOnSmsAndEmail() {
  scenario::v1::Adversary* eve = AddInterceptor(/*race=*/false);
  eve->mutable_link_interceptor()->add_also_channels(::common::v1::EMAIL);
  const absl::Status armed = ArmAdversaries(ctx_);
  EXPECT_TRUE(armed.ok()) << armed;
  std::lock_guard<std::mutex> lock(channel_.mu);
  EXPECT_EQ(channel_.taps.size(), 2u);
  return armed.ok() && channel_.taps.size() == 2 ? channel_.taps.back()->to : "";
}

void AttackFakeTest::SendMessage(::common::v1::ChannelKind kind, const std::string& from,
                                 const std::string& to, const std::string& body) {
  auto stub = channel::v1::Channel::NewStub(
      grpc::CreateChannel(Addr(channel_port_), grpc::InsecureChannelCredentials()));
  grpc::ClientContext call;
  channel::v1::SendRequest req;
  req.set_kind(kind);
  req.set_from(from);
  req.set_to(to);
  req.set_body(body);
  channel::v1::SendResponse resp;
  ASSERT_TRUE(stub->Send(&call, req, &resp).ok());
}

void AttackFakeTest::SendShareLink() {
  SendMessage(::common::v1::SMS, "+15550000001", DeviceAddressOfBob(), "Car key: " + Link());
}

void AttackFakeTest::SendPinByEmail(const std::string& address) {
  SendMessage(::common::v1::EMAIL, "alice@example.test", address, absl::StrCat("PIN: ", kPin));
}

bool AttackFakeTest::PinUsed(const AdversaryOutcome& claim) {
  for (const auto& [key, value] : claim.details) {
    if (key == "pin_used") return value == "true";
  }
  return false;
}

std::string AttackFakeTest::DeviceAddressOfBob() {
  // The interceptor's tap filter is what it sent to the fake channel.
  std::lock_guard<std::mutex> lock(channel_.mu);
  return channel_.taps.empty() ? "" : channel_.taps.back()->to;
}

}  // namespace sct::scenarios
