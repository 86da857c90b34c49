// In-process tests of the server interceptor, outage gate, Audit/SimControl
// services and the client fault interceptor, on a small echo service.
#include "sim/sim.h"

#include <atomic>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_mapping.h"
#include "gtest/gtest.h"
#include "proto/common/v1/audit.grpc.pb.h"
#include "proto/common/v1/control.grpc.pb.h"
#include "runtime/grpc_server.h"
#include "runtime/test_certs.h"
#include "runtime/testdata/echo.grpc.pb.h"
#include "runtime/tls.h"

namespace sct::sim {
namespace {

namespace cv1 = ::common::v1;
using ::sct::common::testdata::Echo;
using ::sct::common::testdata::EchoMessage;

const std::string kKey(32, '\x42');

class EchoImpl final : public Echo::Service {
 public:
  grpc::Status Echo(grpc::ServerContext*, const EchoMessage* req, EchoMessage* resp) override {
    ++calls;
    if (req->text() == "missing") {
      return ToGrpcStatus(MakeError(absl::StatusCode::kNotFound, "no_such_text", "not here"));
    }
    if (forward != nullptr) {  // one hop further, as the next actor would
      grpc::ClientContext ctx;
      return forward->Echo(&ctx, *req, resp);
    }
    *resp = *req;
    return grpc::Status::OK;
  }
  std::atomic<int> calls{0};
  std::unique_ptr<Echo::Stub> forward;
};

struct Server {
  std::unique_ptr<SimState> state;
  EchoImpl echo;
  std::unique_ptr<ServerHooks> hooks;
  std::unique_ptr<GrpcServer> server;
};

std::unique_ptr<Server> StartServer(const Clock* base, AdminAuth auth = {},
                                    std::shared_ptr<grpc::ServerCredentials> creds = nullptr) {
  auto s = std::make_unique<Server>();
  SimOptions options;
  options.actor_id = "relay";
  options.base_clock = base;
  s->state = std::make_unique<SimState>(options);
  GrpcServerOptions gopts;
  gopts.credentials = creds;
  gopts.services = {&s->echo};
  auto hooks = ServerHooks::Attach(s->state.get(), auth, &gopts);
  EXPECT_TRUE(hooks.ok()) << hooks.status();
  s->hooks = std::move(*hooks);
  auto server = GrpcServer::Start(gopts);
  EXPECT_TRUE(server.ok()) << server.status();
  s->server = std::move(*server);
  return s;
}

class SimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = StartServer(&clock_);
    channel_ = grpc::CreateChannel(server_->server->address(), grpc::InsecureChannelCredentials());
    echo_ = Echo::NewStub(channel_);
    audit_ = cv1::Audit::NewStub(channel_);
    control_ = cv1::SimControl::NewStub(channel_);
  }

  absl::Status CallEcho(const std::string& text, const std::string& actor = "",
                        const std::string& step = "") {
    grpc::ClientContext ctx;
    if (!actor.empty()) ctx.AddMetadata("sct-actor", actor);
    if (!step.empty()) ctx.AddMetadata("sct-step", step);
    EchoMessage req, resp;
    req.set_text(text);
    return FromGrpcStatus(echo_->Echo(&ctx, req, &resp));
  }

  std::vector<cv1::TraceEvent> Trace() {
    grpc::ClientContext ctx;
    cv1::GetTraceResponse resp;
    grpc::Status s = audit_->GetTrace(&ctx, {}, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.events().begin(), resp.events().end()};
  }

  std::vector<cv1::Observation> Observations() {
    grpc::ClientContext ctx;
    cv1::GetObservationsResponse resp;
    grpc::Status s = audit_->GetObservations(&ctx, {}, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.observations().begin(), resp.observations().end()};
  }

  absl::Status SetAuditKey(const std::string& key) {
    grpc::ClientContext ctx;
    cv1::SetAuditKeyRequest req;
    req.set_key(key);
    cv1::SetAuditKeyResponse resp;
    return FromGrpcStatus(control_->SetAuditKey(&ctx, req, &resp));
  }

