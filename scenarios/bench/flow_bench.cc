// flow_bench: per-flow latency of one share -> provision -> use (issue 6).
//
// Launches one topology once (scenarios/launcher): relay (sqlite or memory),
// authority "ca", OEMs oem-a and oem-b, car-1 (revocations by WATCH), alice
// (oem-a, owns car-1) and bob (oem-b), the SMS channel with zero delay. Then
// runs --flows flows one after the other, each driven only through the
// DeviceAgent control API and the channel's inbox, as a person would:
//
//   share   alice ShareCredential(unlock, lock) over SMS to bob (oem-a ->
//           oem-b; optional PIN)
//   link    bob's SMS inbox polled (channel Receive) until the link arrives
//   accept  bob AcceptLink from that inbox message (read, redeem through his
//           OEM, provision)
//   use     bob UseCredential "unlock" at car-1; GRANTED required
//
// Each phase and the total are timed with a monotonic clock
// (std::chrono::steady_clock). A flow that fails in any phase is counted and
// reported with its phase and error, never dropped. Before each measured flow
// the harness also times --baseline_rpcs trivial RPCs to the same processes
// (relay.v1.Echo on the relay over the same mutual TLS, and
// grpc.health.v1.Health/Check on bob's agent), so the ratio of the flow to a
// bare round trip comes from the same run, under the same background load.
//
// Output: a table (median, p90, p99, min, max per phase, total and
// baselines; flows/s; ratios), then ONE JSON line (the last line of stdout)
// with everything, also written to --json_out. Exit status: 0 when every
// flow succeeded, 1 when some failed (or --max_failures stopped the run), 2
// when the topology could not be launched or the flags are bad.
//
// Usage (see scenarios/bench/README.md and docs/BENCHMARKS.md):
//   bazel run -c opt //scenarios/bench:flow_bench -- --flows=50 --store=sqlite
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "runtime/health.grpc.pb.h"
#include "common/status_mapping.h"
#include "common/uuid.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"
#include "proto/access_point/v1/access_point.pb.h"
#include "proto/channel/v1/channel.grpc.pb.h"
#include "proto/device/v1/device.grpc.pb.h"
#include "proto/relay/v1/relay.grpc.pb.h"
#include "proto/scenario/v1/scenario.pb.h"
#include "scenarios/bench/flow_stats.h"
#include "scenarios/launcher/ecosystem.h"
#include "scenarios/launcher/launcher.h"

ABSL_FLAG(int32_t, flows, 50, "measured flows (1..100000)");
ABSL_FLAG(int32_t, warmup_flows, 2,
          "unmeasured flows first (connections, caches); failures still count");
ABSL_FLAG(std::string, store, "sqlite", "relay store: sqlite or memory");
ABSL_FLAG(bool, pin, false,
          "share with a 6-digit PIN (bob types it at AcceptLink)");
ABSL_FLAG(bool, sim_control, false,
          "start every service with --sim_control (audit + SimControl), to "
          "measure their overhead; default off: the product path");
ABSL_FLAG(int32_t, baseline_rpcs, 5,
          "Echo RPCs to the relay and Health checks to bob's agent before "
          "each measured flow (0..1000)");
ABSL_FLAG(std::string, binaries_dir, "",
          "directory holding relay/relay_server etc. (default: this "
          "binary's runfiles or the bazel-bin that holds it)");
ABSL_FLAG(std::string, work_dir, "",
          "directory for PKI, databases and logs (default: a fresh temp dir, "
          "removed after a clean run)");
ABSL_FLAG(bool, keep_work_dir, false, "keep the work dir after a clean run");
ABSL_FLAG(std::string, json_out, "", "also write the JSON line to this file");
ABSL_FLAG(absl::Duration, rpc_timeout, absl::Seconds(30),
          "deadline of each RPC");
ABSL_FLAG(absl::Duration, link_timeout, absl::Seconds(10),
          "how long bob's inbox is polled for the link");
ABSL_FLAG(absl::Duration, start_timeout, absl::Seconds(60),
          "how long one service may take to start");
ABSL_FLAG(int32_t, max_failures, 5,
          "stop after this many failed flows (the run then exits 1)");

