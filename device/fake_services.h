// Test doubles for the device's outbound dependencies (testonly).
//
// FakeOem plays the OEM and, behind it, a minimal credential authority: it
// checks every proof the device makes (enrolment proof of possession, key
// attestation signatures, holder proofs, endorsements, PINs) with the real
// crypto, mints unsigned-but-parseable share tokens, issues credentials
// (asymmetric: a placeholder certificate; symmetric: a random key sealed
// with HPKE to the receiver's key) and mints per-mailbox push tokens.
// FakeRelay keeps mailboxes in memory with the draft's claim rules and
// records every request it receives plus the pushes it would send.
// FakeChannel keeps inboxes. All three append "service.Method" to a shared
// call log so tests can assert call order. Each is thread-safe.
#ifndef SCT_DEVICE_FAKE_SERVICES_H_
#define SCT_DEVICE_FAKE_SERVICES_H_

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "proto/channel/v1/channel_mock.grpc.pb.h"
#include "proto/oem/v1/oem_mock.grpc.pb.h"
#include "proto/relay/v1/relay_mock.grpc.pb.h"

namespace sct::device::testing {

class CallLog {
 public:
  void Add(std::string call) {
    absl::MutexLock lock(&mu_);
    calls_.push_back(std::move(call));
  }
  std::vector<std::string> calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  void Clear() {
    absl::MutexLock lock(&mu_);
    calls_.clear();
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> calls_;
};

class FakeOem : public ::testing::NiceMock<::oem::v1::MockOemStub> {
 public:
  // `clock` is not read: the fake keeps no time of its own (the signature
  // matches the other fakes').
  FakeOem(std::string oem_id, const Clock* clock, CallLog* log);

  // What an owner bootstrap at the authority issues: a credential for `spki`.
  ::common::v1::Credential IssueOwnerCredential(const std::string& spki,
                                                ::common::v1::CredentialKind kind,
                                                std::vector<std::string> entitlements,
                                                const std::string& access_point_id);
  // The symmetric key of a credential (what the access point would hold).
  std::string SymmetricKey(const std::string& credential_id) const;
  // Number of successful redemptions / revocations seen.
  int redemptions() const;
  std::vector<std::string> revoked_shares() const;
  // Every InitiateShare request received through RequestShare, in order.
  std::vector<::credential_authority::v1::InitiateShareRequest> share_requests() const;
  std::vector<std::string> revoked_credentials() const;
  // ListShares answers at most `n` shares per page (oldest first, the next
  // offset as page token), like the authority; 0 (the default): one answer.
  void set_list_shares_page_cap(int n);
  // ListShares answers given so far.
  int list_shares_pages() const;
  // Queue notifications for the next SubscribeNotifications stream.
  void QueueNotification(::oem::v1::DeviceNotification n);
  // notificationToken.type: the OEM id (the relay allows [A-Za-z0-9._-] only).
  std::string push_token_type() const { return oem_id_; }

  // The default answers of RequestShare and MintPushToken, for a test that
  // wraps them with an ON_CALL of its own.
  grpc::Status ServeRequestShare(const ::oem::v1::RequestShareRequest& req,
                                 ::credential_authority::v1::InitiateShareResponse* resp);
  grpc::Status MintPush(const ::oem::v1::MintPushTokenRequest& req,
                        ::oem::v1::MintPushTokenResponse* resp);