  absl::StatusOr<absl::Time> SetClock(std::optional<absl::Duration> offset,
                                      std::optional<absl::Duration> advance) {
    grpc::ClientContext ctx;
    cv1::SetClockRequest req;
    if (offset) ToProto(*offset, req.mutable_offset());
    if (advance) ToProto(*advance, req.mutable_advance());
    cv1::SetClockResponse resp;
    absl::Status s = FromGrpcStatus(control_->SetClock(&ctx, req, &resp));
    if (!s.ok()) return s;
    return FromProto(resp.now(), "now");
  }

  FakeClock clock_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Echo::Stub> echo_;
  std::unique_ptr<cv1::Audit::Stub> audit_;
  std::unique_ptr<cv1::SimControl::Stub> control_;
};

TEST_F(SimTest, TraceRecordsFromToRpcStepStatusAndReason) {
  ASSERT_TRUE(CallEcho("hello", "device-a", "step-1").ok());
  clock_.Advance(absl::Seconds(3));
  absl::Status missing = CallEcho("missing");
  ASSERT_EQ(ReasonOf(missing), "no_such_text");

  std::vector<cv1::TraceEvent> trace = Trace();  // Audit calls are not traced
  ASSERT_EQ(trace.size(), 2u);
  EXPECT_EQ(trace[0].seq(), 1u);
  EXPECT_EQ(trace[0].from(), "device-a");
  EXPECT_EQ(trace[0].to(), "relay");
  EXPECT_EQ(trace[0].rpc(), "sct.common.testdata.Echo/Echo");
  EXPECT_EQ(trace[0].step_id(), "step-1");
  EXPECT_EQ(trace[0].status_code(), "OK");
  EXPECT_EQ(trace[0].reason(), "");
  EXPECT_EQ(trace[0].kind(), cv1::TRACE_KIND_UNSPECIFIED);
  EXPECT_EQ(trace[0].time().seconds(), absl::ToUnixSeconds(clock_.Now()) - 3);
  EXPECT_EQ(trace[0].summary(), "Echo request 1 msg 7 B, response 1 msg 7 B");  // never values
  EXPECT_TRUE(trace[0].actor_self_declared());  // a header, no certificate
  EXPECT_EQ(trace[1].from(), "unknown");
  EXPECT_FALSE(trace[1].actor_self_declared());
  EXPECT_EQ(trace[1].status_code(), "NOT_FOUND");
  EXPECT_EQ(trace[1].reason(), "no_such_text");
  EXPECT_EQ(trace[1].step_id(), "");
}

TEST_F(SimTest, ObservationsFingerprintRequestAndResponseValues) {
  ASSERT_TRUE(CallEcho("before-key").ok());
  EXPECT_TRUE(Observations().empty());
  ASSERT_TRUE(SetAuditKey(kKey).ok());
  const std::string link = "https://relay.example/v1/m/abc-123?v=a#SeCrEt";
  ASSERT_TRUE(CallEcho(link).ok());
  std::vector<cv1::Observation> obs = Observations();
  auto has = [&](cv1::KnowledgeItem item, const std::string& value) {
    const std::string fp = *Recorder::Fingerprint(kKey, value);
    for (const auto& o : obs) {
      if (o.item() == item && o.fingerprint() == fp) {
        EXPECT_EQ(o.observer(), "relay");
        EXPECT_EQ(o.where(), "sct.common.testdata.Echo/Echo");
        return o.count();
      }
    }
    return uint64_t{0};
  };
  EXPECT_EQ(has(cv1::FULL_LINK, link), 2u);  // request and response
  EXPECT_EQ(has(cv1::MAILBOX_SECRET, "SeCrEt"), 2u);
  EXPECT_EQ(has(cv1::KNOWLEDGE_ITEM_UNSPECIFIED, "abc-123"), 2u);
  EXPECT_EQ(has(cv1::KNOWLEDGE_ITEM_UNSPECIFIED, "before-key"), 0u);
  EXPECT_EQ(has(cv1::KNOWLEDGE_ITEM_UNSPECIFIED, "never-sent-secret"), 0u);

  grpc::ClientContext ctx;
  cv1::ResetAuditResponse r;
  ASSERT_TRUE(audit_->ResetAudit(&ctx, {}, &r).ok());
  EXPECT_TRUE(Observations().empty());
  EXPECT_TRUE(Trace().empty());
}

