// attack.h against the real relay_server started with --sim_control
// (plaintext, memory store; a minimal Ecosystem that knows only the relay):
// the audit key reaches it, the relay's own observations and trace come back
// through Audit, a guesser's calls are attributed to the guesser, a value the
// relay was sent is a violation and one it never saw is not, and SimControl
// faults take effect.
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/uuid.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "proto/relay/v1/relay.grpc.pb.h"
#include "runtime/child_process.h"
#include "scenarios/attack/attack.h"

namespace sct::scenarios {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPhone[] = "+15550009876";

class RelayOnly : public Ecosystem {
 public:
  Service relay;
  DevPkiFiles files;
  const Service* Find(absl::string_view name) const override {
    return name == "relay" ? &relay : nullptr;
  }
  std::vector<std::string> Names() const override { return {"relay"}; }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel(absl::string_view name) override {
    if (name != "relay") return absl::NotFoundError("no such service");
    return grpc::CreateChannel(relay.grpc_address, grpc::InsecureChannelCredentials());
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelAs(absl::string_view name,
                                                           absl::string_view) override {
    return Channel(name);
  }
  absl::Status Kill(absl::string_view) override { return absl::UnimplementedError("kill"); }
  absl::Status Start(absl::string_view) override { return absl::UnimplementedError("start"); }
  absl::Status Restart(absl::string_view) override { return absl::UnimplementedError("restart"); }
  std::string OwnerCredentialId(absl::string_view) const override { return ""; }
  std::string DeviceId(absl::string_view) const override { return ""; }
  std::string AuthorityId(absl::string_view) const override { return ""; }
  const DevPkiFiles& pki() const override { return files; }
  std::map<std::string, std::string> Endpoints() const override { return {}; }
  void Shutdown() override {}
};

class AttackSimRelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ChildProcessSpec spec;
    spec.name = "relay";
    spec.binary = std::string(std::getenv("TEST_SRCDIR")) + "/sct_lab/relay/relay_server";
    spec.args = {"--store=memory", "--grpc_listen=127.0.0.1:0", "--http_listen=127.0.0.1:0",
                 "--sim_control", "--actor_id=relay", "--failed_lookups_per_window=5",
                 // One window for the whole test, however slow the machine.
                 "--rate_window=1h"};
    spec.start_timeout = absl::Seconds(20);
    absl::StatusOr<std::unique_ptr<ChildProcess>> started = ChildProcess::Start(spec);
    ASSERT_TRUE(started.ok()) << started.status();
    relay_process_ = *std::move(started);
    const std::map<std::string, std::string>& listening = relay_process_->listening();
    if (auto it = listening.find("http"); it != listening.end()) {
      eco_.relay.http_url = absl::StrCat("http://", it->second);
    }
    if (auto it = listening.find("grpc"); it != listening.end()) {
      eco_.relay.grpc_address = it->second;
    }
    ASSERT_FALSE(eco_.relay.grpc_address.empty())
        << "relay did not start: " << relay_process_->listening_line();
    eco_.relay.name = "relay";
    eco_.relay.sim = true;
    eco_.relay.running = true;
    ctx_.scenario = &scenario_;
    ctx_.eco = &eco_;
    ctx_.started_at = absl::Now();
  }
  void TearDown() override {
    if (relay_process_ != nullptr) relay_process_->Terminate();
  }

  // A sender creates a mailbox over HTTP; its display title holds kPhone.
  int CreateMailbox() {
    httplib::Client http(eco_.relay.http_url);
    httplib::Headers h = {{"Mailbox-Device-Claim", NewUuidV4()},
                          {"Mailbox-Request-ID", NewUuidV4()},
                          {"sct-actor", "alice"},
                          {"sct-step", "share"}};
    const std::string body = absl::StrCat(
        R"({"payload":{"type":"AEAD_AES_128_GCM","data":"AAAAAAAAAAAAAAAAOaToJfDoz+ON4BQPQOje+9bal4lB6hZxw0d0n2xfqblT"},)",
        R"("displayInformation":{"title":"Car key from )", kPhone, R"("}})");
    auto res = http.Post("/v1/m", h, body, "application/json");
    return res ? res->status : 0;
  }

  grpc::StatusCode GrpcRead() {
    auto stub = relay::v1::Relay::NewStub(
        grpc::CreateChannel(eco_.relay.grpc_address, grpc::InsecureChannelCredentials()));
    relay::v1::ReadSecureContentRequest req;
    req.set_mailbox_id(NewUuidV4());
    req.set_device_claim(NewUuidV4());
    req.set_request_id(NewUuidV4());
    relay::v1::ReadSecureContentResponse resp;
    grpc::ClientContext call;
    call.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub->ReadSecureContent(&call, req, &resp).error_code();
  }

  std::unique_ptr<ChildProcess> relay_process_;
  RelayOnly eco_;
  scenario::v1::Scenario scenario_;
  RunContext ctx_;
};