 private:
  struct Cred {
    ::common::v1::Credential credential;
    std::string symmetric_key;
  };
  struct Share {
    std::string parent;
    std::string pin;
    bool endorsement_required = false;
    bool resharing_allowed = false;
    bool redeemed = false;
    ::common::v1::ShareTokenBody body;
    uint64_t seq = 0;  // creation order
  };
  grpc::Status Challenge(::oem::v1::GetChallengeResponse* resp);
  grpc::Status Enrol(const ::oem::v1::EnrolDeviceRequest& req, ::oem::v1::EnrolDeviceResponse* resp);
  grpc::Status Attest(const ::oem::v1::AttestKeyRequest& req, ::oem::v1::AttestKeyResponse* resp);
  grpc::Status Provision(const ::oem::v1::ProvisionCredentialRequest& req,
                         ::credential_authority::v1::RedeemShareResponse* resp);
  grpc::Status ServeRevokeShare(const ::oem::v1::RevokeShareRequest& req,
                           ::credential_authority::v1::RevokeResponse* resp);
  grpc::Status ServeRevokeCredential(const ::oem::v1::RevokeCredentialRequest& req,
                                ::credential_authority::v1::RevokeResponse* resp);
  grpc::Status ServeListShares(const ::oem::v1::ListSharesRequest& req,
                          ::credential_authority::v1::ListSharesResponse* resp);
  // Whether share `share_id` descends from credential `credential_id`.
  bool IsAncestorLocked(const std::string& credential_id, const std::string& share_id) const;
  grpc::Status CheckAuth(const ::oem::v1::DeviceAuth& auth) const;
  grpc::Status CheckHolder(const std::string& credential_id, const std::string& message,
                           const std::string& proof) const;
  Cred IssueLocked(const std::string& spki, ::common::v1::CredentialKind kind,
                   const google::protobuf::RepeatedPtrField<std::string>& entitlements,
                   const std::string& access_point_id, const std::string& parent_share);

  const std::string oem_id_;
  CallLog* log_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::string> nonces_;            // nonce -> ""
  std::map<std::string, std::string> devices_;           // device id -> token
  std::map<std::string, std::string> identity_;          // device id -> identity spki
  std::map<std::string, Cred> credentials_;
  std::map<std::string, Share> shares_;
  std::vector<std::string> revoked_shares_;
  std::vector<::credential_authority::v1::InitiateShareRequest> share_requests_;
  std::vector<std::string> revoked_credentials_;
  std::deque<::oem::v1::DeviceNotification> queued_;
  int redemptions_ = 0;
  uint64_t next_share_seq_ = 0;
  int list_page_cap_ = 0;
  int list_pages_ = 0;
};

class FakeRelay : public ::testing::NiceMock<::relay::v1::MockRelayStub> {
 public:
  explicit FakeRelay(CallLog* log);
  struct Push {
    std::string token_data;
    std::string mailbox_id;
  };
  // Every request message received, serialized (for "never saw X" checks).
  std::vector<std::string> received() const;
  std::vector<std::string> claims_used() const;
  std::vector<std::string> create_token_data() const;
  // Pushes the relay would have sent since the last call, then forgets them.
  std::vector<Push> TakePushes();
  bool Exists(const std::string& id) const;
  // CreateMailbox answers carry `expiration` (RFC 3339) unless the request
  // asked for one (then that); "" (the default) answers none, as an older
  // relay does.
  void set_default_expiration(std::string expiration);
  // A relay lying about expiry: when not empty, every create and read answer
  // carries `expiration` whatever was asked or will be enforced.
  void set_claimed_expiration(std::string expiration);
  // The mailbox expires: it is gone, as at a relay after its TTL.
  void Expire(const std::string& id);
  // What create and update answer as is_push_notification_supported
  // (default true: the relay can push to every OEM).
  void set_push_supported(bool supported);
  size_t size() const;

 private:
  struct Box {
    ::relay::v1::Payload payload;
    ::relay::v1::DisplayInformation display;
    std::string sender_claim, receiver_claim;
    std::string sender_token, receiver_token;
  };
  void Record(const google::protobuf::Message& m, const std::string& claim);
  grpc::Status Lookup(const std::string& id, Box** box);

  CallLog* log_;
  mutable absl::Mutex mu_;
  std::map<std::string, Box> boxes_;
  std::vector<std::string> received_;
  std::vector<std::string> claims_;
  std::vector<std::string> create_tokens_;
  std::vector<Push> pushes_;
  std::string default_expiration_;
  std::string claimed_expiration_;
  bool push_supported_ = true;
};

class FakeChannel : public ::testing::NiceMock<::channel::v1::MockChannelStub> {
 public:
  explicit FakeChannel(CallLog* log);
  std::vector<::channel::v1::ChannelMessage> Inbox(const std::string& address) const;
  // Messages all Receive answers carried so far.
  int MessagesReceived() const;

 private:
  CallLog* log_;
  mutable absl::Mutex mu_;
  int messages_received_ = 0;
  std::map<std::string, std::vector<::channel::v1::ChannelMessage>> inboxes_;
};

}  // namespace sct::device::testing

#endif  // SCT_DEVICE_FAKE_SERVICES_H_
