// DeviceAgent, what a holder does with credentials and exchanges it has:
// UseCredential at an access point, Revoke (a share or a credential),
// CancelShare, Relinquish (a receiver's binding) and ListShares. Every call
// to the authority carries a holder proof by the credential's key.
#include <algorithm>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "common/errors.h"
#include "common/proto_time.h"
#include "common/status_macros.h"
#include "common/uuid.h"
#include "device/device_agent.h"
#include "device/transcripts.h"
#include "device/wallet_lookup.h"

namespace sct::device {
namespace {

namespace dv = ::device::v1;
namespace ds = ::device::state;
namespace cv = ::common::v1;
namespace ca = ::credential_authority::v1;
namespace ap = ::access_point::v1;

// Shares asked per ListShares page when the device walks a whole tree (the
// authority's largest page).
constexpr int kListSharesPageSize = 1000;
using AccessPoint = ::access_point::v1::AccessPoint::StubInterface;
using Oem = ::oem::v1::Oem::StubInterface;

// Stamps the persona's record of `share_id` as revoked by it at `now` (the
// retention's clock, device/wallet_retention.h); nothing when the persona
// made no such share or it is stamped already. Not persisted by itself: a
// stamp lost in a crash only keeps the record longer.
void MarkShareRevoked(ds::PersonaRecord& persona, const std::string& share_id, absl::Time now) {
  for (ds::ShareMade& made : *persona.mutable_shares()) {
    if (made.share_id() == share_id && !made.has_revoked_at()) {
      *made.mutable_revoked_at() = ToProtoTimestamp(now);
    }
  }
}

}  // namespace

absl::StatusOr<dv::UseCredentialResponse> DeviceAgent::UseCredential(
    const dv::UseCredentialRequest& req) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(WalletTarget target,
                   WalletLookup(req.persona()).Credential(req.credential_id()).In(wallet_));
  ds::CredentialRecord& cred = *target.credential;
  if (req.access_point_address().empty()) {
    return InvalidField("access_point_address", "must not be empty");
  }
  if (req.action().empty()) return InvalidField("action", "must not be empty");
  if (!deps_.access_point_factory) {
    return InvalidField("access_point_address", "no access point factory configured");
  }
  std::unique_ptr<AccessPoint> stub = deps_.access_point_factory(req.access_point_address());
  if (stub == nullptr) return InvalidField("access_point_address", "cannot connect");
  const absl::Time start = deps_.clock->Now();
  ap::GetChallengeRequest creq;
  ap::GetChallengeResponse challenge;
  RETURN_IF_ERROR(
      caller_.Call("access_point", stub.get(), &AccessPoint::GetChallenge, creq, &challenge));
  const std::string transcript =
      AccessPointTranscript(challenge.access_point_id(), challenge.nonce(), req.action());
  ap::AuthenticateRequest areq;
  areq.set_nonce(challenge.nonce());
  areq.set_action(req.action());
  // At the access point a symmetric credential MACs the challenge with the
  // key held in the element; an asymmetric one signs it.
  const bool symmetric = cred.credential().kind() == cv::SYMMETRIC;
  ASSIGN_OR_RETURN(std::string proof,
                   symmetric ? deps_.secure_element->Hmac(cred.symmetric_handle(), transcript)
                             : CredentialSignLocked(cred, transcript));
  if (symmetric) {
    areq.set_credential_id(cred.credential().credential_id());
    areq.set_hmac(proof);
  } else {
    *areq.mutable_certificate() = cred.credential().asymmetric();
    areq.set_signature(proof);
  }
  ap::AuthenticateResponse aresp;
  RETURN_IF_ERROR(
      caller_.Call("access_point", stub.get(), &AccessPoint::Authenticate, areq, &aresp));
  if (aresp.reason() == ap::DENIED_REVOKED && !cred.has_revoked_at()) {
    // Remembered for the retention policy (wallet_retention.h).
    *cred.mutable_revoked_at() = ToProtoTimestamp(deps_.clock->Now());
    PersistLocked().IgnoreError();  // a failed write goes with the next change
  }
  dv::UseCredentialResponse resp;
  resp.set_granted(aresp.granted());
  resp.set_reason(aresp.reason());
  resp.set_detail(aresp.detail());
  resp.set_access_point_id(aresp.access_point_id().empty() ? challenge.access_point_id()
                                                           : aresp.access_point_id());
  *resp.mutable_latency() = ToProtoDuration(deps_.clock->Now() - start);
  return resp;
}