TEST_F(SimTest, OutageRefusesWithoutRunningHandlerThenRecovers) {
  grpc::ClientContext ctx;
  cv1::SetOutageRequest req;
  ToProto(clock_.Now() + absl::Minutes(1), req.mutable_until());
  cv1::SetOutageResponse resp;
  ASSERT_TRUE(control_->SetOutage(&ctx, req, &resp).ok());

  absl::Status s = CallEcho("during", "device-a");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(s), "simulated_outage");
  EXPECT_EQ(server_->echo.calls, 0);
  std::vector<cv1::TraceEvent> trace = Trace();
  ASSERT_EQ(trace.size(), 1u);
  EXPECT_EQ(trace[0].status_code(), "UNAVAILABLE");
  EXPECT_EQ(trace[0].reason(), "simulated_outage");

  clock_.Advance(absl::Seconds(59));
  EXPECT_EQ(ReasonOf(CallEcho("still")), "simulated_outage");
  ASSERT_TRUE(SetClock(std::nullopt, absl::Seconds(2)).ok());  // the SimClock passes `until`
  EXPECT_TRUE(CallEcho("after").ok());
  EXPECT_EQ(server_->echo.calls, 1);

  // An unset `until` ends an outage at once.
  grpc::ClientContext ctx2;
  cv1::SetOutageRequest req2;
  ToProto(clock_.Now() + absl::Hours(1), req2.mutable_until());
  ASSERT_TRUE(control_->SetOutage(&ctx2, req2, &resp).ok());
  EXPECT_EQ(ReasonOf(CallEcho("x")), "simulated_outage");
  grpc::ClientContext ctx3;
  ASSERT_TRUE(control_->SetOutage(&ctx3, {}, &resp).ok());
  EXPECT_TRUE(CallEcho("y").ok());
}

TEST_F(SimTest, SetClockOffsetReplacesAdvanceAdds) {
  const absl::Time base = clock_.Now();
  EXPECT_EQ(*SetClock(absl::Hours(1), std::nullopt), base + absl::Hours(1));
  EXPECT_EQ(*SetClock(std::nullopt, absl::Minutes(30)), base + absl::Minutes(90));
  EXPECT_EQ(*SetClock(-absl::Minutes(10), std::nullopt), base - absl::Minutes(10));
  EXPECT_EQ(server_->state->clock().Now(), base - absl::Minutes(10));
  absl::StatusOr<absl::Time> both = SetClock(absl::Seconds(5), absl::Seconds(5));
  EXPECT_EQ(*both, base + absl::Seconds(10));

  grpc::ClientContext ctx;
  cv1::SetClockRequest bad;
  bad.mutable_offset()->set_seconds(1);
  bad.mutable_offset()->set_nanos(-5);
  cv1::SetClockResponse resp;
  absl::Status s = FromGrpcStatus(control_->SetClock(&ctx, bad, &resp));
  EXPECT_EQ(ReasonOf(s), "invalid_field");
  EXPECT_NE(s.message().find("offset"), absl::string_view::npos);
}

// What the relay's rate limiter reads to drop windows of an undone future:
// a smaller offset is a set-back, a larger one is not.
TEST_F(SimTest, SetClockRemembersWhereTheClockWasSetBackTo) {
  const absl::Time base = clock_.Now();
  EXPECT_EQ(server_->state->clock().LastSetBackTo(), absl::InfinitePast());
  ASSERT_TRUE(SetClock(std::nullopt, absl::Hours(80)).ok());
  EXPECT_EQ(server_->state->clock().LastSetBackTo(), absl::InfinitePast());
  ASSERT_TRUE(SetClock(absl::ZeroDuration(), std::nullopt).ok());  // the runner's reset
  EXPECT_EQ(server_->state->clock().LastSetBackTo(), base);
  clock_.Advance(absl::Seconds(3));
  ASSERT_TRUE(SetClock(std::nullopt, absl::Hours(1)).ok());
  EXPECT_EQ(server_->state->clock().LastSetBackTo(), base);
}

