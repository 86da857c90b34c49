#include "device/fake_services.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/base64.h"
#include "common/errors.h"
#include "common/status_mapping.h"
#include "common/uuid.h"
#include "crypto/ecdsa.h"
#include "crypto/hmac.h"
#include "crypto/hpke.h"
#include "crypto/random.h"

namespace sct::device::testing {
namespace {

using ::testing::_;
using ::testing::Invoke;

namespace cv = ::common::v1;
namespace ca = ::credential_authority::v1;

grpc::Status Err(absl::StatusCode code, absl::string_view reason, absl::string_view msg) {
  return ToGrpcStatus(MakeError(code, reason, msg));
}

std::string Z() { return std::string(1, '\0'); }

bool VerifySpki(const std::string& spki, const std::string& message, const std::string& sig) {
  auto key = crypto::EcdsaP256PublicKey::FromSpkiDer(spki);
  return key.ok() && key->Verify(message, sig, crypto::SignatureEncoding::kDer).ok();
}

class FakeReader : public grpc::ClientReaderInterface<::oem::v1::DeviceNotification> {
 public:
  explicit FakeReader(std::deque<::oem::v1::DeviceNotification> queue) : queue_(std::move(queue)) {}
  bool Read(::oem::v1::DeviceNotification* msg) override {
    if (queue_.empty()) return false;
    *msg = queue_.front();
    queue_.pop_front();
    return true;
  }
  grpc::Status Finish() override {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "stream ended");
  }
  bool NextMessageSize(uint32_t* sz) override {
    *sz = 1 << 20;
    return !queue_.empty();
  }
  void WaitForInitialMetadata() override {}

 private:
  std::deque<::oem::v1::DeviceNotification> queue_;
};

}  // namespace

// ------------------------------------------------------------------ FakeOem

FakeOem::FakeOem(std::string oem_id, const Clock* /*clock*/, CallLog* log)
    : oem_id_(std::move(oem_id)), log_(log) {
  ON_CALL(*this, GetChallenge(_, _, _))
      .WillByDefault(Invoke([this](auto*, const auto&, auto* resp) { return Challenge(resp); }));
  ON_CALL(*this, EnrolDevice(_, _, _))
      .WillByDefault(
          Invoke([this](auto*, const auto& req, auto* resp) { return Enrol(req, resp); }));
  ON_CALL(*this, AttestKey(_, _, _))
      .WillByDefault(
          Invoke([this](auto*, const auto& req, auto* resp) { return Attest(req, resp); }));
  ON_CALL(*this, RequestShare(_, _, _))
      .WillByDefault(Invoke(
          [this](auto*, const auto& req, auto* resp) { return ServeRequestShare(req, resp); }));
  ON_CALL(*this, ProvisionCredential(_, _, _))
      .WillByDefault(
          Invoke([this](auto*, const auto& req, auto* resp) { return Provision(req, resp); }));
  ON_CALL(*this, RevokeShare(_, _, _))
      .WillByDefault(Invoke(
          [this](auto*, const auto& req, auto* resp) { return ServeRevokeShare(req, resp); }));
  ON_CALL(*this, RevokeCredential(_, _, _))
      .WillByDefault(Invoke(
          [this](auto*, const auto& req, auto* resp) { return ServeRevokeCredential(req, resp); }));
  ON_CALL(*this, ListShares(_, _, _))
      .WillByDefault(Invoke(
          [this](auto*, const auto& req, auto* resp) { return ServeListShares(req, resp); }));
  ON_CALL(*this, MintPushToken(_, _, _))
      .WillByDefault(
          Invoke([this](auto*, const auto& req, auto* resp) { return MintPush(req, resp); }));
  ON_CALL(*this, SubscribeNotificationsRaw(_, _)).WillByDefault(Invoke([this](auto*, const auto&) {
    absl::MutexLock lock(&mu_);
    std::deque<::oem::v1::DeviceNotification> q;
    q.swap(queued_);
    return new FakeReader(std::move(q));
  }));
}

void FakeOem::QueueNotification(::oem::v1::DeviceNotification n) {
  absl::MutexLock lock(&mu_);
  queued_.push_back(std::move(n));
}

grpc::Status FakeOem::Challenge(::oem::v1::GetChallengeResponse* resp) {
  log_->Add("oem.GetChallenge");
  std::string nonce = *crypto::RandomBytes(32);
  absl::MutexLock lock(&mu_);
  nonces_[nonce] = "";
  resp->set_nonce(nonce);
  return grpc::Status::OK;
}