absl::Status DeviceAgent::RevokeShareLocked(const ::oem::v1::DeviceAuth& auth,
                                            const ds::CredentialRecord& cred,
                                            const std::string& share_id,
                                            const std::string& request_id,
                                            const std::string& reason, ca::RevokeResponse* resp) {
  ::oem::v1::RevokeShareRequest rreq;
  *rreq.mutable_auth() = auth;
  rreq.mutable_revoke()->set_request_id(request_id);
  rreq.mutable_revoke()->set_share_id(share_id);
  rreq.mutable_revoke()->set_reason(reason);
  ASSIGN_OR_RETURN(*rreq.mutable_revoke()->mutable_holder(),
                   HolderProofLocked(cred, "RevokeShare", share_id));
  return caller_.Call("oem", deps_.oem, &Oem::RevokeShare, rreq, resp);
}

absl::Status DeviceAgent::RevokeCredentialLocked(const ::oem::v1::DeviceAuth& auth,
                                                 const ds::CredentialRecord& cred,
                                                 const std::string& credential_id,
                                                 const std::string& request_id,
                                                 const std::string& reason,
                                                 ca::RevokeResponse* resp) {
  ::oem::v1::RevokeCredentialRequest rreq;
  *rreq.mutable_auth() = auth;
  rreq.mutable_revoke()->set_request_id(request_id);
  rreq.mutable_revoke()->set_credential_id(credential_id);
  rreq.mutable_revoke()->set_reason(reason);
  ASSIGN_OR_RETURN(*rreq.mutable_revoke()->mutable_holder(),
                   HolderProofLocked(cred, "RevokeCredential", credential_id));
  return caller_.Call("oem", deps_.oem, &Oem::RevokeCredential, rreq, resp);
}

absl::StatusOr<ds::CredentialRecord*> DeviceAgent::AncestorCredentialLocked(
    Persona& persona, const ::oem::v1::DeviceAuth& auth,
    const std::function<bool(const cv::ShareRecord&)>& match) {
  std::set<std::string> asked;
  for (const ds::ShareMade& made : persona.shares()) {
    if (!asked.insert(made.credential_id()).second) continue;
    absl::StatusOr<ds::CredentialRecord*> cred =
        Wallet::Credential(persona, made.credential_id());
    if (!cred.ok()) continue;  // the credential left the wallet
    // Every page of the tree under this credential, until a match.
    std::string page_token;
    do {
      ::oem::v1::ListSharesRequest lreq;
      *lreq.mutable_auth() = auth;
      lreq.mutable_list()->set_credential_id(made.credential_id());
      lreq.mutable_list()->set_include_descendants(true);
      lreq.mutable_list()->set_page_size(kListSharesPageSize);
      lreq.mutable_list()->set_page_token(page_token);
      ASSIGN_OR_RETURN(*lreq.mutable_list()->mutable_holder(),
                       HolderProofLocked(**cred, "ListShares", made.credential_id()));
      ca::ListSharesResponse listed;
      RETURN_IF_ERROR(caller_.Call("oem", deps_.oem, &Oem::ListShares, lreq, &listed));
      for (const cv::ShareRecord& record : listed.shares()) {
        if (match(record)) return *cred;
      }
      page_token = listed.next_page_token();
    } while (!page_token.empty());
  }
  return nullptr;
}