TEST_F(SimTest, SetClockRefusesAbsurdShiftsNamingTheField) {
  const absl::Time base = clock_.Now();
  ASSERT_TRUE(SetClock(absl::Hours(1), std::nullopt).ok());
  struct Case {
    std::optional<absl::Duration> offset, advance;
    const char* field;
  };
  const absl::Duration ten_thousand_years = absl::Hours(24 * 365 * 9000);
  for (const Case& c : {Case{ten_thousand_years, std::nullopt, "offset"},
                        Case{-ten_thousand_years, std::nullopt, "offset"},
                        Case{std::nullopt, ten_thousand_years, "advance"},
                        Case{absl::Hours(24 * 365 * 60), absl::Hours(24 * 365 * 60), "advance"}}) {
    absl::StatusOr<absl::Time> r = SetClock(c.offset, c.advance);
    ASSERT_FALSE(r.ok()) << c.field;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ReasonOf(r.status()), "invalid_field");
    EXPECT_TRUE(absl::StartsWith(r.status().message(), std::string(c.field) + ":")) << r.status();
  }
  EXPECT_EQ(server_->state->clock().Now(), base + absl::Hours(1));  // unchanged
}

TEST_F(SimTest, SetAuditKeyRejectsWrongLength) {
  absl::Status s = SetAuditKey("short");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(s), "invalid_field");
  EXPECT_NE(s.message().find("key"), absl::string_view::npos) << s.message();
  EXPECT_FALSE(server_->state->recorder().has_audit_key());
}

TEST_F(SimTest, SetLinkFaultsValidates) {
  grpc::ClientContext ctx;
  cv1::SetLinkFaultsRequest req;
  cv1::LinkFault* f = req.add_faults();
  f->set_peer("oem-a");
  f = req.add_faults();
  f->set_peer("ca");
  f->set_drop_probability(1.5);
  cv1::SetLinkFaultsResponse resp;
  absl::Status s = FromGrpcStatus(control_->SetLinkFaults(&ctx, req, &resp));
  EXPECT_EQ(ReasonOf(s), "invalid_field");
  EXPECT_NE(s.message().find("faults[1].drop_probability"), absl::string_view::npos);
}

// The caller side: a second process-like SimState ("device") whose outbound
// channel to the server goes through sim::Channel.
class LinkFaultTest : public SimTest {
 protected:
  void SetUp() override {
    SimTest::SetUp();
    SimOptions options;
    options.actor_id = "device";
    options.base_clock = &clock_;
    device_ = std::make_unique<SimState>(options);
    device_echo_ = Echo::NewStub(Channel(server_->server->address(),
                                         grpc::InsecureChannelCredentials(), "relay",
                                         device_.get()));
  }
  absl::Status DeviceEcho(const std::string& text) {
    grpc::ClientContext ctx;
    EchoMessage req, resp;
    req.set_text(text);
    return FromGrpcStatus(device_echo_->Echo(&ctx, req, &resp));
  }
  void Faults(const std::string& peer, double drop, double duplicate) {
    cv1::LinkFault f;
    f.set_peer(peer);
    f.set_drop_probability(drop);
    f.set_duplicate_probability(duplicate);
    f.set_seed(7);
    ASSERT_TRUE(device_->SetLinkFaults({f}).ok());
  }
  std::unique_ptr<SimState> device_;
  std::unique_ptr<Echo::Stub> device_echo_;
};

TEST_F(LinkFaultTest, SendsActorAndStepMetadata) {
  device_->SetThreadStep("step-9");
  ASSERT_TRUE(DeviceEcho("hi").ok());
  device_->SetThreadStep("");  // falls back to the last step seen
  ASSERT_TRUE(DeviceEcho("again").ok());
  std::vector<cv1::TraceEvent> trace = Trace();
  ASSERT_EQ(trace.size(), 2u);
  EXPECT_EQ(trace[0].from(), "device");
  EXPECT_EQ(trace[0].step_id(), "step-9");
  EXPECT_EQ(trace[1].step_id(), "step-9");
}