namespace sct::bench {
namespace {

namespace chv1 = ::channel::v1;
namespace dv1 = ::device::v1;
namespace rv1 = ::relay::v1;
namespace sv1 = ::scenario::v1;
using Steady = std::chrono::steady_clock;
using json = nlohmann::json;

constexpr char kAlice[] = "alice";
constexpr char kBob[] = "bob";
constexpr char kAliceSms[] = "+15550001";
constexpr char kBobSms[] = "+15550002";
constexpr char kCar[] = "car-1";
constexpr char kOwnerCredential[] = "alice-car";
constexpr char kPersona[] = "personal";
// A fixed PIN is fine here: the development ecosystem is thrown away.
constexpr char kPin[] = "482915";

constexpr char kTopology[] = R"pb(
  relay { store: STORE }
  authorities { id: "ca" }
  oems { id: "oem-a" }
  oems { id: "oem-b" }
  access_points { id: "car-1" kind: CAR revocation: WATCH }
  devices {
    id: "alice"
    oem: "oem-a"
    addresses { channel: SMS address: "+15550001" }
  }
  devices {
    id: "bob"
    oem: "oem-b"
    addresses { channel: SMS address: "+15550002" }
  }
  channels { kind: SMS delay: "0s" }
  owner_credentials {
    id: "alice-car"
    device: "alice"
    access_point: "car-1"
    entitlements: [ "unlock", "lock", "drive" ]
    validity { not_before: "-1h" not_after: "720h" }
  }
  clock: REAL
)pb";

double Ms(Steady::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// "CODE: message" of a failed RPC (gRPC -> absl via common/status_mapping.h).
std::string Describe(absl::string_view rpc, const grpc::Status& s) {
  return absl::StrCat(rpc, ": ", FromGrpcStatus(s).ToString());
}

std::string CpuModel() {
  std::istringstream in(ReadFile("/proc/cpuinfo"));
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "model name")) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) return Trim(line.substr(colon + 2));
    }
  }
  return "";
}

std::string UserPath(std::string path) {
  const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (!path.empty() && path[0] != '/' && cwd != nullptr) {
    path = absl::StrCat(cwd, "/", path);
  }
  return path;
}

// One flow's measurements; phases after a failure stay at -1.
struct Flow {
  int index = 0;
  bool ok = false;
  std::string failed_phase;  // "share", "link", "accept", "use"
  std::string error;
  double share_ms = -1, link_ms = -1, accept_ms = -1, use_ms = -1;
  double total_ms = -1;
  double link_polls = 0;  // Receive calls until the link was there
};

class Bench {
 public:
  Bench(scenarios::Ecosystem& eco, bool pin, absl::Duration rpc_timeout,
        absl::Duration link_timeout)
      : eco_(eco),
        pin_(pin),
        rpc_timeout_(rpc_timeout),
        link_timeout_(link_timeout) {}

  absl::Status Connect() {
    auto alice = eco_.Channel(kAlice);
    if (!alice.ok()) return alice.status();
    auto bob = eco_.Channel(kBob);
    if (!bob.ok()) return bob.status();
    auto channel = eco_.Channel("channel");
    if (!channel.ok()) return channel.status();
    auto relay = eco_.Channel("relay");
    if (!relay.ok()) return relay.status();
    alice_ = dv1::DeviceAgent::NewStub(*alice);
    bob_ = dv1::DeviceAgent::NewStub(*bob);
    bob_health_ = grpc::health::v1::Health::NewStub(*bob);
    channel_ = chv1::Channel::NewStub(*channel);
    echo_ = rv1::Echo::NewStub(*relay);
    const scenarios::Service* car = eco_.Find(kCar);
    if (car == nullptr) return absl::NotFoundError("car-1 not launched");
    car_address_ = car->grpc_address;
    owner_credential_ = eco_.OwnerCredentialId(kOwnerCredential);
    if (owner_credential_.empty()) {
      return absl::NotFoundError("alice-car was not installed");
    }
    // Start bob's inbox cursor after anything already there.
    chv1::ReceiveRequest req;
    req.set_kind(::common::v1::SMS);
    req.set_address(kBobSms);
    chv1::ReceiveResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status s = channel_->Receive(&ctx, req, &resp);
    if (!s.ok()) return FromGrpcStatus(s);
    cursor_ = resp.last_sequence();
    return absl::OkStatus();
  }

