// The access point's CPU per asymmetric Authenticate (challenge issued,
// certificate presented, signature checked, decision), for a certificate it
// has not seen (the certificate cache off: parse, chain and key in full, as at
// a credential's first use) and for one it has (the cache on), beside one
// ECDSA P-256 verify measured in the same run. The device's signature is made
// outside the timed part.
// Run: bazel run -c opt //access_point:verifier_benchmark
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "access_point/fake_authority.h"
#include "access_point/verifier.h"
#include "common/clock.h"

namespace sct::access_point {
namespace {

void Check(const absl::Status& s) {
  if (!s.ok()) {
    fprintf(stderr, "benchmark setup failed: %s\n", s.ToString().c_str());
    std::abort();
  }
}

template <typename T>
T Unwrap(absl::StatusOr<T> v) {
  Check(v.status());
  return std::move(*v);
}

struct Setup {
  FakeClock clock;
  FakeAuthority ca = Unwrap(FakeAuthority::Create("ca", clock.Now()));
  RevocationList list{"ca", ca.key().PublicKey(), clock};
  IssuedCredential cred = Unwrap(ca.Issue({"cred-1",
                                           "car-1",
                                           "share-1",
                                           {"unlock", "lock"},
                                           clock.Now() - absl::Hours(1),
                                           clock.Now() + absl::Hours(1)}));
  Setup() {
    Check(list.ApplySnapshot(
        Unwrap(ca.SignList(1, {}, clock.Now(), clock.Now() + absl::Hours(1)))));
  }
  std::unique_ptr<Verifier> MakeVerifier(size_t cache_size) {
    VerifierOptions o;
    o.access_point_id = "car-1";
    o.certificate_cache_size = cache_size;
    return std::make_unique<Verifier>(o, std::vector<crypto::Certificate>{ca.root()}, &list,
                                      clock);
  }
};

void Authenticate(benchmark::State& state, size_t cache_size) {
  Setup s;
  std::unique_ptr<Verifier> v = s.MakeVerifier(cache_size);
  for (auto _ : state) {
    state.PauseTiming();
    Challenge c = Unwrap(v->IssueChallenge());
    AuthAttempt a;
    a.nonce = c.nonce;
    a.action = "unlock";
    a.certificate_der = s.cred.certificate_der;
    a.proof = Unwrap(s.cred.holder_key.Sign(ChallengeTranscript("car-1", c.nonce, "unlock"),
                                            crypto::SignatureEncoding::kDer));
    state.ResumeTiming();
    Decision d = Unwrap(v->Authenticate(a));
    if (!d.granted()) {
      fprintf(stderr, "benchmark: not granted: %s\n", d.detail.c_str());
      std::abort();
    }
  }
}

void BM_AuthenticateUnseenCertificate(benchmark::State& state) { Authenticate(state, 0); }
BENCHMARK(BM_AuthenticateUnseenCertificate);

void BM_AuthenticateSeenCertificate(benchmark::State& state) { Authenticate(state, 1024); }
BENCHMARK(BM_AuthenticateSeenCertificate);

// The same-run baseline: the one signature every Authenticate checks.
void BM_EcdsaP256Verify(benchmark::State& state) {
  Setup s;
  crypto::EcdsaP256PublicKey key = s.cred.holder_key.PublicKey();
  const std::string message = ChallengeTranscript("car-1", std::string(32, 'n'), "unlock");
  const std::string sig = Unwrap(s.cred.holder_key.Sign(message, crypto::SignatureEncoding::kDer));
  for (auto _ : state) {
    Check(key.Verify(message, sig, crypto::SignatureEncoding::kDer));
  }
}
BENCHMARK(BM_EcdsaP256Verify);

}  // namespace
}  // namespace sct::access_point

BENCHMARK_MAIN();