TEST_F(LinkFaultTest, DropFailsWithoutReachingServer) {
  Faults("relay", 1.0, 0.0);
  absl::Status s = DeviceEcho("dropped");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(s), "simulated_drop");
  EXPECT_EQ(server_->echo.calls, 0);
  EXPECT_TRUE(Trace().empty());
  std::vector<cv1::TraceEvent> own = device_->recorder().Trace(0);
  ASSERT_EQ(own.size(), 1u);
  EXPECT_EQ(own[0].kind(), cv1::FAULT);
  EXPECT_EQ(own[0].from(), "device");
  EXPECT_EQ(own[0].to(), "relay");
  EXPECT_EQ(own[0].rpc(), "sct.common.testdata.Echo/Echo");
  EXPECT_EQ(own[0].reason(), "simulated_drop");

  Faults("someone-else", 1.0, 0.0);  // does not match this link
  EXPECT_TRUE(DeviceEcho("passes").ok());
  Faults(server_->server->address(), 1.0, 0.0);  // matches by host:port
  EXPECT_EQ(ReasonOf(DeviceEcho("dropped")), "simulated_drop");
  Faults("*", 0.0, 0.0);
  EXPECT_TRUE(DeviceEcho("passes").ok());
  EXPECT_EQ(server_->echo.calls, 2);
}

TEST_F(LinkFaultTest, DuplicateSendsTwice) {
  Faults("relay", 0.0, 1.0);
  EXPECT_TRUE(DeviceEcho("twice").ok());
  EXPECT_EQ(server_->echo.calls, 2);
  std::vector<cv1::TraceEvent> trace = Trace();
  ASSERT_EQ(trace.size(), 2u);
  EXPECT_EQ(trace[0].from(), "device");
  EXPECT_EQ(trace[1].from(), "device");
}

// An inbound call's sct-step follows the outbound calls made to serve it.
TEST_F(SimTest, StepPropagatesAcrossAHop) {
  FakeClock front_clock;
  std::unique_ptr<Server> front = StartServer(&front_clock);
  // "front" (actor "relay" too, as StartServer names it) forwards to server_.
  front->echo.forward = Echo::NewStub(Channel(server_->server->address(),
                                              grpc::InsecureChannelCredentials(), "back",
                                              front->state.get()));
  grpc::ClientContext ctx;
  ctx.AddMetadata("sct-actor", "engine");
  ctx.AddMetadata("sct-step", "s-chain");
  EchoMessage req, resp;
  req.set_text("hop");
  ASSERT_TRUE(Echo::NewStub(grpc::CreateChannel(front->server->address(),
                                                grpc::InsecureChannelCredentials()))
                  ->Echo(&ctx, req, &resp)
                  .ok());
  EXPECT_EQ(resp.text(), "hop");
  std::vector<cv1::TraceEvent> back = Trace();
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].from(), "relay");
  EXPECT_EQ(back[0].step_id(), "s-chain");
  std::vector<cv1::TraceEvent> front_trace = front->state->recorder().Trace(0);
  ASSERT_EQ(front_trace.size(), 1u);
  EXPECT_EQ(front_trace[0].from(), "engine");
  EXPECT_EQ(front_trace[0].step_id(), "s-chain");
}