  // Drops every channel (a gRPC server with a connected client would use its
  // whole shutdown grace).
  void Disconnect() {
    alice_.reset();
    bob_.reset();
    bob_health_.reset();
    channel_.reset();
    echo_.reset();
  }

  // One Echo round trip to the relay (ms), or -1 on error.
  double EchoOnce() {
    rv1::EchoRequest req;
    req.set_data(std::string(32, 'x'));
    rv1::EchoResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    const Steady::time_point t0 = Steady::now();
    grpc::Status s = echo_->Echo(&ctx, req, &resp);
    const Steady::time_point t1 = Steady::now();
    if (!s.ok() || resp.data() != req.data()) {
      std::cerr << "flow_bench: baseline " << Describe("Echo", s) << "\n";
      return -1;
    }
    return Ms(t1 - t0);
  }

  // One Health/Check round trip to bob's agent (ms), or -1 on error.
  double HealthOnce() {
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    const Steady::time_point t0 = Steady::now();
    grpc::Status s = bob_health_->Check(&ctx, req, &resp);
    const Steady::time_point t1 = Steady::now();
    if (!s.ok()) {
      std::cerr << "flow_bench: baseline " << Describe("Health/Check", s)
                << "\n";
      return -1;
    }
    return Ms(t1 - t0);
  }

