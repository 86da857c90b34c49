#include "device/mailbox_io.h"

#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/proto_time.h"
#include "common/rfc3339.h"
#include "common/status_macros.h"
#include "common/uuid.h"
#include "crypto/pin_bound_key.h"

namespace sct::device {

namespace dv = ::device::v1;
namespace rv = ::relay::v1;
using ::device::state::MailboxEntry;

void MailboxIo::Observe(absl::string_view plaintext) const {
  if (observe_plaintext_) observe_plaintext_(plaintext);
}

absl::StatusOr<std::string> MailboxIo::Seal(crypto::PayloadCipher cipher, absl::string_view secret,
                                            const dv::MailboxContent& content) const {
  const std::string plaintext = content.SerializeAsString();
  Observe(plaintext);
  return crypto::SealMailboxPayload(cipher, secret, plaintext);
}

absl::StatusOr<std::string> MailboxIo::Open(const rv::Payload& payload,
                                            absl::string_view secret) const {
  absl::StatusOr<crypto::PayloadCipher> cipher = crypto::ParsePayloadType(payload.type());
  if (!cipher.ok() || crypto::PayloadKeySize(*cipher) != secret.size()) {
    return MakeError(absl::StatusCode::kPermissionDenied, "decrypt_failed",
                     "payload type does not match the link's secret");
  }
  absl::StatusOr<std::string> plain = crypto::OpenMailboxPayload(*cipher, secret, payload.data());
  if (!plain.ok()) {
    return MakeError(absl::StatusCode::kPermissionDenied, "decrypt_failed",
                     "the mailbox payload does not decrypt with the link's secret "
                     "(wrong secret or tampered payload)");
  }
  Observe(*plain);
  return plain;
}

absl::StatusOr<rv::ReadSecureContentResponse> MailboxIo::ReadSealed(
    const MailboxEntry& entry, const rv::NotificationToken* push_token,
    const std::string& attestation) const {
  rv::ReadSecureContentRequest request;
  request.set_attestation(attestation);
  request.set_mailbox_id(entry.mailbox_id());
  request.set_device_claim(entry.claim());
  request.set_request_id(NewUuidV4());
  if (push_token != nullptr) *request.mutable_notification_token() = *push_token;
  return relay_->ReadSecureContent(request);
}

absl::StatusOr<dv::MailboxContent> MailboxIo::Read(MailboxEntry& entry) const {
  if (derived()) return ReadDerived(entry);
  ASSIGN_OR_RETURN(rv::ReadSecureContentResponse read, ReadSealed(entry, nullptr));
  RecordExpiration(read, entry);
  ASSIGN_OR_RETURN(std::string plain, Open(read.payload(), entry.secret()));
  dv::MailboxContent content;
  if (!content.ParseFromString(plain) || content.version() != kMailboxContentVersion) {
    return InvalidField("payload", "not a version-1 device.v1.MailboxContent");
  }
  entry.set_display_title(read.display_information().title());
  return content;
}

absl::StatusOr<bool> MailboxIo::Write(MailboxEntry& entry, dv::MailboxContent content) const {
  if (derived()) return WriteDerived(entry, std::move(content));
  content.set_version(kMailboxContentVersion);
  content.set_round(entry.round() + 1);
  ASSIGN_OR_RETURN(crypto::PayloadCipher cipher, crypto::ParsePayloadType(entry.payload_type()));
  rv::UpdateMailboxRequest request;
  request.set_mailbox_id(entry.mailbox_id());
  request.set_device_claim(entry.claim());
  request.set_request_id(NewUuidV4());
  request.mutable_payload()->set_type(entry.payload_type());
  ASSIGN_OR_RETURN(*request.mutable_payload()->mutable_data(),
                   Seal(cipher, entry.secret(), content));
  ASSIGN_OR_RETURN(rv::UpdateMailboxResponse response, relay_->UpdateMailbox(request));
  entry.set_round(content.round());
  return response.is_push_notification_supported();
}

absl::Status MailboxIo::Delete(const MailboxEntry& entry) const {
  if (derived()) return DeleteDerived(entry);
  rv::DeleteMailboxRequest request;
  request.set_mailbox_id(entry.mailbox_id());
  request.set_device_claim(entry.claim());
  request.set_request_id(NewUuidV4());
  return relay_->DeleteMailbox(request).status();
}

void MailboxIo::DeleteBestEffort(const MailboxEntry& entry) const {
  absl::Status status = Delete(entry);
  if (!status.ok() && status.code() != absl::StatusCode::kNotFound) {
    std::cerr << "device: mailbox delete failed: " << ReasonOf(status) << "\n";
  }
}

absl::Status MailboxIo::Relinquish(const MailboxEntry& entry) const {
  if (derived()) {
    return MakeError(absl::StatusCode::kFailedPrecondition, "no_binding",
                     "the derived-locations design binds no reader: nothing to relinquish");
  }
  rv::RelinquishMailboxRequest request;
  request.set_mailbox_id(entry.mailbox_id());
  request.set_device_claim(entry.claim());
  request.set_request_id(NewUuidV4());
  return relay_->RelinquishMailbox(request).status();
}

absl::StatusOr<std::string> PayloadKey(bool pin_in_key, const std::string& secret,
                                       const std::string& pin) {
  if (!pin_in_key || pin.empty()) return secret;
  return crypto::PinBoundPayloadKey(secret, pin);
}

absl::Status CheckNoRollback(const MailboxEntry& entry, const dv::MailboxContent& content) {
  if (content.round() >= entry.round()) return absl::OkStatus();
  return MakeError(absl::StatusCode::kPermissionDenied, "round_rollback",
                   absl::StrCat("mailbox ", entry.mailbox_id(), ": the relay served round ",
                                content.round(), " after this device had seen round ",
                                entry.round(), " (replayed or dropped by the relay)"));
}

void RecordExpiration(const rv::ReadSecureContentResponse& read, MailboxEntry& entry) {
  // The sender's own expiry (mailbox_ttl) stands: the relay's claim is only
  // its word, and a later one would turn an expired mailbox's NOT_FOUND
  // into "the receiver took it" (relay --malicious=lie_about_expiry).
  if (entry.expiry_asked() || read.expiration().empty()) return;
  absl::StatusOr<absl::Time> expires = ParseRfc3339(read.expiration());
  if (!expires.ok()) return;
  absl::StatusOr<google::protobuf::Timestamp> in_range = ToProtoChecked(*expires, "expiration");
  if (!in_range.ok()) {
    // The content is already read (and the mailbox bound): keep it, with
    // the expiry unknown rather than clamped.
    std::cerr << "device: relay read answered an out-of-range " << in_range.status().message()
              << "; expiry left unknown\n";
    return;
  }
  *entry.mutable_expires_at() = *std::move(in_range);
}

}  // namespace sct::device
