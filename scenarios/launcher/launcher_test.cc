// Launches real topologies (the six binaries as separate processes, from the
// test's runfiles) and checks what the engine relies on: every service up
// and reachable, owner credentials installed, Kill/Start on the same port
// with durable data, errors naming the service, attach mode, no orphan. The
// relay on a Redis store is tested in tests/redis/launcher_redis_test.cc.
#include "scenarios/launcher/launcher.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/uuid.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/common/v1/audit.grpc.pb.h"
#include "proto/common/v1/control.grpc.pb.h"
#include "proto/credential_authority/v1/credential_authority.grpc.pb.h"
#include "proto/device/v1/device.grpc.pb.h"
#include "proto/relay/v1/relay.grpc.pb.h"
#include "scenarios/launcher/address_plan.h"
#include "scenarios/launcher/ecosystem.h"
#include "scenarios/launcher/service_set.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
namespace dv1 = ::device::v1;

std::string TmpDir(const std::string& name) {
  const char* d = std::getenv("TEST_TMPDIR");
  return std::string(d != nullptr ? d : "/tmp") + "/" + name;
}

sv1::Topology Parse(const std::string& text) {
  sv1::Topology t;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &t)) << text;
  return t;
}

LaunchOptions Options(const std::string& name) {
  LaunchOptions o;
  o.binaries_dir = std::string(std::getenv("TEST_SRCDIR")) + "/sct_lab";
  o.work_dir = TmpDir(name);
  o.sim_control = false;  // plain services; SimControlOnEveryService turns it on
  o.start_timeout = absl::Seconds(60);
  return o;
}

std::chrono::system_clock::time_point Deadline() {
  return std::chrono::system_clock::now() + std::chrono::seconds(30);
}

bool Gone(pid_t pid) { return kill(pid, 0) != 0 && errno == ESRCH; }

// No child process of this test is left, not even a zombie.
bool NoChildren() {
  int status;
  return waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD;
}

std::string Cmdline(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  std::replace(s.begin(), s.end(), '\0', ' ');
  return s;
}

constexpr char kSmall[] = R"pb(
  relay { store: SQLITE }
  authorities { id: "ca" }
  oems { id: "oem-a" }
  oems { id: "oem-b" }
  access_points { id: "car-1" kind: CAR }
  devices {
    id: "alice"
    oem: "oem-a"
    addresses { channel: SMS address: "+15550001" }
  }
  devices { id: "bob" oem: "oem-b" }
  channels { kind: SMS delay: "10ms" }
  owner_credentials {
    id: "alice-car"
    device: "alice"
    access_point: "car-1"
    entitlements: [ "unlock", "drive" ]
    validity { not_before: "-1h" not_after: "720h" }
  }
)pb";

