// The relay's data model: one mailbox of draft-vinokurov-tigress-http-00.
//
// Plain values, no transport types. Payload bytes are raw (IV ‖ ciphertext ‖
// tag); the adapters base64-encode them on the wire.
#ifndef SCT_RELAY_MAILBOX_H_
#define SCT_RELAY_MAILBOX_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace sct::relay {

// Payload types the draft defines.
inline constexpr char kAeadAes128Gcm[] = "AEAD_AES_128_GCM";
inline constexpr char kAeadAes256Gcm[] = "AEAD_AES_256_GCM";
inline constexpr size_t kIvBytes = 12;
inline constexpr size_t kTagBytes = 16;

struct Payload {
  std::string type;  // kAeadAes128Gcm or kAeadAes256Gcm
  std::string data;  // raw IV(12) ‖ ciphertext ‖ tag(16)
  bool operator==(const Payload& o) const { return type == o.type && data == o.data; }
};

// Public, unencrypted preview shown before the link is opened.
struct DisplayInformation {
  std::string title;
  std::string description;
  std::string image_url;
  bool operator==(const DisplayInformation& o) const {
    return title == o.title && description == o.description && image_url == o.image_url;
  }
};

// How to reach a bound party: `type` names its OEM's push service.
struct NotificationToken {
  std::string type;
  std::string token_data;
  bool operator==(const NotificationToken& o) const {
    return type == o.type && token_data == o.token_data;
  }
};

// One stored mailbox. `version` increases by one on every change and is what
// MailboxStore::CompareAndSwap checks.
struct Mailbox {
  std::string id;  // relay-generated UUIDv4
  Payload payload;
  DisplayInformation display;
  std::string access_rights;  // canonical order subset of "RWD", e.g. "RD"
  absl::Time created_at;
  absl::Time expires_at;
  std::string sender_claim;    // Mailbox-Device-Claim of the creator
  std::optional<NotificationToken> sender_token;
  std::string receiver_claim;  // empty while unbound
  std::optional<NotificationToken> receiver_token;
  std::string attestation;     // opaque Mailbox-Device-Attestation, may be empty
  // Recent request keys (claim ‖ request id) already applied to this mailbox,
  // newest last, at most kMaxRememberedRequests: a repeat answers 201 and
  // changes nothing. Kept inside the record so the check is atomic with the
  // change it guards.
  std::vector<std::string> applied_requests;
  int64_t version = 0;
};

inline constexpr size_t kMaxRememberedRequests = 32;

// An expiry as both faces put it on the wire: rounded down to a whole second,
// as the draft writes it ("2025-01-01T00:00:00Z"). Rounding down never
// promises a client more lifetime than the mailbox has.
inline absl::Time WholeSeconds(absl::Time t) {
  return absl::FromUnixSeconds(absl::ToUnixSeconds(t));
}

}  // namespace sct::relay

#endif  // SCT_RELAY_MAILBOX_H_