// Mutual TLS: only the "admin" certificate may use Audit and SimControl.
TEST(SimAuthTest, OnlyAdminCertificateMayCallControls) {
  const std::string dir = std::getenv("TEST_TMPDIR");
  auto ca = MakeTestCa("test-ca");
  ASSERT_TRUE(ca.ok());
  auto server_cert = IssueTestCert(*ca, "relay", {"localhost"}, {"127.0.0.1"});
  auto admin = IssueTestCert(*ca, "admin", {}, {});
  auto mallory = IssueTestCert(*ca, "mallory", {}, {});
  ASSERT_TRUE(server_cert.ok() && admin.ok() && mallory.ok());
  auto write = [&](const std::string& name, const std::string& pem) {
    const std::string path = dir + "/" + name;
    EXPECT_TRUE(WriteTestFile(path, pem).ok());
    return path;
  };
  const std::string ca_file = write("ca.pem", ca->cert_pem);
  auto server_creds = LoadServerCredentials({write("server.pem", server_cert->cert_pem),
                                             write("server.key", server_cert->key_pem), ca_file,
                                             true});
  ASSERT_TRUE(server_creds.ok()) << server_creds.status();
  FakeClock clock;
  AdminAuth auth;
  auth.client_certs = true;
  std::unique_ptr<Server> server = StartServer(&clock, auth, *server_creds);

  auto channel_as = [&](const std::string& cn, const TestCert& cert) {
    auto creds = LoadClientCredentials(
        {ca_file, write(cn + ".pem", cert.cert_pem), write(cn + ".key", cert.key_pem)});
    EXPECT_TRUE(creds.ok());
    return grpc::CreateChannel(server->server->address(), *creds);
  };
  auto mallory_channel = channel_as("mallory", *mallory);
  auto admin_channel = channel_as("admin", *admin);

  {  // mallory's call is traced under her certificate CN
    grpc::ClientContext ctx;
    EchoMessage req, resp;
    ASSERT_TRUE(Echo::NewStub(mallory_channel)->Echo(&ctx, req, &resp).ok());
  }
  for (const char* claimed : {"relay", "mallory"}) {  // she names an actor herself
    grpc::ClientContext ctx;
    ctx.AddMetadata("sct-actor", claimed);
    EchoMessage req, resp;
    ASSERT_TRUE(Echo::NewStub(mallory_channel)->Echo(&ctx, req, &resp).ok());
  }
  for (auto& channel : {mallory_channel}) {
    grpc::ClientContext c1, c2;
    cv1::GetTraceResponse tr;
    absl::Status s = FromGrpcStatus(cv1::Audit::NewStub(channel)->GetTrace(&c1, {}, &tr));
    EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
    EXPECT_EQ(ReasonOf(s), "not_admin");
    cv1::SetOutageResponse r;
    s = FromGrpcStatus(cv1::SimControl::NewStub(channel)->SetOutage(&c2, {}, &r));
    EXPECT_EQ(ReasonOf(s), "not_admin");
  }
  grpc::ClientContext ctx;
  cv1::GetTraceResponse tr;
  ASSERT_TRUE(cv1::Audit::NewStub(admin_channel)->GetTrace(&ctx, {}, &tr).ok());
  ASSERT_EQ(tr.events_size(), 3);
  EXPECT_EQ(tr.events(0).from(), "mallory");
  EXPECT_FALSE(tr.events(0).actor_self_declared());
  EXPECT_EQ(tr.events(1).from(), "relay");  // what she claimed, marked as such
  EXPECT_TRUE(tr.events(1).actor_self_declared());
  EXPECT_EQ(tr.events(2).from(), "mallory");  // a claim her certificate backs
  EXPECT_FALSE(tr.events(2).actor_self_declared());
}

// GetMemory names what the service's growing containers hold: every
// reporter main.cc added, read at the time of the call.
TEST_F(SimTest, GetMemoryReportsTheSizesOfEveryReporter) {
  int inbox = 3;
  server_->state->AddSizeReporter([&inbox] {
    return std::vector<std::pair<std::string, uint64_t>>{{"inbox_messages", inbox}};
  });
  server_->state->AddSizeReporter([] {
    return std::vector<std::pair<std::string, uint64_t>>{{"deliveries", 7}, {"fetches", 0}};
  });
  inbox = 41;
  grpc::ClientContext ctx;
  cv1::GetMemoryRequest req;
  cv1::GetMemoryResponse resp;
  ASSERT_TRUE(control_->GetMemory(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.sizes_size(), 3);
  EXPECT_EQ(resp.sizes().at("inbox_messages"), 41u);
  EXPECT_EQ(resp.sizes().at("deliveries"), 7u);
  EXPECT_EQ(resp.sizes().at("fetches"), 0u);
  EXPECT_GT(resp.heap_in_use_bytes(), 0u);
}

TEST(SimStateTest, NullStateChangesNothing) {
  GrpcServerOptions options;
  EchoImpl echo;
  options.services = {&echo};
  auto hooks = ServerHooks::Attach(nullptr, {}, &options);
  ASSERT_TRUE(hooks.ok());
  EXPECT_EQ(options.services.size(), 1u);
  EXPECT_TRUE(options.interceptor_creators.empty());
  EXPECT_EQ(&ClockOr(nullptr), &RealClock::Get());
}

}  // namespace
}  // namespace sct::sim