  Flow RunFlow(int index) {
    Flow f;
    f.index = index;
    const Steady::time_point t0 = Steady::now();

    // ---- share: alice -> bob over SMS ----
    dv1::ShareCredentialResponse share;
    {
      dv1::ShareCredentialRequest req;
      req.set_request_id(NewUuidV4());
      req.set_persona(kPersona);
      req.set_credential_id(owner_credential_);
      req.add_entitlements("unlock");
      req.add_entitlements("lock");
      if (pin_) req.set_pin(kPin);
      req.set_channel(::common::v1::SMS);
      req.set_from_address(kAliceSms);
      req.set_to_address(kBobSms);
      req.set_vertical(::common::v1::VERTICAL_CAR);
      req.set_label("bench car key");
      grpc::ClientContext ctx;
      ctx.set_deadline(Deadline());
      grpc::Status s = alice_->ShareCredential(&ctx, req, &share);
      if (!s.ok()) return Fail(f, "share", Describe("ShareCredential", s));
      if (share.link_without_fragment().empty()) {
        return Fail(f, "share", "ShareCredential: no link_without_fragment");
      }
    }
    const Steady::time_point t1 = Steady::now();
    f.share_ms = Ms(t1 - t0);

    // ---- link: bob's SMS inbox (bounded poll) ----
    std::string message_id;
    {
      const Steady::time_point until =
          t1 +
          std::chrono::microseconds(absl::ToInt64Microseconds(link_timeout_));
      while (message_id.empty()) {
        chv1::ReceiveRequest req;
        req.set_kind(::common::v1::SMS);
        req.set_address(kBobSms);
        req.set_after_sequence(cursor_);
        chv1::ReceiveResponse resp;
        grpc::ClientContext ctx;
        ctx.set_deadline(Deadline());
        grpc::Status s = channel_->Receive(&ctx, req, &resp);
        ++f.link_polls;
        if (!s.ok()) return Fail(f, "link", Describe("Receive", s));
        for (const chv1::ChannelMessage& m : resp.messages()) {
          cursor_ = std::max<uint64_t>(cursor_, m.sequence());
          // This share's link (the body holds it with its fragment).
          if (message_id.empty() &&
              m.body().find(share.link_without_fragment() + "#") !=
                  std::string::npos) {
            message_id = m.message_id();
          }
        }
        if (!message_id.empty()) break;
        if (Steady::now() >= until) {
          return Fail(f, "link",
                      absl::StrCat("no link in bob's SMS inbox after ",
                                   absl::FormatDuration(link_timeout_)));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    const Steady::time_point t2 = Steady::now();
    f.link_ms = Ms(t2 - t1);

    // ---- accept: bob redeems through oem-b and provisions ----
    std::string credential_id;
    {
      dv1::AcceptLinkRequest req;
      req.set_request_id(NewUuidV4());
      req.set_persona(kPersona);
      req.mutable_inbox()->set_channel(::common::v1::SMS);
      req.mutable_inbox()->set_address(kBobSms);
      req.mutable_inbox()->set_message_id(message_id);
      if (pin_) req.set_pin(kPin);
      dv1::AcceptLinkResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(Deadline());
      grpc::Status s = bob_->AcceptLink(&ctx, req, &resp);
      if (!s.ok()) return Fail(f, "accept", Describe("AcceptLink", s));
      if (resp.outcome() != dv1::ACCEPT_PROVISIONED ||
          resp.credential_id().empty()) {
        return Fail(f, "accept",
                    absl::StrCat("AcceptLink: outcome ",
                                 dv1::AcceptOutcome_Name(resp.outcome()),
                                 ", want ACCEPT_PROVISIONED"));
      }
      if (resp.share_id() != share.share_id()) {
        return Fail(f, "accept", "AcceptLink: provisioned another share");
      }
      credential_id = resp.credential_id();
    }
    const Steady::time_point t3 = Steady::now();
    f.accept_ms = Ms(t3 - t2);

    // ---- use: bob unlocks car-1 ----
    {
      dv1::UseCredentialRequest req;
      req.set_persona(kPersona);
      req.set_credential_id(credential_id);
      req.set_access_point_address(car_address_);
      req.set_action("unlock");
      dv1::UseCredentialResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(Deadline());
      grpc::Status s = bob_->UseCredential(&ctx, req, &resp);
      if (!s.ok()) return Fail(f, "use", Describe("UseCredential", s));
      if (!resp.granted() || resp.reason() != ::access_point::v1::GRANTED) {
        return Fail(
            f, "use",
            absl::StrCat("UseCredential unlock: ",
                         ::access_point::v1::AuthReason_Name(resp.reason()),
                         " (", resp.detail(), "), want GRANTED"));
      }
    }
    const Steady::time_point t4 = Steady::now();
    f.use_ms = Ms(t4 - t3);
    f.total_ms = Ms(t4 - t0);
    f.ok = true;
    return f;
  }

 private:
  std::chrono::system_clock::time_point Deadline() const {
    return std::chrono::system_clock::now() +
           std::chrono::microseconds(absl::ToInt64Microseconds(rpc_timeout_));
  }

  static Flow Fail(Flow& f, std::string phase, std::string error) {
    f.ok = false;
    f.failed_phase = std::move(phase);
    f.error = std::move(error);
    return f;
  }

  scenarios::Ecosystem& eco_;
  const bool pin_;
  const absl::Duration rpc_timeout_;
  const absl::Duration link_timeout_;
  std::unique_ptr<dv1::DeviceAgent::Stub> alice_, bob_;
  std::unique_ptr<grpc::health::v1::Health::Stub> bob_health_;
  std::unique_ptr<chv1::Channel::Stub> channel_;
  std::unique_ptr<rv1::Echo::Stub> echo_;
  std::string car_address_;
  std::string owner_credential_;
  uint64_t cursor_ = 0;
};

json SummaryJson(const Summary& s) {
  return json{{"count", s.count}, {"median_ms", s.median}, {"p90_ms", s.p90},
              {"p99_ms", s.p99},  {"min_ms", s.min},       {"max_ms", s.max},
              {"mean_ms", s.mean}};
}

void PrintRow(const std::string& name, const Summary& s) {
  std::cout << absl::StrFormat("  %-22s %5d %9.2f %9.2f %9.2f %9.2f %9.2f\n",
                               name, s.count, s.median, s.p90, s.p99, s.min,
                               s.max);
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "flow_bench [--flows=50] [--store=sqlite|memory] [--pin] "
      "[--sim_control]\nPer-flow latency of share -> link -> accept -> use "
      "on a launched topology. See scenarios/bench/README.md.");
  absl::ParseCommandLine(argc, argv);
  const int flows = absl::GetFlag(FLAGS_flows);
  const int warmup = absl::GetFlag(FLAGS_warmup_flows);
  const int baseline_rpcs = absl::GetFlag(FLAGS_baseline_rpcs);
  const std::string store = absl::GetFlag(FLAGS_store);
  const bool pin = absl::GetFlag(FLAGS_pin);
  const bool sim_control = absl::GetFlag(FLAGS_sim_control);
  const int max_failures = absl::GetFlag(FLAGS_max_failures);
  if (flows < 1 || flows > 100000) {
    std::cerr << "flow_bench: --flows must be in 1..100000\n";
    return 2;
  }
  if (warmup < 0 || warmup > 1000) {
    std::cerr << "flow_bench: --warmup_flows must be in 0..1000\n";
    return 2;
  }
  if (baseline_rpcs < 0 || baseline_rpcs > 1000) {
    std::cerr << "flow_bench: --baseline_rpcs must be in 0..1000\n";
    return 2;
  }
  if (store != "sqlite" && store != "memory") {
    std::cerr << "flow_bench: --store must be sqlite or memory, not \"" << store
              << "\"\n";
    return 2;
  }
  if (max_failures < 1) {
    std::cerr << "flow_bench: --max_failures must be >= 1\n";
    return 2;
  }

  sv1::Topology topology;
  if (!google::protobuf::TextFormat::ParseFromString(
          absl::StrReplaceAll(
              kTopology, {{"STORE", store == "sqlite" ? "SQLITE" : "MEMORY"}}),
          &topology)) {
    std::cerr << "flow_bench: internal topology does not parse\n";
    return 2;
  }

  scenarios::LaunchOptions options;
  options.binaries_dir = UserPath(absl::GetFlag(FLAGS_binaries_dir));
  if (options.binaries_dir.empty()) {
    options.binaries_dir = scenarios::DefaultBinariesDir();
  }
  if (options.binaries_dir.empty()) {
    std::cerr << "flow_bench: cannot find the service binaries; build "
                 "//scenarios/bench:flow_bench (its data pulls them in) or "
                 "pass --binaries_dir=bazel-bin\n";
    return 2;
  }
  options.work_dir = UserPath(absl::GetFlag(FLAGS_work_dir));
  bool temp_work_dir = false;
  if (options.work_dir.empty()) {
    const char* base = std::getenv("TEST_TMPDIR");
    if (base == nullptr) base = std::getenv("TMPDIR");
    std::string templ =
        absl::StrCat(base != nullptr ? base : "/tmp", "/flow_bench.XXXXXX");
    if (mkdtemp(templ.data()) == nullptr) {
      std::cerr << "flow_bench: mkdtemp " << templ << " failed\n";
      return 2;
    }
    options.work_dir = templ;
    temp_work_dir = true;
  }
  options.sim_control = sim_control;
  options.start_timeout = absl::GetFlag(FLAGS_start_timeout);

  const long nproc = sysconf(_SC_NPROCESSORS_ONLN);
  const std::string cpu = CpuModel();
  const std::string load_start = Trim(ReadFile("/proc/loadavg"));
  const absl::Time started_at = absl::Now();
  std::cout << "flow_bench: store=" << store << " pin=" << (pin ? "yes" : "no")
            << " sim_control=" << (sim_control ? "yes" : "no")
            << " flows=" << flows << " warmup=" << warmup
            << "\n  machine: nproc=" << nproc << " cpu=\"" << cpu
            << "\" loadavg=" << load_start << "\n  binaries "
            << options.binaries_dir << "\n  work dir " << options.work_dir
            << std::endl;

  const Steady::time_point launch_start = Steady::now();
  auto launched = scenarios::Launch(topology, options);
  if (!launched.ok()) {
    std::cerr << "flow_bench: launch failed: " << launched.status()
              << "\n  (logs in " << options.work_dir << "/logs)\n";
    return 2;
  }
  std::unique_ptr<scenarios::Ecosystem> eco = std::move(*launched);
  const double launch_ms = Ms(Steady::now() - launch_start);
  std::cout << "  launched " << eco->Names().size() << " services in "
            << absl::StrFormat("%.1f", launch_ms / 1000) << " s" << std::endl;

  auto bench =
      std::make_unique<Bench>(*eco, pin, absl::GetFlag(FLAGS_rpc_timeout),
                              absl::GetFlag(FLAGS_link_timeout));
  absl::Status connected = bench->Connect();
  if (!connected.ok()) {
    std::cerr << "flow_bench: " << connected << "\n";
    bench.reset();
    eco->Shutdown();
    return 2;
  }

  std::vector<Flow> results;
  std::vector<Flow> failures;
  int warmup_failures = 0;
  for (int i = 0;
       i < warmup &&
       static_cast<int>(failures.size()) + warmup_failures < max_failures;
       ++i) {
    Flow f = bench->RunFlow(-(i + 1));
    if (!f.ok) {
      ++warmup_failures;
      failures.push_back(f);
      std::cerr << "flow_bench: warm-up flow " << i + 1 << " failed in "
                << f.failed_phase << ": " << f.error << "\n";
    }
  }

  std::vector<double> echo_all, health_all, echo_per_flow;
  std::vector<double> share, link, accept, use, total, polls;
  std::vector<double> total_for_ratio;
  double flow_time_ms = 0;
  int measured = 0;
  bool aborted = static_cast<int>(failures.size()) >= max_failures;
  for (int i = 0; i < flows && !aborted; ++i) {
    std::vector<double> probes;
    for (int k = 0; k < baseline_rpcs; ++k) {
      double e = bench->EchoOnce();
      if (e >= 0) {
        echo_all.push_back(e);
        probes.push_back(e);
      }
      double h = bench->HealthOnce();
      if (h >= 0) health_all.push_back(h);
    }
    Flow f = bench->RunFlow(i);
    ++measured;
    results.push_back(f);
    if (!f.ok) {
      failures.push_back(f);
      std::cerr << "flow_bench: flow " << i << " failed in " << f.failed_phase
                << ": " << f.error << "\n";
      aborted =
          static_cast<int>(failures.size()) >= max_failures && i + 1 < flows;
      continue;
    }
    share.push_back(f.share_ms);
    link.push_back(f.link_ms);
    accept.push_back(f.accept_ms);
    use.push_back(f.use_ms);
    total.push_back(f.total_ms);
    polls.push_back(f.link_polls);
    flow_time_ms += f.total_ms;
    if (!probes.empty()) {
      total_for_ratio.push_back(f.total_ms);
      echo_per_flow.push_back(Percentile(probes, 50));
    }
    if ((i + 1) % 10 == 0) {
      std::cerr << "flow_bench: " << i + 1 << "/" << flows << " flows\n";
    }
  }
  const std::string load_end = Trim(ReadFile("/proc/loadavg"));
  const double wall_s = absl::ToDoubleSeconds(absl::Now() - started_at);

  bench->Disconnect();
  bench.reset();
  eco->Shutdown();
  eco.reset();

  const Summary s_share = Summarize(share), s_link = Summarize(link),
                s_accept = Summarize(accept), s_use = Summarize(use),
                s_total = Summarize(total), s_echo = Summarize(echo_all),
                s_health = Summarize(health_all);
  const int ok = static_cast<int>(total.size());
  const int failed_measured = measured - ok;
  const double flows_per_s = flow_time_ms > 0 ? ok / (flow_time_ms / 1000) : 0;
  const double ratio_of_medians =
      s_echo.median > 0 ? s_total.median / s_echo.median : 0;
  const double ratio_per_flow = MedianRatio(total_for_ratio, echo_per_flow);
  const double ratio_health =
      s_health.median > 0 ? s_total.median / s_health.median : 0;

  std::cout << "\nflows: " << ok << " ok, " << failed_measured << " failed of "
            << measured << " measured (" << flows << " requested"
            << (aborted ? ", stopped after --max_failures" : "")
            << "); warm-up failures " << warmup_failures << "\n";
  std::cout << absl::StrFormat("  %-22s %5s %9s %9s %9s %9s %9s\n",
                               "phase (ms)", "n", "median", "p90", "p99", "min",
                               "max");
  PrintRow("share", s_share);
  PrintRow("link delivery", s_link);
  PrintRow("accept (provision)", s_accept);
  PrintRow("use (unlock)", s_use);
  PrintRow("total", s_total);
  PrintRow("baseline echo (relay)", s_echo);
  PrintRow("baseline health (bob)", s_health);
  std::cout << absl::StrFormat(
      "  flows/s (sequential, one at a time): %.2f\n"
      "  total / echo baseline: %.1fx (medians), %.1fx (median per-flow "
      "ratio)\n  total / health baseline: %.1fx (medians)\n"
      "  link polls per flow (median): %.0f\n  loadavg start %s, end %s\n",
      flows_per_s, ratio_of_medians, ratio_per_flow, ratio_health,
      Percentile(polls, 50), load_start, load_end);
  for (const Flow& f : failures) {
    std::cout << "  FAILED flow " << f.index << " in " << f.failed_phase << ": "
              << f.error << "\n";
  }

  json j;
  j["benchmark"] = "flow_bench";
  j["started_at"] =
      absl::FormatTime(absl::RFC3339_sec, started_at, absl::UTCTimeZone());
  j["config"] = {{"store", store},
                 {"pin", pin},
                 {"sim_control", sim_control},
                 {"flows", flows},
                 {"warmup_flows", warmup},
                 {"baseline_rpcs", baseline_rpcs},
                 {"channel", "SMS"},
                 {"channel_delay", "0s"},
                 {"entitlements", json::array({"unlock", "lock"})},
                 {"use_action", "unlock"}};
  j["machine"] = {{"nproc", nproc},
                  {"cpu_model", cpu},
                  {"loadavg_start", load_start},
                  {"loadavg_end", load_end}};
  j["flows_measured"] = measured;
  j["flows_ok"] = ok;
  j["flows_failed"] = failed_measured;
  j["warmup_failures"] = warmup_failures;
  j["aborted"] = aborted;
  j["phases"] = {{"share", SummaryJson(s_share)},
                 {"link", SummaryJson(s_link)},
                 {"accept", SummaryJson(s_accept)},
                 {"use", SummaryJson(s_use)},
                 {"total", SummaryJson(s_total)}};
  j["baseline"] = {{"echo_relay", SummaryJson(s_echo)},
                   {"health_bob", SummaryJson(s_health)}};
  j["ratio_total_to_echo_medians"] = ratio_of_medians;
  j["ratio_total_to_echo_per_flow_median"] = ratio_per_flow;
  j["ratio_total_to_health_medians"] = ratio_health;
  j["flows_per_second"] = flows_per_s;
  j["launch_seconds"] = launch_ms / 1000;
  j["wall_seconds"] = wall_s;
  json fails = json::array();
  for (const Flow& f : failures) {
    fails.push_back(
        {{"flow", f.index}, {"phase", f.failed_phase}, {"error", f.error}});
  }
  j["failures"] = fails;
  json raw = json::array();
  for (const Flow& f : results) {
    raw.push_back({{"flow", f.index},
                   {"ok", f.ok},
                   {"share_ms", f.share_ms},
                   {"link_ms", f.link_ms},
                   {"accept_ms", f.accept_ms},
                   {"use_ms", f.use_ms},
                   {"total_ms", f.total_ms}});
  }
  j["raw"] = raw;
  const std::string line = j.dump();
  std::cout << line << std::endl;
  const std::string json_out = UserPath(absl::GetFlag(FLAGS_json_out));
  if (!json_out.empty()) {
    std::ofstream out(json_out);
    out << line << "\n";
    if (!out) std::cerr << "flow_bench: cannot write " << json_out << "\n";
  }

  const bool clean = failures.empty() && !aborted;
  if (temp_work_dir && clean && !absl::GetFlag(FLAGS_keep_work_dir)) {
    std::error_code ec;
    std::filesystem::remove_all(options.work_dir, ec);
  } else {
    std::cerr << "flow_bench: work dir kept: " << options.work_dir << "\n";
  }
  return clean ? 0 : 1;
}

}  // namespace
}  // namespace sct::bench

int main(int argc, char** argv) {
  // First, before any thread starts: Ctrl-C stops every launched service.
  sct::scenarios::InstallTeardownOnSignal();
  return sct::bench::Main(argc, argv);
}
