// attack.h against a real launched topology (the service binaries as child
// processes, via scenarios/launcher): an SMS interceptor captures a share
// link and claims it before the recipient; a malicious relay operator finds
// no secret in the relay's files and logs; a mailbox-id guesser runs into
// the relay's failed-lookup rate limit. Runs with the sim services when the
// binaries support --sim_control, else without (audit rows then UNKNOWN).
#include <cstdlib>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base64.h"
#include "common/uuid.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/channel/v1/channel.grpc.pb.h"
#include "proto/device/v1/device.grpc.pb.h"
#include "scenarios/attack/attack.h"
#include "scenarios/launcher/ecosystem.h"
#include "scenarios/launcher/topology.h"

namespace sct::scenarios {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kScenario[] = R"pb(
  name: "attack-integration"
  topology {
    relay { store: SQLITE }
    authorities { id: "ca" }
    oems { id: "oem-a" }
    access_points { id: "car-1" kind: CAR }
    devices { id: "alice" oem: "oem-a" }
    devices { id: "bob" oem: "oem-a" }
    devices { id: "eve" oem: "oem-a" }
    owner_credentials { id: "alice-car" device: "alice" access_point: "car-1" }
  }
  adversaries {
    name: "eve-tap"
    link_interceptor { channel: SMS target: "bob" device: "eve" race: true preview: true }
  }
  adversaries {
    name: "operator"
    relay_dump { include_logs: true }
  }
  adversaries {
    name: "guesser"
    id_guesser { tries: 80 expect_rate_limited: true }
  }
  assertions {
    knowledge {
      actor: "eve-tap"
      must_learn: [ FULL_LINK, MAILBOX_SECRET ]
    }
  }
  assertions {
    knowledge {
      actor: "operator"
      must_not_learn: [ MAILBOX_SECRET, PIN, PERSON_IDENTITY ]
    }
  }
  assertions {
    knowledge {
      actor: "relay"
      must_not_learn: [ MAILBOX_SECRET, PERSON_IDENTITY, DEVICE_IDENTITY, PLAINTEXT ]
    }
  }
)pb";

std::string TmpDir(const std::string& name) {
  const char* d = std::getenv("TEST_TMPDIR");
  return std::string(d != nullptr ? d : "/tmp") + "/" + name;
}

std::chrono::system_clock::time_point Deadline(int seconds = 30) {
  return std::chrono::system_clock::now() + std::chrono::seconds(seconds);
}

class AttackIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kScenario, &scenario_));
    absl::StatusOr<ResolvedTopology> resolved = ResolveTopology(scenario_.topology());
    ASSERT_TRUE(resolved.ok()) << resolved.status();
    topology_ = std::make_unique<ResolvedTopology>(*std::move(resolved));
    LaunchOptions o;
    o.binaries_dir = std::string(std::getenv("TEST_SRCDIR")) + "/sct_lab";
    o.start_timeout = absl::Seconds(60);
    // With the sim services if the binaries have them.
    for (bool sim : {true, false}) {
      o.sim_control = sim;
      o.work_dir = TmpDir(sim ? "run-sim" : "run-plain");
      absl::StatusOr<std::unique_ptr<Ecosystem>> eco = Launch(*topology_, o);
      if (eco.ok()) {
        eco_ = std::move(*eco);
        sim_ = sim;
        break;
      }
      std::cerr << "launch with sim_control=" << sim << " failed: " << eco.status() << "\n";
    }
    ASSERT_NE(eco_, nullptr);
    for (const auto& d : topology_->proto().devices()) {
      address_[d.id()] = AddressOf(d, ::common::v1::SMS);
    }
    ctx_.scenario = &scenario_;
    ctx_.topology = topology_.get();
    ctx_.eco = eco_.get();
    ctx_.work_dir = TmpDir("attack");
    ctx_.started_at = absl::Now();
  }

  void TearDown() override {
    DisarmAdversaries(ctx_);
    if (eco_ != nullptr) eco_->Shutdown();
  }

  std::unique_ptr<device::v1::DeviceAgent::Stub> Device(const std::string& name) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> ch = eco_->Channel(name);
    EXPECT_TRUE(ch.ok()) << ch.status();
    return device::v1::DeviceAgent::NewStub(*ch);
  }

  // The newest share link in `device`'s SMS inbox (what the engine records).
  std::string InboxLink(const std::string& device) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> ch = eco_->Channel("channel");
    EXPECT_TRUE(ch.ok());
    auto stub = channel::v1::Channel::NewStub(*ch);
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      channel::v1::ReceiveRequest req;
      req.set_kind(::common::v1::SMS);
      req.set_address(address_[device]);
      channel::v1::ReceiveResponse resp;
      grpc::ClientContext call;
      call.set_deadline(Deadline());
      if (stub->Receive(&call, req, &resp).ok()) {
        for (int i = resp.messages_size() - 1; i >= 0; --i) {
          const std::string& body = resp.messages(i).body();
          const size_t at = body.find("https://");
          if (at != std::string::npos && body.find('#', at) != std::string::npos) {
            return body.substr(at, body.find_first_of(" \n", at) - at);
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // another process
    }
    return "";
  }

  scenario::v1::Scenario scenario_;
  std::unique_ptr<ResolvedTopology> topology_;
  std::unique_ptr<Ecosystem> eco_;
  bool sim_ = false;
  std::map<std::string, std::string> address_;
  RunContext ctx_;
};