grpc::Status FakeOem::Enrol(const ::oem::v1::EnrolDeviceRequest& req,
                            ::oem::v1::EnrolDeviceResponse* resp) {
  log_->Add("oem.EnrolDevice");
  absl::MutexLock lock(&mu_);
  if (nonces_.erase(req.nonce()) == 0) {
    return Err(absl::StatusCode::kPermissionDenied, "unknown_challenge", "nonce");
  }
  const std::string msg =
      absl::StrCat("sct-enrol-v1", Z(), oem_id_, Z(), req.nonce(), req.identity_public_key());
  if (!VerifySpki(req.identity_public_key(), msg, req.proof_of_possession())) {
    return Err(absl::StatusCode::kPermissionDenied, "bad_proof_of_possession", "proof");
  }
  std::string id = NewUuidV4();
  std::string token = *crypto::RandomBytes(32);
  devices_[id] = token;
  identity_[id] = req.identity_public_key();
  resp->set_device_id(id);
  resp->set_device_token(token);
  return grpc::Status::OK;
}

grpc::Status FakeOem::CheckAuth(const ::oem::v1::DeviceAuth& auth) const {
  auto it = devices_.find(auth.device_id());
  if (it == devices_.end()) return Err(absl::StatusCode::kUnauthenticated, "unknown_device", "id");
  if (it->second != auth.device_token()) {
    return Err(absl::StatusCode::kUnauthenticated, "bad_device_token", "token");
  }
  return grpc::Status::OK;
}

grpc::Status FakeOem::Attest(const ::oem::v1::AttestKeyRequest& req,
                             ::oem::v1::AttestKeyResponse* resp) {
  log_->Add("oem.AttestKey");
  absl::MutexLock lock(&mu_);
  grpc::Status st = CheckAuth(req.auth());
  if (!st.ok()) return st;
  if (nonces_.erase(req.nonce()) == 0) {
    return Err(absl::StatusCode::kPermissionDenied, "unknown_challenge", "nonce");
  }
  const std::string msg = absl::StrCat("sct-attest-key-v1", Z(), req.nonce(), req.public_key());
  if (!VerifySpki(identity_.at(req.auth().device_id()), msg, req.identity_signature()) ||
      !VerifySpki(req.public_key(), msg, req.possession_signature())) {
    return Err(absl::StatusCode::kPermissionDenied, "bad_proof_of_possession", "signatures");
  }
  resp->mutable_attestation()->add_certificates_der(absl::StrCat("attested:", req.public_key()));
  return grpc::Status::OK;
}

FakeOem::Cred FakeOem::IssueLocked(const std::string& spki, cv::CredentialKind kind,
                                   const google::protobuf::RepeatedPtrField<std::string>& ents,
                                   const std::string& access_point_id,
                                   const std::string& parent_share) {
  Cred c;
  cv::Credential& cred = c.credential;
  cred.set_credential_id(NewUuidV4());
  cred.set_issuer("ca-test");
  cred.set_access_point_id(access_point_id);
  cred.set_access_point_kind(kind == cv::SYMMETRIC ? cv::HOTEL_LOCK : cv::CAR);
  cred.set_kind(kind);
  *cred.mutable_entitlements() = ents;
  cred.set_resharing_allowed(parent_share.empty());
  cred.set_parent_share_id(parent_share);
  cred.set_holder_public_key(spki);
  if (kind == cv::SYMMETRIC) {
    c.symmetric_key = *crypto::RandomBytes(32);
    auto pub = crypto::EcdsaP256PublicKey::FromSpkiDer(spki);
    const std::string info = absl::StrCat("sct-credential-v1", Z(), cred.credential_id());
    std::string sealed = *crypto::HpkeSeal(crypto::kHpkeP256Sha256Aes128Gcm,
                                           pub->UncompressedPoint(), info, "", c.symmetric_key);
    cred.mutable_symmetric()->set_hpke_enc(sealed.substr(0, 65));
    cred.mutable_symmetric()->set_sealed_key(sealed.substr(65));
    cred.mutable_symmetric()->set_hpke_info(info);
  } else {
    cred.mutable_asymmetric()->set_certificate_der(absl::StrCat("cert:", cred.credential_id()));
  }
  credentials_[cred.credential_id()] = c;
  return c;
}

