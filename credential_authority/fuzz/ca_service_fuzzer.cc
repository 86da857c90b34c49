// Fuzz target: the credential authority's request validation and logic
// (credential_authority/ca_service.h) — every RPC's request message, the
// revocation stream's included, as an
// OEM server, an access point, the admin or an anonymous TLS client could
// send it, against a real SQLite ledger (ca_test_util's Env: OEMs "oem-a"
// and "oem-b", access points "car-1" and "room-1", and an owner credential on
// car-1 held by an oem-a device).
//
// Input: up to kMaxCalls calls, each a selector byte and a request field.
// Selector % 12 picks the operation: 0..9 the CaService unary methods in
// Dispatch's order (request = the method's message), 10 moves the fake clock by
// the field's length in minutes, 11 "signed share": the field is a ShareIntent,
// signed here with the owner device's key (PIN "246813") and sent as oem-a's
// InitiateShare (signed_at, when absent, is the clock's now), so the checks after the holder
// signature (validity window, token TTL, entitlements) run on fuzzed values. Selector / 12 % 4
// picks the caller (anonymous, admin, oem-a, car-1). Selectors from kWatchSelector up (outside
// the 48 above, so earlier seeds keep their meaning) open the revocation stream,
// WatchRevocations, with the field as its request, as caller selector % 4: the stream is read
// as the gRPC harness reads one (runtime/fuzz/grpc_fuzz_harness.h: at most kMaxStreamMessages
// updates, cancelled after kStreamWindow). kIdPlaceholder in a request becomes the
// owner's credential id. A finding is a crash, a sanitizer report, or an error that is UNKNOWN.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/fuzz/fuzz_input.h"
#include "common/proto_time.h"
#include "credential_authority/ca_test_util.h"
#include "google/protobuf/stubs/logging.h"
#include "runtime/fuzz/fuzz_world.h"
#include "runtime/fuzz/grpc_fuzz_harness.h"

namespace {

namespace cav1 = ::credential_authority::v1;
using sct::ca::Caller;
using sct::ca::testing::Env;

constexpr size_t kMaxCalls = 8;
constexpr uint8_t kWatchSelector = 252;
// Inputs served by one ledger before it is rebuilt (bounds its growth).
constexpr int kInputsPerEnv = 500;

struct World {
  World() {
    google::protobuf::SetLogHandler(nullptr);  // fuzzed strings are mostly not UTF-8
    db_name = absl::StrCat("sct_ca_fuzz_", getpid(), ".db");
    absl::StatusOr<std::unique_ptr<Env>> made = Env::Create(db_name);
    if (!made.ok()) Fail(made.status());
    env = std::move(*made);
    auto owner = env->Owner("car-1", common::v1::ASYMMETRIC, {"unlock", "drive"});
    if (!owner.ok()) Fail(owner.status());
    device = std::make_unique<sct::ca::testing::TestDevice>(std::move(owner->first));
    credential = owner->second;
    start = env->clock.Now();
  }
  ~World() {
    std::string path = env->db_path;
    env.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  }
  [[noreturn]] static void Fail(const absl::Status& status) {
    std::fprintf(stderr, "ca fuzz setup failed: %s\n", status.ToString().c_str());
    std::abort();
  }

