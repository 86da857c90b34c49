// The device's side of one mailbox exchange at the relay: reads and writes
// under the exchange's claim, sealing and opening device.v1.MailboxContent
// with the secret from the link's fragment (crypto/mailbox_payload).
//
// The relay only ever sees the claim, fresh request ids and ciphertext. Every
// plaintext sealed or opened is shown to the optional observer (the
// simulator's knowledge audit) first.
//
// Errors: relay reasons pass through (NOT_FOUND for a mailbox that is gone,
// UNAVAILABLE "relay_unavailable" when the relay cannot be reached);
// PERMISSION_DENIED "decrypt_failed" when the payload does not open with the
// secret; INVALID_ARGUMENT "invalid_field" (field "payload") when it opens
// but is not a version-1 MailboxContent.
//
// Thread-safety: thread-safe (no state of its own). The MailboxEntry
// arguments belong to the caller, who serialises access to them. `relay`
// (gRPC or HTTP, device/relay_client.h) is not owned and must outlive this
// object; `observe_plaintext` must be thread-safe.
#ifndef SCT_DEVICE_MAILBOX_IO_H_
#define SCT_DEVICE_MAILBOX_IO_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crypto/mailbox_payload.h"
#include "device/derived_relay_client.h"
#include "device/device_state.pb.h"
#include "device/relay_client.h"
#include "proto/device/v1/device.pb.h"
#include "proto/relay/v1/relay.pb.h"

namespace sct::device {

// The MailboxContent version this device writes and reads.
inline constexpr uint32_t kMailboxContentVersion = 1;

class MailboxIo {
 public:
  using PlaintextObserver = std::function<void(absl::string_view plaintext)>;

  // `derived` (may be null; not owned) switches every exchange to the
  // derived-locations design (see "Derived mode" below).
  MailboxIo(const RelayClient* relay, PlaintextObserver observe_plaintext,
            const DerivedRelayClient* derived = nullptr)
      : relay_(relay), observe_plaintext_(std::move(observe_plaintext)), derived_(derived) {}

  // Derived mode (draft-rescorla-tigress-http-00, mailbox_io_derived.cc):
  // the entry's secret is the 32-byte R, its derived_state the exchange
  // (device/derived_exchange.h), its mailbox_id the location of message 0.
  // Each MailboxContent is one message at its own derived location; a read
  // GETs the peer's next message and DELETEs it at once. Read answers the
  // last round again (round() == entry.round(), nothing else set) while the
  // peer has not written; Write never reports push support; Delete
  // withdraws this endpoint's unread last message; Relinquish is
  // FAILED_PRECONDITION "no_binding" (nothing is bound).
  bool derived() const { return derived_ != nullptr; }
  // Sender: creates the exchange under `entry.secret()` and stores
  // `content` as message 0 (round 1); sets mailbox_id and derived_state.
  absl::Status CreateDerived(::device::state::MailboxEntry& entry,
                             ::device::v1::MailboxContent content) const;
  // Receiver: takes message 0 under `entry.secret()` (GET, DELETE) and
  // opens it; sets derived_state and round. NOT_FOUND "message_not_found"
  // when someone else took it first or it never existed.
  absl::StatusOr<::device::v1::MailboxContent> FirstReadDerived(
      ::device::state::MailboxEntry& entry) const;

  // Serializes and seals `content` under `secret`.
  absl::StatusOr<std::string> Seal(crypto::PayloadCipher cipher, absl::string_view secret,
                                   const ::device::v1::MailboxContent& content) const;
  // The plaintext of `payload` under `secret`; PERMISSION_DENIED
  // "decrypt_failed" when the type does not fit the secret or it does not open.
  absl::StatusOr<std::string> Open(const ::relay::v1::Payload& payload,
                                   absl::string_view secret) const;

  // One ReadSecureContent with the entry's claim; `push_token` (may be null)
  // and `attestation` (Mailbox-Device-Attestation, may be empty) are sent on
  // a receiver's first read, which binds the claim.
  absl::StatusOr<::relay::v1::ReadSecureContentResponse> ReadSealed(
      const ::device::state::MailboxEntry& entry, const ::relay::v1::NotificationToken* push_token,
      const std::string& attestation = "") const;
  // Reads and opens the current content; records the mailbox's expiry and
  // display title in `entry`.
  absl::StatusOr<::device::v1::MailboxContent> Read(::device::state::MailboxEntry& entry) const;
  // Posts `content` as the next round (version 1, round entry.round() + 1)
  // and advances entry.round() when the relay accepted it. Returns the
  // relay's isPushNotificationSupported for the mailbox.
  absl::StatusOr<bool> Write(::device::state::MailboxEntry& entry,
                             ::device::v1::MailboxContent content) const;
  // Deletes the mailbox.
  absl::Status Delete(const ::device::state::MailboxEntry& entry) const;
  // Deletes the mailbox; a failure other than NOT_FOUND is logged, not returned.
  void DeleteBestEffort(const ::device::state::MailboxEntry& entry) const;
  // Releases the claim's binding so that another reader may bind.
  absl::Status Relinquish(const ::device::state::MailboxEntry& entry) const;

 private:
  void Observe(absl::string_view plaintext) const;
  absl::StatusOr<::device::v1::MailboxContent> ReadDerived(
      ::device::state::MailboxEntry& entry) const;
  absl::StatusOr<bool> WriteDerived(::device::state::MailboxEntry& entry,
                                    ::device::v1::MailboxContent content) const;
  absl::Status DeleteDerived(const ::device::state::MailboxEntry& entry) const;

  const RelayClient* const relay_;
  const PlaintextObserver observe_plaintext_;
  const DerivedRelayClient* const derived_;
};

// The key a share's payload is sealed under: the link's `secret`, or under
// pin-in-key (`pin_in_key` and a non-empty `pin`) the key derived from both
// (crypto/pin_bound_key.h). INVALID_ARGUMENT "invalid_field" naming "pin"
// when that PIN is not 6 digits.
absl::StatusOr<std::string> PayloadKey(bool pin_in_key, const std::string& secret,
                                       const std::string& pin);

// OK unless `content`, just read from the relay, is of an older round than
// `entry` has already seen or written: PERMISSION_DENIED "round_rollback".
// Only the two parties write a mailbox, each write one round higher, so an
// honest relay never goes back; an older round means the relay replayed an
// old message or acknowledged a write it never stored. The round counter is
// inside the sealed payload, so the relay cannot renumber a message.
absl::Status CheckNoRollback(const ::device::state::MailboxEntry& entry,
                             const ::device::v1::MailboxContent& content);

// Records the relay's RFC 3339 expiration of a read in `entry`. Ignored when
// the entry's expiry is the sender's own (`expiry_asked`: a relay's claim
// never replaces it), or the expiration is absent or unparsable; outside the
// Timestamp range 0001-9999 it is logged, naming `expiration`, and ignored:
// never clamped.
void RecordExpiration(const ::relay::v1::ReadSecureContentResponse& read,
                      ::device::state::MailboxEntry& entry);

}  // namespace sct::device

#endif  // SCT_DEVICE_MAILBOX_IO_H_