cv::Credential FakeOem::IssueOwnerCredential(const std::string& spki, cv::CredentialKind kind,
                                             std::vector<std::string> entitlements,
                                             const std::string& access_point_id) {
  absl::MutexLock lock(&mu_);
  google::protobuf::RepeatedPtrField<std::string> ents(entitlements.begin(), entitlements.end());
  return IssueLocked(spki, kind, ents, access_point_id, "").credential;
}

std::string FakeOem::SymmetricKey(const std::string& credential_id) const {
  absl::MutexLock lock(&mu_);
  auto it = credentials_.find(credential_id);
  return it == credentials_.end() ? "" : it->second.symmetric_key;
}

int FakeOem::redemptions() const {
  absl::MutexLock lock(&mu_);
  return redemptions_;
}

std::vector<std::string> FakeOem::revoked_shares() const {
  absl::MutexLock lock(&mu_);
  return revoked_shares_;
}

std::vector<ca::InitiateShareRequest> FakeOem::share_requests() const {
  absl::MutexLock lock(&mu_);
  return share_requests_;
}

grpc::Status FakeOem::CheckHolder(const std::string& credential_id, const std::string& message,
                                  const std::string& proof) const {
  auto it = credentials_.find(credential_id);
  if (it == credentials_.end()) {
    return Err(absl::StatusCode::kNotFound, "credential_not_found", credential_id);
  }
  // Like the real authority: holder proofs are ECDSA by the holder key, for
  // symmetric credentials too (the authority has no clear symmetric key).
  bool ok = VerifySpki(it->second.credential.holder_public_key(), message, proof);
  if (!ok) return Err(absl::StatusCode::kPermissionDenied, "bad_holder_proof", "proof");
  return grpc::Status::OK;
}

grpc::Status FakeOem::ServeRequestShare(const ::oem::v1::RequestShareRequest& req,
                                        ca::InitiateShareResponse* resp) {
  log_->Add("oem.RequestShare");
  absl::MutexLock lock(&mu_);
  share_requests_.push_back(req.share());
  grpc::Status st = CheckAuth(req.auth());
  if (!st.ok()) return st;
  ca::ShareIntent intent;
  if (!intent.ParseFromString(req.share().intent())) {
    return Err(absl::StatusCode::kInvalidArgument, "invalid_field", "intent");
  }
  st = CheckHolder(intent.credential_id(),
                   absl::StrCat("sct-share-intent-v1", Z(), req.share().intent()),
                   req.share().holder_proof());
  if (!st.ok()) return st;
  const Cred& parent = credentials_.at(intent.credential_id());
  Share share;
  share.parent = intent.credential_id();
  share.pin = req.share().pin();
  share.endorsement_required = intent.endorsement_required();
  share.resharing_allowed = intent.resharing_allowed();
  cv::ShareTokenBody& body = share.body;
  body.set_version(1);
  body.set_share_id(NewUuidV4());
  body.set_issuer("ca-test");
  body.set_access_point_id(parent.credential.access_point_id());
  body.set_credential_kind(parent.credential.kind());
  *body.mutable_entitlements() = intent.entitlements();
  *body.mutable_validity() = intent.validity();
  body.set_max_redemptions(1);
  body.set_pin_required(intent.pin_required());
  body.set_endorsement_required(intent.endorsement_required());
  body.set_nonce(*crypto::RandomBytes(16));
  share.seq = ++next_share_seq_;
  shares_[body.share_id()] = share;
  resp->set_share_id(body.share_id());
  resp->mutable_token()->set_body(body.SerializeAsString());
  resp->mutable_token()->set_signature("fake-signature");
  resp->mutable_token()->set_key_id("fake-key");
  return grpc::Status::OK;
}

