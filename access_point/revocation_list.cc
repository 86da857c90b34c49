#include "access_point/revocation_list.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/proto_time.h"

namespace sct::access_point {
namespace {

namespace cav1 = ::credential_authority::v1;

absl::Status VerifySigned(const crypto::EcdsaP256PublicKey& key,
                          absl::string_view context, absl::string_view body,
                          absl::string_view signature) {
  absl::Status s = key.Verify(absl::StrCat(context, body), signature,
                              crypto::SignatureEncoding::kDer);
  if (!s.ok()) {
    return MakeError(absl::StatusCode::kUnauthenticated,
                     "bad_revocation_signature",
                     "revocation update signature does not verify with the "
                     "authority key");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RevocationList::Freshness> RevocationList::ReadFreshness(
    const google::protobuf::Timestamp* issued_at, const google::protobuf::Timestamp* next_update,
    absl::string_view body) {
  Freshness f;
  if (next_update == nullptr) return f;
  absl::StatusOr<absl::Time> until = FromProto(*next_update, absl::StrCat(body, ".next_update"));
  if (!until.ok()) return until.status();
  f.next_update = *until;
  f.lifetime = absl::ZeroDuration();
  if (issued_at != nullptr) {
    absl::StatusOr<absl::Time> issued = FromProto(*issued_at, absl::StrCat(body, ".issued_at"));
    if (!issued.ok()) return issued.status();
    f.lifetime = std::max(absl::ZeroDuration(), *until - *issued);
  }
  return f;
}

RevocationList::RevocationList(std::string authority_id,
                               crypto::EcdsaP256PublicKey signing_key,
                               const Clock& clock)
    : authority_id_(std::move(authority_id)),
      signing_key_(std::move(signing_key)),
      clock_(clock) {}

void RevocationList::AddEntryLocked(const cav1::RevocationEntry& e) {
  if (!e.credential_id().empty()) credentials_.insert(e.credential_id());
  if (!e.share_id().empty()) shares_.insert(e.share_id());
}

absl::Status RevocationList::ApplySnapshot(
    const cav1::SignedRevocationList& list) {
  if (absl::Status s = VerifySigned(signing_key_, kRevocationListContext,
                                    list.body(), list.signature());
      !s.ok()) {
    return s;
  }
  cav1::RevocationListBody body;
  if (!body.ParseFromString(list.body())) {
    return InvalidField("revocation list body", "unparseable");
  }
  if (!authority_id_.empty() && body.authority_id() != authority_id_) {
    return MakeError(
        absl::StatusCode::kPermissionDenied, "wrong_authority",
        absl::StrCat("revocation list from authority \"", body.authority_id(),
                     "\", expected \"", authority_id_, "\""));
  }
  absl::StatusOr<Freshness> fresh = ReadFreshness(
      body.has_issued_at() ? &body.issued_at() : nullptr,
      body.has_next_update() ? &body.next_update() : nullptr, "revocation list body");
  if (!fresh.ok()) return fresh.status();
  absl::MutexLock lock(&mu_);
  if (have_list_ && body.version() < version_) {
    return MakeError(
        absl::StatusCode::kFailedPrecondition, "revocation_rollback",
        absl::StrCat("revocation list version ", body.version(),
                     " is older than the held version ", version_));
  }
  last_update_ = clock_.Now();
  if (have_list_ && body.version() == version_) {
    // The same revocations, signed again: only the freshness moves on.
    ExtendFreshnessLocked(*fresh);
    return absl::OkStatus();
  }
  credentials_.clear();
  shares_.clear();
  for (const auto& e : body.entries()) AddEntryLocked(e);
  version_ = body.version();
  next_update_ = fresh->next_update;
  list_lifetime_ = fresh->lifetime;
  have_list_ = true;
  return absl::OkStatus();
}

absl::Status RevocationList::ApplyDelta(
    const cav1::SignedRevocationDelta& delta) {
  if (absl::Status s = VerifySigned(signing_key_, kRevocationDeltaContext,
                                    delta.body(), delta.signature());
      !s.ok()) {
    return s;
  }
  cav1::RevocationDeltaBody body;
  if (!body.ParseFromString(delta.body())) {
    return InvalidField("revocation delta body", "unparseable");
  }
  if (!authority_id_.empty() && body.authority_id() != authority_id_) {
    return MakeError(absl::StatusCode::kPermissionDenied, "wrong_authority",
                     absl::StrCat("revocation delta from authority \"",
                                  body.authority_id(), "\""));
  }
  if (body.to_version() <= body.from_version()) {
    return InvalidField("revocation delta",
                        "to_version must exceed from_version");
  }
  absl::StatusOr<Freshness> fresh = ReadFreshness(
      body.has_issued_at() ? &body.issued_at() : nullptr,
      body.has_next_update() ? &body.next_update() : nullptr, "revocation delta body");
  if (!fresh.ok()) return fresh.status();
  absl::MutexLock lock(&mu_);
  if (body.to_version() <= version_ && have_list_) {
    // Already applied (e.g. a redelivery after reconnect): nothing to do.
    last_update_ = clock_.Now();
    return absl::OkStatus();
  }
  if (!have_list_ || body.from_version() != version_) {
    return MakeError(
        absl::StatusCode::kFailedPrecondition, "revocation_version_gap",
        absl::StrCat("delta from version ", body.from_version(),
                     " does not apply to held version ", version_));
  }
  for (const auto& e : body.entries()) AddEntryLocked(e);
  version_ = body.to_version();
  if (body.has_next_update()) ExtendFreshnessLocked(*fresh);
  last_update_ = clock_.Now();
  return absl::OkStatus();
}

void RevocationList::ExtendFreshnessLocked(const Freshness& fresh) {
  next_update_ = std::max(next_update_, fresh.next_update);
  list_lifetime_ = fresh.lifetime;
}

void RevocationList::NoteHeartbeat(uint64_t version) {
  absl::MutexLock lock(&mu_);
  if (!have_list_ || version != version_) return;
  const absl::Time now = clock_.Now();
  last_update_ = now;
  // The authority, over its authenticated channel, says the held version is
  // current: the list stays fresh for one more lifetime of its last list.
  if (list_lifetime_ != absl::InfiniteDuration()) {
    next_update_ = std::max(next_update_, now + list_lifetime_);
  }
}

bool RevocationList::IsRevoked(absl::string_view credential_id,
                               absl::string_view share_id) const {
  absl::MutexLock lock(&mu_);
  return (!credential_id.empty() && credentials_.contains(credential_id)) ||
         (!share_id.empty() && shares_.contains(share_id));
}

bool RevocationList::has_list() const {
  absl::MutexLock lock(&mu_);
  return have_list_;
}

uint64_t RevocationList::version() const {
  absl::MutexLock lock(&mu_);
  return version_;
}

absl::Time RevocationList::last_update() const {
  absl::MutexLock lock(&mu_);
  return last_update_;
}

absl::Time RevocationList::next_update() const {
  absl::MutexLock lock(&mu_);
  return next_update_;
}

size_t RevocationList::revoked_count() const {
  absl::MutexLock lock(&mu_);
  return credentials_.size() + shares_.size();
}

bool RevocationList::IsStale() const {
  absl::MutexLock lock(&mu_);
  return !have_list_ || clock_.Now() > next_update_;
}

}  // namespace sct::access_point