TEST_F(AttackIntegrationTest, InterceptorWinsTheRaceRelayHoldsNothingGuesserIsRateLimited) {
  ASSERT_TRUE(PrepareAudit(ctx_).ok());
  ctx_.current_step = "arm";
  absl::Status armed = ArmAdversaries(ctx_);
  ASSERT_TRUE(armed.ok()) << armed;

  // alice shares her car key with bob over SMS (no PIN).
  ctx_.current_step = "share";
  const std::string owner = eco_->OwnerCredentialId("alice-car");
  ASSERT_FALSE(owner.empty());
  device::v1::ShareCredentialResponse share;
  {
    device::v1::ShareCredentialRequest req;
    req.set_request_id(NewUuidV4());
    req.set_credential_id(owner);
    req.add_entitlements("unlock");
    req.set_channel(::common::v1::SMS);
    req.set_from_address(address_["alice"]);
    req.set_to_address(address_["bob"]);
    req.set_vertical(::common::v1::VERTICAL_CAR);
    req.set_message_text("Car key for you:");
    grpc::ClientContext call;
    call.set_deadline(Deadline());
    grpc::Status s = Device("alice")->ShareCredential(&call, req, &share);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  const std::string link = InboxLink("bob");
  ASSERT_FALSE(link.empty());
  const std::string fragment = link.substr(link.find('#') + 1);
  absl::StatusOr<std::string> raw_secret = Base64UrlDecode(fragment);
  ASSERT_TRUE(raw_secret.ok());
  SavedShare& saved = ctx_.shares["share-1"];
  saved.share_id = share.share_id();
  saved.mailbox_id = share.mailbox_id();
  saved.link = link;
  saved.sender = "alice";
  saved.receiver = "bob";
  ctx_.known = {
      {::common::v1::FULL_LINK, link, "link of share-1"},
      {::common::v1::MAILBOX_SECRET, fragment, "secret of share-1"},
      {::common::v1::MAILBOX_SECRET, *raw_secret, "secret bytes of share-1"},
      {::common::v1::MAILBOX_ID, share.mailbox_id(), "mailbox of share-1"},
      {::common::v1::PERSON_IDENTITY, address_["alice"], "alice's SMS address"},
      {::common::v1::PERSON_IDENTITY, address_["bob"], "bob's SMS address"},
      {::common::v1::DEVICE_IDENTITY, eco_->DeviceId("alice"), "alice's device id"},
      {::common::v1::DEVICE_IDENTITY, eco_->DeviceId("bob"), "bob's device id"},
  };

  // eve claimed the link as soon as she saw it: the act reports the race.
  ctx_.current_step = "eve-claims";
  absl::StatusOr<AdversaryOutcome> eve = ActAdversary("eve-tap", ctx_);
  ASSERT_TRUE(eve.ok()) << eve.status();
  EXPECT_TRUE(eve->succeeded) << eve->summary << " " << eve->code << " " << eve->reason;
  EXPECT_EQ(ctx_.intercepted["eve-tap"]["share-1"], link);
  EXPECT_THAT(eve->summary, Not(HasSubstr(fragment)));

  // bob is too late.
  ctx_.current_step = "bob-accepts";
  {
    device::v1::AcceptLinkRequest req;
    req.set_request_id(NewUuidV4());
    req.mutable_inbox()->set_channel(::common::v1::SMS);
    req.mutable_inbox()->set_address(address_["bob"]);
    device::v1::AcceptLinkResponse resp;
    grpc::ClientContext call;
    call.set_deadline(Deadline(60));
    grpc::Status s = Device("bob")->AcceptLink(&call, req, &resp);
    EXPECT_FALSE(s.ok()) << "bob accepted a link eve had already claimed";
  }

  // The relay operator finds no secret or identity in the store or logs.
  ctx_.current_step = "dump";
  absl::StatusOr<AdversaryOutcome> dump = ActAdversary("operator", ctx_);
  ASSERT_TRUE(dump.ok()) << dump.status();
  EXPECT_TRUE(dump->succeeded) << dump->summary;
  std::map<std::string, std::string> dump_details(dump->details.begin(), dump->details.end());
  EXPECT_THAT(dump_details["files_read"], HasSubstr("relay.db"));
  EXPECT_NE(dump_details["bytes_read"], "0");

  // The guesser hits nothing and runs into the failed-lookup limit (60/min).
  ctx_.current_step = "guess";
  absl::StatusOr<AdversaryOutcome> guess = ActAdversary("guesser", ctx_);
  ASSERT_TRUE(guess.ok()) << guess.status();
  EXPECT_TRUE(guess->succeeded) << guess->summary;
  std::map<std::string, std::string> g(guess->details.begin(), guess->details.end());
  EXPECT_EQ(g["hits"], "0");
  // At most the window's 60 failed lookups of the lab's address (127.0.0.1,
  // the guesser's; devices have their own addresses and buckets).
  const int after = std::atoi(g["rate_limited_after"].c_str());
  EXPECT_GT(after, 50) << guess->summary;
  EXPECT_LE(after, 60) << guess->summary;
  EXPECT_EQ(guess->code, "RESOURCE_EXHAUSTED");

  // A restart fault: the relay is down inside the window and back (with the
  // audit key) after it; its sqlite store survives.
  scenario::v1::Fault crash;
  crash.set_name("relay-crash");
  crash.mutable_restart()->set_service("relay");
  ASSERT_TRUE(ApplyFault(crash, ctx_).ok());
  EXPECT_FALSE(eco_->Find("relay")->running);
  absl::Status cleared = ClearFault(crash, ctx_);
  ASSERT_TRUE(cleared.ok()) << cleared;
  EXPECT_TRUE(eco_->Find("relay")->running);

  DisarmAdversaries(ctx_);
  absl::StatusOr<std::vector<scenario::v1::KnowledgeAuditRow>> rows = EvaluateKnowledge(ctx_);
  ASSERT_TRUE(rows.ok()) << rows.status();
  for (const auto& r : *rows) {
    EXPECT_THAT(r.evidence(), Not(HasSubstr(fragment)));
    if (r.actor() == "eve-tap" && r.verdict() != scenario::v1::AUDIT_INFO) {
      EXPECT_EQ(r.verdict(), scenario::v1::AUDIT_OK) << r.DebugString();
    }
    if (r.actor() == "operator" && r.verdict() != scenario::v1::AUDIT_INFO) {
      EXPECT_EQ(r.verdict(), scenario::v1::AUDIT_OK) << r.DebugString();
    }
    if (r.actor() == "relay" && r.verdict() != scenario::v1::AUDIT_INFO) {
      // Observations made before the restart fault's kill were preserved.
      if (sim_) {
        EXPECT_THAT(r.evidence(), Not(HasSubstr("among 2 recorded"))) << r.DebugString();
      }
      EXPECT_EQ(r.verdict(), sim_ ? scenario::v1::AUDIT_OK : scenario::v1::AUDIT_UNKNOWN)
          << r.DebugString();
    }
  }
  absl::StatusOr<std::vector<::common::v1::TraceEvent>> trace = CollectTrace(ctx_);
  ASSERT_TRUE(trace.ok());
  int adversary_events = 0;
  for (size_t i = 0; i < trace->size(); ++i) {
    if ((*trace)[i].kind() == ::common::v1::ADVERSARY) ++adversary_events;
    EXPECT_THAT((*trace)[i].summary(), Not(HasSubstr(fragment)));
  }
  EXPECT_GE(adversary_events, 5);
  bool preview_ok = false;
  for (const auto& e : ctx_.engine_trace) {
    std::cerr << "engine_trace: " << e.from() << " -> " << e.to() << " " << e.rpc() << " ["
              << e.status_code() << " " << e.reason() << "] " << e.summary() << "\n";
    if (e.from() == "eve-tap" && e.rpc() == "HTTP GET /v1/m/{id}") {
      preview_ok = e.status_code() == "OK";
    }
  }
  EXPECT_TRUE(preview_ok) << "the interceptor's preview fetch did not get the page";
  for (const auto& r : *rows) {
    std::cerr << "audit: " << r.actor() << " " << ::common::v1::KnowledgeItem_Name(r.item()) << " "
              << scenario::v1::AuditVerdict_Name(r.verdict()) << " | " << r.evidence() << "\n";
  }
}

}  // namespace
}  // namespace sct::scenarios
