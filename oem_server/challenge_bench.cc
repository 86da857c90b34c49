// challenge_bench: enrolment latency of the OEM service with many outstanding
// challenges. In process, no gRPC: the logic with a real SQLite registry in a
// temporary directory and the real clock.
//
//   bazel run -c opt //oem_server:challenge_bench -- --outstanding=35000 --enrolments=200
//
// Fills the challenge table with --outstanding challenges nobody answers (an
// unauthenticated client can), then measures --enrolments sequential
// enrolments (GetChallenge + EnrolDevice with a fresh P-256 identity) and
// prints the latencies of GetChallenge alone and of the whole enrolment.
#include <stdlib.h>

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "crypto/ecdsa.h"
#include "oem_server/attestation_ca.h"
#include "oem_server/device_requests_for_test.h"
#include "oem_server/oem_service.h"
#include "oem_server/sqlite_device_registry.h"

ABSL_FLAG(int, outstanding, 35000, "Challenges issued and never answered before measuring.");
ABSL_FLAG(int, enrolments, 200, "Enrolments measured.");

namespace sct::oem {
namespace {

struct Percentiles {
  double p50_us, p99_us, max_us;
};

Percentiles Summarise(std::vector<absl::Duration> samples) {
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    size_t i = std::min(samples.size() - 1, static_cast<size_t>(q * samples.size()));
    return absl::ToDoubleMicroseconds(samples[i]);
  };
  return {at(0.5), at(0.99), absl::ToDoubleMicroseconds(samples.back())};
}

std::string Describe(absl::string_view what, const Percentiles& p) {
  return absl::StrCat(what, ": p50 ", p.p50_us, " us, p99 ", p.p99_us, " us, max ", p.max_us,
                      " us");
}

int Run() {
  const int outstanding = absl::GetFlag(FLAGS_outstanding);
  const int enrolments = std::max(1, absl::GetFlag(FLAGS_enrolments));
  char dir_template[] = "/tmp/challenge_bench.XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) {
    std::cerr << "challenge_bench: cannot create a temporary directory\n";
    return 1;
  }
  const Clock& clock = RealClock::Get();
  auto registry = SqliteDeviceRegistry::Open(absl::StrCat(dir, "/registry.db"));
  auto ca = AttestationCa::Create("oem-bench", clock.Now());
  if (!registry.ok() || !ca.ok()) {
    std::cerr << "challenge_bench: setup failed\n";
    return 1;
  }
  OemServiceOptions options;
  options.oem_id = "oem-bench";
  OemService service(options, clock, registry->get(), &*ca, /*authority=*/nullptr);

  const absl::Time fill_start = absl::Now();
  for (int i = 0; i < outstanding; ++i) {
    if (!service.GetChallenge({}).ok()) {
      std::cerr << "challenge_bench: GetChallenge refused after " << i << " challenges\n";
      return 1;
    }
  }
  const absl::Duration fill = absl::Now() - fill_start;

  std::vector<absl::Duration> challenge_samples, enrol_samples;
  for (int i = 0; i < enrolments; ++i) {
    auto identity = crypto::EcdsaP256PrivateKey::Generate().value();
    const absl::Time start = absl::Now();
    auto challenge = service.GetChallenge({});
    const absl::Time issued = absl::Now();
    if (!challenge.ok()) return 1;
    auto request = testing::MakeEnrolRequest("oem-bench", challenge->nonce(), identity);
    const absl::Time signed_at = absl::Now();
    auto enrolled = service.EnrolDevice(request);
    const absl::Time done = absl::Now();
    if (!enrolled.ok()) {
      std::cerr << "challenge_bench: enrolment failed: " << enrolled.status() << "\n";
      return 1;
    }
    challenge_samples.push_back(issued - start);
    // The device's signing time is not the server's work.
    enrol_samples.push_back((issued - start) + (done - signed_at));
  }
  std::cout << "outstanding challenges: " << outstanding << " (filled in "
            << absl::FormatDuration(fill) << ")\n"
            << Describe("GetChallenge", Summarise(challenge_samples)) << "\n"
            << Describe("GetChallenge+EnrolDevice (server side)", Summarise(enrol_samples))
            << "\n";
  return 0;
}

}  // namespace
}  // namespace sct::oem

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return sct::oem::Run();
}