absl::StatusOr<ca::RevokeResponse> DeviceAgent::Revoke(const dv::RevokeRequest& req) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(WalletTarget target, WalletLookup(req.persona()).Enrolled().In(wallet_));
  Persona& persona = *target.persona;
  const std::string request_id = req.request_id().empty() ? NewUuidV4() : req.request_id();
  ca::RevokeResponse resp;
  if (req.target_case() == dv::RevokeRequest::kShareId) {
    // A share this persona made, else one descending from its shares (a
    // re-share further down the tree).
    absl::StatusOr<std::string> parent = Wallet::ShareParent(persona, req.share_id());
    ds::CredentialRecord* cred = nullptr;
    if (parent.ok()) {
      ASSIGN_OR_RETURN(cred, Wallet::Credential(persona, *parent));
    } else if (parent.status().code() == absl::StatusCode::kNotFound) {
      ASSIGN_OR_RETURN(cred, AncestorCredentialLocked(
                                 persona, target.auth, [&](const cv::ShareRecord& r) {
                                   return r.share_id() == req.share_id();
                                 }));
    }
    if (cred == nullptr) return parent.status();
    RETURN_IF_ERROR(
        RevokeShareLocked(target.auth, *cred, req.share_id(), request_id, req.reason(), &resp));
    if (parent.ok()) MarkShareRevoked(persona, req.share_id(), deps_.clock->Now());
  } else if (req.target_case() == dv::RevokeRequest::kCredentialId) {
    // A credential this persona holds, else one issued from its shares.
    absl::StatusOr<ds::CredentialRecord*> held = Wallet::Credential(persona, req.credential_id());
    ds::CredentialRecord* cred = held.ok() ? *held : nullptr;
    if (!held.ok() && held.status().code() == absl::StatusCode::kNotFound) {
      ASSIGN_OR_RETURN(cred, AncestorCredentialLocked(
                                 persona, target.auth, [&](const cv::ShareRecord& r) {
                                   const auto& ids = r.issued_credential_ids();
                                   return std::find(ids.begin(), ids.end(), req.credential_id()) !=
                                          ids.end();
                                 }));
    }
    if (cred == nullptr) return held.status();
    RETURN_IF_ERROR(RevokeCredentialLocked(target.auth, *cred, req.credential_id(), request_id,
                                           req.reason(), &resp));
  } else {
    return InvalidField("target", "give share_id or credential_id");
  }
  return resp;
}

absl::StatusOr<dv::CancelShareResponse> DeviceAgent::CancelShare(
    const dv::CancelShareRequest& req) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(WalletTarget target,
                   WalletLookup(req.persona()).SentShare(req.share_id()).Enrolled().In(wallet_));
  Entry& entry = *target.exchange;
  dv::CancelShareResponse resp;
  // A share whose mailbox was never created has nothing to delete.
  if (!entry.mailbox_id().empty()) {
    absl::Status deleted = mailbox_io_.Delete(entry);
    if (!deleted.ok() && deleted.code() != absl::StatusCode::kNotFound) return deleted;
    resp.set_mailbox_deleted(deleted.ok());
  }
  ASSIGN_OR_RETURN(ds::CredentialRecord * cred,
                   Wallet::Credential(*target.persona, entry.credential_id()));
  RETURN_IF_ERROR(RevokeShareLocked(target.auth, *cred, req.share_id(),
                                    req.request_id().empty() ? NewUuidV4() : req.request_id(),
                                    "cancelled by sender", resp.mutable_revocation()));
  entry.set_state(dv::FLOW_CANCELLED);
  MarkShareRevoked(*target.persona, req.share_id(), deps_.clock->Now());
  RETURN_IF_ERROR(PersistLocked());
  changed_.SignalAll();
  return resp;
}

absl::StatusOr<dv::RelinquishResponse> DeviceAgent::Relinquish(const dv::RelinquishRequest& req) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(WalletTarget target,
                   WalletLookup(req.persona()).ReceivedMailbox(req.mailbox_id()).In(wallet_));
  RETURN_IF_ERROR(mailbox_io_.Relinquish(*target.exchange));
  target.exchange->set_state(dv::FLOW_RELINQUISHED);
  RETURN_IF_ERROR(PersistLocked());
  changed_.SignalAll();
  return dv::RelinquishResponse();
}

absl::StatusOr<ca::ListSharesResponse> DeviceAgent::ListShares(const dv::ListSharesRequest& req) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(
      WalletTarget target,
      WalletLookup(req.persona()).Credential(req.credential_id()).Enrolled().In(wallet_));
  ::oem::v1::ListSharesRequest lreq;
  *lreq.mutable_auth() = target.auth;
  lreq.mutable_list()->set_credential_id(req.credential_id());
  lreq.mutable_list()->set_include_descendants(req.include_descendants());
  lreq.mutable_list()->set_page_size(req.page_size());
  lreq.mutable_list()->set_page_token(req.page_token());
  ASSIGN_OR_RETURN(*lreq.mutable_list()->mutable_holder(),
                   HolderProofLocked(*target.credential, "ListShares", req.credential_id()));
  ca::ListSharesResponse resp;
  RETURN_IF_ERROR(caller_.Call("oem", deps_.oem, &Oem::ListShares, lreq, &resp));
  return resp;
}

}  // namespace sct::device