grpc::Status FakeOem::Provision(const ::oem::v1::ProvisionCredentialRequest& req,
                                ca::RedeemShareResponse* resp) {
  log_->Add("oem.ProvisionCredential");
  absl::MutexLock lock(&mu_);
  grpc::Status st = CheckAuth(req.auth());
  if (!st.ok()) return st;
  const ca::RedeemShareRequest& r = req.redeem();
  cv::ShareTokenBody body;
  if (!body.ParseFromString(r.token().body())) {
    return Err(absl::StatusCode::kPermissionDenied, "bad_token_signature", "token");
  }
  auto it = shares_.find(body.share_id());
  if (it == shares_.end()) return Err(absl::StatusCode::kNotFound, "share_not_found", "share");
  Share& share = it->second;
  if (share.redeemed) {
    return Err(absl::StatusCode::kFailedPrecondition, "share_already_redeemed", "redeemed");
  }
  if (std::find(revoked_shares_.begin(), revoked_shares_.end(), body.share_id()) !=
      revoked_shares_.end()) {
    return Err(absl::StatusCode::kFailedPrecondition, "share_revoked", "revoked");
  }
  if (r.receiver_attestation().certificates_der_size() != 1 ||
      r.receiver_attestation().certificates_der(0) !=
          absl::StrCat("attested:", r.receiver_public_key())) {
    return Err(absl::StatusCode::kPermissionDenied, "bad_attestation", "attestation");
  }
  if (!share.pin.empty() && r.pin() != share.pin) {
    return Err(absl::StatusCode::kPermissionDenied, r.pin().empty() ? "pin_required" : "wrong_pin",
               "pin");
  }
  if (share.endorsement_required) {
    const std::string msg =
        absl::StrCat("sct-endorse-v1", Z(), body.share_id(), Z(), r.receiver_public_key());
    if (r.sender_endorsement().empty()) {
      return Err(absl::StatusCode::kPermissionDenied, "endorsement_required", "endorsement");
    }
    if (!VerifySpki(credentials_.at(share.parent).credential.holder_public_key(), msg,
                    r.sender_endorsement())) {
      return Err(absl::StatusCode::kPermissionDenied, "bad_endorsement", "endorsement");
    }
  }
  share.redeemed = true;
  ++redemptions_;
  Cred c = IssueLocked(r.receiver_public_key(), body.credential_kind(), body.entitlements(),
                       body.access_point_id(), body.share_id());
  c.credential.set_resharing_allowed(share.resharing_allowed);
  credentials_[c.credential.credential_id()].credential.set_resharing_allowed(
      share.resharing_allowed);
  resp->set_share_id(body.share_id());
  *resp->mutable_credential() = c.credential;
  return grpc::Status::OK;
}

grpc::Status FakeOem::ServeRevokeShare(const ::oem::v1::RevokeShareRequest& req,
                                       ca::RevokeResponse* resp) {
  log_->Add("oem.RevokeShare");
  absl::MutexLock lock(&mu_);
  grpc::Status st = CheckAuth(req.auth());
  if (!st.ok()) return st;
  auto it = shares_.find(req.revoke().share_id());
  if (it == shares_.end()) return Err(absl::StatusCode::kNotFound, "share_not_found", "share");
  const auto& h = req.revoke().holder();
  if (!IsAncestorLocked(h.credential_id(), req.revoke().share_id())) {
    return Err(absl::StatusCode::kPermissionDenied, "not_holder", "holder");
  }
  st = CheckHolder(h.credential_id(),
                   absl::StrCat("sct-holder-v1", Z(), "RevokeShare", Z(), req.revoke().share_id(),
                                Z(), h.signed_at().seconds()),
                   h.proof());
  if (!st.ok()) return st;
  revoked_shares_.push_back(req.revoke().share_id());
  resp->add_revoked_share_ids(req.revoke().share_id());
  resp->set_revocation_list_version(revoked_shares_.size());
  return grpc::Status::OK;
}

bool FakeOem::IsAncestorLocked(const std::string& credential_id,
                               const std::string& share_id) const {
  for (std::string share = share_id; !share.empty();) {
    auto it = shares_.find(share);
    if (it == shares_.end()) return false;
    if (it->second.parent == credential_id) return true;
    auto parent = credentials_.find(it->second.parent);
    if (parent == credentials_.end()) return false;
    share = parent->second.credential.parent_share_id();
  }
  return false;
}

