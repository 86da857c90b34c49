// Redemptions per second at the credential authority, beside the raw cost of
// the signatures a redemption involves, measured in the same run:
//   token verify (ECDSA P-256 verify), attestation chain verify (X.509),
//   credential issue (X.509 sign), and the ledger commit (SQLite, WAL,
//   synchronous=FULL, in $TEST_TMPDIR or /tmp).
// And one PIN check: the keyed verifier new shares get, beside the PBKDF2
// verifier (100 000 iterations) of shares recorded before it.
// Run: bazel run -c opt //credential_authority:ca_benchmark
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "common/uuid.h"
#include "credential_authority/ca_test_util.h"
#include "credential_authority/pin.h"
#include "crypto/x509.h"

namespace sct::ca {
namespace {

namespace cav1 = ::credential_authority::v1;

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

const std::string kMessage(200, 'm');

void BM_EcdsaP256Sign(benchmark::State& state) {
  auto key = Unwrap(crypto::EcdsaP256PrivateKey::Generate());
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        key.Sign(kMessage, crypto::SignatureEncoding::kDer));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EcdsaP256Sign);

void BM_EcdsaP256Verify(benchmark::State& state) {
  auto key = Unwrap(crypto::EcdsaP256PrivateKey::Generate());
  std::string sig = Unwrap(key.Sign(kMessage, crypto::SignatureEncoding::kDer));
  for (auto _ : state) {
    Check(
        key.PublicKey().Verify(kMessage, sig, crypto::SignatureEncoding::kDer));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EcdsaP256Verify);

void BM_X509IssueCredentialCertificate(benchmark::State& state) {
  auto env = Unwrap(testing::Env::Create("bench_x509.db"));
  auto holder = Unwrap(crypto::EcdsaP256PrivateKey::Generate());
  crypto::CertificateSpec spec;
  spec.subject_cn = NewUuidV4();
  spec.not_before = env->clock.Now();
  spec.not_after = env->clock.Now() + absl::Hours(24);
  spec.key_usage = crypto::kKeyUsageDigitalSignature;
  spec.extensions.push_back(
      {std::string(crypto::kOidEntitlements), true, std::string(120, 'x')});
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto::IssueCertificate(
        spec, holder.PublicKey(), *env->root, *env->signing_key));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_X509IssueCredentialCertificate);

void BM_X509VerifyAttestationChain(benchmark::State& state) {
  auto env = Unwrap(testing::Env::Create("bench_chain.db"));
  auto dev = Unwrap(testing::MakeDevice(env->oems[1], env->clock.Now()));
  auto leaf =
      Unwrap(crypto::Certificate::FromDer(dev.attestation.certificates_der(0)));
  for (auto _ : state) {
    Check(crypto::VerifyCertificateChain(leaf, {}, {env->oems[1].root},
                                         env->clock.Now()));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_X509VerifyAttestationChain);

// Parsing costs a redemption pays several times (OpenSSL 3.0 decoders).
void BM_ParseSpki(benchmark::State& state) {
  auto key = Unwrap(crypto::EcdsaP256PrivateKey::Generate());
  const std::string spki = key.PublicKey().SpkiDer();
  for (auto _ : state) {
    benchmark::DoNotOptimize(crypto::EcdsaP256PublicKey::FromSpkiDer(spki));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseSpki);

void BM_ParseCertificateDer(benchmark::State& state) {
  auto env = Unwrap(testing::Env::Create("bench_parse.db"));
  auto dev = Unwrap(testing::MakeDevice(env->oems[1], env->clock.Now()));
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        crypto::Certificate::FromDer(dev.attestation.certificates_der(0)));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseCertificateDer);

void BM_VerifyPinKeyed(benchmark::State& state) {
  const PinKey key = Unwrap(PinKey::Generate());
  const PinHash stored = Unwrap(HashPin("493817", key));
  for (auto _ : state) benchmark::DoNotOptimize(VerifyPin("493817", stored, key));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyPinKeyed)->Unit(benchmark::kMicrosecond);

void BM_VerifyPinPbkdf2(benchmark::State& state) {
  const PinKey key = Unwrap(PinKey::Generate());
  const PinHash stored = Unwrap(HashPinPbkdf2("493817", 100000));
  for (auto _ : state) benchmark::DoNotOptimize(VerifyPin("493817", stored, key));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyPinPbkdf2)->Unit(benchmark::kMillisecond);

// One full RedeemShare (token verify, ledger read, attestation, X.509 issue,
// SQLite commit); share minting and device keys are prepared untimed.
void RedeemBench(benchmark::State& state, bool pin) {
  auto env = Unwrap(
      testing::Env::Create(pin ? "bench_redeem_pin.db" : "bench_redeem.db"));
  auto owner = Unwrap(
      env->Owner("car-1", common::v1::ASYMMETRIC, {"unlock", "lock", "drive"}));
  for (auto _ : state) {
    state.PauseTiming();
    cav1::ShareIntent intent = env->Intent(owner.second);
    intent.set_pin_required(pin);
    auto req = Unwrap(
        testing::SignedShare(owner.first.key, intent, pin ? "493817" : ""));
    auto share = Unwrap(env->service->InitiateShare(env->oem_a, req));
    auto redeem =
        Unwrap(env->Redeem(share.token(), env->oems[1], pin ? "493817" : ""));
    state.ResumeTiming();
    Check(env->service->RedeemShare(env->oem_b, redeem.second).status());
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_RedeemShare(benchmark::State& state) { RedeemBench(state, false); }
void BM_RedeemShareWithPin(benchmark::State& state) {
  RedeemBench(state, true);
}
BENCHMARK(BM_RedeemShare)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RedeemShareWithPin)->Unit(benchmark::kMillisecond)->UseRealTime();

// A redemption that loses the race: everything up to the conditional UPDATE.
void BM_RedeemAlreadyRedeemed(benchmark::State& state) {
  auto env = Unwrap(testing::Env::Create("bench_lose.db"));
  auto owner = Unwrap(env->Owner("car-1", common::v1::ASYMMETRIC, {"unlock"}));
  auto req = Unwrap(
      testing::SignedShare(owner.first.key, env->Intent(owner.second), ""));
  auto share = Unwrap(env->service->InitiateShare(env->oem_a, req));
  auto first = Unwrap(env->Redeem(share.token(), env->oems[1]));
  Check(env->service->RedeemShare(env->oem_b, first.second).status());
  auto again = Unwrap(env->Redeem(share.token(), env->oems[1]));
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        env->service->RedeemShare(env->oem_b, again.second));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RedeemAlreadyRedeemed)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sct::ca

BENCHMARK_MAIN();
