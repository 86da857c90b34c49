// The engine's step loop against an ecosystem with no processes (a fake):
// verdicts, SKIPPED after a failure, continue_on_failure, max_duration,
// timing assertions, the scenario timeout and teardown on every path.
#include "scenarios/engine/engine.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/proto_time.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "scenarios/engine/steps/steps.h"

namespace sct::scenarios {
namespace {

namespace sv1 = ::scenario::v1;
using ::testing::HasSubstr;

struct Counters {
  int launched = 0;
  int shutdowns = 0;
  int hook_up = 0;
  int hook_down = 0;
};

class FakeEcosystem : public Ecosystem {
 public:
  explicit FakeEcosystem(Counters* c) : c_(c) {}
  const Service* Find(absl::string_view) const override { return nullptr; }
  std::vector<std::string> Names() const override { return {}; }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel(
      absl::string_view name) override {
    return absl::NotFoundError(std::string(name));
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelAs(
      absl::string_view name, absl::string_view) override {
    return absl::NotFoundError(std::string(name));
  }
  absl::Status Kill(absl::string_view) override {
    return absl::FailedPreconditionError("fake");
  }
  absl::Status Start(absl::string_view) override { return absl::OkStatus(); }
  absl::Status Restart(absl::string_view) override { return absl::OkStatus(); }
  std::string OwnerCredentialId(absl::string_view) const override { return ""; }
  std::string DeviceId(absl::string_view) const override { return ""; }
  std::string AuthorityId(absl::string_view) const override { return ""; }
  const DevPkiFiles& pki() const override { return pki_; }
  std::map<std::string, std::string> Endpoints() const override {
    return {{"relay", "grpc=fake"}};
  }
  void Shutdown() override { ++c_->shutdowns; }

 private:
  Counters* c_;
  DevPkiFiles pki_;
};

EngineOptions Options(Counters* c) {
  EngineOptions o;
  o.work_dir = std::string(std::getenv("TEST_TMPDIR"));
  o.launch = [c](const ResolvedTopology&, const LaunchOptions& lo)
      -> absl::StatusOr<std::unique_ptr<Ecosystem>> {
    ++c->launched;
    EXPECT_THAT(lo.work_dir, HasSubstr(std::getenv("TEST_TMPDIR")));
    return std::unique_ptr<Ecosystem>(new FakeEcosystem(c));
  };
  o.on_ecosystem = [c](Ecosystem* e) { ++(e != nullptr ? c->hook_up : c->hook_down); };
  return o;
}

// A scenario runs only with a topology the launcher accepts; the fake
// launch starts nothing, so a bare relay is enough when the text has none.
sv1::Scenario Parse(const std::string& text) {
  sv1::Scenario s;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &s));
  if (!s.has_topology()) s.mutable_topology()->mutable_relay();
  return s;
}

absl::Duration D(const google::protobuf::Duration& d) { return ToAbslDuration(d); }

// A run whose ecosystem comes from elsewhere (EngineOptions::launch, as the
// experiment runner reuses one) leaves no empty directory of its own behind;
// a directory something was written to stays.
TEST(RunScenario, ARunOnAGivenEcosystemLeavesNoEmptyDirectory) {
  Counters c;
  EngineOptions o = Options(&c);
  o.work_dir = absl::StrCat(std::getenv("TEST_TMPDIR"), "/empty-dirs");
  std::string kept;
  o.on_ecosystem = [&](Ecosystem* e) {
    if (e == nullptr || !kept.empty()) return;
    // The first run writes a file into its directory (as an adversary does).
    for (const auto& entry : std::filesystem::directory_iterator(o.work_dir)) {
      kept = entry.path().string();
    }
    std::ofstream(kept + "/attack-root-ca.pem") << "x";
  };
  for (int i = 0; i < 3; ++i) {
    RunScenario(Parse(R"pb(name: "reused" steps { id: "p" pause { duration: "1ms" } })pb"),
                "reused.textproto", o);
  }
  EXPECT_EQ(c.launched, 3);
  std::vector<std::string> left;
  for (const auto& entry : std::filesystem::directory_iterator(o.work_dir)) {
    left.push_back(entry.path().string());
  }
  EXPECT_THAT(left, ::testing::ElementsAre(kept));
}

TEST(RunScenario, VerdictsSkipsAndContinueOnFailure) {
  Counters c;
  sv1::ScenarioResult r = RunScenario(Parse(R"pb(
    name: "loop"
    steps { id: "p1" pause { duration: "10ms" } }
    steps {
      id: "slow"
      pause { duration: "60ms" }
      expect { max_duration: "1ms" }
      continue_on_failure: true
    }
    steps {
      id: "use"
      actor: "bob-phone"
      use { credential: "nope" access_point: "car-1" action: "unlock" }
    }
    steps { id: "after" pause { duration: "1ms" } }
    assertions { name: "quick" timing { from_step: "p1" to_step: "slow" max: "10s" } }
    assertions { name: "too quick" timing { from_step: "p1" to_step: "slow" max: "1ms" } }
    assertions { name: "not run" timing { from_step: "p1" to_step: "after" max: "1h" } }
  )pb"), "loop.textproto", Options(&c));
  EXPECT_EQ(c.launched, 1);
  EXPECT_EQ(c.shutdowns, 1);
  EXPECT_EQ(c.hook_up, 1);
  EXPECT_EQ(c.hook_down, 1);
  EXPECT_FALSE(r.passed());
  EXPECT_EQ(r.file(), "loop.textproto");
  ASSERT_EQ(r.steps_size(), 4);
  EXPECT_EQ(r.steps(0).status(), sv1::PASSED);
  EXPECT_EQ(r.steps(0).action(), "pause");
  EXPECT_EQ(r.steps(1).status(), sv1::FAILED);
  EXPECT_EQ(r.steps(1).expected(), "success within 1ms");
  EXPECT_THAT(r.steps(1).observed(), HasSubstr("OK after"));
  // The first failure is the slow step; the run went on (continue_on_failure).
  EXPECT_THAT(r.first_failure(), HasSubstr("step slow: expected success within 1ms"));
  EXPECT_EQ(r.steps(2).status(), sv1::FAILED);
  EXPECT_EQ(r.steps(2).expected(), "access GRANTED");
  EXPECT_EQ(r.steps(2).code(), "NOT_FOUND");
  EXPECT_EQ(r.steps(2).reason(), "credential_not_found");
  EXPECT_EQ(r.steps(3).status(), sv1::SKIPPED);
  ASSERT_EQ(r.timings_size(), 3);
  EXPECT_TRUE(r.timings(0).passed());
  EXPECT_GE(D(r.timings(0).measured()), absl::Milliseconds(70));
  EXPECT_FALSE(r.timings(1).passed());
  EXPECT_FALSE(r.timings(2).passed());
  EXPECT_EQ(r.endpoints().at("relay"), "grpc=fake");
}

TEST(RunScenario, AllPassingStepsPass) {
  Counters c;
  sv1::ScenarioResult r = RunScenario(Parse(R"pb(
    name: "ok"
    steps { id: "a" pause { duration: "1ms" } }
    steps { id: "b" pause { duration: "1ms" } expect { success: true } }
  )pb"), "ok.textproto", Options(&c));
  EXPECT_TRUE(r.passed()) << r.first_failure();
  EXPECT_EQ(r.steps(1).status(), sv1::PASSED);
  EXPECT_EQ(c.shutdowns, 1);
}

TEST(ClockAdvanceOrder, ServicesThatReadTimeDependentAnswersMoveFirstTheRelayLast) {
  // The launcher's order (a sender polling its mailbox between the relay's
  // advance and its own took the expired mailbox's 404 for a delivery).
  const std::vector<std::pair<std::string, ServiceKind>> launched = {
      {"ca", ServiceKind::kAuthority},     {"oem-a", ServiceKind::kOem},
      {"relay", ServiceKind::kRelay},      {"channel", ServiceKind::kChannel},
      {"car-1", ServiceKind::kAccessPoint}, {"alice-phone", ServiceKind::kDevice},
      {"ca-2", ServiceKind::kAuthority}};
  EXPECT_THAT(ClockAdvanceOrder(launched),
              ::testing::ElementsAre("oem-a", "channel", "car-1", "alice-phone", "ca", "ca-2",
                                     "relay"));
}

TEST(RunScenario, AdvanceClockWithoutSimControlFails) {
  Counters c;
  sv1::ScenarioResult r = RunScenario(Parse(R"pb(
    name: "clock"
    steps { id: "b" advance_clock { by: "1h" } }
  )pb"), "clock.textproto", Options(&c));
  EXPECT_FALSE(r.passed());
  EXPECT_EQ(r.steps(0).status(), sv1::FAILED);
  EXPECT_EQ(r.steps(0).reason(), "no_sim_control");
}

TEST(RunScenario, ScenarioTimeoutCutsTheRun) {
  Counters c;
  const absl::Time start = absl::Now();
  sv1::ScenarioResult r = RunScenario(Parse(R"pb(
    name: "slow"
    timeout: "300ms"
    steps { id: "long" pause { duration: "30s" } }
    steps { id: "next" pause { duration: "1ms" } }
  )pb"), "slow.textproto", Options(&c));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_FALSE(r.passed());
  ASSERT_EQ(r.steps_size(), 2);
  EXPECT_EQ(r.steps(1).status(), sv1::ERRORED);
  EXPECT_THAT(r.steps(1).observed(), HasSubstr("scenario timeout"));
  EXPECT_EQ(c.shutdowns, 1);
}

// Under a time scale (EngineOptions::time_scale, from SCT_TIME_SCALE) the
// engine's own deadlines stretch: a step "within 1ms" that took 5 ms passes
// at a scale of 100000 (bound 1m40s) and fails without one; the timing
// assertion's bound, the scenario timeout and the launcher's start-up wait
// stretch alike; the durations are reported as measured.
TEST(RunScenario, TheTimeScaleStretchesTheEnginesDeadlines) {
  const std::string text = R"pb(
    name: "scaled"
    timeout: "2ms"
    steps {
      id: "slow"
      pause { duration: "5ms" }
      expect { max_duration: "1ms" }
      continue_on_failure: true
    }
    steps { id: "next" pause { duration: "1ms" } }
    assertions { name: "quick" timing { from_step: "slow" to_step: "slow" max: "1ms" } }
  )pb";
  Counters c;
  EngineOptions o = Options(&c);
  absl::Duration start_timeout;
  o.launch = [&](const ResolvedTopology&, const LaunchOptions& lo)
      -> absl::StatusOr<std::unique_ptr<Ecosystem>> {
    start_timeout = lo.start_timeout;
    return std::unique_ptr<Ecosystem>(new FakeEcosystem(&c));
  };

  sv1::ScenarioResult plain = RunScenario(Parse(text), "scaled.textproto", o);
  EXPECT_FALSE(plain.passed());
  EXPECT_EQ(start_timeout, absl::Seconds(30));
  ASSERT_EQ(plain.steps_size(), 2);
  // Too slow, or not run at all when the 2 ms timeout had passed already.
  EXPECT_NE(plain.steps(0).status(), sv1::PASSED);
  EXPECT_EQ(plain.steps(0).expected(), "success within 1ms");
  EXPECT_NE(plain.steps(1).status(), sv1::PASSED);  // past the 2 ms timeout
  ASSERT_EQ(plain.timings_size(), 1);
  EXPECT_FALSE(plain.timings(0).passed());

  o.time_scale = 100000;
  sv1::ScenarioResult scaled = RunScenario(Parse(text), "scaled.textproto", o);
  EXPECT_TRUE(scaled.passed()) << scaled.first_failure();
  EXPECT_EQ(start_timeout, absl::Seconds(30) * 100000);
  ASSERT_EQ(scaled.steps_size(), 2);
  EXPECT_EQ(scaled.steps(0).status(), sv1::PASSED);
  EXPECT_EQ(scaled.steps(0).expected(), "success within 1ms (x100000 time scale: 1m40s)");
  EXPECT_GE(D(scaled.steps(0).duration()), absl::Milliseconds(5));  // as measured
  EXPECT_EQ(scaled.steps(1).status(), sv1::PASSED);
  ASSERT_EQ(scaled.timings_size(), 1);
  EXPECT_TRUE(scaled.timings(0).passed());
  EXPECT_EQ(D(scaled.timings(0).max()), absl::Seconds(100));
  EXPECT_GE(D(scaled.timings(0).measured()), absl::Milliseconds(5));
}

TEST(RunScenario, EngineErrorIsErroredNotFailed) {
  Counters c;
  sv1::ScenarioResult r = RunScenario(Parse(R"pb(
    name: "err"
    steps { id: "kill" service { service: "relay" op: KILL } }
    steps {
      id: "kill-expected"
      service { service: "relay" op: KILL }
      expect { error { code: FAILED_PRECONDITION } }
    }
  )pb"), "err.textproto", Options(&c));
  // The fake refuses KILL: an observed FAILED_PRECONDITION.
  EXPECT_EQ(r.steps(0).status(), sv1::FAILED);
  EXPECT_EQ(r.steps(0).code(), "FAILED_PRECONDITION");
  EXPECT_EQ(r.steps(1).status(), sv1::SKIPPED);
}

TEST(RunScenario, RetriesWithBackoffThenJudges) {
  Counters c;
  const absl::Time start = absl::Now();
  sv1::ScenarioResult r = RunScenario(Parse(R"pb(
    name: "retry"
    steps {
      id: "kill"
      service { service: "relay" op: KILL }
      retry { attempts: 3 backoff: "50ms" on: [FAILED_PRECONDITION] }
    }
  )pb"), "retry.textproto", Options(&c));
  EXPECT_EQ(r.steps(0).attempts(), 3u);
  EXPECT_EQ(r.steps(0).status(), sv1::FAILED);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(100));
}

TEST(RunScenario, LaunchErrorSkipsEverything) {
  EngineOptions o;
  o.work_dir = std::string(std::getenv("TEST_TMPDIR"));
  o.launch = [](const ResolvedTopology&, const LaunchOptions&)
      -> absl::StatusOr<std::unique_ptr<Ecosystem>> {
    return absl::UnavailableError("relay: exited before listening");
  };
  sv1::ScenarioResult r = RunScenario(Parse(R"pb(
    name: "nolaunch"
    steps { id: "a" pause { duration: "1ms" } }
  )pb"), "x.textproto", o);
  EXPECT_FALSE(r.passed());
  EXPECT_THAT(r.first_failure(), HasSubstr("launch failed: relay: exited"));
  EXPECT_EQ(r.steps(0).status(), sv1::SKIPPED);
}

TEST(RunScenario, UnresolvableTopologyIsReportedAndNothingLaunches) {
  Counters c;
  sv1::ScenarioResult r = RunScenario(Parse(R"pb(
    name: "badtopo"
    topology {
      relay {}
      devices { id: "alice-phone" oem: "oem-z" }
    }
    steps { id: "a" pause { duration: "1ms" } }
  )pb"), "badtopo.textproto", Options(&c));
  EXPECT_EQ(c.launched, 0);
  EXPECT_FALSE(r.passed());
  EXPECT_THAT(r.first_failure(),
              HasSubstr("invalid topology: topology.devices[0].oem: unknown OEM \"oem-z\""));
  ASSERT_EQ(r.steps_size(), 1);
  EXPECT_EQ(r.steps(0).status(), sv1::SKIPPED);
  EXPECT_EQ(r.steps(0).observed(), "not run: invalid topology");
}

// Hands out real (never connected) channels and counts, at Shutdown, how
// many the engine still holds: a service's gRPC server waits, within its
// shutdown grace, for every client connection to close, and an idle client
// channel of the engine is not read, so a channel still held when the
// launcher sends SIGTERM kept the service running until SIGKILL.
class ChannelCountingEcosystem : public FakeEcosystem {
 public:
  ChannelCountingEcosystem(Counters* c, int* held_at_shutdown)
      : FakeEcosystem(c), held_at_shutdown_(held_at_shutdown) {
    device_.name = "d";
    device_.kind = ServiceKind::kDevice;
    device_.running = true;
  }
  const Service* Find(absl::string_view name) const override {
    return name == "d" ? &device_ : nullptr;
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel(absl::string_view name) override {
    return ChannelAs(name, "admin");
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelAs(absl::string_view,
                                                           absl::string_view) override {
    auto channel = grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
    handed_out_.push_back(channel);
    return channel;
  }
  void Shutdown() override {
    for (const auto& weak : handed_out_) *held_at_shutdown_ += weak.expired() ? 0 : 1;
    FakeEcosystem::Shutdown();
  }

 private:
  Service device_;
  int* held_at_shutdown_;
  std::vector<std::weak_ptr<grpc::Channel>> handed_out_;
};

TEST(RunScenario, TheEngineDropsItsChannelsBeforeTheServicesAreStopped) {
  Counters c;
  int held = 0;
  EngineOptions o = Options(&c);
  o.launch = [&c, &held](const ResolvedTopology&, const LaunchOptions&)
      -> absl::StatusOr<std::unique_ptr<Ecosystem>> {
    ++c.launched;
    return std::unique_ptr<Ecosystem>(new ChannelCountingEcosystem(&c, &held));
  };
  sv1::ScenarioResult r = RunScenario(Parse(R"pb(
    name: "channels"
    topology {
      relay {}
      authorities { id: "ca" }
      oems { id: "oem-a" }
      devices { id: "d" oem: "oem-a" }
    }
    steps { id: "a" pause { duration: "1ms" } }
  )pb"), "channels.textproto", o);
  ASSERT_EQ(c.launched, 1) << r.first_failure();
  EXPECT_EQ(c.shutdowns, 1);
  EXPECT_EQ(held, 0);
}

// Reports how its processes ended, as the launcher does after Shutdown.
class ExitReportingEcosystem : public FakeEcosystem {
 public:
  ExitReportingEcosystem(Counters* c, std::vector<sv1::ServiceExit> exits)
      : FakeEcosystem(c), exits_(std::move(exits)) {}
  std::vector<sv1::ServiceExit> Exits() const override { return exits_; }

 private:
  std::vector<sv1::ServiceExit> exits_;
};

sv1::ServiceExit Exit(const std::string& service, int status, sv1::ServiceExitKind kind) {
  sv1::ServiceExit e;
  e.set_service(service);
  e.set_exit_status(status);
  e.set_kind(kind);
  e.set_detail(absl::StrCat("status ", status));
  return e;
}

sv1::ScenarioResult RunWithExits(Counters* c, std::vector<sv1::ServiceExit> exits) {
  EngineOptions o = Options(c);
  o.launch = [c, exits](const ResolvedTopology&, const LaunchOptions&)
      -> absl::StatusOr<std::unique_ptr<Ecosystem>> {
    ++c->launched;
    return std::unique_ptr<Ecosystem>(new ExitReportingEcosystem(c, exits));
  };
  return RunScenario(Parse(R"pb(
    name: "exits"
    steps { id: "a" pause { duration: "1ms" } }
  )pb"), "exits.textproto", o);
}

// A leak report at exit (ASan exits 23) or a crash during the run is a
// failed run that names the service; a SIGKILL after the grace is recorded
// only, and clean stops change nothing.
TEST(RunScenario, AServiceThatFailsAtShutdownOrDiesFailsTheRun) {
  Counters c;
  sv1::ScenarioResult clean = RunWithExits(
      &c, {Exit("relay", 0, sv1::STOPPED_CLEANLY), Exit("ca", 137, sv1::KILLED_AFTER_GRACE)});
  EXPECT_TRUE(clean.passed()) << clean.first_failure();
  ASSERT_EQ(clean.service_exits_size(), 2);
  EXPECT_EQ(clean.service_exits(1).kind(), sv1::KILLED_AFTER_GRACE);

  sv1::ScenarioResult leak = RunWithExits(&c, {Exit("relay", 23, sv1::FAILED_AT_SHUTDOWN)});
  EXPECT_FALSE(leak.passed());
  EXPECT_THAT(leak.first_failure(), HasSubstr("service relay: status 23"));
  EXPECT_EQ(leak.steps(0).status(), sv1::PASSED);

  sv1::ScenarioResult crash = RunWithExits(&c, {Exit("oem-a", 139, sv1::DIED_DURING_RUN)});
  EXPECT_FALSE(crash.passed());
  EXPECT_THAT(crash.first_failure(), HasSubstr("service oem-a"));
}

TEST(ApplyRelayStore, OverridesOnlyARelayThatNamesNoStore) {
  sv1::Scenario s = Parse(R"pb(topology { relay {} })pb");
  EXPECT_FALSE(ApplyRelayStore(sv1::STORE_KIND_UNSPECIFIED, s));
  EXPECT_TRUE(ApplyRelayStore(sv1::REDIS, s));
  EXPECT_EQ(s.topology().relay().store(), sv1::REDIS);
  for (const char* pinned : {R"pb(topology { relay { store: MEMORY } })pb",
                             R"pb(topology { relay { attach { grpc_address: "x:1" } } })pb"}) {
    sv1::Scenario p = Parse(pinned);
    const std::string before = p.DebugString();
    EXPECT_FALSE(ApplyRelayStore(sv1::REDIS, p)) << pinned;
    EXPECT_EQ(p.DebugString(), before);
  }
}

TEST(ApplyRelayApi, GrpcDoesNotTakeOhttpDevicesAroundTheObliviousRelay) {
  sv1::Scenario s = Parse(R"pb(topology { devices { id: "d" } })pb");
  EXPECT_TRUE(ApplyRelayApi(sv1::GRPC, s));
  EXPECT_EQ(s.topology().devices(0).relay_api(), sv1::GRPC);
  sv1::Scenario o = Parse(R"pb(topology {
                                 devices { id: "d" }
                                 architecture { ohttp: true }
                               })pb");
  EXPECT_FALSE(ApplyRelayApi(sv1::GRPC, o));
  EXPECT_EQ(o.topology().devices(0).relay_api(), sv1::RELAY_API_UNSPECIFIED);
  EXPECT_TRUE(ApplyRelayApi(sv1::HTTP, o));
}

TEST(RunScenario, RelayStoreOverrideReachesTheLaunchedTopology) {
  Counters c;
  EngineOptions o = Options(&c);
  o.relay_store = sv1::REDIS;
  sv1::StoreKind launched = sv1::STORE_KIND_UNSPECIFIED;
  std::vector<std::string> redis;
  o.launch = [&](const ResolvedTopology& t, const LaunchOptions&)
      -> absl::StatusOr<std::unique_ptr<Ecosystem>> {
    launched = t.proto().relay().store();
    redis = LaunchedRedisNames(t.proto().relay());
    return std::unique_ptr<Ecosystem>(new FakeEcosystem(&c));
  };
  RunScenario(Parse(R"pb(name: "redis" steps { id: "a" pause { duration: "1ms" } })pb"),
              "redis.textproto", o);
  EXPECT_EQ(launched, sv1::REDIS);
  EXPECT_EQ(redis, std::vector<std::string>{"redis"});
}

}  // namespace
}  // namespace sct::scenarios