grpc::Status FakeOem::ServeRevokeCredential(const ::oem::v1::RevokeCredentialRequest& req,
                                            ca::RevokeResponse* resp) {
  log_->Add("oem.RevokeCredential");
  absl::MutexLock lock(&mu_);
  grpc::Status st = CheckAuth(req.auth());
  if (!st.ok()) return st;
  const std::string& target = req.revoke().credential_id();
  auto it = credentials_.find(target);
  if (it == credentials_.end()) {
    return Err(absl::StatusCode::kNotFound, "credential_not_found", "credential");
  }
  const auto& h = req.revoke().holder();
  const std::string& parent_share = it->second.credential.parent_share_id();
  if (h.credential_id() != target &&
      (parent_share.empty() || !IsAncestorLocked(h.credential_id(), parent_share))) {
    return Err(absl::StatusCode::kPermissionDenied, "not_holder", "holder");
  }
  st = CheckHolder(h.credential_id(),
                   absl::StrCat("sct-holder-v1", Z(), "RevokeCredential", Z(), target, Z(),
                                h.signed_at().seconds()),
                   h.proof());
  if (!st.ok()) return st;
  revoked_credentials_.push_back(target);
  resp->add_revoked_credential_ids(target);
  resp->set_revocation_list_version(revoked_shares_.size() + revoked_credentials_.size());
  return grpc::Status::OK;
}

grpc::Status FakeOem::ServeListShares(const ::oem::v1::ListSharesRequest& req,
                                      ca::ListSharesResponse* resp) {
  log_->Add("oem.ListShares");
  absl::MutexLock lock(&mu_);
  grpc::Status st = CheckAuth(req.auth());
  if (!st.ok()) return st;
  const std::string& root = req.list().credential_id();
  const auto& h = req.list().holder();
  if (h.credential_id() != root) {
    return Err(absl::StatusCode::kPermissionDenied, "not_holder", "holder");
  }
  st = CheckHolder(
      root,
      absl::StrCat("sct-holder-v1", Z(), "ListShares", Z(), root, Z(), h.signed_at().seconds()),
      h.proof());
  if (!st.ok()) return st;
  ++list_pages_;
  std::vector<std::pair<uint64_t, std::string>> order;  // oldest first
  for (const auto& [id, share] : shares_) {
    if (share.parent != root && !(req.list().include_descendants() && IsAncestorLocked(root, id))) {
      continue;
    }
    order.emplace_back(share.seq, id);
  }
  std::sort(order.begin(), order.end());
  size_t offset = 0;
  size_t end = order.size();
  if (list_page_cap_ > 0) {
    if (!req.list().page_token().empty() &&
        !absl::SimpleAtoi(req.list().page_token(), &offset)) {
      return Err(absl::StatusCode::kInvalidArgument, "invalid_field", "page_token");
    }
    size_t size = static_cast<size_t>(list_page_cap_);
    if (req.list().page_size() > 0) size = std::min<size_t>(size, req.list().page_size());
    offset = std::min(offset, order.size());
    end = std::min(order.size(), offset + size);
    if (end < order.size()) resp->set_next_page_token(absl::StrCat(end));
  }
  for (size_t i = offset; i < end; ++i) {
    const std::string& id = order[i].second;
    const Share& share = shares_.at(id);
    cv::ShareRecord* r = resp->add_shares();
    r->set_share_id(id);
    r->set_parent_credential_id(share.parent);
    for (const auto& [cid, cred] : credentials_) {
      if (cred.credential.parent_share_id() == id) r->add_issued_credential_ids(cid);
    }
  }
  return grpc::Status::OK;
}

void FakeOem::set_list_shares_page_cap(int n) {
  absl::MutexLock lock(&mu_);
  list_page_cap_ = n;
}

int FakeOem::list_shares_pages() const {
  absl::MutexLock lock(&mu_);
  return list_pages_;
}

std::vector<std::string> FakeOem::revoked_credentials() const {
  absl::MutexLock lock(&mu_);
  return revoked_credentials_;
}

grpc::Status FakeOem::MintPush(const ::oem::v1::MintPushTokenRequest& req,
                               ::oem::v1::MintPushTokenResponse* resp) {
  log_->Add("oem.MintPushToken");
  absl::MutexLock lock(&mu_);
  grpc::Status st = CheckAuth(req.auth());
  if (!st.ok()) return st;
  resp->set_token_type(push_token_type());
  resp->set_token_data(Base64UrlEncode(*crypto::RandomBytes(24)));
  return grpc::Status::OK;
}

// ------------------------------------------------------------------ FakeRelay