TEST_F(AttackSimRelayTest, AuditTraceAndFaultsThroughTheRealRelay) {
  ASSERT_TRUE(PrepareAudit(ctx_).ok());
  ASSERT_EQ(CreateMailbox(), 200);

  scenario::v1::Adversary* g = scenario_.add_adversaries();
  g->set_name("guesser");
  g->mutable_id_guesser()->set_tries(8);
  g->mutable_id_guesser()->set_expect_rate_limited(true);
  ctx_.current_step = "guess";
  absl::StatusOr<AdversaryOutcome> guess = ActAdversary("guesser", ctx_);
  ASSERT_TRUE(guess.ok()) << guess.status();
  EXPECT_TRUE(guess->succeeded) << guess->summary;
  std::map<std::string, std::string> d(guess->details.begin(), guess->details.end());
  EXPECT_EQ(d["rate_limited_after"], "5") << guess->summary;

  ctx_.known = {{::common::v1::PERSON_IDENTITY, kPhone, "alice's phone number"},
                {::common::v1::PIN, "739146", "PIN of share-1"}};
  scenario::v1::Assertion* a = scenario_.add_assertions();
  a->mutable_knowledge()->set_actor("relay");
  a->mutable_knowledge()->add_must_not_learn(::common::v1::PERSON_IDENTITY);
  a->mutable_knowledge()->add_must_not_learn(::common::v1::PIN);
  absl::StatusOr<std::vector<scenario::v1::KnowledgeAuditRow>> rows = EvaluateKnowledge(ctx_);
  ASSERT_TRUE(rows.ok()) << rows.status();
  std::map<int, scenario::v1::KnowledgeAuditRow> by_item;
  for (const auto& r : *rows) {
    if (r.actor() == "relay" && r.verdict() != scenario::v1::AUDIT_INFO) by_item[r.item()] = r;
    EXPECT_THAT(r.evidence(), Not(HasSubstr(kPhone)));
  }
  EXPECT_EQ(by_item[::common::v1::PERSON_IDENTITY].verdict(), scenario::v1::AUDIT_VIOLATED)
      << by_item[::common::v1::PERSON_IDENTITY].DebugString();
  EXPECT_THAT(by_item[::common::v1::PERSON_IDENTITY].evidence(), HasSubstr("alice's phone number"));
  EXPECT_EQ(by_item[::common::v1::PIN].verdict(), scenario::v1::AUDIT_OK);

  absl::StatusOr<std::vector<::common::v1::TraceEvent>> trace = CollectTrace(ctx_);
  ASSERT_TRUE(trace.ok());
  int from_guesser = 0, in_step = 0;
  for (const auto& e : *trace) {
    if (e.from() == "guesser" && e.to() == "relay" && e.rpc() == "HTTP POST /v1/m/{id}") {
      ++from_guesser;
      if (e.step_id() == "guess") ++in_step;
    }
  }
  // The relay's record of each guess, plus the guesser's own summary event.
  EXPECT_EQ(from_guesser, 8);
  EXPECT_EQ(in_step, 8);

  // An outage makes the relay's gRPC face answer UNAVAILABLE; clearing ends it.
  scenario::v1::Fault outage;
  outage.set_name("relay-down");
  outage.mutable_outage()->set_service("relay");
  ASSERT_TRUE(ApplyFault(outage, ctx_).ok());
  EXPECT_EQ(GrpcRead(), grpc::StatusCode::UNAVAILABLE);
  ASSERT_TRUE(ClearFault(outage, ctx_).ok());
  EXPECT_NE(GrpcRead(), grpc::StatusCode::UNAVAILABLE);
  scenario::v1::Fault skew;
  skew.set_name("skew");
  skew.mutable_clock_skew()->set_service("relay");
  skew.mutable_clock_skew()->set_offset("-3h");
  EXPECT_TRUE(ApplyFault(skew, ctx_).ok());
  EXPECT_TRUE(ClearFault(skew, ctx_).ok());
}

// The relay's failed-lookup limit (5 per window here) is per client address:
// three attackers from three addresses of the adversary range get 5 answered
// lookups each, 15 in all; the same three sharing the lab's address get 5.
TEST_F(AttackSimRelayTest, AttackersOnDistinctAddressesEachGetTheFailedLookupLimit) {
  scenario::v1::Adversary* spread = scenario_.add_adversaries();
  spread->set_name("spread");
  spread->mutable_id_guesser()->set_tries(8);
  spread->mutable_id_guesser()->set_attackers(3);
  spread->mutable_id_guesser()->set_distinct_addresses(true);
  spread->mutable_id_guesser()->set_expect_rate_limited(true);
  scenario::v1::Adversary* shared = scenario_.add_adversaries();
  *shared = *spread;
  shared->set_name("shared");
  shared->mutable_id_guesser()->set_distinct_addresses(false);
  ctx_.current_step = "guess";

  absl::StatusOr<AdversaryOutcome> s = ActAdversary("spread", ctx_);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->succeeded) << s->summary;
  std::map<std::string, std::string> ds(s->details.begin(), s->details.end());
  EXPECT_EQ(ds["tries"], "24") << s->summary;
  EXPECT_EQ(ds["not_found"], "15") << s->summary;
  EXPECT_EQ(ds["rate_limited"], "9") << s->summary;
  EXPECT_EQ(ds["not_found_by_attacker"], "5/5/5") << s->summary;
  EXPECT_EQ(ds["addresses"], "127.1.0.1 127.1.0.2 127.1.0.3");

  absl::StatusOr<AdversaryOutcome> h = ActAdversary("shared", ctx_);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_TRUE(h->succeeded) << h->summary;
  std::map<std::string, std::string> dh(h->details.begin(), h->details.end());
  EXPECT_EQ(dh["tries"], "24") << h->summary;
  EXPECT_EQ(dh["not_found"], "5") << h->summary;
  EXPECT_EQ(dh["rate_limited"], "19") << h->summary;
  // Interleaved: rounds of one guess each, the shared budget spent in turn.
  EXPECT_EQ(dh["not_found_by_attacker"], "2/2/1") << h->summary;
  EXPECT_EQ(dh["rate_limited_after"], "5") << h->summary;
}

}  // namespace
}  // namespace sct::scenarios