TEST(LauncherTest, SmallTopologyRunsRestartsAndStopsCleanly) {
  auto eco = Launch(Parse(kSmall), Options("small"));
  ASSERT_TRUE(eco.ok()) << eco.status();
  Ecosystem& e = **eco;

  const std::vector<std::string> want = {"ca",      "oem-a", "oem-b", "relay",
                                         "channel", "car-1", "alice", "bob"};
  EXPECT_EQ(e.Names(), want);
  std::map<std::string, std::string> endpoints = e.Endpoints();
  // Every actor listens on its own planned loopback address, none on the lab's.
  const std::map<std::string, std::string> plan = AddressPlan(Parse(kSmall));
  std::set<std::string> hosts;
  std::vector<pid_t> pids;
  for (const std::string& name : want) {
    const Service* s = e.Find(name);
    ASSERT_NE(s, nullptr) << name;
    EXPECT_TRUE(s->running) << name;
    EXPECT_FALSE(s->attached) << name;
    EXPECT_GT(s->pid, 0) << name;
    EXPECT_FALSE(Gone(s->pid)) << name;
    pids.push_back(s->pid);
    ASSERT_EQ(plan.count(name), 1u) << name;
    EXPECT_EQ(s->grpc_address.rfind(plan.at(name) + ":", 0), 0u) << s->grpc_address;
    EXPECT_TRUE(hosts.insert(plan.at(name)).second) << name;
    ASSERT_EQ(endpoints.count(name), 1u) << name;
    EXPECT_NE(endpoints[name].find(s->grpc_address), std::string::npos);
  }
  EXPECT_EQ(e.Find("relay")->http_url.rfind("https://127.0.0.2:", 0), 0u);
  EXPECT_EQ(hosts.count("127.0.0.1"), 0u);
  EXPECT_EQ(e.Find("nobody"), nullptr);
  EXPECT_EQ(e.AuthorityId("ca"), "ca");
  EXPECT_FALSE(e.DeviceId("alice").empty());
  EXPECT_NE(e.DeviceId("alice"), e.DeviceId("bob"));
  EXPECT_EQ(e.pki().root_cert, TmpDir("small/pki/root.pem"));

  // The owner credential is in alice's wallet and opens the car.
  const std::string cred = e.OwnerCredentialId("alice-car");
  ASSERT_FALSE(cred.empty());
  auto channel = e.Channel("alice");
  ASSERT_TRUE(channel.ok()) << channel.status();
  auto alice = dv1::DeviceAgent::NewStub(*channel);
  {
    dv1::GetStateResponse st;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    ASSERT_TRUE(alice->GetState(&ctx, {}, &st).ok());
    EXPECT_TRUE(st.enrolled());
    EXPECT_EQ(st.oem_id(), "oem-a");
    bool found = false;
    for (const auto& p : st.personas()) {
      for (const auto& c : p.credentials()) {
        if (c.credential_id() != cred) continue;
        found = true;
        EXPECT_EQ(p.name(), "personal");
        EXPECT_EQ(c.access_point_id(), "car-1");
        EXPECT_EQ(std::vector<std::string>(c.entitlements().begin(),
                                           c.entitlements().end()),
                  (std::vector<std::string>{"unlock", "drive"}));
      }
    }
    EXPECT_TRUE(found) << st.DebugString();
  }
  {
    dv1::UseCredentialRequest req;
    req.set_credential_id(cred);
    req.set_access_point_address(e.Find("car-1")->grpc_address);
    req.set_action("drive");
    dv1::UseCredentialResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status s = alice->UseCredential(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_TRUE(resp.granted()) << resp.detail();
  }

  // An on-demand identity ("attacker") gets through TLS but is not admin.
  {
    auto as_attacker = e.ChannelAs("ca", "attacker");
    ASSERT_TRUE(as_attacker.ok()) << as_attacker.status();
    auto stub =
        ::credential_authority::v1::CredentialAuthority::NewStub(*as_attacker);
    ::credential_authority::v1::RegisterAccessPointRequest req;
    req.mutable_access_point()->set_access_point_id("evil-1");
    req.mutable_access_point()->set_kind(::common::v1::CAR);
    ::credential_authority::v1::RegisterAccessPointResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status s = stub->RegisterAccessPoint(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << s.error_message();
    EXPECT_EQ(e.ChannelAs("ca", "../x").status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(e.Channel("nobody").status().code(), absl::StatusCode::kNotFound);
  }

  // A mailbox made before a crash of the relay is there after its restart,
  // on the same port.
  auto relay_channel = e.Channel("relay");
  ASSERT_TRUE(relay_channel.ok());
  const std::string sender = NewUuidV4();
  std::string mailbox_id;
  {
    auto relay = ::relay::v1::Relay::NewStub(*relay_channel);
    ::relay::v1::CreateMailboxRequest req;
    req.set_device_claim(sender);
    req.set_request_id(NewUuidV4());
    req.mutable_payload()->set_type("AEAD_AES_256_GCM");
    req.mutable_payload()->set_data(std::string(64, 'x'));
    req.mutable_display_information()->set_title("launcher test");
    ::relay::v1::CreateMailboxResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status s = relay->CreateMailbox(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    mailbox_id = resp.url_link().substr(resp.url_link().rfind('/') + 1);
  }
  const Service before = *e.Find("relay");
  ASSERT_TRUE(e.Kill("relay").ok());
  EXPECT_FALSE(e.Find("relay")->running);
  EXPECT_TRUE(Gone(before.pid));
  EXPECT_EQ(e.Kill("relay").code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(e.Start("relay").ok());
  const Service* after = e.Find("relay");
  EXPECT_TRUE(after->running);
  EXPECT_NE(after->pid, before.pid);
  EXPECT_EQ(after->grpc_address, before.grpc_address);
  EXPECT_EQ(after->http_url, before.http_url);
  EXPECT_EQ(e.Start("relay").code(), absl::StatusCode::kFailedPrecondition);
  {
    auto relay = ::relay::v1::Relay::NewStub(*relay_channel);
    ::relay::v1::ReadDisplayInformationRequest req;
    req.set_mailbox_id(mailbox_id);
    ::relay::v1::ReadDisplayInformationResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    ctx.set_wait_for_ready(true);
    grpc::Status s = relay->ReadDisplayInformation(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(resp.display_information().title(), "launcher test");
  }
  pids.push_back(after->pid);
  ASSERT_TRUE(e.Restart("channel").ok());
  pids.push_back(e.Find("channel")->pid);
  EXPECT_EQ(e.Kill("nobody").code(), absl::StatusCode::kNotFound);

  e.Shutdown();
  for (pid_t pid : pids) EXPECT_TRUE(Gone(pid)) << pid;
  for (const std::string& name : want) EXPECT_FALSE(e.Find(name)->running);
  e.Shutdown();  // idempotent
  eco->reset();
  EXPECT_TRUE(NoChildren());
}

// How the processes ended: every service stops cleanly on the launcher's
// SIGTERM (exit 0), and one that died during the run (here a SIGKILL sent
// from outside, as a crash) is reported as such, with its stderr named.
TEST(LauncherTest, ExitsTellACrashFromACleanStop) {
  auto eco = Launch(Parse(R"pb(
                      relay { store: MEMORY }
                      authorities { id: "ca" }
                      oems { id: "oem-a" }
                      devices { id: "alice" oem: "oem-a" }
                    )pb"),
                    Options("exits"));
  ASSERT_TRUE(eco.ok()) << eco.status();
  Ecosystem& e = **eco;
  EXPECT_TRUE(e.Exits().empty());
  const pid_t relay = e.Find("relay")->pid;
  // SIGKILL, not SIGSEGV: a sanitized relay handles SIGSEGV itself and exits
  // with the sanitizer's status (66 under TSan); nothing can handle SIGKILL.
  ASSERT_EQ(kill(relay, SIGKILL), 0);
  // Wait until it has died, leaving it for the launcher to reap.
  siginfo_t info{};
  ASSERT_EQ(waitid(P_PID, relay, &info, WEXITED | WNOWAIT), 0) << errno;
  e.Shutdown();
  std::map<std::string, ::scenario::v1::ServiceExit> exits;
  for (const auto& x : e.Exits()) exits[x.service()] = x;
  // The topology's four services and the channel server the launcher adds.
  ASSERT_EQ(exits.size(), e.Names().size());
  EXPECT_EQ(exits["relay"].kind(), ::scenario::v1::DIED_DURING_RUN);
  EXPECT_EQ(exits["relay"].exit_status(), 128 + SIGKILL);
  EXPECT_NE(exits["relay"].detail().find("relay.stderr"), std::string::npos)
      << exits["relay"].detail();
  EXPECT_FALSE(exits["relay"].has_stop_duration());
  for (const std::string& name : e.Names()) {
    if (name == "relay") continue;
    EXPECT_EQ(exits[name].kind(), ::scenario::v1::STOPPED_CLEANLY)
        << name << ": " << exits[name].detail();
    EXPECT_EQ(exits[name].exit_status(), 0) << name;
    EXPECT_TRUE(exits[name].has_stop_duration()) << name;
  }
}

// The devices start in parallel (one wave, after the relay): the one that
// fails is named with its stderr, the first failure in topology order
// whichever process gave up first, and the others, started or not, are
// stopped and reaped with the rest.
TEST(LauncherTest, ParallelStartNamesTheServiceThatFailed) {
  auto eco = Launch(Parse(R"pb(
                      relay { store: MEMORY }
                      authorities { id: "ca" }
                      oems { id: "oem-a" }
                      devices { id: "alice" oem: "oem-a" }
                      devices { id: "bob" oem: "oem-a" flags: "--no_such_flag_bob=1" }
                      devices { id: "carol" oem: "oem-a" }
                      devices { id: "dave" oem: "oem-a" flags: "--no_such_flag_dave=1" }
                    )pb"),
                    Options("parallel-fail"));
  ASSERT_FALSE(eco.ok());
  const std::string m(eco.status().message());
  EXPECT_EQ(m.rfind("bob: ", 0), 0u) << m;
  EXPECT_NE(m.find("no_such_flag_bob"), std::string::npos) << m;
  EXPECT_NE(m.find("bob.stderr"), std::string::npos) << m;
  EXPECT_TRUE(NoChildren());
}

// Each service started only once what it needs was up: an OEM after its
// authority, the relay after the OEMs (their push routes), a device after
// its OEM, the relay and the channel server. Process start times come from
// /proc/PID/stat (clock ticks), so a start in the same tick compares equal.
TEST(LauncherTest, ParallelStartKeepsDependencies) {
  auto eco = Launch(Parse(kSmall), Options("parallel-order"));
  ASSERT_TRUE(eco.ok()) << eco.status();
  Ecosystem& e = **eco;
  auto started = [&](const std::string& name) -> uint64_t {
    const Service* s = e.Find(name);
    EXPECT_NE(s, nullptr) << name;
    if (s == nullptr) return 0;
    std::ifstream in("/proc/" + std::to_string(s->pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Field 22 (starttime), counted after the ")" that ends field 2.
    std::istringstream rest(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 22; ++i) rest >> field;
    return std::stoull(field);
  };
  for (const std::string oem : {"oem-a", "oem-b"}) {
    EXPECT_LE(started("ca"), started(oem)) << oem;
    EXPECT_LE(started(oem), started("relay")) << oem;
  }
  EXPECT_LE(started("ca"), started("car-1"));
  for (const std::string device : {"alice", "bob"}) {
    EXPECT_LE(started("relay"), started(device)) << device;
    EXPECT_LE(started("channel"), started(device)) << device;
  }
  // The start order of the nodes is the topology's, whatever the waves.
  const std::vector<std::string> want = {"ca",      "oem-a", "oem-b", "relay",
                                         "channel", "car-1", "alice", "bob"};
  EXPECT_EQ(e.Names(), want);
  e.Shutdown();
  for (const auto& x : e.Exits()) {
    EXPECT_EQ(x.kind(), ::scenario::v1::STOPPED_CLEANLY) << x.service() << ": " << x.detail();
    // How long it took to stop is recorded for every stopped service.
    EXPECT_TRUE(x.has_stop_duration()) << x.service();
    EXPECT_GT(x.stop_duration().seconds() * 1000000000LL + x.stop_duration().nanos(), 0)
        << x.service();
  }
}

TEST(ClassifyExit, SortsExitStatuses) {
  EXPECT_EQ(ClassifyExit("r", 0, false, "").kind(), ::scenario::v1::STOPPED_CLEANLY);
  EXPECT_EQ(ClassifyExit("r", 128 + SIGTERM, false, "").kind(), ::scenario::v1::STOPPED_CLEANLY);
  EXPECT_EQ(ClassifyExit("r", 128 + SIGKILL, false, "").kind(),
            ::scenario::v1::KILLED_AFTER_GRACE);
  const ::scenario::v1::ServiceExit leak = ClassifyExit("r", 23, false, "/w/r.stderr");
  EXPECT_EQ(leak.kind(), ::scenario::v1::FAILED_AT_SHUTDOWN);
  EXPECT_NE(leak.detail().find("LeakSanitizer"), std::string::npos) << leak.detail();
  EXPECT_NE(leak.detail().find("/w/r.stderr"), std::string::npos) << leak.detail();
  EXPECT_EQ(ClassifyExit("r", 1, false, "").kind(), ::scenario::v1::FAILED_AT_SHUTDOWN);
  // Whatever its status, a process that had ended before the SIGTERM died.
  EXPECT_EQ(ClassifyExit("r", 0, true, "").kind(), ::scenario::v1::DIED_DURING_RUN);
}

// The detail keeps what the process said (the stderr file is gone once a
// bazel test ends): its sanitizer report, else its stderr's tail.
TEST(ClassifyExit, QuotesTheSanitizerReportOrTheTailOfStderr) {
  const std::string dir = std::getenv("TEST_TMPDIR");
  const std::string tsan = dir + "/oem-a.stderr";
  std::ofstream(tsan) << "oem-a: listening\n==================\n"
                         "WARNING: ThreadSanitizer: data race (pid=9)\n"
                         "    #0 Handler oem_server/oem_service.cc:10\n"
                         "SUMMARY: ThreadSanitizer: data race in Handler\n==================\n";
  const ::scenario::v1::ServiceExit raced = ClassifyExit("oem-a", 66, false, tsan);
  EXPECT_EQ(raced.kind(), ::scenario::v1::FAILED_AT_SHUTDOWN);
  EXPECT_NE(raced.detail().find("#0 Handler oem_server/oem_service.cc:10"), std::string::npos)
      << raced.detail();
  const std::string plain = dir + "/car-1.stderr";
  std::ofstream(plain) << "car-1: listening\ncar-1: fatal: store is gone\n";
  const ::scenario::v1::ServiceExit died = ClassifyExit("car-1", 1, true, plain);
  EXPECT_EQ(died.kind(), ::scenario::v1::DIED_DURING_RUN);
  EXPECT_NE(died.detail().find("car-1: fatal: store is gone"), std::string::npos) << died.detail();
  EXPECT_EQ(ClassifyExit("car-1", 0, false, plain).detail(), "stopped cleanly");
}

// The service's clock (SimControl.SetClock with no change, or `req`).
absl::Time ServiceClock(Ecosystem& eco, const std::string& name,
                        const ::common::v1::SetClockRequest& req = {}) {
  auto channel = eco.Channel(name);
  EXPECT_TRUE(channel.ok()) << channel.status();
  if (!channel.ok()) return absl::InfinitePast();
  auto control = ::common::v1::SimControl::NewStub(*channel);
  ::common::v1::SetClockResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  grpc::Status st = control->SetClock(&ctx, req, &resp);
  EXPECT_TRUE(st.ok()) << name << ": " << st.error_message();
  return absl::FromUnixSeconds(resp.now().seconds()) + absl::Nanoseconds(resp.now().nanos());
}

// A service the scenario moved forward in time keeps its offset across a
// kill and start (or a restart), as the others keep theirs.
TEST(LauncherTest, RestartKeepsTheServiceClockOffset) {
  LaunchOptions options = Options("clock");
  options.sim_control = true;
  auto eco = Launch(Parse(R"pb(
                      relay {}
                      authorities { id: "ca" }
                      oems { id: "oem-a" }
                      devices { id: "alice" oem: "oem-a" }
                    )pb"),
                    options);
  ASSERT_TRUE(eco.ok()) << eco.status();
  ::common::v1::SetClockRequest advance;
  advance.mutable_advance()->set_seconds(3600);
  for (const std::string name : {"ca", "alice"}) {
    ServiceClock(**eco, name, advance);
    EXPECT_GT(ServiceClock(**eco, name), absl::Now() + absl::Minutes(59)) << name;
  }
  ASSERT_TRUE((*eco)->Restart("ca").ok());
  ASSERT_TRUE((*eco)->Kill("alice").ok());
  ASSERT_TRUE((*eco)->Start("alice").ok());
  for (const std::string name : {"ca", "alice"}) {
    const absl::Time now = ServiceClock(**eco, name);
    EXPECT_GT(now, absl::Now() + absl::Minutes(59)) << name;
    EXPECT_LT(now, absl::Now() + absl::Minutes(61)) << name;
  }
  eco->reset();
  EXPECT_TRUE(NoChildren());
}

// With sim_control every launched service gets --actor_id=<name> and
// --sim_control and serves Audit and SimControl to the engine's channel.
TEST(LauncherTest, SimControlOnEveryService) {
  LaunchOptions options = Options("sim");
  options.sim_control = true;
  auto eco = Launch(Parse(R"pb(
                      relay {}
                      authorities { id: "ca" }
                      oems { id: "oem-a" }
                      access_points { id: "car-1" kind: CAR }
                      devices { id: "alice" oem: "oem-a" }
                      owner_credentials {
                        id: "alice-car"
                        device: "alice"
                        access_point: "car-1"
                      }
                    )pb"),
                    options);
  ASSERT_TRUE(eco.ok()) << eco.status();
  ASSERT_FALSE((*eco)->OwnerCredentialId("alice-car").empty());
  for (const std::string& name : (*eco)->Names()) {
    const Service* s = (*eco)->Find(name);
    EXPECT_TRUE(s->sim) << name;
    const std::string cmd = Cmdline(s->pid);
    EXPECT_NE(cmd.find("--actor_id=" + name + " --sim_control"),
              std::string::npos)
        << cmd;
    auto channel = (*eco)->Channel(name);
    ASSERT_TRUE(channel.ok()) << channel.status();
    {
      auto control = ::common::v1::SimControl::NewStub(*channel);
      ::common::v1::SetAuditKeyRequest req;
      req.set_key(std::string(32, 'k'));
      ::common::v1::SetAuditKeyResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(Deadline());
      grpc::Status st = control->SetAuditKey(&ctx, req, &resp);
      EXPECT_TRUE(st.ok()) << name << ": " << st.error_message();
    }
    {
      auto audit = ::common::v1::Audit::NewStub(*channel);
      ::common::v1::GetObservationsResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(Deadline());
      grpc::Status st = audit->GetObservations(&ctx, {}, &resp);
      EXPECT_TRUE(st.ok()) << name << ": " << st.error_message();
    }
  }
  eco->reset();
  EXPECT_TRUE(NoChildren());
}

TEST(LauncherTest, BadFlagNamesTheServiceAndQuotesItsStderr) {
  auto eco = Launch(Parse(R"pb(
                      relay {}
                      authorities { id: "ca" }
                      oems { id: "oem-a" }
                      oems { id: "oem-b" flags: "--no_such_flag=1" }
                    )pb"),
                    Options("badflag"));
  ASSERT_FALSE(eco.ok());
  const std::string m(eco.status().message());
  EXPECT_EQ(m.rfind("oem-b: ", 0), 0u) << m;
  EXPECT_NE(m.find("no_such_flag"), std::string::npos) << m;
  // The authority and oem-a, already started, were stopped and reaped.
  EXPECT_TRUE(NoChildren());
}

TEST(LauncherTest, TopologyErrorsNameTheField) {
  auto eco = Launch(Parse(R"pb(
                      relay {}
                      authorities { id: "ca" }
                      oems { id: "oem-a" }
                      devices { id: "a" oem: "oem-a" }
                      devices { id: "b" oem: "oem-z" }
                    )pb"),
                    Options("invalid"));
  ASSERT_FALSE(eco.ok());
  EXPECT_EQ(eco.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(eco.status().message(),
            "topology.devices[1].oem: unknown OEM \"oem-z\"");
  EXPECT_TRUE(NoChildren());
}

TEST(LauncherTest, AttachesToARunningRelay) {
  auto first = Launch(Parse("relay { store: MEMORY }"), Options("attach-a"));
  ASSERT_TRUE(first.ok()) << first.status();
  const Service* relay = (*first)->Find("relay");
  ASSERT_NE(relay, nullptr);

  sv1::Topology t = Parse(R"pb(
    authorities { id: "ca" }
    oems { id: "oem-a" }
    devices { id: "alice" oem: "oem-a" }
  )pb");
  sv1::Endpoint* attach = t.mutable_relay()->mutable_attach();
  attach->set_grpc_address(relay->grpc_address);
  attach->set_http_url(relay->http_url);
  attach->set_ca_cert_file((*first)->pki().root_cert);
  auto second = Launch(t, Options("attach-b"));
  ASSERT_TRUE(second.ok()) << second.status();
  const Service* attached = (*second)->Find("relay");
  ASSERT_NE(attached, nullptr);
  EXPECT_TRUE(attached->attached);
  EXPECT_FALSE(attached->running);
  EXPECT_EQ(attached->grpc_address, relay->grpc_address);
  EXPECT_EQ(attached->http_url, relay->http_url);
  EXPECT_NE((*second)->Endpoints()["relay"].find("attached"),
            std::string::npos);
  EXPECT_EQ((*second)->Kill("relay").code(),
            absl::StatusCode::kFailedPrecondition);
  // The device talks to the attached relay over the draft's HTTP API (the
  // default), trusting the attach CA.
  const std::string cmd = Cmdline((*second)->Find("alice")->pid);
  EXPECT_NE(cmd.find("--relay_http_url=" + relay->http_url), std::string::npos) << cmd;
  EXPECT_NE(cmd.find("--relay_ca_file=" + (*first)->pki().root_cert), std::string::npos) << cmd;
  EXPECT_EQ(cmd.find("--relay_grpc_target"), std::string::npos) << cmd;
  // Through the attach CA, the engine reaches it too.
  auto channel = (*second)->Channel("relay");
  ASSERT_TRUE(channel.ok());
  EXPECT_TRUE((*channel)->WaitForConnected(Deadline()));

  second->reset();
  EXPECT_TRUE((*first)->Find("relay")->running);  // not ours to stop
  first->reset();
  EXPECT_TRUE(NoChildren());
}

}  // namespace
}  // namespace sct::scenarios