FakeRelay::FakeRelay(CallLog* log) : log_(log) {
  ON_CALL(*this, CreateMailbox(_, _, _))
      .WillByDefault(Invoke([this](auto*, const ::relay::v1::CreateMailboxRequest& req,
                                   ::relay::v1::CreateMailboxResponse* resp) {
        log_->Add("relay.CreateMailbox");
        absl::MutexLock lock(&mu_);
        Record(req, req.device_claim());
        create_tokens_.push_back(req.notification_token().token_data());
        std::string id = NewUuidV4();
        Box& b = boxes_[id];
        b.payload = req.payload();
        b.display = req.display_information();
        b.sender_claim = req.device_claim();
        b.sender_token = req.notification_token().token_data();
        resp->set_url_link(absl::StrCat("https://relay.test/v1/m/", id));
        resp->set_is_push_notification_supported(push_supported_);
        resp->set_expiration(req.mailbox_configuration().expiration().empty()
                                 ? default_expiration_
                                 : req.mailbox_configuration().expiration());
        if (!claimed_expiration_.empty()) resp->set_expiration(claimed_expiration_);
        return grpc::Status::OK;
      }));
  ON_CALL(*this, ReadSecureContent(_, _, _))
      .WillByDefault(Invoke([this](auto*, const ::relay::v1::ReadSecureContentRequest& req,
                                   ::relay::v1::ReadSecureContentResponse* resp) {
        log_->Add("relay.ReadSecureContent");
        absl::MutexLock lock(&mu_);
        Record(req, req.device_claim());
        Box* b;
        grpc::Status st = Lookup(req.mailbox_id(), &b);
        if (!st.ok()) return st;
        if (req.device_claim() != b->sender_claim) {
          if (b->receiver_claim.empty()) {
            b->receiver_claim = req.device_claim();
            b->receiver_token = req.notification_token().token_data();
          } else if (b->receiver_claim != req.device_claim()) {
            return Err(absl::StatusCode::kUnauthenticated, "claim_mismatch", "bound");
          }
        }
        *resp->mutable_payload() = b->payload;
        *resp->mutable_display_information() = b->display;
        resp->set_expiration(claimed_expiration_.empty() ? "2025-01-03T00:00:00Z"
                                                         : claimed_expiration_);
        return grpc::Status::OK;
      }));
  ON_CALL(*this, UpdateMailbox(_, _, _))
      .WillByDefault(Invoke([this](auto*, const ::relay::v1::UpdateMailboxRequest& req,
                                   ::relay::v1::UpdateMailboxResponse* resp) {
        log_->Add("relay.UpdateMailbox");
        absl::MutexLock lock(&mu_);
        Record(req, req.device_claim());
        Box* b;
        grpc::Status st = Lookup(req.mailbox_id(), &b);
        if (!st.ok()) return st;
        if (req.device_claim() == b->sender_claim) {
          pushes_.push_back({b->receiver_token, req.mailbox_id()});
        } else if (req.device_claim() == b->receiver_claim) {
          pushes_.push_back({b->sender_token, req.mailbox_id()});
        } else {
          return Err(absl::StatusCode::kUnauthenticated, "claim_mismatch", "not bound");
        }
        b->payload = req.payload();
        resp->set_is_push_notification_supported(push_supported_);
        return grpc::Status::OK;
      }));
  ON_CALL(*this, DeleteMailbox(_, _, _))
      .WillByDefault(Invoke([this](auto*, const ::relay::v1::DeleteMailboxRequest& req,
                                   ::relay::v1::DeleteMailboxResponse*) {
        log_->Add("relay.DeleteMailbox");
        absl::MutexLock lock(&mu_);
        Record(req, req.device_claim());
        Box* b;
        grpc::Status st = Lookup(req.mailbox_id(), &b);
        if (!st.ok()) return st;
        if (req.device_claim() == b->sender_claim) {
          if (!b->receiver_token.empty()) pushes_.push_back({b->receiver_token, req.mailbox_id()});
        } else if (req.device_claim() == b->receiver_claim) {
          pushes_.push_back({b->sender_token, req.mailbox_id()});
        } else {
          return Err(absl::StatusCode::kUnauthenticated, "claim_mismatch", "not bound");
        }
        boxes_.erase(req.mailbox_id());
        return grpc::Status::OK;
      }));
  ON_CALL(*this, RelinquishMailbox(_, _, _))
      .WillByDefault(Invoke([this](auto*, const ::relay::v1::RelinquishMailboxRequest& req,
                                   ::relay::v1::RelinquishMailboxResponse*) {
        log_->Add("relay.RelinquishMailbox");
        absl::MutexLock lock(&mu_);
        Record(req, req.device_claim());
        Box* b;
        grpc::Status st = Lookup(req.mailbox_id(), &b);
        if (!st.ok()) return st;
        if (req.device_claim() != b->receiver_claim) {
          return Err(absl::StatusCode::kUnauthenticated, "claim_mismatch", "not receiver");
        }
        b->receiver_claim.clear();
        b->receiver_token.clear();
        return grpc::Status::OK;
      }));
}

