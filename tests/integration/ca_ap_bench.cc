// Benchmark harness for access points (docs/BENCHMARKS.md, "Access points and
// revocation propagation"). One run measures, side by side:
//   1. the raw cost of the signatures involved: ECDSA P-256 verify of a
//      challenge transcript, X.509 chain verification (credential -> root),
//      ECDSA sign (device side; also what the authority pays per list),
//      HMAC-SHA256 (symmetric credentials);
//   2. access-point authentications per second: in process (Verifier:
//      IssueChallenge + Authenticate, asymmetric and symmetric) and over gRPC
//      against the real access_point process (GetChallenge + Authenticate
//      round trips, TLS);
//   3. revocation propagation time, revoke call -> the access point denies
//      (DENIED_REVOKED), with the streaming watch and with polling, over
//      --revocations credentials each (median, p90, p99, max).
//
//   bazel run //tests/integration:ca_ap_bench -- --revocations=50
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "access_point/fake_authority.h"
#include "access_point/revocation_list.h"
#include "access_point/verifier.h"
#include "common/clock.h"
#include "crypto/hmac.h"
#include "crypto/x509.h"
#include "tests/integration/ca_ap_ecosystem.h"

ABSL_FLAG(std::string, ca_binary, "credential_authority/ca_server",
          "ca_server binary (default: the runfiles path under bazel run)");
ABSL_FLAG(std::string, ap_binary, "access_point/access_point", "access_point binary");
ABSL_FLAG(std::string, work_dir, "/tmp/sct_ca_ap_bench", "scratch directory");
ABSL_FLAG(int, iterations, 2000, "operations per micro-measurement");
ABSL_FLAG(int, grpc_iterations, 500, "authentications over gRPC");
ABSL_FLAG(int, revocations, 50, "revocations per propagation mode");
ABSL_FLAG(std::vector<std::string>, modes,
          std::vector<std::string>({"watch", "poll:1s", "poll:200ms"}),
          "propagation modes: watch, poll:<interval>");

