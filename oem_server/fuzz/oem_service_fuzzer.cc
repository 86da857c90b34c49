// Fuzz target: the OEM server's gRPC face (oem.v1.Oem) — what any device or
// TLS client sends: enrolment challenges and enrolments, key attestation,
// share, provisioning and revocation requests (bridged to a fake authority
// that accepts everything), push-token minting, Notify and info requests —
// through the real adapter and OemService with a real attestation CA and a
// SQLite device registry. Notify runs as an unauthenticated caller with
// relay_cn empty (the --insecure development setting), so its decoding runs.
// Input format: runtime/fuzz/grpc_fuzz_harness.h (unary methods only; the id
// placeholder follows the last UUID an answer named).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "oem_server/attestation_ca.h"
#include "oem_server/authority_client.h"
#include "oem_server/oem_grpc.h"
#include "oem_server/oem_service.h"
#include "oem_server/sqlite_device_registry.h"
#include "proto/oem/v1/oem.grpc.pb.h"
#include "runtime/fuzz/grpc_fuzz_harness.h"

namespace {

namespace cav1 = ::credential_authority::v1;

// Inputs served before everything is rebuilt (bounds the registry).
constexpr int kInputsPerWorld = 2000;

// An authority that accepts every bridged request with an empty answer.
class AcceptingAuthority : public sct::oem::AuthorityClient {
 public:
  absl::StatusOr<cav1::InitiateShareResponse> InitiateShare(
      const cav1::InitiateShareRequest&) override {
    return cav1::InitiateShareResponse();
  }
  absl::StatusOr<cav1::RedeemShareResponse> RedeemShare(const cav1::RedeemShareRequest&) override {
    return cav1::RedeemShareResponse();
  }
  absl::StatusOr<cav1::RevokeResponse> RevokeShare(const cav1::RevokeShareRequest&) override {
    return cav1::RevokeResponse();
  }
  absl::StatusOr<cav1::RevokeResponse> RevokeCredential(
      const cav1::RevokeCredentialRequest&) override {
    return cav1::RevokeResponse();
  }
  absl::StatusOr<cav1::ListSharesResponse> ListShares(const cav1::ListSharesRequest&) override {
    return cav1::ListSharesResponse();
  }
};

std::string RegistryPath() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/sct_oem_fuzz_", getpid(), ".db");
}

struct World {
  World() : path(RegistryPath()) {
    Remove();
    auto made_ca = sct::oem::AttestationCa::Create("oem-a", clock.Now());
    auto made_registry = sct::oem::SqliteDeviceRegistry::Open(path);
    if (!made_ca.ok() || !made_registry.ok()) std::abort();
    ca = std::make_unique<sct::oem::AttestationCa>(*std::move(made_ca));
    registry = std::move(*made_registry);
    sct::oem::OemServiceOptions options;
    options.oem_id = "oem-a";
    service = std::make_unique<sct::oem::OemService>(options, clock, registry.get(), ca.get(),
                                                     &authority);
    adapter = std::make_unique<sct::oem::OemGrpcService>(service.get());
    harness = std::make_unique<sct::fuzz::GrpcFuzzHarness>(
        std::vector<sct::fuzz::GrpcFuzzHarness::Served>{
            {adapter.get(), ::oem::v1::Oem::service_full_name()}});
  }
  ~World() {
    harness.reset();
    service->Shutdown();
    adapter.reset();
    service.reset();
    registry.reset();
    Remove();
  }
  void Remove() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  }

  std::string path;
  sct::FakeClock clock;
  AcceptingAuthority authority;
  std::unique_ptr<sct::oem::AttestationCa> ca;
  std::unique_ptr<sct::oem::SqliteDeviceRegistry> registry;
  std::unique_ptr<sct::oem::OemService> service;
  std::unique_ptr<sct::oem::OemGrpcService> adapter;
  std::unique_ptr<sct::fuzz::GrpcFuzzHarness> harness;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<World> world;
  static int served = 0;
  if (world == nullptr || ++served % kInputsPerWorld == 0) {
    world.reset();
    world = std::make_unique<World>();
  }
  world->harness->RunInput(data, size);
  return 0;
}
