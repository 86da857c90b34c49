#include "access_point/key_grant_sync.h"

#include <chrono>
#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_mapping.h"
#include "crypto/hpke.h"
#include "grpcpp/grpcpp.h"

namespace sct::access_point {
namespace {

namespace cav1 = ::credential_authority::v1;

// A grant's validity, each bound checked for the Timestamp range (an unset
// bound leaves the key open on that side).
absl::Status ReadValidity(const ::common::v1::ValidityWindow& validity, SymmetricKey* key) {
  if (validity.has_not_before()) {
    absl::StatusOr<absl::Time> t = FromProto(validity.not_before(), "grant.validity.not_before");
    if (!t.ok()) return t.status();
    key->not_before = *t;
  }
  if (validity.has_not_after()) {
    absl::StatusOr<absl::Time> t = FromProto(validity.not_after(), "grant.validity.not_after");
    if (!t.ok()) return t.status();
    key->not_after = *t;
  }
  return absl::OkStatus();
}

}  // namespace

std::string CredentialHpkeInfo(absl::string_view credential_id) {
  return absl::StrCat(absl::string_view("sct-credential-v1\0", 18),
                      credential_id);
}

KeyGrantSync::KeyGrantSync(CaStub* stub, std::string access_point_id,
                           std::string private_scalar, Verifier* verifier,
                           absl::Duration rpc_deadline)
    : stub_(stub),
      access_point_id_(std::move(access_point_id)),
      private_scalar_(std::move(private_scalar)),
      verifier_(verifier),
      rpc_deadline_(rpc_deadline) {}

uint64_t KeyGrantSync::last_sequence() const {
  absl::MutexLock lock(&mu_);
  return last_sequence_;
}

uint64_t KeyGrantSync::rejected_grants() const {
  absl::MutexLock lock(&mu_);
  return rejected_;
}

absl::Status KeyGrantSync::SyncNow() {
  absl::MutexLock lock(&mu_);
  grpc::ClientContext ctx;
  ctx.set_deadline(
      std::chrono::system_clock::now() +
      std::chrono::microseconds(absl::ToInt64Microseconds(rpc_deadline_)));
  cav1::GetAccessPointKeysRequest req;
  req.set_access_point_id(access_point_id_);
  req.set_after_sequence(last_sequence_);
  cav1::GetAccessPointKeysResponse resp;
  grpc::Status s = stub_->GetAccessPointKeys(&ctx, req, &resp);
  if (!s.ok()) {
    absl::Status st = FromGrpcStatus(s);
    if (st.code() == absl::StatusCode::kUnavailable ||
        st.code() == absl::StatusCode::kDeadlineExceeded) {
      return MakeError(absl::StatusCode::kUnavailable, "authority_unavailable",
                       absl::StrCat("GetAccessPointKeys: ", st.message()));
    }
    return st;
  }
  for (const cav1::SymmetricKeyGrant& g : resp.grants()) {
    if (g.sequence() <= last_sequence_) continue;
    last_sequence_ = g.sequence();
    const std::string info = CredentialHpkeInfo(g.credential_id());
    if (g.credential_id().empty() || g.sealed().hpke_info() != info) {
      ++rejected_;
      std::cerr << "access_point: key grant " << g.sequence()
                << " rejected: HPKE info does not name its credential\n";
      continue;
    }
    absl::StatusOr<std::string> key = crypto::HpkeOpen(
        crypto::kHpkeP256Sha256Aes128Gcm, private_scalar_, info, "",
        absl::StrCat(g.sealed().hpke_enc(), g.sealed().sealed_key()));
    if (!key.ok() || key->size() != 32) {
      ++rejected_;
      std::cerr << "access_point: key grant " << g.sequence()
                << " rejected: does not open with this access point's key\n";
      continue;
    }
    SymmetricKey k;
    k.key = *std::move(key);
    k.entitlements.assign(g.entitlements().begin(), g.entitlements().end());
    if (absl::Status s = ReadValidity(g.validity(), &k); !s.ok()) {
      ++rejected_;
      std::cerr << "access_point: key grant " << g.sequence() << " rejected: " << s.message()
                << "\n";
      continue;
    }
    verifier_->PutSymmetricKey(g.credential_id(), std::move(k));
  }
  return absl::OkStatus();
}

}  // namespace sct::access_point
