// Fuzz target: the access point's gRPC face (access_point.v1.AccessPoint) —
// what any device in range sends: challenge requests, presentations
// (certificates, signatures, symmetric proofs, actions), status and refresh
// requests — through the real adapter and Verifier, with a fake authority's
// root as trust anchor and an empty revocation list (no sync attached).
//
// Input: up to kMaxCalls calls, each a selector byte and a field. Selector
// < 128: a raw call (runtime/fuzz/grpc_fuzz_harness.h: method = selector
// modulo the unary methods, field = request bytes). Selector >= 128: a
// genuine presentation of a valid credential (entitlement "unlock") to a
// fresh challenge, with the field as the action, so the decision logic after
// the signature check runs on fuzzed actions.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "access_point/ap_grpc.h"
#include "access_point/fake_authority.h"
#include "access_point/revocation_list.h"
#include "access_point/verifier.h"
#include "common/clock.h"
#include "common/fuzz/fuzz_input.h"
#include "proto/access_point/v1/access_point.grpc.pb.h"
#include "runtime/fuzz/fuzz_world.h"
#include "runtime/fuzz/grpc_fuzz_harness.h"

namespace {

namespace apv1 = ::access_point::v1;
using namespace sct::access_point;  // NOLINT: the target exercises this package

constexpr size_t kMaxCalls = 8;
constexpr uint8_t kGetChallenge = 0;  // index of GetChallenge among the methods
constexpr uint8_t kAuthenticate = 1;
// Inputs served before everything is rebuilt (bounds outstanding challenges).
constexpr int kInputsPerWorld = 5000;

struct World {
  World() {
    auto ca = FakeAuthority::Create("ca", clock.Now());
    if (!ca.ok()) std::abort();
    authority = std::make_unique<FakeAuthority>(*std::move(ca));
    list = std::make_unique<RevocationList>("ca", authority->key().PublicKey(), clock);
    VerifierOptions options;
    options.access_point_id = "car-1";
    verifier = std::make_unique<Verifier>(
        options, std::vector<sct::crypto::Certificate>{authority->root()}, list.get(), clock);
    service = std::make_unique<AccessPointGrpcService>(verifier.get(), list.get(), nullptr, nullptr,
                                                       "ca", clock);
    auto cred = authority->Issue({"cred-1",
                                  "car-1",
                                  "",
                                  {"unlock"},
                                  clock.Now() - absl::Hours(1),
                                  clock.Now() + absl::Hours(1)});
    if (!cred.ok()) std::abort();
    credential = std::make_unique<IssuedCredential>(*std::move(cred));
    harness = std::make_unique<sct::fuzz::GrpcFuzzHarness>(
        std::vector<sct::fuzz::GrpcFuzzHarness::Served>{
            {service.get(), apv1::AccessPoint::service_full_name()}});
    if (harness->methods()[kGetChallenge] != "/access_point.v1.AccessPoint/GetChallenge" ||
        harness->methods()[kAuthenticate] != "/access_point.v1.AccessPoint/Authenticate") {
      std::abort();
    }
  }

  void Present(const std::string& action) {
    apv1::GetChallengeResponse challenge;
    std::string answer =
        harness->CheckedCall(kGetChallenge, apv1::GetChallengeRequest().SerializeAsString());
    if (!challenge.ParseFromString(answer)) return;
    apv1::AuthenticateRequest r;
    r.set_nonce(challenge.nonce());
    r.set_action(action);
    r.mutable_certificate()->set_certificate_der(credential->certificate_der);
    auto signature = credential->holder_key.Sign(
        ChallengeTranscript(challenge.access_point_id(), challenge.nonce(), action),
        sct::crypto::SignatureEncoding::kDer);
    if (!signature.ok()) std::abort();
    r.set_signature(*signature);
    harness->CheckedCall(kAuthenticate, r.SerializeAsString());
  }

  sct::FakeClock clock;
  std::unique_ptr<FakeAuthority> authority;
  std::unique_ptr<RevocationList> list;
  std::unique_ptr<Verifier> verifier;
  std::unique_ptr<AccessPointGrpcService> service;
  std::unique_ptr<IssuedCredential> credential;
  std::unique_ptr<sct::fuzz::GrpcFuzzHarness> harness;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World* world = &sct::fuzz::CurrentWorld<World>(kInputsPerWorld);
  sct::fuzz::FuzzInput in(data, size);
  for (size_t i = 0; i < kMaxCalls && !in.empty(); ++i) {
    uint8_t selector = in.Byte();
    std::string field = in.Field();
    if (selector >= 128) {
      world->Present(field);
    } else {
      world->harness->CheckedCall(selector, field);
    }
  }
  return 0;
}
