#include "credential_authority/ledger_steps.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "credential_authority/share_policy.h"
#include "crypto/digest.h"

namespace sct::ca {
namespace {

absl::Status Precondition(absl::string_view reason, absl::string_view message) {
  return MakeError(absl::StatusCode::kFailedPrecondition, reason, message);
}

// The response stored for `key`'s request id, parsed into `response`.
absl::Status UseStoredResponse(const RequestRecord& stored, const RequestKey& key,
                               google::protobuf::Message* response) {
  if (stored.method != key.method || stored.fingerprint != key.fingerprint) {
    return MakeError(absl::StatusCode::kAlreadyExists, "request_id_conflict",
                     "request_id already used for a different request");
  }
  response->ParseFromString(stored.response);
  return absl::OkStatus();
}

RequestRecord RecordOf(const RequestKey& key, const google::protobuf::Message& response) {
  return RequestRecord{key.request_id, key.method, key.fingerprint, response.SerializeAsString()};
}

// True when `outcome` applied; otherwise answers with the stored response.
absl::StatusOr<bool> Settle(const WriteOutcome& outcome, const RequestKey& key,
                            google::protobuf::Message* response) {
  if (outcome.applied()) return true;
  RETURN_IF_ERROR(UseStoredResponse(*outcome.already_recorded, key, response));
  return false;
}

}  // namespace

RequestKey MakeRequestKey(absl::string_view method, const Caller& caller,
                          absl::string_view request_id,
                          const google::protobuf::Message& request_without_secrets) {
  const std::string nul(1, '\0');
  return RequestKey{std::string(request_id), std::string(method),
                    crypto::Sha256(absl::StrCat(method, nul, caller.id, nul,
                                        request_without_secrets.SerializeAsString()))};
}

absl::Status CheckRedeemable(const ShareRow& share) {
  switch (share.record.state()) {
    case common::v1::REVOKED:
      return Precondition("share_revoked", "share was revoked");
    case common::v1::LOCKED:
      return Precondition("share_locked", "share locked after 5 wrong PINs");
    case common::v1::REDEEMED:
      return Precondition("share_already_redeemed", "share already redeemed");
    case common::v1::EXPIRED:
      return Precondition("share_expired", "share token expired");
    default:
      return absl::OkStatus();
  }
}

ShareRow NewShareRow(const std::string& share_id, const ShareTerms& terms,
                     const std::string& parent_credential_id, const std::string& sharer_oem_id,
                     uint32_t depth, absl::Time created_at, const std::optional<PinHash>& pin) {
  ShareRow row;
  common::v1::ShareRecord& r = row.record;
  r.set_share_id(share_id);
  r.set_parent_credential_id(parent_credential_id);
  r.set_access_point_id(terms.access_point_id);
  *r.mutable_entitlements() = terms.entitlements;
  *r.mutable_validity() = terms.validity;
  r.set_state(common::v1::PENDING);
  r.set_max_redemptions(terms.max_redemptions);
  r.set_pin_required(terms.pin_required);
  r.set_sharer_oem_id(sharer_oem_id);
  *r.mutable_created_at() = ToProtoTimestamp(LedgerTime(created_at));
  *r.mutable_token_expires_at() = ToProtoTimestamp(terms.token_expires_at);
  r.set_depth(depth);
  row.credential_kind = terms.credential_kind;
  row.resharing_allowed = terms.resharing_allowed;
  row.endorsement_required = terms.endorsement_required;
  if (pin.has_value()) {
    row.pin_salt = pin->salt;
    row.pin_hash = pin->hash;
    row.pin_iterations = pin->iterations;
  }
  return row;
}

absl::StatusOr<bool> LedgerSteps::Replay(const RequestKey& key,
                                         google::protobuf::Message* response) {
  if (key.request_id.empty()) return false;
  ASSIGN_OR_RETURN(std::optional<RequestRecord> stored, ledger_->GetRequest(key.request_id));
  if (!stored.has_value()) return false;
  RETURN_IF_ERROR(UseStoredResponse(*stored, key, response));
  return true;
}

absl::StatusOr<uint32_t> LedgerSteps::DepthOfNewShare(const common::v1::Credential& sharer,
                                                      absl::Time now) {
  uint32_t depth = 1;
  if (!sharer.parent_share_id().empty()) {
    ASSIGN_OR_RETURN(ShareRow parent, ledger_->GetShare(sharer.parent_share_id(), now));
    depth = parent.record.depth() + 1;
  }
  if (depth > kMaxReshareDepth) {
    return MakeError(absl::StatusCode::kPermissionDenied, "resharing_forbidden",
                     "re-share chain too deep");
  }
  return depth;
}

absl::StatusOr<bool> LedgerSteps::RecordOwnerCredential(const IssuedCredential& issued,
                                                        const RequestKey& key,
                                                        google::protobuf::Message* response) {
  ASSIGN_OR_RETURN(WriteOutcome outcome, ledger_->InsertCredential(issued.credential, issued.grant,
                                                                   RecordOf(key, *response)));
  return Settle(outcome, key, response);
}

absl::StatusOr<bool> LedgerSteps::RecordShare(const ShareRow& share, const RequestKey& key,
                                              google::protobuf::Message* response) {
  ASSIGN_OR_RETURN(WriteOutcome outcome, ledger_->InsertShare(share, RecordOf(key, *response)));
  return Settle(outcome, key, response);
}

absl::StatusOr<bool> LedgerSteps::CommitRedemption(const std::string& share_id,
                                                   const std::string& receiver_oem_id,
                                                   absl::Time now, const IssuedCredential& issued,
                                                   const RequestKey& key,
                                                   google::protobuf::Message* response,
                                                   PinAttempt* pin_attempt) {
  ASSIGN_OR_RETURN(
      WriteOutcome outcome,
      ledger_->CommitRedemption(share_id, receiver_oem_id, now, issued.credential, issued.grant,
                                RecordOf(key, *response), pin_attempt->held()));
  if (outcome.applied()) pin_attempt->TakenByCommit();
  return Settle(outcome, key, response);
}

}  // namespace sct::ca
