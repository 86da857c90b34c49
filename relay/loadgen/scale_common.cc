#include "relay/loadgen/scale_common.h"

#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "relay/loadgen/relay_grpc_client.h"
#include "relay/loadgen/relay_http_client.h"

namespace sct::relay::loadgen {
namespace {

using nlohmann::json;

constexpr absl::Duration kStartTimeout = absl::Seconds(60);

}  // namespace

absl::StatusOr<Relay> StartRelay(const ScaleOptions& options, const std::string& binary,
                                 const std::vector<std::string>& store_flags,
                                 const std::string& work_dir, const std::string& name) {
  std::vector<std::string> argv = {binary,
                                   "--http_listen=127.0.0.1:0",
                                   "--grpc_listen=127.0.0.1:0",
                                   "--public_base_url=http://127.0.0.1",
                                   "--creates_per_window=1000000000",
                                   "--failed_lookups_per_window=1000000000"};
  argv.insert(argv.end(), store_flags.begin(), store_flags.end());
  for (const std::string& f : options.relay_flags) argv.push_back(f);
  std::cout << "starting relay " << name << ": " << absl::StrJoin(argv, " ") << std::endl;
  ChildProcessSpec spec;
  spec.name = "relay " + name;
  spec.binary = argv[0];
  spec.args.assign(argv.begin() + 1, argv.end());
  spec.stderr_path = work_dir + "/relay-" + name + ".stderr";
  spec.start_timeout = kStartTimeout;
  auto child = ChildProcess::Start(spec);
  if (!child.ok()) return child.status();
  Relay r;
  r.child = std::move(*child);
  const std::map<std::string, std::string>& listening = r.child->listening();
  if (auto grpc = listening.find("grpc"); grpc != listening.end()) r.grpc = grpc->second;
  if (auto http = listening.find("http"); http != listening.end()) {
    (void)absl::SimpleAtoi(http->second.substr(http->second.rfind(':') + 1), &r.http_port);
  }
  if (!absl::StartsWith(r.grpc, "127.0.0.1:") || r.http_port == 0) {
    return absl::InternalError("unexpected listening line: " + r.child->listening_line());
  }
  std::cout << "  pid " << r.child->pid() << ": " << r.child->listening_line() << std::endl;
  return r;
}

CycleClientFactory RelayClients(const ScaleOptions& options,
                                const std::vector<const Relay*>& relays, bool rotate,
                                uint64_t seed) {
  std::vector<std::string> grpc;
  std::vector<int> http;
  for (const Relay* r : relays) {
    grpc.push_back(r->grpc);
    http.push_back(r->http_port);
  }
  const bool use_http = options.transport == "http";
  const size_t pb = static_cast<size_t>(options.payload_bytes);
  return [=](int i) -> std::unique_ptr<CycleClient> {
    if (use_http) {
      return std::make_unique<RelayHttpCycleClient>("127.0.0.1", http, static_cast<size_t>(i),
                                                    rotate, pb, seed + static_cast<uint64_t>(i));
    }
    return std::make_unique<RelayGrpcCycleClient>(grpc, static_cast<size_t>(i), rotate, pb,
                                                  seed + static_cast<uint64_t>(i));
  };
}

PhaseOptions MeasuredPhase(const ScaleOptions& options) {
  PhaseOptions o;
  o.clients = options.clients;
  o.duration = options.duration;
  o.warmup_cycles = options.warmup_cycles;
  return o;
}

int64_t PhaseErrors(const Rounds& rounds) {
  int64_t e = 0;
  for (const auto& round : rounds) {
    for (const PhaseResult& p : round) e += p.total_errors();
  }
  return e;
}

json PreloadJson(const PreloadResult& p) {
  return {{"created", p.created},
          {"failed", p.failed},
          {"errors", p.errors},
          {"seconds", absl::ToDoubleSeconds(p.elapsed)},
          {"per_sec", p.per_sec()},
          {"create_p50_us", p.latency.p50_us},
          {"create_p99_us", p.latency.p99_us}};
}

json PhasesJson(const std::vector<PhaseSummary>& summaries, bool with_samples) {
  json phases = json::array();
  for (const PhaseSummary& s : summaries) {
    json ops;
    for (int i = 0; i < kOpsPerCycle; ++i) {
      ops[kOpNames[i]] = {{"p50_us", s.p50_us[i]}, {"p99_us", s.p99_us[i]}};
      if (with_samples) ops[kOpNames[i]]["samples"] = s.samples[i];
    }
    phases.push_back({{"phase", s.name},
                      {"rpcs_per_sec", s.rpcs_per_sec},
                      {"cycles_per_sec", s.cycles_per_sec},
                      {"errors", s.errors},
                      {"ops", ops}});
  }
  return phases;
}

std::string Loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return absl::StrCat(a, " ", b, " ", c);
}

uint64_t Seed() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) | rd();
}

}  // namespace sct::relay::loadgen