  std::string db_name;
  std::unique_ptr<Env> env;
  std::unique_ptr<sct::ca::testing::TestDevice> device;
  common::v1::Credential credential;
  absl::Time start;
};

template <typename Request, typename Call>
absl::Status Run(const std::string& bytes, Call call) {
  Request request;
  if (!request.ParseFromString(bytes)) return absl::InvalidArgumentError("unparseable");
  return call(request).status();
}

absl::Status SignedShare(World& w, const std::string& bytes) {
  cav1::ShareIntent intent;
  if (!intent.ParseFromString(bytes)) return absl::InvalidArgumentError("unparseable");
  if (!intent.has_signed_at())
    *intent.mutable_signed_at() = sct::ToProtoTimestamp(w.env->clock.Now());
  absl::StatusOr<cav1::InitiateShareRequest> request =
      sct::ca::testing::SignedShare(w.device->key, intent, "246813");
  if (!request.ok()) return request.status();
  return w.env->service->InitiateShare(w.env->oem_a, *request).status();
}

// WatchRevocations, read and ended as the harness reads a stream.
absl::Status Watch(World& w, const Caller& caller, const std::string& bytes) {
  using Harness = sct::fuzz::GrpcFuzzHarness;
  cav1::WatchRevocationsRequest request;
  if (!request.ParseFromString(bytes)) return absl::InvalidArgumentError("unparseable");
  const absl::Time end = absl::Now() + absl::FromChrono(Harness::kStreamWindow);
  size_t read = 0;
  absl::Status status = w.env->service->WatchRevocations(
      caller, request,
      [&](const cav1::RevocationUpdate& update) {
        if (update.ByteSizeLong() == 0) std::abort();  // every update says something
        return ++read < Harness::kMaxStreamMessages && absl::Now() < end;
      },
      [&] { return absl::Now() >= end; });
  if (absl::Now() > end + absl::FromChrono(Harness::kHangLimit)) {
    std::fprintf(stderr, "WatchRevocations did not end after its cancellation\n");
    std::abort();
  }
  return status;
}

absl::Status Dispatch(World& w, int op, const Caller& caller, const std::string& bytes) {
  sct::ca::CaService& s = *w.env->service;
  switch (op) {
    case 0:
      return Run<cav1::RegisterOemRequest>(bytes,
                                           [&](auto& r) { return s.RegisterOem(caller, r); });
    case 1:
      return Run<cav1::RegisterAccessPointRequest>(
          bytes, [&](auto& r) { return s.RegisterAccessPoint(caller, r); });
    case 2:
      return Run<cav1::BootstrapOwnerRequest>(bytes,
                                              [&](auto& r) { return s.BootstrapOwner(caller, r); });
    case 3:
      return Run<cav1::InitiateShareRequest>(bytes,
                                             [&](auto& r) { return s.InitiateShare(caller, r); });
    case 4:
      return Run<cav1::RedeemShareRequest>(bytes,
                                           [&](auto& r) { return s.RedeemShare(caller, r); });
    case 5:
      return Run<cav1::RevokeShareRequest>(bytes,
                                           [&](auto& r) { return s.RevokeShare(caller, r); });
    case 6:
      return Run<cav1::RevokeCredentialRequest>(
          bytes, [&](auto& r) { return s.RevokeCredential(caller, r); });
    case 7:
      return Run<cav1::ListSharesRequest>(bytes, [&](auto& r) { return s.ListShares(caller, r); });
    case 8:
      return Run<cav1::GetRevocationListRequest>(
          bytes, [&](auto& r) { return s.GetRevocationList(caller, r); });
    case 9:
      return Run<cav1::GetAccessPointKeysRequest>(
          bytes, [&](auto& r) { return s.GetAccessPointKeys(caller, r); });
    case 10:
      w.env->clock.Advance(absl::Minutes(bytes.size()));
      return absl::OkStatus();
    case 11:
      return SignedShare(w, bytes);
    default:
      return Watch(w, caller, bytes);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World* world = &sct::fuzz::CurrentWorld<World>(kInputsPerEnv);
  world->env->clock.Set(world->start);  // each input starts at the same instant
  const Caller callers[4] = {Caller{}, world->env->admin, world->env->oem_a, world->env->car};
  sct::fuzz::FuzzInput in(data, size);
  for (size_t i = 0; i < kMaxCalls && !in.empty(); ++i) {
    uint8_t selector = in.Byte();
    std::string bytes = absl::StrReplaceAll(
        in.Field(), {{sct::fuzz::kIdPlaceholder, world->credential.credential_id()}});
    const bool watch = selector >= kWatchSelector;
    const int op = watch ? 12 : selector % 12;
    const int caller = watch ? selector % 4 : (selector / 12) % 4;
    absl::Status status = Dispatch(*world, op, callers[caller], bytes);
    if (std::getenv("SCT_FUZZ_VERBOSE") != nullptr) {
      std::fprintf(stderr, "op %d caller %d -> %s\n", op, caller, status.ToString().c_str());
    }
    if (status.code() == absl::StatusCode::kUnknown) std::abort();
  }
  return 0;
}