namespace sct::integration {
namespace {

namespace apv1 = ::access_point::v1;
using Steady = std::chrono::steady_clock;

double Seconds(Steady::duration d) { return std::chrono::duration<double>(d).count(); }

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// Three repetitions of `n` operations after a warm-up. The machine is shared
// (load above its core count), so wall time mostly measures waiting for a
// core: the figure to compare is this thread's CPU time per operation (best
// of 3); the median wall time is printed beside it to show the contention.
template <typename F>
void Measure(const std::string& name, int n, F&& op) {
  for (int i = 0; i < std::min(n / 10 + 1, 50); ++i) op();  // warm-up
  std::vector<double> cpu, wall;
  for (int rep = 0; rep < 3; ++rep) {
    Steady::time_point t0 = Steady::now();
    double c0 = ThreadCpuSeconds();
    for (int i = 0; i < n; ++i) op();
    cpu.push_back((ThreadCpuSeconds() - c0) / n);
    wall.push_back(Seconds(Steady::now() - t0) / n);
  }
  std::sort(cpu.begin(), cpu.end());
  std::sort(wall.begin(), wall.end());
  std::printf(
      "  %-48s cpu %8.1f us/op = %8.0f ops/s | wall median %8.1f us/op "
      "(3x%d)\n",
      name.c_str(), 1e6 * cpu[0], 1 / cpu[0], 1e6 * wall[1], n);
  std::fflush(stdout);
}

void Die(const absl::Status& s, const char* what) {
  if (!s.ok()) {
    std::cerr << what << ": " << s << "\n";
    std::exit(1);
  }
}

void PrintMachine() {
  std::ifstream cpu("/proc/cpuinfo");
  std::string line, model;
  while (std::getline(cpu, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  std::ifstream load("/proc/loadavg");
  std::string loadavg;
  std::getline(load, loadavg);
  utsname u;
  uname(&u);
  std::printf("machine: nproc=%ld cpu=\"%s\" kernel=%s loadavg=\"%s\"\n",
              sysconf(_SC_NPROCESSORS_ONLN), model.c_str(), u.release, loadavg.c_str());
}

// One authority, one credential, one access point's state, all in process:
// what the in-process measurements share.
struct InProcessBench {
  explicit InProcessBench(FakeClock* clock) : clock(*clock) {}

  void Init() {
    auto authority = access_point::FakeAuthority::Create("ca", clock.Now());
    Die(authority.status(), "authority");
    ca.emplace(*std::move(authority));
    auto issued = ca->Issue({"cred-1",
                             "car-1",
                             "share-1",
                             {"unlock"},
                             clock.Now() - absl::Hours(1),
                             clock.Now() + absl::Hours(1)});
    Die(issued.status(), "issue");
    cred.emplace(*std::move(issued));
    list.emplace("ca", ca->key().PublicKey(), clock);
    auto signed_snapshot = ca->SignList(1, {"other"}, clock.Now(), clock.Now() + absl::Hours(1));
    signed_list.emplace(*signed_snapshot);
    Die(list->ApplySnapshot(*signed_list), "list");
    access_point::VerifierOptions o;
    o.access_point_id = "car-1";
    o.max_outstanding_challenges = 10'000'000;
    verifier.emplace(o, std::vector<crypto::Certificate>{ca->root()}, &*list, clock);
    transcript = access_point::ChallengeTranscript("car-1", std::string(32, 'n'), "unlock");
    sig = *cred->holder_key.Sign(transcript, crypto::SignatureEncoding::kDer);
    tag = *crypto::HmacSha256(hmac_key, transcript);
  }

  // A challenge from the verifier answered by the credential's key.
  access_point::AuthAttempt SignedAttempt() {
    auto c = verifier->IssueChallenge();
    access_point::AuthAttempt a;
    a.nonce = c->nonce;
    a.action = "unlock";
    a.certificate_der = cred->certificate_der;
    a.proof = *cred->holder_key.Sign(access_point::ChallengeTranscript("car-1", c->nonce, "unlock"),
                                     crypto::SignatureEncoding::kDer);
    return a;
  }

  FakeClock& clock;
  std::optional<access_point::FakeAuthority> ca;
  std::optional<access_point::IssuedCredential> cred;
  std::optional<access_point::RevocationList> list;
  std::optional<::credential_authority::v1::SignedRevocationList> signed_list;
  std::optional<access_point::Verifier> verifier;
  std::string transcript;
  std::string sig;
  const std::string hmac_key = std::string(32, 'k');
  std::string tag;
};

void RawSignatureCosts(InProcessBench& b, int n) {
  auto& clock = b.clock;
  auto& ca = b.ca;
  auto& cred = b.cred;
  const std::string& transcript = b.transcript;
  const std::string& sig = b.sig;
  const std::string& hmac_key = b.hmac_key;
  const std::string& tag = b.tag;
  const crypto::EcdsaP256PublicKey pub = cred->holder_key.PublicKey();
  std::printf("raw signature costs (same run):\n");
  Measure("ECDSA P-256 verify (challenge transcript)", n, [&] {
    if (!pub.Verify(transcript, sig, crypto::SignatureEncoding::kDer).ok()) std::abort();
  });
  Measure("X.509 chain verify (credential -> root)", n, [&] {
    if (!crypto::VerifyCertificateChain(cred->certificate, {}, {ca->root()}, clock.Now()).ok())
      std::abort();
  });
  Measure("X.509 parse DER (fresh certificate)", n, [&] {
    if (!crypto::Certificate::FromDer(cred->certificate_der).ok()) std::abort();
  });
  Measure("X.509 parse + chain verify (fresh, as the AP)", n, [&] {
    auto c = crypto::Certificate::FromDer(cred->certificate_der);
    if (!crypto::VerifyCertificateChain(*c, {}, {ca->root()}, clock.Now()).ok()) std::abort();
  });
  Measure("parse + chain + key extract + ECDSA verify", n, [&] {
    auto c = crypto::Certificate::FromDer(cred->certificate_der);
    if (!crypto::VerifyCertificateChain(*c, {}, {ca->root()}, clock.Now()).ok()) std::abort();
    auto k = c->PublicKey();
    if (!k->Verify(transcript, sig, crypto::SignatureEncoding::kDer).ok()) std::abort();
  });
  Measure("ECDSA P-256 sign (device / authority side)", n, [&] {
    if (!cred->holder_key.Sign(transcript, crypto::SignatureEncoding::kDer).ok()) std::abort();
  });
  Measure("HMAC-SHA256 verify (symmetric credential)", n, [&] {
    if (!crypto::HmacSha256Verify(hmac_key, transcript, tag).ok()) std::abort();
  });
  const auto delta = ca->SignDelta(1, 2, {"x"}, clock.Now());
  Measure("revocation snapshot+delta apply (2 ECDSA verify)", n, [&] {
    access_point::RevocationList l("ca", ca->key().PublicKey(), clock);
    if (!l.ApplySnapshot(*b.signed_list).ok() || !l.ApplyDelta(*delta).ok()) std::abort();
  });
}

void AccessPointDecisions(InProcessBench& b, int n) {
  auto& clock = b.clock;
  access_point::Verifier& v = *b.verifier;
  const std::string& hmac_key = b.hmac_key;
  std::printf("access point decisions in process (Verifier, 1 thread):\n");
  Measure("asymmetric: IssueChallenge+sign+Authenticate", n, [&] {
    if (!v.Authenticate(b.SignedAttempt())->granted()) std::abort();
  });
  // Pre-signed attempts isolate the access point's own cost.
  std::vector<access_point::AuthAttempt> attempts;
  for (int i = 0; i < 3 * n + n / 10 + 51; ++i) attempts.push_back(b.SignedAttempt());
  size_t next = 0;
  Measure("asymmetric: Authenticate only (AP cost)", n, [&] {
    if (!v.Authenticate(attempts[next++])->granted()) std::abort();
  });
  v.PutSymmetricKey(
      "room", {hmac_key, {"unlock"}, clock.Now() - absl::Hours(1), clock.Now() + absl::Hours(1)});
  Measure("symmetric: IssueChallenge+HMAC+Authenticate", n, [&] {
    auto c = v.IssueChallenge();
    access_point::AuthAttempt a;
    a.kind = access_point::AuthAttempt::Kind::kSymmetric;
    a.nonce = c->nonce;
    a.action = "unlock";
    a.credential_id = "room";
    a.proof = *crypto::HmacSha256(hmac_key,
                                  access_point::ChallengeTranscript("car-1", c->nonce, "unlock"));
    if (!v.Authenticate(a)->granted()) std::abort();
  });
}

void RawAndInProcess(int n) {
  FakeClock clock;
  InProcessBench bench(&clock);
  bench.Init();
  RawSignatureCosts(bench, n);
  AccessPointDecisions(bench, n);
}

struct Percentiles {
  double p50, p90, p99, max, min;
};

Percentiles Summarise(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    size_t i = static_cast<size_t>(q * (ms.size() - 1) + 0.5);
    return ms[std::min(i, ms.size() - 1)];
  };
  return {at(0.5), at(0.9), at(0.99), ms.back(), ms.front()};
}

// The ecosystem options of one --modes entry ("watch", "poll:200ms").
EcosystemOptions OptionsFor(const std::string& mode_spec) {
  std::vector<std::string> parts = absl::StrSplit(mode_spec, absl::MaxSplits(':', 1));
  EcosystemOptions o;
  o.ca_binary = absl::GetFlag(FLAGS_ca_binary);
  o.ap_binary = absl::GetFlag(FLAGS_ap_binary);
  o.work_dir = absl::StrCat(absl::GetFlag(FLAGS_work_dir), "/", parts[0]);
  o.revocation_mode = parts[0];
  if (parts.size() == 2) {
    if (!absl::ParseDuration(parts[1], &o.poll_interval)) {
      std::cerr << "bad interval in --modes: " << mode_spec << "\n";
      std::exit(2);
    }
  } else {
    o.poll_interval = absl::Seconds(1);  // heartbeat / key pull period
  }
  return o;
}

void MeasureGrpcRoundTrip(Ecosystem& eco) {
  auto owner = eco.BootstrapOwner(::common::v1::ASYMMETRIC, {"unlock"});
  Die(owner.status(), "bootstrap");
  std::printf(
      "access point over gRPC (TLS, 1 client, sequential "
      "GetChallenge+Authenticate):\n");
  Measure("round trip incl. device ECDSA sign (cpu = client thread only)",
          absl::GetFlag(FLAGS_grpc_iterations), [&] {
            auto r = eco.Authenticate(*owner, "unlock");
            if (!r.ok() || !r->granted()) std::abort();
          });
}

// Revokes each holder's credential and probes the access point until it
// denies; prints the propagation percentiles of `mode_spec`.
void MeasurePropagation(Ecosystem& eco, const std::string& mode_spec) {
  const int n = absl::GetFlag(FLAGS_revocations);
  std::vector<Holder> holders;
  for (int i = 0; i < n; ++i) {
    auto h = eco.BootstrapOwner(::common::v1::ASYMMETRIC, {"unlock"});
    Die(h.status(), "bootstrap");
    holders.push_back(*std::move(h));
  }
  std::vector<double> ms;
  std::vector<double> revoke_ms;  // the revoke RPC alone (durable commit)
  int probes = 0;
  std::mt19937 rng(42);
  const absl::Duration jitter_max = absl::Seconds(1);
  for (const Holder& h : holders) {
    auto pre = eco.Authenticate(h, "unlock");
    if (!pre.ok() || !pre->granted()) Die(absl::InternalError("not granted before revoke"), "pre");
    // Random phase against the poll period, so polling is not measured
    // always just after (or just before) a poll.
    std::this_thread::sleep_for(
        std::chrono::microseconds(absl::ToInt64Microseconds(jitter_max) * (rng() % 1000) / 1000));
    Steady::time_point t0 = Steady::now();
    auto v = eco.RevokeCredential(h.credential_id);
    Die(v.status(), "revoke");
    revoke_ms.push_back(1e3 * Seconds(Steady::now() - t0));
    while (true) {
      ++probes;
      auto r = eco.Authenticate(h, "unlock");
      Die(r.status(), "probe");
      if (r->reason() == apv1::DENIED_REVOKED) break;
      if (Seconds(Steady::now() - t0) > 60) {
        Die(absl::DeadlineExceededError("no denial in 60 s"), "probe");
      }
    }
    ms.push_back(1e3 * Seconds(Steady::now() - t0));
  }
  Percentiles p = Summarise(ms);
  std::printf(
      "revocation propagation, revoke call -> AP denies, %-16s n=%d: median "
      "%.1f ms  p90 %.1f  "
      "p99 %.1f  max %.1f  min %.1f  (probes %d)\n",
      mode_spec.c_str(), n, p.p50, p.p90, p.p99, p.max, p.min, probes);
  Percentiles r = Summarise(revoke_ms);
  std::printf(
      "  of which the revoke RPC itself (authority commit + reply): median "
      "%.1f ms  p99 %.1f\n",
      r.p50, r.p99);
  std::fflush(stdout);
}

void OverGrpcAndPropagation() {
  bool first = true;
  for (const std::string& mode_spec : absl::GetFlag(FLAGS_modes)) {
    if (mode_spec.empty()) continue;
    auto eco = Ecosystem::Start(OptionsFor(mode_spec));
    Die(eco.status(), "ecosystem");
    if (first) {
      first = false;
      MeasureGrpcRoundTrip(**eco);
    }
    MeasurePropagation(**eco, mode_spec);
    auto codes = (*eco)->Stop();
    if (codes.first != 0 || codes.second != 0) {
      std::printf("  WARNING exit codes ap=%d ca=%d\n", codes.first, codes.second);
    }
  }
}

}  // namespace
}  // namespace sct::integration

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  sct::integration::PrintMachine();
  sct::integration::RawAndInProcess(absl::GetFlag(FLAGS_iterations));
  sct::integration::OverGrpcAndPropagation();
  return 0;
}