void FakeRelay::Record(const google::protobuf::Message& m, const std::string& claim) {
  received_.push_back(m.SerializeAsString());
  claims_.push_back(claim);
}

grpc::Status FakeRelay::Lookup(const std::string& id, Box** box) {
  auto it = boxes_.find(id);
  if (it == boxes_.end()) return Err(absl::StatusCode::kNotFound, "mailbox_not_found", "gone");
  *box = &it->second;
  return grpc::Status::OK;
}

std::vector<std::string> FakeRelay::received() const {
  absl::MutexLock lock(&mu_);
  return received_;
}
std::vector<std::string> FakeRelay::claims_used() const {
  absl::MutexLock lock(&mu_);
  return claims_;
}
std::vector<std::string> FakeRelay::create_token_data() const {
  absl::MutexLock lock(&mu_);
  return create_tokens_;
}
std::vector<FakeRelay::Push> FakeRelay::TakePushes() {
  absl::MutexLock lock(&mu_);
  std::vector<Push> out;
  out.swap(pushes_);
  return out;
}
void FakeRelay::set_default_expiration(std::string expiration) {
  absl::MutexLock lock(&mu_);
  default_expiration_ = std::move(expiration);
}

void FakeRelay::set_push_supported(bool supported) {
  absl::MutexLock lock(&mu_);
  push_supported_ = supported;
}

void FakeRelay::set_claimed_expiration(std::string expiration) {
  absl::MutexLock lock(&mu_);
  claimed_expiration_ = std::move(expiration);
}

void FakeRelay::Expire(const std::string& id) {
  absl::MutexLock lock(&mu_);
  boxes_.erase(id);
}

bool FakeRelay::Exists(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  return boxes_.count(id) > 0;
}
size_t FakeRelay::size() const {
  absl::MutexLock lock(&mu_);
  return boxes_.size();
}

// ------------------------------------------------------------------ FakeChannel

FakeChannel::FakeChannel(CallLog* log) : log_(log) {
  ON_CALL(*this, Send(_, _, _))
      .WillByDefault(Invoke(
          [this](auto*, const ::channel::v1::SendRequest& req, ::channel::v1::SendResponse* resp) {
            log_->Add("channel.Send");
            absl::MutexLock lock(&mu_);
            auto& inbox = inboxes_[req.to()];
            ::channel::v1::ChannelMessage m;
            m.set_message_id(NewUuidV4());
            m.set_sequence(inbox.size() + 1);
            m.set_kind(req.kind());
            m.set_from(req.from());
            m.set_to(req.to());
            m.set_body(req.body());
            inbox.push_back(m);
            resp->set_message_id(m.message_id());
            resp->set_body_length(req.body().size());
            return grpc::Status::OK;
          }));
  ON_CALL(*this, Receive(_, _, _))
      .WillByDefault(Invoke([this](auto*, const ::channel::v1::ReceiveRequest& req,
                                   ::channel::v1::ReceiveResponse* resp) {
        log_->Add("channel.Receive");
        absl::MutexLock lock(&mu_);
        // As the channel server: messages after `after_sequence`, at most
        // `max_messages` (0: all), and the inbox's last sequence.
        const auto& inbox = inboxes_[req.address()];
        resp->set_last_sequence(inbox.size());
        for (size_t i = req.after_sequence(); i < inbox.size(); ++i) {
          const int max = static_cast<int>(req.max_messages());
          if (max != 0 && resp->messages_size() == max) break;
          *resp->add_messages() = inbox[i];
        }
        messages_received_ += resp->messages_size();
        return grpc::Status::OK;
      }));
}

int FakeChannel::MessagesReceived() const {
  absl::MutexLock lock(&mu_);
  return messages_received_;
}

std::vector<::channel::v1::ChannelMessage> FakeChannel::Inbox(const std::string& address) const {
  absl::MutexLock lock(&mu_);
  auto it = inboxes_.find(address);
  return it == inboxes_.end() ? std::vector<::channel::v1::ChannelMessage>{} : it->second;
}

}  // namespace sct::device::testing
